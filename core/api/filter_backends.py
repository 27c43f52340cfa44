"""The filter backend: django-filter's, without its cost when no filter is asked for.

django-filter builds and validates a form for every request, deep-copying every choice
field (180 currencies, 250 countries) even when the query string names none of its
filters. Most list requests filter on nothing, so the form is built only when a
parameter of the filterset is present. The browsable API's filter form is unaffected.

Filtersets built from a view's ``filterset_fields`` are ``core.api.filters.FilterSet``s, so
their dates and numbers are bounded like every declared one.
"""

from django_filters.rest_framework import DjangoFilterBackend

from core.api.filters import FilterSet


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
