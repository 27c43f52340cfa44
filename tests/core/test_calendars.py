"""core.calendars: business days from the holidays package plus holidays kept as data."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendars import Adjustment, BusinessCalendar

SG = BusinessCalendar(["SG"])
TARGET = BusinessCalendar(["ECB"])


def test_singapore_holidays_and_weekends():
    assert SG.holiday_name(date(2026, 2, 17)) == "Chinese New Year"
    assert SG.holiday_name(date(2026, 6, 1)) == "Vesak Day (observed)"  # Vesak fell on a Sunday
    assert not SG.is_business_day(date(2026, 2, 18))
    assert not SG.is_business_day(date(2026, 3, 7))  # a Saturday
    assert SG.is_business_day(date(2026, 3, 9))


def test_target_calendar():
    assert [d for d in (date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 12, 25))
            if TARGET.is_business_day(d)] == []
    assert TARGET.is_business_day(date(2026, 4, 7))


@pytest.mark.parametrize(("day", "rule", "expected"), [
    (date(2026, 2, 17), Adjustment.FOLLOWING, date(2026, 2, 19)),  # Chinese New Year, two days
    (date(2026, 2, 17), Adjustment.MODIFIED_FOLLOWING, date(2026, 2, 19)),
    (date(2026, 2, 17), Adjustment.PRECEDING, date(2026, 2, 16)),
    (date(2026, 5, 31), Adjustment.FOLLOWING, date(2026, 6, 2)),  # Sunday, then Vesak observed
    (date(2026, 5, 31), Adjustment.MODIFIED_FOLLOWING, date(2026, 5, 29)),  # stays in May
    (date(2026, 5, 31), Adjustment.UNADJUSTED, date(2026, 5, 31)),
    (date(2026, 3, 9), Adjustment.MODIFIED_FOLLOWING, date(2026, 3, 9)),  # a business day stays
])
def test_adjustments(day, rule, expected):
    assert SG.adjust(day, rule) == expected


def test_add_business_days():
    assert SG.add_business_days(date(2026, 3, 6), 2) == date(2026, 3, 10)  # Friday, T+2
    assert SG.add_business_days(date(2026, 2, 13), 1) == date(2026, 2, 16)
    assert SG.add_business_days(date(2026, 2, 16), 1) == date(2026, 2, 19)  # over Chinese New Year
    assert SG.add_business_days(date(2026, 2, 19), -1) == date(2026, 2, 16)
    assert SG.add_business_days(date(2026, 2, 17), 0) == date(2026, 2, 19)
    assert SG.add_business_days(date(2026, 3, 9), 0) == date(2026, 3, 9)
    assert SG.business_days_between(date(2026, 2, 16), date(2026, 2, 23)) == 3  # Mon 16, Thu 19, Fri 20


def test_holidays_kept_as_data_and_other_weekends():
    closure = BusinessCalendar(["SG"], extra_holidays=["2026-03-09", date(2026, 3, 10)])
    assert closure.holiday_name(date(2026, 3, 9)) == "extra holiday"
    assert closure.adjust(date(2026, 3, 9), "following") == date(2026, 3, 11)
    gulf = BusinessCalendar(weekend={4, 5})  # Friday and Saturday
    assert gulf.is_business_day(date(2026, 3, 8))  # a Sunday
    assert not gulf.is_business_day(date(2026, 3, 6))
    assert BusinessCalendar().is_business_day(date(2026, 12, 25))  # no holidays, weekends only


def test_joint_calendar_is_closed_when_either_place_is():
    both = SG.joined(BusinessCalendar(["US-NY"]))
    assert both.codes == ("SG", "US-NY")
    assert not both.is_business_day(date(2026, 11, 26))  # Thanksgiving in New York
    assert not both.is_business_day(date(2026, 8, 10))  # National Day observed in Singapore
    assert both.is_business_day(date(2026, 11, 25))


def test_bad_calendars_are_refused():
    with pytest.raises(ValueError):
        BusinessCalendar(["ZZ"])
    with pytest.raises(ValueError):
        BusinessCalendar(weekend=range(7))


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
calendars = st.sampled_from([SG, TARGET, BusinessCalendar(["HK"]), BusinessCalendar(["US-NY", "SG"]),
                             BusinessCalendar(weekend={4, 5})])


@settings(max_examples=300)
@given(day=days, calendar=calendars)
def test_modified_following_never_leaves_the_month(day, calendar):
    adjusted = calendar.adjust(day, Adjustment.MODIFIED_FOLLOWING)
    assert calendar.is_business_day(adjusted)
    assert (adjusted.year, adjusted.month) == (day.year, day.month)
    following = calendar.adjust(day, Adjustment.FOLLOWING)
    assert adjusted == following or following.month != day.month


@settings(max_examples=300)
@given(day=days, calendar=calendars)
def test_following_and_preceding_are_the_nearest_business_days(day, calendar):
    following = calendar.adjust(day, Adjustment.FOLLOWING)
    preceding = calendar.adjust(day, Adjustment.PRECEDING)
    assert preceding <= day <= following
    assert calendar.is_business_day(following) and calendar.is_business_day(preceding)
    assert calendar.business_days_between(day, following) == 0
    assert calendar.business_days_between(preceding + timedelta(days=1), day + timedelta(days=1)) == 0
    if calendar.is_business_day(day):
        assert following == preceding == day


@settings(max_examples=200)
@given(day=days, n=st.integers(min_value=-40, max_value=40), calendar=calendars)
def test_add_business_days_counts_exactly_n_business_days(day, n, calendar):
    moved = calendar.add_business_days(day, n)
    assert calendar.is_business_day(moved)
    if n > 0:
        assert calendar.business_days_between(day + timedelta(days=1), moved + timedelta(days=1)) == n
    elif n < 0:
        assert calendar.business_days_between(moved, day) == -n
