"""How a table cell reads in a PDF."""

from decimal import Decimal

DRAFT_NOTE = "DRAFT - the period is not closed; figures may change."


def text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | int):
        return f"{value:,}"
    return str(value)
