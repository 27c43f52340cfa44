"""Money: currencies and their minor units, named rounding, exact splits, formatting.

Pure Python (no Django): importable from engines and workers without settings.
Fiat amounts are ``Decimal`` next to an ISO 4217 currency code, never float. The
database column helper is ``core.fields.money_field`` (also reachable here as
``core.money.money_field``, loaded on first use so this module stays Django-free).

docs/money.md describes the conventions with worked examples.
"""

from collections.abc import Sequence
from decimal import (
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from enum import StrEnum
from fractions import Fraction

from core.errors import InvalidInput

# Columns hold up to 4 decimals (the largest ISO 4217 minor unit, CLF and UYW) and
# 18 integer digits; each amount uses only its own currency's decimals.
MONEY_MAX_DIGITS = 22
MONEY_DECIMAL_PLACES = 4
RATE_MAX_DIGITS = 9
RATE_DECIMAL_PLACES = 6
_CENT = Decimal("0.01")

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


class Rounding(StrEnum):
    """The rounding modes the business names. Each value is the ``decimal`` module's constant,
    so a member can be passed wherever ``decimal`` expects a rounding."""

    HALF_EVEN = ROUND_HALF_EVEN  # ties to the even digit (banker's rounding): the default
    HALF_UP = ROUND_HALF_UP  # ties away from zero (commercial rounding)
    DOWN = ROUND_DOWN  # toward zero (truncate)
    UP = ROUND_UP  # away from zero
    FLOOR = ROUND_FLOOR  # toward minus infinity (down for amounts owed, away from zero below it)


def _decimal(amount, what: str = "amount") -> Decimal:
    if isinstance(amount, float | bool):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(amount).__name__}")
    return amount if isinstance(amount, Decimal) else Decimal(amount)


def quantize(amount: Decimal | int | Fraction, currency: str,
             rounding: Rounding | str = Rounding.HALF_EVEN) -> Decimal:
    """``amount`` rounded once to ``currency``'s minor unit with the named rounding:
    ``quantize(Decimal("333.5"), "JPY") == Decimal("334")``, ``quantize(1, "KWD") == Decimal("1.000")``.
    A ``Fraction`` (an exact quotient, e.g. interest from a day count) is rounded exactly."""
    rounding = Rounding(rounding)
    if isinstance(amount, Fraction):
        return _quantize_fraction(amount, minor_units(currency), rounding)
    return _decimal(amount).quantize(minor_unit(currency), rounding=rounding)


def _quantize_fraction(value: Fraction, places: int, rounding: Rounding) -> Decimal:
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    half = Fraction(rest, scaled.denominator) - Fraction(1, 2)  # sign of (remainder - 1/2)
    if rest and (rounding == Rounding.UP or (rounding == Rounding.HALF_UP and half >= 0)
                 or (rounding == Rounding.FLOOR and value < 0)
                 or (rounding == Rounding.HALF_EVEN and (half > 0 or (half == 0 and whole % 2)))):
        whole += 1
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def has_minor_units(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` is a whole number of ``currency``'s minor units (1.25 USD yes, 333.5 JPY no)."""
    return amount.is_finite() and amount == amount.quantize(minor_unit(currency), rounding=ROUND_DOWN)


def check_minor_units(amount: Decimal | None, currency: str, *, field: str) -> Decimal | None:
    """Refuse an amount with more decimals than ``currency`` has, naming ``field``.

    Returns the amount written with exactly the currency's decimals (``Decimal("1.25")`` in
    KWD becomes ``Decimal("1.250")``); ``None`` stays ``None``.
    """
    if amount is None:
        return None
    amount = _decimal(amount, field)
    if not amount.is_finite():
        raise InvalidInput(f"{field} must be a finite amount, not {amount}.", field=field)
    places = minor_units(currency)
    if not has_minor_units(amount, currency):
        allowed = "no decimals" if places == 0 else f"at most {places} decimal{'s' if places > 1 else ''}"
        raise InvalidInput(f"{field} {amount} {currency} has more decimals than {currency} allows "
                           f"({allowed}).", field=field)
    return amount.quantize(minor_unit(currency))


def _exact(value, what: str) -> Fraction:
    if isinstance(value, float | bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"{what} must be a Decimal, an int or a Fraction, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be finite, not {value}")
    return Fraction(value)


def canonical(amount: Decimal) -> Decimal:
    """An amount written without its currency: the exact value with at least two decimals and no
    trailing zeros beyond (``1000.0000`` -> ``1000.00``, ``1.2500`` -> ``1.25``, ``0.0001`` stays).
    Money columns read back in this form; what people see goes through the currency instead."""
    if not amount.is_finite():
        return amount
    exact = amount.normalize()
    return amount.quantize(_CENT) if exact.as_tuple().exponent > -2 else exact


def format_money(amount: Decimal | None, currency: str) -> str:
    """How people read an amount, with exactly the currency's decimals:
    ``1234567.5, "USD"`` -> ``"1,234,567.50 USD"``, ``1000, "JPY"`` -> ``"1,000 JPY"``."""
    if amount is None:
        return "-"
    return f"{quantize(amount, currency):,} {currency}"


def allocate(total: Decimal | int, weights: Sequence[Decimal | int | Fraction], *,
             unit: Decimal | int) -> list:
    """Split ``total`` in proportion to ``weights`` into whole multiples of ``unit`` that add up
    to exactly ``total`` (largest remainder, Hamilton's method).

    ``total`` must be a whole multiple of ``unit`` (e.g. a USD amount with ``unit=Decimal("0.01")``,
    lots with ``unit=1``); weights are non-negative and not all zero. With ``n = total / unit``
    units to hand out and ``W`` the sum of the weights:

    1. each position's exact quota is ``n * w_i / W`` units (exact rational arithmetic);
    2. each gets the whole part of its quota;
    3. the units left over (fewer than the positions with a fractional part) go one each to the
       largest fractional parts. Equal fractional parts go to the earlier position in
       ``weights``: callers order their input (request order, register order) to make that rule
       the documented tie-break.

    So each share is within one unit of its exact quota, a zero weight gets zero, a larger
    weight never gets less than a smaller one, and the shares add up to ``total``. A negative
    ``total`` is split as its absolute value and every share negated. The shares have the type
    of ``total * unit`` (``int`` for ints, ``Decimal`` for Decimals).

    >>> allocate(Decimal("100.00"), [1, 1, 1], unit=Decimal("0.01"))
    [Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
    """
    if _exact(unit, "unit") <= 0:
        raise ValueError("unit must be positive")
    count = _exact(total, "total") / _exact(unit, "unit")
    if count.denominator != 1:
        raise ValueError(f"total {total} is not a whole multiple of the unit {unit}")
    units = abs(count.numerator)
    exact = [_exact(w, "weight") for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError("weights must not be negative")
    weight_sum = sum(exact, Fraction(0))
    if weight_sum == 0:
        if units == 0:
            return [0 * unit for _ in exact]
        raise ValueError("cannot split a non-zero total over weights that are all zero")
    quotas = [units * w / weight_sum for w in exact]
    shares = [q.numerator // q.denominator for q in quotas]
    left = units - sum(shares)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += 1
    sign = -1 if count < 0 else 1
    return [sign * share * unit for share in shares]


def __getattr__(name: str):
    # ``money_field`` lives in core.fields (Django); loading it only when asked keeps this
    # module importable without Django while ``from core.money import money_field`` still works.
    if name == "money_field":
        from core.fields import money_field

        return money_field
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
