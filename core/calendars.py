"""Business-day calendars and date adjustment (pure Python, no Django).

A ``BusinessCalendar`` knows which days are not business days: its weekend days, the public
or market holidays of the places it is built from (the ``holidays`` package: ISO 3166 country
codes such as ``"SG"`` or ``"US-NY"`` with a subdivision, or market codes such as ``"ECB"``
(TARGET2), ``"NYSE"``, ``"XHKG"``), and extra holidays kept as data (a list of dates: a
typhoon closure, a holiday declared after the package was released). A calendar for
several places (a USD payment in Singapore) is closed when any of them is.

``adjust(day, rule)`` moves a date that falls on a non-business day:

- ``following``: the next business day;
- ``modified_following``: the next business day, unless that is in the next month, then the
  previous business day (so the result never leaves the month);
- ``preceding``: the previous business day;
- ``unadjusted``: the day itself.

``add_business_days(day, n)`` counts ``n`` business days forward (or back for ``n < 0``) from
``day``, which itself is not counted: T+2 from Friday 6 March 2026 in Singapore is Tuesday
10 March. With ``n == 0`` a business day stays put and a non-business day moves to the next
business day.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import holidays

SATURDAY_SUNDAY = frozenset({5, 6})  # date.weekday(): Monday is 0
_SEARCH_LIMIT = 366  # a calendar with no business day in a year is a mistake, not a calendar


class Adjustment(StrEnum):
    UNADJUSTED = "unadjusted"
    FOLLOWING = "following"
    MODIFIED_FOLLOWING = "modified_following"
    PRECEDING = "preceding"


def _holiday_source(code: str) -> holidays.HolidayBase:
    if code in holidays.list_supported_financial():
        return holidays.financial_holidays(code)
    country, _, subdivision = code.partition("-")
    if country in holidays.list_supported_countries():
        return holidays.country_holidays(country, subdiv=subdivision or None)
    raise ValueError(f"'{code}' is neither a country (ISO 3166, e.g. SG, US-NY) nor a market "
                     "(e.g. ECB, NYSE, XHKG) known to the holidays package")


@dataclass(frozen=True)
class BusinessCalendar:
    codes: tuple[str, ...] = ()
    extra_holidays: frozenset[date] = frozenset()
    weekend: frozenset[int] = SATURDAY_SUNDAY
    _sources: tuple = field(init=False, repr=False, compare=False)

    def __init__(self, codes: Iterable[str] = (), *, extra_holidays: Iterable[date | str] = (),
                 weekend: Iterable[int] = SATURDAY_SUNDAY):
        codes = tuple(codes)
        weekend = frozenset(weekend)
        if not weekend <= set(range(7)) or len(weekend) == 7:
            raise ValueError("weekend days are date.weekday() numbers 0-6, and not all seven")
        extra = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in extra_holidays)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "extra_holidays", extra)
        object.__setattr__(self, "weekend", weekend)
        object.__setattr__(self, "_sources", tuple(_holiday_source(code) for code in codes))

    def holiday_name(self, day: date) -> str | None:
        """The holiday on ``day`` (names from every place, joined), or ``None``."""
        names = [source.get(day) for source in self._sources if day in source]
        if day in self.extra_holidays:
            names.append("extra holiday")
        return "; ".join(names) or None

    def is_business_day(self, day: date) -> bool:
        return (day.weekday() not in self.weekend and day not in self.extra_holidays
                and not any(day in source for source in self._sources))

    def _step(self, day: date, step: int) -> date:
        for _ in range(_SEARCH_LIMIT):
            day += timedelta(days=step)
            if self.is_business_day(day):
                return day
        raise ValueError(f"no business day within {_SEARCH_LIMIT} days of {day}")

    def adjust(self, day: date, rule: Adjustment | str = Adjustment.MODIFIED_FOLLOWING) -> date:
        rule = Adjustment(rule)
        if rule == Adjustment.UNADJUSTED or self.is_business_day(day):
            return day
        if rule == Adjustment.PRECEDING:
            return self._step(day, -1)
        following = self._step(day, 1)
        if rule == Adjustment.MODIFIED_FOLLOWING and following.month != day.month:
            return self._step(day, -1)
        return following

    def add_business_days(self, day: date, n: int) -> date:
        if n == 0:
            return self.adjust(day, Adjustment.FOLLOWING)
        step = 1 if n > 0 else -1
        for _ in range(abs(n)):
            day = self._step(day, step)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days from ``start`` (counted) to ``end`` (not counted)."""
        return sum(self.is_business_day(start + timedelta(days=i)) for i in range((end - start).days))

    def joined(self, other: "BusinessCalendar") -> "BusinessCalendar":
        """A calendar closed whenever either is (a payment that needs both places open)."""
        return BusinessCalendar((*self.codes, *(c for c in other.codes if c not in self.codes)),
                                extra_holidays=self.extra_holidays | other.extra_holidays,
                                weekend=self.weekend | other.weekend)

