"""Calendar arithmetic on business dates: months, years, month ends (pure Python, no Django).

One rule for every anniversary in the project (KYC refresh dates, depreciation lives,
lease terms, coupon schedules): a day that does not exist in the target month becomes
that month's last day, so 31 January + 1 month is 28 (or 29) February and 29 February
+ 1 year is 28 February.
"""

import calendar
from datetime import date


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=days_in_month(day.year, day.month))


def is_month_end(day: date) -> bool:
    return day.day == days_in_month(day.year, day.month)


def add_months(day: date, months: int, *, end_of_month: bool = False) -> date:
    """``day`` moved by ``months`` calendar months (negative goes back).

    The day of the month is kept; when the target month is shorter it becomes the target
    month's last day (31 January + 1 month = 28 February 2025, 29 February 2024 in a leap
    year). With ``end_of_month=True`` a month end stays a month end (30 April + 1 month =
    31 May; 28 February 2025 + 12 months = 28 February 2026, + 12 months from 28 February
    2023 = 29 February 2024): the end-of-month rule of coupon and billing schedules.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = days_in_month(year, month)
    if end_of_month and is_month_end(day):
        return date(year, month, last)
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """``day`` moved by ``years`` calendar years; 29 February becomes 28 February in a
    year without one (``add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)``)."""
    return add_months(day, 12 * years)
