"""core.dates: adding months and years with the month-end rule."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import add_months, add_years, is_month_end, month_end


@pytest.mark.parametrize(("day", "years", "expected"), [
    (date(2024, 2, 29), 1, date(2025, 2, 28)),
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
    (date(2024, 2, 29), -1, date(2023, 2, 28)),
    (date(2023, 2, 28), 1, date(2024, 2, 28)),
    (date(2026, 11, 30), 2, date(2028, 11, 30)),
])
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


@pytest.mark.parametrize(("day", "months", "end_of_month", "expected"), [
    (date(2025, 1, 31), 1, False, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, False, date(2024, 2, 29)),
    (date(2025, 1, 31), 2, False, date(2025, 3, 31)),
    (date(2025, 3, 31), -1, False, date(2025, 2, 28)),
    (date(2025, 4, 30), 1, False, date(2025, 5, 30)),
    (date(2025, 4, 30), 1, True, date(2025, 5, 31)),
    (date(2023, 2, 28), 12, True, date(2024, 2, 29)),
    (date(2023, 2, 28), 12, False, date(2024, 2, 28)),
    (date(2025, 11, 28), 3, True, date(2026, 2, 28)),
    (date(2025, 4, 29), 1, True, date(2025, 5, 29)),  # not a month end: the rule does not apply
    (date(2025, 12, 15), 1, False, date(2026, 1, 15)),
    (date(2026, 1, 15), -1, False, date(2025, 12, 15)),
    (date(2026, 1, 15), -25, False, date(2023, 12, 15)),
])
def test_add_months(day, months, end_of_month, expected):
    assert add_months(day, months, end_of_month=end_of_month) == expected


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(day=days, months=st.integers(min_value=-600, max_value=600), end_of_month=st.booleans())
def test_add_months_lands_in_the_right_month_on_the_nearest_day(day, months, end_of_month):
    moved = add_months(day, months, end_of_month=end_of_month)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and is_month_end(moved)) \
        or (end_of_month and is_month_end(day) and is_month_end(moved))
    if end_of_month and is_month_end(day):
        assert moved == month_end(moved)


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 28)).filter(lambda d: d.day <= 28),
       a=st.integers(min_value=-300, max_value=300), b=st.integers(min_value=-300, max_value=300))
def test_months_compose_when_the_day_exists_in_every_month(day, a, b):
    assert add_months(add_months(day, a), b) == add_months(day, a + b)


@given(day=days, years=st.integers(min_value=-100, max_value=100))
def test_add_years_keeps_the_day_except_29_february(day, years):
    moved = add_years(day, years)
    assert moved.year == day.year + years
    if (day.month, day.day) == (2, 29) and moved.day != 29:
        assert (moved.month, moved.day) == (2, 28)
    else:
        assert (moved.month, moved.day) == (day.month, day.day)
