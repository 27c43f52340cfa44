"""CSV export of any admin list: the action "Export selected rows to CSV" on every changelist.

The columns are the list's own (``list_display``, without the checkbox), under the headers the
page shows; values are the page's values as text (choices by their label, dates in ISO 8601,
money as the plain amount). Rows stream out in chunks of 2,000, so a large selection (the whole
audit trail, "select all") never sits in memory. Offered to whoever may view the list: the
trustee and auditors included.
"""

import csv

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.http import StreamingHttpResponse
from django.utils.html import strip_tags
from django.utils.text import capfirst, slugify

CHUNK = 2000


class _Echo:
    """A file whose ``write`` hands back what it is given, for ``csv.writer`` to stream through."""

    def write(self, value: str) -> str:
        return value


def _columns(modeladmin, request) -> list[str]:
    return [name for name in modeladmin.get_list_display(request) if name != "action_checkbox"]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return strip_tags(str(value))


def _cell(name: str, obj, modeladmin) -> str:
    field, attr, value = lookup_field(name, obj, modeladmin)
    if field is not None and getattr(field, "choices", None) and not getattr(field, "is_relation", False):
        value = dict(field.flatchoices).get(value, value)
    return _text(value)


def csv_rows(modeladmin, request, queryset):
    """The header, then one row per object of ``queryset`` (lines of CSV text)."""
    columns = _columns(modeladmin, request)
    writer = csv.writer(_Echo())
    yield writer.writerow([capfirst(strip_tags(str(label_for_field(name, modeladmin.model, modeladmin))))
                           for name in columns])
    for obj in queryset.iterator(chunk_size=CHUNK):
        yield writer.writerow([_cell(name, obj, modeladmin) for name in columns])


@admin.action(description="Export selected rows to CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    name = slugify(modeladmin.model._meta.verbose_name_plural) or "rows"
    response = StreamingHttpResponse(csv_rows(modeladmin, request, queryset), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
