"""Straight-line depreciation and book value: a pure function, exact ``Decimal``.

Convention (documented in docs/assets.md):

- the asset depreciates from its in-service date (the purchase date) for ``life_years``
  calendar years, ending on the same day ``life_years`` later (29 February rolls to
  28 February);
- depreciation accrues by the day: ``(cost - residual) x days elapsed / days of life``;
- before the start the book value is the cost, from the end on it is the residual value;
- the result is rounded once, to the currency's minor unit, with the named rounding
  (half-even by default).
"""

from datetime import date
from decimal import Decimal

from core.dates import add_years
from core.money import Rounding, quantize


def book_value(
    *,
    cost: Decimal,
    residual: Decimal,
    start: date,
    life_years: int,
    at: date,
    currency: str,
    rounding: Rounding | str = Rounding.HALF_EVEN,
) -> Decimal:
    """Book value at the start of day ``at`` of an asset bought for ``cost`` on ``start``."""
    if life_years <= 0:
        raise ValueError("life_years must be at least 1.")
    if residual < 0 or residual > cost:
        raise ValueError("The residual value must be between 0 and the cost.")
    try:
        end = add_years(start, life_years)
    except (ValueError, OverflowError):
        raise ValueError(f"a useful life of {life_years} years from {start.isoformat()} ends after the "
                         "last date the calendar knows (year 9999).") from None
    if at <= start:
        return quantize(cost, currency, rounding)
    if at >= end:
        return quantize(residual, currency, rounding)
    elapsed = Decimal((at - start).days)
    total = Decimal((end - start).days)
    value = cost - (cost - residual) * elapsed / total
    return quantize(value, currency, rounding)


def accumulated_depreciation(**kwargs) -> Decimal:
    return quantize(kwargs["cost"], kwargs["currency"]) - book_value(**kwargs)
