"""The dates of a deal's collection periods (pure Python, no Django; docs/servicing.md,
"Collection periods").

Period ``i`` (1, 2, ...) of a deal closing on ``closing`` with a period of ``months`` months:

- its end is ``add_months(closing, i * months, end_of_month=True)`` (a month end stays a month
  end), the last one cut at the legal final maturity;
- the first starts on the closing date, every other the day after the previous end;
- payment date = end + ``payment_lag_days`` calendar days, adjusted on the business-day calendar
  with ``adjustment`` (modified following unless told);
- determination date = payment date - ``determination_lead`` business days;
- record date = payment date - ``record_lead`` business days.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from core.calendars import Adjustment, BusinessCalendar
from core.dates import add_months

MONTHS = {"monthly": 1, "quarterly": 3, "semi_annual": 6, "annual": 12}


@dataclass(frozen=True)
class PeriodDates:
    number: int
    start: date
    end: date
    determination_date: date
    record_date: date
    payment_date: date


def period_dates(
    *,
    closing_date: date,
    legal_final_maturity: date,
    frequency: str,
    calendar: BusinessCalendar,
    adjustment: Adjustment | str = Adjustment.MODIFIED_FOLLOWING,
    payment_lag_days: int = 15,
    determination_lead: int = 5,
    record_lead: int = 2,
) -> list[PeriodDates]:
    """Every period from the closing date to the legal final maturity. Raises ``ValueError`` naming
    the period whose determination date would not fall after its end."""
    months = MONTHS[frequency]
    periods, start, number = [], closing_date, 1
    while start <= legal_final_maturity:
        end = min(add_months(closing_date, number * months, end_of_month=True), legal_final_maturity)
        payment = calendar.adjust(end + timedelta(days=payment_lag_days), adjustment)
        determination = calendar.add_business_days(payment, -determination_lead)
        record = calendar.add_business_days(payment, -record_lead) if record_lead else payment
        if determination <= end:
            raise ValueError(
                f"period {number} ({start} to {end}): the determination date {determination} is not "
                f"after the period end; lengthen the payment lag or shorten the determination lead"
            )
        periods.append(PeriodDates(number, start, end, determination, record, payment))
        start, number = end + timedelta(days=1), number + 1
    return periods
