"""Costs of the admin theme's pages that grew with the rows, removed.

django-unfold 0.91 builds a list page's column headers again for every row (its
``items_for_result`` calls ``result_headers(cl)`` per row), renders the row's selection
checkbox through a form widget template per row, and, like Django, flattens a field's choices
twice per cell (250 countries for each investor's residence). On 100 rows that tripled the
time of the list pages (bench/admin.py, bench/README.md). ``apply()`` (from ``core.apps``)
makes the headers once per page, the row checkbox from one rendering of unfold's own widget,
each field's choice labels once per process, and the app list (for the sidebar) once per
request; the markup stays unfold's exactly
(tests/admin/test_admin_list_pages.py compares it). Its list template also asks every row for the
admin's ``list_sections``, which unfold does not define: each failed lookup makes Django's template
engine call ``dir()`` on the admin (200 calls a page); an empty ``list_sections`` answers at once.
"""

from django.contrib.admin import helpers
from django.utils.html import escape
from django.utils.safestring import mark_safe

_MARK = "__row_pk__"


def _headers_once_per_page(result_headers):
    def headers(cl):
        made = getattr(cl, "_unfold_result_headers", None)
        if made is None:
            made = cl._unfold_result_headers = list(result_headers(cl))
        return iter(made)

    headers.original = result_headers
    return headers


def _row_checkbox(original):
    before, after = None, None

    def action_checkbox(self, obj) -> str:
        nonlocal before, after
        if before is None:
            from unfold.admin import checkbox

            before, after = checkbox.render(helpers.ACTION_CHECKBOX_NAME, _MARK).split(_MARK)
        return mark_safe(before + escape(str(obj.pk)) + after)  # noqa: S308  (unfold's markup, pk escaped)

    action_checkbox.short_description = original.short_description
    action_checkbox.original = original
    return action_checkbox


def _choice_labels_once(display_for_field):
    def display(value, field, empty_value_display):
        labels = getattr(field, "_admin_choice_labels", None)
        if labels is None and getattr(field, "choices", None) and not callable(field.choices):
            try:
                labels = dict(field.flatchoices)
                hash(value)
            except TypeError:  # list-like choices or values: unfold's own path
                labels = {}
            field._admin_choice_labels = labels
        if labels:
            try:
                return labels.get(value, empty_value_display)
            except TypeError:
                pass
        return display_for_field(value, field, empty_value_display)

    display.original = display_for_field
    return display


def _app_list_once_per_request(get_app_list):
    """The app list of a page is built for Django's ``available_apps`` and again for the sidebar
    (core/admin_navigation.py): build it once per request."""

    def app_list(self, request, app_label=None):
        if app_label is not None:
            return get_app_list(self, request, app_label)
        made = getattr(request, "_admin_app_list", None)
        if made is None or made[0] is not self:
            made = (self, get_app_list(self, request))
            request._admin_app_list = made
        return made[1]

    app_list.original = get_app_list
    return app_list


def apply() -> None:
    from unfold.admin import ModelAdmin
    from unfold.sites import UnfoldAdminSite
    from unfold.templatetags import unfold_list

    if not hasattr(UnfoldAdminSite.get_app_list, "original"):
        UnfoldAdminSite.get_app_list = _app_list_once_per_request(UnfoldAdminSite.get_app_list)

    if not hasattr(unfold_list.result_headers, "original"):
        unfold_list.result_headers = _headers_once_per_page(unfold_list.result_headers)
    if not hasattr(unfold_list.display_for_field, "original"):
        unfold_list.display_for_field = _choice_labels_once(unfold_list.display_for_field)
    if not hasattr(ModelAdmin.action_checkbox, "original"):
        ModelAdmin.action_checkbox = _row_checkbox(ModelAdmin.action_checkbox)
    if not hasattr(ModelAdmin, "list_sections"):
        ModelAdmin.list_sections = ()  # no sections below the rows, as when it is missing
