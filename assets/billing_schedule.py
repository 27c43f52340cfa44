"""A lease's billing periods: consecutive, never overlapping, anchored on its start date.

Pure Python (no Django). Period *k* starts ``k x months`` calendar months after the anchor (the
lease's start date), on the anchor's day of the month, or on the month's last day when the month
is shorter (an anchor on 31 January gives 28 February, then 31 March: always counted from the
anchor, so a short month never shifts the later periods). A period ends the day before the next
one starts, and the last one on the lease's last day, which may cut it short (``partial``).

A quarterly lease starting 15 January 2026 bills 15 Jan - 14 Apr, 15 Apr - 14 Jul, ...
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, kept on the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day billed
    scheduled_end: date  # the last day of the full period on the schedule
    months: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def scheduled_days(self) -> int:
        return (self.scheduled_end - self.start).days + 1

    @property
    def partial(self) -> bool:
        return self.end < self.scheduled_end


def _period(anchor: date, months: int, last_day: date, k: int) -> Period:
    start = add_months(anchor, k * months)
    scheduled_end = add_months(anchor, (k + 1) * months) - timedelta(days=1)
    return Period(start=start, end=min(scheduled_end, last_day), scheduled_end=scheduled_end, months=months)


def schedule(*, anchor: date, months: int, last_day: date) -> Iterator[Period]:
    """Every period from ``anchor`` to ``last_day`` (both included), in order."""
    k = 0
    while (period := _period(anchor, months, last_day, k)).start <= last_day:
        yield period
        k += 1


def period_containing(*, anchor: date, months: int, last_day: date, day: date) -> Period:
    """The period that ``day`` falls in; ``ValueError`` when it is outside anchor..last_day."""
    if not anchor <= day <= last_day:
        raise ValueError(f"{day} is outside {anchor}..{last_day}")
    k = ((day.year - anchor.year) * 12 + day.month - anchor.month) // months
    while add_months(anchor, k * months) > day:
        k -= 1
    while add_months(anchor, (k + 1) * months) <= day:
        k += 1
    return _period(anchor, months, last_day, k)
