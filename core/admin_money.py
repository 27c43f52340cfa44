"""Figures in the admin: amounts in their currency, rates as percentages, token amounts in units.

Money columns hold four decimals, and the admin would show them all (``1,000.0000``).
``MoneyAdminMixin`` (part of ``ServiceAdmin``, ``ReadOnlyAdmin`` and ``ReadOnlyInline``; add it to
other model admins and inlines) shows, on list columns and on read-only fields (every field of a
view-only page) alike:

- each money column through its row's currency, found at ``money_currency`` (a dotted path from
  the row, ``"currency"`` by default): ``1,000.00 USD``, ``1,000 JPY``, ``1.250 KWD``; an edit
  form's input starts with the currency's decimals (``1000.00``, not ``1000.0000``);
- each rate named in ``percent_fields`` (a fraction, ``0.0425``) as ``4.250 %``;
- each token amount named in ``token_amounts`` (``{field: (decimals path, symbol path)}``, base
  units as on chain) in units, the base units on hover:
  ``<span title="1250000000 base units">1,250 GCA</span>``.
"""

from decimal import Decimal
from functools import cache

from django import forms
from django.contrib import admin
from django.utils.html import conditional_escape, format_html

from core.api.money import currency_of
from core.fields import is_money_field
from core.money import canonical, format_money, quantize


def _shown(value, currency: str | None) -> str:
    if value is None:
        return "-"
    return format_money(value, currency) if currency else f"{canonical(value):,}"


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_percent(rate: Decimal | None) -> str:
    """A rate held as a fraction, as a percentage with at least three decimals:
    ``Decimal("0.0425")`` -> ``"4.250 %"``, ``Decimal("0.123456")`` -> ``"12.3456 %"``."""
    if rate is None:
        return "-"
    percent = Decimal(rate) * 100
    return f"{percent:,.{max(3, _places(percent))}f} %"


def format_units(base_units: Decimal | int | None, decimals: int | None, symbol: str | None = "") -> str:
    """A token amount in base units, as units with its symbol and the base units on hover:
    ``format_units(1250500000, 6, "GCA")`` ->
    ``'<span class="num" title="1250500000 base units">1,250.5 GCA</span>'``."""
    if base_units is None:
        return "-"
    if decimals is None:  # the token is not known yet: base units only
        return format_html('<span class="num">{} base units</span>', f"{int(base_units):,}")
    units = Decimal(int(base_units)).scaleb(-int(decimals))
    text = f"{units:,.{_places(units)}f}" + (f" {symbol}" if symbol else "")
    return format_html('<span class="num" title="{} base units">{}</span>', int(base_units), text)


class FigureDisplay(forms.Widget):
    """Renders a read-only figure (percentage, token amount) already formatted for its row."""

    read_only = True

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, name, value, attrs=None, renderer=None) -> str:
        return conditional_escape(self.text)


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


def _percent_text(obj, name: str) -> str:
    return format_percent(getattr(obj, name))


def _units_text(obj, name: str, paths: tuple[str, str]) -> str:
    decimals_path, symbol_path = paths
    return format_units(getattr(obj, name), currency_of(obj, decimals_path) if decimals_path else None,
                        currency_of(obj, symbol_path) if symbol_path else "")


@cache
def _figure_column(model, name: str, kind: str, paths: tuple[str, str] | None):
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj) -> str:
        return _percent_text(obj, name) if kind == "percent" else _units_text(obj, name, paths)

    column.__name__ = name
    return column


class MoneyAdminMixin:
    money_currency = "currency"
    percent_fields: tuple[str, ...] = ()
    token_amounts: dict[str, tuple[str, str]] = {}

    def _money_names(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if is_money_field(f)]

    def _figure(self, name: str):
        """The list column of a percentage or token amount field, or None."""
        if name in self.percent_fields:
            return _figure_column(self.model, name, "percent", None)
        if name in self.token_amounts:
            return _figure_column(self.model, name, "units", tuple(self.token_amounts[name]))
        return None

    def get_list_display(self, request):
        names = set(self._money_names())
        shown = []
        for item in super().get_list_display(request):
            if isinstance(item, str) and item in names:
                item = _column(self.model, item, self.money_currency)
            elif isinstance(item, str):
                item = self._figure(item) or item
            shown.append(item)
        return shown

    def get_form(self, request, obj=None, **kwargs):
        return self._money_form(super().get_form(request, obj, **kwargs), request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = self._money_form(formset.form, request, obj)
        return formset

    def _money_form(self, form_class, request, obj):
        names = self._money_names()
        figures = [*self.percent_fields, *self.token_amounts]
        if not names and not figures:
            return form_class
        view_only = obj is not None and not self.has_change_permission(request, obj)
        readonly = set(self.get_readonly_fields(request, obj))
        read_only = set(names) if view_only else readonly & set(names)
        figures_shown = set(figures) if view_only else readonly & set(figures)
        path = self.money_currency
        percent_fields, token_amounts = self.percent_fields, self.token_amounts

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
                for name in figures_shown:
                    text = (_percent_text(self.instance, name) if name in percent_fields
                            else _units_text(self.instance, name, tuple(token_amounts[name])))
                    self.fields[name] = forms.Field(required=False, disabled=True, widget=FigureDisplay(text))

        MoneyForm.__name__ = form_class.__name__
        return MoneyForm
