"""Filters for every list in the API, bounded like the rest of the input.

Use this module where django-filter's would be used: ``from core.api import filters``, then
``filters.FilterSet``, ``filters.DateFilter``, ``filters.IsoDateTimeFilter``,
``filters.NumberFilter``... Dates must lie within the business range of ``core.bounds``, a
date and time within it in UTC too (``0001-01-01T00:00:00+01:00`` is in year 0 in UTC), and a
number filter on ids or counts takes a whole number that fits a PostgreSQL bigint. A value
outside is a 400 naming the filter (``error.fields``), with the words ``core.params`` uses.

``FilterSet`` also bounds the filters it builds from ``Meta.fields`` and ``filterset_fields``
(``core.api.filter_backends.FilterBackend`` builds the latter from it).
"""

from django import forms
from django.db import models
from django_filters import fields as filter_fields
from django_filters import rest_framework as drf_filters
from django_filters.rest_framework import (  # noqa: F401 - re-exported for the apps
    BooleanFilter,
    CharFilter,
    ChoiceFilter,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
)

from core import params

BIGINT = (-(2**63), 2**63 - 1)
INTEGER_RANGES = {  # by Django field type: what the PostgreSQL column holds
    "SmallIntegerField": (-(2**15), 2**15 - 1), "PositiveSmallIntegerField": (0, 2**15 - 1),
    "IntegerField": (-(2**31), 2**31 - 1), "PositiveIntegerField": (0, 2**31 - 1),
    "BigIntegerField": BIGINT, "PositiveBigIntegerField": (0, BIGINT[1]),
}


def _invalid(problem: str) -> forms.ValidationError:
    # The text may quote the input, "%" and all: a parameter, so that nothing formats it again.
    return forms.ValidationError("%(problem)s", code="invalid", params={"problem": problem})


class BoundedDateField(forms.DateField):
    def to_python(self, value):
        day = super().to_python(value)
        if day is None:
            return None
        problem = params.date_problem(day)
        if problem:
            raise _invalid(problem)
        return day


class BoundedIsoDateTimeField(filter_fields.IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        utc, problem = params.datetime_problem(moment)
        if problem:
            raise _invalid(problem)
        return utc


class BoundedIntegerField(forms.IntegerField):
    """A whole number in ASCII digits, at most 19 of them (no ``1e999999``, no ``²``)."""

    def __init__(self, *, min_value=BIGINT[0], max_value=BIGINT[1], **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number, problem = params.int_problem(str(value), minimum=self.min_value, maximum=self.max_value)
        if problem:
            raise _invalid(problem)
        return number


class DateFilter(drf_filters.DateFilter):
    field_class = BoundedDateField


class IsoDateTimeFilter(drf_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class NumberFilter(drf_filters.NumberFilter):
    """A whole number (an id, a count); for amounts name a ``DecimalFilter``."""

    field_class = BoundedIntegerField


class DecimalFilter(drf_filters.NumberFilter):
    """A decimal within ``max_digits`` / ``decimal_places`` (pass them)."""


def _integer_extra(field: models.Field) -> dict:
    low, high = INTEGER_RANGES.get(field.get_internal_type(), BIGINT)
    return {"min_value": low, "max_value": high}


def _decimal_extra(field: models.Field) -> dict:
    return {"max_digits": field.max_digits, "decimal_places": field.decimal_places}


BOUNDED_DEFAULTS = {
    **drf_filters.FilterSet.FILTER_DEFAULTS,
    models.AutoField: {"filter_class": NumberFilter},
    models.BigAutoField: {"filter_class": NumberFilter},
    models.DateField: {"filter_class": DateFilter},
    models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    models.DecimalField: {"filter_class": DecimalFilter, "extra": _decimal_extra},
    **{cls: {"filter_class": NumberFilter, "extra": _integer_extra}
       for cls in (models.SmallIntegerField, models.IntegerField, models.BigIntegerField,
                   models.PositiveIntegerField, models.PositiveSmallIntegerField,
                   models.PositiveBigIntegerField)},
}


class FilterSet(drf_filters.FilterSet):
    """django-filter's ``FilterSet`` whose generated filters are the bounded ones above."""

    FILTER_DEFAULTS = BOUNDED_DEFAULTS
