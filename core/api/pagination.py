"""Pagination: page numbers for the short lists, cursors for the long ones.

Page numbers answer ``count`` and let a client jump to page n; on a table of hundreds of
thousands of rows the ``COUNT(*)`` behind them costs more than the page itself and an
``OFFSET`` deep into the table reads every row before it. Lists that grow without bound
(subscriptions, the audit trail, meter readings, bank entries, chain transfers) use
:class:`CursorPagination`: ``next``/``previous`` links only, each page one index range scan,
stable while rows are added.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window
from rest_framework import pagination

_TOTAL = "_list_total"


class CountingPaginator(Paginator):
    """Reads a page of ``.values()`` rows and the length of the whole list in one statement
    (``COUNT(*) OVER ()`` beside each row) instead of a ``COUNT(*)`` query before the page query.
    Any other list, a ``DISTINCT`` one, or a page asked for after the length is known (``?page=last``)
    takes Django's two queries. The answer is the same either way."""

    def page(self, number):
        rows = self.object_list
        if ("count" in self.__dict__ or self.orphans or not isinstance(rows, QuerySet)
                or not rows.query.values_select or rows.query.distinct or rows.query.combinator):
            return super().page(number)
        number = self._number(number)
        bottom = (number - 1) * self.per_page
        page = list(rows.annotate(**{_TOTAL: Window(Count("*"))})[bottom:bottom + self.per_page])
        if not page:
            if number > 1:
                raise EmptyPage(self.error_messages["no_results"])
            self.count = 0
            if not self.allow_empty_first_page:
                raise EmptyPage(self.error_messages["no_results"])
        else:
            self.count = page[0][_TOTAL]
            for row in page:
                del row[_TOTAL]
        return self._get_page(page, number, self)

    def _number(self, number) -> int:
        """Django's checks of a page number but the last (not past the end), which needs the count."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CountingPaginator


class CursorPagination(pagination.CursorPagination):
    """Newest first by creation time, then id, unless the view sets ``cursor_ordering``; a client's
    ``?ordering=`` (one of the view's ``ordering_fields``) is honoured, with the id as tie-break so
    that every position is unique."""

    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        self.ordering = getattr(view, "cursor_ordering", type(self).ordering)
        ordering = list(super().get_ordering(request, queryset, view))
        if ordering[-1].lstrip("-") not in ("id", "pk"):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return tuple(ordering)
