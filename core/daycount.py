"""Day count conventions: the fraction of a year between two dates (pure Python, no Django).

``year_fraction(start, end, convention)`` returns an exact ``Fraction`` (never a float):
interest is ``principal x rate x year_fraction`` and is rounded once, to the currency's
minor unit, by ``accrued_interest``. The conventions follow the 2006 ISDA Definitions,
section 4.16 (docs/money.md has worked examples):

- ``ACT/360``:  actual days / 360                                       (4.16(e))
- ``ACT/365F``: actual days / 365 (Actual/365 Fixed)                    (4.16(d))
- ``ACT/ACT``:  Actual/Actual ISDA: the days falling in a leap year / 366 plus the days
  falling in other years / 365                                          (4.16(b))
- ``30/360``:   30/360 US (bond basis with the end-of-February rules of the US market):
  ``(360 (Y2-Y1) + 30 (M2-M1) + (D2-D1)) / 360`` where, in this order,
  1. if both dates are the last day of February, D2 = 30;
  2. if the start is the last day of February, D1 = 30;
  3. if D2 is 31 and D1 is 30 or 31, D2 = 30;
  4. if D1 is 31, D1 = 30.                                              (4.16(f) + Feb rules)
- ``30E/360``:  Eurobond basis: a 31st counts as the 30th, at either end (4.16(g))

A period counts its first day and not its last (``start`` inclusive, ``end`` exclusive).
``end`` before ``start`` gives the negative of the forward fraction.
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from core.dates import days_in_month
from core.money import Rounding, quantize


class DayCount(StrEnum):
    ACT_360 = "ACT/360"
    ACT_365_FIXED = "ACT/365F"
    ACT_ACT_ISDA = "ACT/ACT"
    THIRTY_360_US = "30/360"
    THIRTY_E_360 = "30E/360"


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _last_of_february(day: date) -> bool:
    return day.month == 2 and day.day == days_in_month(day.year, 2)


def _act_act_isda(start: date, end: date) -> Fraction:
    fraction = Fraction(0)
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = min(end, date(year + 1, 1, 1))
        fraction += Fraction((last - first).days, 366 if _is_leap(year) else 365)
    return fraction


def _thirty_360(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> Fraction:
    return Fraction(360 * (y2 - y1) + 30 * (m2 - m1) + (d2 - d1), 360)


def _thirty_360_us(start: date, end: date) -> Fraction:
    d1, d2 = start.day, end.day
    if _last_of_february(start) and _last_of_february(end):
        d2 = 30
    if _last_of_february(start):
        d1 = 30
    if d2 == 31 and d1 >= 30:
        d2 = 30
    if d1 == 31:
        d1 = 30
    return _thirty_360(start.year, start.month, d1, end.year, end.month, d2)


def _thirty_e_360(start: date, end: date) -> Fraction:
    return _thirty_360(start.year, start.month, min(start.day, 30), end.year, end.month, min(end.day, 30))


_RULES = {
    DayCount.ACT_360: lambda start, end: Fraction((end - start).days, 360),
    DayCount.ACT_365_FIXED: lambda start, end: Fraction((end - start).days, 365),
    DayCount.ACT_ACT_ISDA: _act_act_isda,
    DayCount.THIRTY_360_US: _thirty_360_us,
    DayCount.THIRTY_E_360: _thirty_e_360,
}


def year_fraction(start: date, end: date, convention: DayCount | str) -> Fraction:
    """The exact fraction of a year from ``start`` to ``end`` under ``convention``:
    ``year_fraction(date(2003, 11, 1), date(2004, 5, 1), "ACT/ACT")`` is ``61/365 + 121/366``."""
    rule = _RULES[DayCount(convention)]
    if end < start:
        return -rule(end, start)
    return rule(start, end)


def accrued_interest(principal: Decimal, annual_rate: Decimal, start: date, end: date,
                     convention: DayCount | str, *, currency: str,
                     rounding: Rounding | str = Rounding.HALF_EVEN) -> Decimal:
    """``principal x annual_rate x year_fraction``, computed exactly and rounded once to the
    currency's minor unit: 1,000,000.00 USD at 5 % ACT/360 for 31 days is 4,305.56 USD."""
    exact = Fraction(principal) * Fraction(annual_rate) * year_fraction(start, end, convention)
    return quantize(exact, currency, rounding)
