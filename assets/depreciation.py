"""Straight-line depreciation and book value: a pure function, exact ``Decimal``.

Convention (documented in docs/assets.md):

- the asset depreciates from its in-service date (the purchase date) for ``life_years``
  calendar years, ending on the same day ``life_years`` later (29 February rolls to
  28 February);
- depreciation accrues by the day: ``(cost - residual) x days elapsed / days of life``;
- before the start the book value is the cost, from the end on it is the residual value;
- the result is rounded once, to the cent, with the named rounding (half-even by default).
"""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a non-leap year
        return start.replace(year=start.year + years, day=28)


def book_value(
    *,
    cost: Decimal,
    residual: Decimal,
    start: date,
    life_years: int,
    at: date,
    rounding: str = ROUND_HALF_EVEN,
) -> Decimal:
    """Book value at the start of day ``at`` of an asset bought for ``cost`` on ``start``."""
    if life_years <= 0:
        raise ValueError("life_years must be at least 1.")
    if residual < 0 or residual > cost:
        raise ValueError("The residual value must be between 0 and the cost.")
    end = add_years(start, life_years)
    if at <= start:
        return cost.quantize(CENT, rounding=rounding)
    if at >= end:
        return residual.quantize(CENT, rounding=rounding)
    elapsed = Decimal((at - start).days)
    total = Decimal((end - start).days)
    value = cost - (cost - residual) * elapsed / total
    return value.quantize(CENT, rounding=rounding)


def accumulated_depreciation(**kwargs) -> Decimal:
    return kwargs["cost"].quantize(CENT) - book_value(**kwargs)
