"""Parse what a request names (query parameters, path pieces, form fields) within business bounds.

Every parser either answers a value the code can compute with, or raises
``core.errors.InvalidInput`` naming the parameter: a 400, never a ``ValueError`` or an
``OverflowError`` deep in a computation (``as_of=0001-01-01`` minus 30 days, a datetime at
the first instant of year 1 in another timezone, a day count of 99999999999999).
Ranges come from ``core.bounds``; the ``*_problem`` helpers say what is wrong without naming
a field, for forms and filters that put the message under the field themselves.
"""

from datetime import UTC, date, datetime

from core import bounds
from core.errors import InvalidInput

MAX_INT_DIGITS = 19  # a PostgreSQL bigint has at most 19 digits


def date_problem(value: date, *, earliest: date = bounds.EARLIEST_DATE,
                 latest: date = bounds.LATEST_DATE) -> str | None:
    if earliest <= value <= latest:
        return None
    return f"{value.isoformat()} is outside {earliest.isoformat()} to {latest.isoformat()}."


def datetime_problem(value: datetime) -> tuple[datetime | None, str | None]:
    """``(value in UTC, None)`` when it lies between ``core.bounds.EARLIEST_DATETIME`` and
    ``LATEST_DATETIME`` (a naive value is read as UTC), else ``(None, what is wrong)``."""
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        utc = None
    if utc is not None and bounds.EARLIEST_DATETIME <= utc <= bounds.LATEST_DATETIME:
        return utc, None
    return None, (f"{value.isoformat()} is outside {bounds.EARLIEST_DATETIME.isoformat()} to "
                  f"{bounds.LATEST_DATETIME.isoformat()}.")


def int_problem(raw: str, *, minimum: int, maximum: int) -> tuple[int | None, str | None]:
    """``(number, None)`` for a whole number in ASCII digits (an optional minus sign) between the
    bounds, else ``(None, what is wrong)``."""
    text = raw.strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_INT_DIGITS:
        return None, f"'{_shown(raw)}' is not a whole number from {minimum} to {maximum}."
    value = int(text)
    if not minimum <= value <= maximum:
        return None, f"{value} is outside {minimum} to {maximum}."
    return value, None


def check_date(value: date, *, field: str, earliest: date = bounds.EARLIEST_DATE,
               latest: date = bounds.LATEST_DATE) -> date:
    problem = date_problem(value, earliest=earliest, latest=latest)
    if problem:
        raise InvalidInput(f"{field} {problem}", field=field)
    return value


def parse_date(raw: str, *, field: str, earliest: date = bounds.EARLIEST_DATE,
               latest: date = bounds.LATEST_DATE) -> date:
    """An ISO date (YYYY-MM-DD) between ``earliest`` and ``latest``."""
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{field} '{_shown(raw)}' is not a date (YYYY-MM-DD).", field=field) from None
    return check_date(value, field=field, earliest=earliest, latest=latest)


def parse_int(raw: str, *, field: str, minimum: int, maximum: int) -> int:
    value, problem = int_problem(raw, minimum=minimum, maximum=maximum)
    if problem:
        raise InvalidInput(f"{field} {problem}", field=field)
    return value


def _query(request, name: str) -> str | None:
    query = request.query_params if hasattr(request, "query_params") else request.GET
    return query.get(name)


def query_date(request, name: str, **kwargs) -> date | None:
    """The date in query parameter ``name``, or ``None`` when it is absent or empty."""
    raw = _query(request, name)
    return parse_date(raw, field=name, **kwargs) if raw else None


def query_int(request, name: str, *, minimum: int, maximum: int) -> int | None:
    """The whole number in query parameter ``name``, or ``None`` when it is absent or empty."""
    raw = _query(request, name)
    return parse_int(raw, field=name, minimum=minimum, maximum=maximum) if raw else None


def _shown(raw: str, limit: int = 40) -> str:
    """The offending text, cut so that an error message stays short."""
    return raw if len(raw) <= limit else raw[:limit] + "..."
