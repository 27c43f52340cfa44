"""Money in the API: every amount written with exactly its currency's decimals.

``MoneyField`` reads the currency from the same row (``currency="deal.currency"`` is a dotted
path from the row): USD reads ``"1000.00"``, JPY ``"1000"``, KWD ``"1.250"``. On input it takes
up to four decimals (the largest minor unit); the service then refuses an amount with more
decimals than its own currency has (``core.money.check_minor_units``), naming the field.
``MoneySerializerMixin`` turns every money column of a ``ModelSerializer`` into a ``MoneyField``.
"""

from decimal import Decimal
from typing import NamedTuple

from rest_framework import serializers
from rest_framework.settings import api_settings

from core.fields import is_money_field
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, canonical, quantize


class _Amount(NamedTuple):
    value: Decimal
    currency: str | None


def currency_of(row, path: str) -> str | None:
    """The currency code at dotted ``path`` from ``row`` (``"tranche.deal.currency"``), or ``None``
    when the row does not have one (yet)."""
    value = row
    for name in path.split("."):
        try:
            value = value.get(name) if isinstance(value, dict) else getattr(value, name)
        except Exception:  # noqa: BLE001 - a related row not set yet
            return None
        if value is None:
            return None
    return value or None


def money_value(amount: Decimal, currency: str | None) -> _Amount:
    """What ``MoneyField.to_representation`` takes: an amount with the currency of its row."""
    return _Amount(amount, currency)


class MoneyField(serializers.DecimalField):
    def __init__(self, *, currency: str = "currency", **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        self.currency_path = currency
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return None if value is None else money_value(value, currency_of(instance, self.currency_path))

    def to_representation(self, value):
        amount, currency = value if isinstance(value, _Amount) else (value, None)
        if not isinstance(amount, Decimal):
            amount = Decimal(str(amount))
        shown = quantize(amount, currency) if currency else canonical(amount)
        coerce = getattr(self, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        return f"{shown:f}" if coerce else shown

    def to_internal_value(self, data):
        # DRF pads the input to ``decimal_places``; keep the amount as written (at least two
        # decimals), which is also how the column reads back.
        value = super().to_internal_value(data)
        return canonical(value)


class MoneySerializerMixin:
    """For a ``ModelSerializer``: every money column becomes a ``MoneyField`` in the currency at
    ``money_currency`` (a dotted path from the row, ``"currency"`` by default)."""

    money_currency = "currency"

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if is_money_field(model_field):
            kwargs.pop("coerce_to_string", None)
            field_class, kwargs["currency"] = MoneyField, self.money_currency
        return field_class, kwargs
