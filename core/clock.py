"""The business clock: what day it is for the business.

Business dates (value dates, due dates, record dates) are calendar days in
``settings.TIME_ZONE`` (UTC). Code asks this module, never ``date.today()``, so that
services take an explicit ``as_of`` and tests can pin the day.
"""

from datetime import date

from django.utils import timezone

from core.errors import InvalidInput


def today() -> date:
    """Today's business date."""
    return timezone.localdate()


def as_of_or_today(as_of: date | None, *, field: str = "as_of") -> date:
    """``as_of`` when given (never in the future), else today: the day a computation is made for."""
    now = today()
    if as_of is None:
        return now
    if as_of > now:
        raise InvalidInput(f"{field} {as_of.isoformat()} is in the future; today is {now.isoformat()}.",
                           field=field)
    return as_of
