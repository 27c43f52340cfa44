"""List filters of the admin (docs/admin.md, "Filters").

A currency or country column offers 180 or 250 choices, of which a book uses a handful.
``InUseFilter`` offers only the values the rows use (one ``SELECT DISTINCT`` over the rows the
user may see), labelled from the field's choices ("USD - US Dollar", "Germany"), as a dropdown:

    list_filter = ["state", *in_use("currency", "spv__jurisdiction")]

The query string stays Django's (``?currency__exact=USD``), so links from the home pages keep
working.
"""

from django.core.validators import EMPTY_VALUES
from unfold.contrib.filters.admin import ChoicesDropdownFilter


class InUseFilter(ChoicesDropdownFilter):
    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        labels = dict(field.flatchoices)
        used = model_admin.get_queryset(request).order_by().values_list(field_path, flat=True).distinct()
        self.in_use = sorted(((value, str(labels.get(value, value))) for value in used
                              if value not in EMPTY_VALUES), key=lambda choice: choice[1])

    def has_output(self) -> bool:
        return bool(self.in_use) or self.value() not in EMPTY_VALUES

    def choices(self, changelist):
        yield {
            "form": self.form_class(
                label=f" By {self.title} ", name=self.lookup_kwarg,
                choices=[self.all_option, *self.in_use], data={self.lookup_kwarg: self.value()},
                multiple=False,
            ),
        }


def in_use(*field_paths: str) -> list[tuple[str, type[InUseFilter]]]:
    """``list_filter`` entries offering only the values in use for each of ``field_paths``."""
    return [(path, InUseFilter) for path in field_paths]
