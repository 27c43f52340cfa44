"""Pagination: page numbers for the short lists, cursors for the long ones.

Page numbers answer ``count`` and let a client jump to page n; on a table of hundreds of
thousands of rows the ``COUNT(*)`` behind them costs more than the page itself and an
``OFFSET`` deep into the table reads every row before it. Lists that grow without bound
(subscriptions, the audit trail, meter readings, bank entries, chain transfers) use
:class:`CursorPagination`: ``next``/``previous`` links only, each page one index range scan,
stable while rows are added.
"""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


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
