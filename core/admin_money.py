"""Money in the admin: every amount shown with exactly its currency's decimals.

Money columns hold four decimals, and the admin would show them all (``1,000.0000``).
``MoneyAdminMixin`` (part of ``ServiceAdmin``; add it to other model admins and inlines with
money columns) shows each amount through its row's currency, found at ``money_currency`` (a
dotted path from the row, ``"currency"`` by default):

- list columns: ``1,000.00 USD``, ``1,000 JPY``, ``1.250 KWD``;
- read-only fields (and every field of a view-only page): the same;
- edit forms: the input starts with the currency's decimals (``1000.00``, not ``1000.0000``).
"""

from functools import cache

from django import forms
from django.contrib import admin
from django.utils.html import conditional_escape

from core.api.money import currency_of
from core.fields import is_money_field
from core.money import canonical, format_money, quantize


def _shown(value, currency: str | None) -> str:
    if value is None:
        return "-"
    return format_money(value, currency) if currency else f"{canonical(value):,}"


class MoneyDisplay(forms.Widget):
    """Renders a read-only amount in its currency. The admin renders a read-only field through
    its form widget when the widget says ``read_only`` (as ``contrib.auth`` does for passwords)."""

    read_only = True

    def __init__(self, currency: str | None):
        super().__init__()
        self.currency = currency

    def render(self, name, value, attrs=None, renderer=None) -> str:
        return conditional_escape(_shown(value, self.currency))


@cache
def _column(model, name: str, path: str):
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj) -> str:
        return _shown(getattr(obj, name), currency_of(obj, path))

    column.__name__ = name
    return column


class MoneyAdminMixin:
    money_currency = "currency"

    def _money_names(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if is_money_field(f)]

    def get_list_display(self, request):
        names = set(self._money_names())
        return [_column(self.model, item, self.money_currency) if isinstance(item, str) and item in names
                else item for item in super().get_list_display(request)]

    def get_form(self, request, obj=None, **kwargs):
        return self._money_form(super().get_form(request, obj, **kwargs), request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = self._money_form(formset.form, request, obj)
        return formset

    def _money_form(self, form_class, request, obj):
        names = self._money_names()
        if not names:
            return form_class
        view_only = obj is not None and not self.has_change_permission(request, obj)
        read_only = set(names) if view_only else set(self.get_readonly_fields(request, obj)) & set(names)
        path = self.money_currency

        class MoneyForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                currency = currency_of(self.instance, path)
                for name in names:
                    if name in read_only:
                        # shown, never submitted: a disabled field keeps the posted value out
                        self.fields[name] = forms.Field(required=False, disabled=True,
                                                        widget=MoneyDisplay(currency))
                    elif name in self.fields and currency and self.initial.get(name) is not None:
                        self.initial[name] = quantize(self.initial[name], currency)

        MoneyForm.__name__ = form_class.__name__
        return MoneyForm
