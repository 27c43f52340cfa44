"""Figures as the portal prints them: exact, with thousands separators."""

from decimal import Decimal

from django import template

from core.money import format_money
from portal.selectors import base_units_to_decimal, tx_url

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``1234567.5|money:"USD"`` -> ``1,234,567.50 USD``."""
    return format_money(None if amount is None else Decimal(amount), currency)


@register.filter
def units(amount) -> str:
    """A token quantity with separators and no trailing zeros: ``4000000.000000`` -> ``4,000,000``."""
    value = Decimal(amount).normalize()
    return f"{int(value):,}" if value == value.to_integral() else f"{value:,f}"


@register.filter
def stablecoin(base_units, decimals) -> str:
    """Stablecoin base units in whole coins: ``450000005714|stablecoin:6`` -> ``450,000.005714``."""
    if base_units is None:
        return "-"
    return f"{base_units_to_decimal(int(base_units), int(decimals or 0)):,f}"


@register.filter
def explorer(tx_hash: str) -> str:
    return tx_url(tx_hash)
