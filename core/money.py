"""Money conventions for the whole project.

Fiat amounts are ``Decimal`` in a ``DecimalField`` with these precisions, next to
an ISO 4217 currency column. Floats never hold money.
"""

from decimal import Decimal

from django.db import models

MONEY_MAX_DIGITS = 20
MONEY_DECIMAL_PLACES = 2
RATE_MAX_DIGITS = 9
RATE_DECIMAL_PLACES = 6
CENT = Decimal("0.01")


def money_field(**kwargs) -> models.DecimalField:
    """A fiat amount column with the project-wide precision."""
    return models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
    )


def format_money(amount: Decimal | None, currency: str) -> str:
    """``1234567.5, "USD"`` -> ``"1,234,567.50 USD"``: how people read amounts."""
    if amount is None:
        return "-"
    return f"{amount.quantize(CENT):,} {currency}"


# ISO 4217 minor units (List One, amendment 179): every currency not listed has 2.
_MINOR_UNITS_OTHER_THAN_TWO = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
         "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_units(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit: USD 2, JPY 0, KWD 3, CLF 4."""
    return _MINOR_UNITS_OTHER_THAN_TWO.get(currency.upper(), 2)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal("0.01")`` for USD, ``Decimal("1")`` for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))
