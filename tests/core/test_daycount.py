"""core.daycount: year fractions under the ISDA 2006 section 4.16 conventions, exactly."""

from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.daycount import DayCount, accrued_interest, year_fraction
from core.money import Rounding

# The Actual/Actual (ISDA) examples of the ISDA memo "EMU and market conventions" (1998),
# which the 2006 Definitions' section 4.16(b) follows.
ACT_ACT_ISDA_EXAMPLES = [
    (date(2003, 11, 1), date(2004, 5, 1), F(61, 365) + F(121, 366)),  # regular period, 0.49772
    (date(1999, 2, 1), date(1999, 7, 1), F(150, 365)),  # short first period, 0.41096
    (date(1999, 7, 1), date(2000, 7, 1), F(184, 365) + F(182, 366)),  # 1.00138
    (date(2002, 8, 15), date(2003, 7, 15), F(334, 365)),  # long first period, 0.91507
    (date(2003, 7, 15), date(2004, 1, 15), F(170, 365) + F(14, 366)),  # 0.50400
    (date(1999, 7, 30), date(2000, 1, 30), F(155, 365) + F(29, 366)),  # short final period, 0.50389
    (date(2000, 1, 30), date(2000, 6, 30), F(152, 366)),  # 0.41530
]


@pytest.mark.parametrize(("start", "end", "expected"), ACT_ACT_ISDA_EXAMPLES)
def test_act_act_isda_examples(start, end, expected):
    assert year_fraction(start, end, DayCount.ACT_ACT_ISDA) == expected


def test_act_act_isda_example_figures_to_five_places():
    rounded = [round(float(year_fraction(s, e, "ACT/ACT")), 5) for s, e, _ in ACT_ACT_ISDA_EXAMPLES]
    assert rounded == [0.49772, 0.41096, 1.00138, 0.91507, 0.50400, 0.50389, 0.41530]


def test_actual_conventions_on_the_isda_regular_period():
    start, end = date(2003, 11, 1), date(2004, 5, 1)  # 182 days
    assert year_fraction(start, end, "ACT/360") == F(182, 360)
    assert year_fraction(start, end, "ACT/365F") == F(182, 365)


# (start, end, 30/360 US days, 30E/360 days): the end-of-month and February cases.
THIRTY_360_CASES = [
    (date(2007, 1, 15), date(2007, 1, 30), 15, 15),
    (date(2007, 1, 15), date(2007, 2, 15), 30, 30),
    (date(2007, 1, 15), date(2007, 7, 15), 180, 180),
    (date(2007, 9, 30), date(2008, 3, 31), 180, 180),
    (date(2007, 9, 30), date(2007, 10, 31), 30, 30),
    (date(2007, 9, 30), date(2008, 9, 30), 360, 360),
    (date(2007, 1, 15), date(2007, 1, 31), 16, 15),  # D2 = 31 stays 31 in the US rule when D1 < 30
    (date(2007, 1, 31), date(2007, 2, 28), 28, 28),
    (date(2007, 2, 28), date(2007, 3, 31), 30, 32),  # last of February counts as the 30th (US)
    (date(2006, 8, 31), date(2007, 2, 28), 178, 178),
    (date(2007, 2, 28), date(2007, 8, 31), 180, 182),
    (date(2007, 2, 14), date(2007, 2, 28), 14, 14),
    (date(2007, 2, 26), date(2008, 2, 29), 363, 363),
    (date(2008, 2, 29), date(2009, 2, 28), 360, 359),  # both ends last of February (US)
    (date(2007, 2, 28), date(2008, 2, 29), 360, 361),
    (date(2008, 2, 29), date(2008, 3, 30), 30, 31),
    (date(2008, 2, 29), date(2008, 3, 31), 30, 31),
    (date(2007, 2, 28), date(2007, 3, 5), 5, 7),
    (date(2007, 10, 31), date(2007, 11, 28), 28, 28),
    (date(2007, 8, 31), date(2008, 2, 29), 179, 179),
    (date(2008, 2, 29), date(2008, 8, 31), 180, 181),
    (date(2008, 2, 28), date(2008, 8, 30), 182, 182),  # 28 February of a leap year is not its last
]


@pytest.mark.parametrize(("start", "end", "us", "european"), THIRTY_360_CASES)
def test_thirty_360(start, end, us, european):
    assert year_fraction(start, end, DayCount.THIRTY_360_US) == F(us, 360)
    assert year_fraction(start, end, DayCount.THIRTY_E_360) == F(european, 360)


def test_accrued_interest_is_rounded_once_to_the_minor_unit():
    # 1,000,000.00 x 5 % x 31/360 = 4,305.5555... -> 4,305.56
    assert accrued_interest(D("1000000.00"), D("0.05"), date(2024, 1, 1), date(2024, 2, 1), "ACT/360",
                            currency="USD") == D("4305.56")
    assert accrued_interest(D("1000000.00"), D("0.05"), date(2024, 1, 1), date(2024, 2, 1), "ACT/360",
                            currency="USD", rounding=Rounding.DOWN) == D("4305.55")
    # 100,000,000 JPY x 1.5 % x 30/360 = 125,000 exactly; 31 January to 29 February is 29 days
    # under 30/360 US (the 31st counts as the 30th, 29 February stays 29): 120,833.33 -> 120,833
    assert accrued_interest(D("100000000"), D("0.015"), date(2024, 1, 15), date(2024, 2, 15), "30/360",
                            currency="JPY") == D("125000")
    assert accrued_interest(D("100000000"), D("0.015"), date(2024, 1, 31), date(2024, 2, 29), "30/360",
                            currency="JPY") == D("120833")
    # 1,000 KWD x 3.25 % x 182/365 = 16.20547... -> 16.205, to the fils
    assert str(accrued_interest(D("1000.000"), D("0.0325"), date(2024, 1, 1), date(2024, 7, 1), "ACT/365F",
                                currency="KWD")) == "16.205"


def test_unknown_convention_is_refused():
    with pytest.raises(ValueError):
        year_fraction(date(2024, 1, 1), date(2024, 2, 1), "ACT/366")


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
ADDITIVE = [DayCount.ACT_360, DayCount.ACT_365_FIXED, DayCount.ACT_ACT_ISDA, DayCount.THIRTY_E_360]


@given(a=days, b=days, c=days, convention=st.sampled_from(ADDITIVE))
def test_additive_conventions_add_up_over_split_periods(a, b, c, convention):
    a, b, c = sorted((a, b, c))
    whole = year_fraction(a, c, convention)
    assert year_fraction(a, b, convention) + year_fraction(b, c, convention) == whole


@given(a=days.filter(lambda d: d.day <= 27), b=days.filter(lambda d: d.day <= 27),
       c=days.filter(lambda d: d.day <= 27))
def test_thirty_360_us_adds_up_away_from_month_ends(a, b, c):
    # the US rules look at both ends of a period, so additivity holds only away from the 30th,
    # the 31st and the end of February
    a, b, c = sorted((a, b, c))
    us = DayCount.THIRTY_360_US
    assert year_fraction(a, b, us) + year_fraction(b, c, us) == year_fraction(a, c, us)


@given(a=days, b=days, convention=st.sampled_from(list(DayCount)))
def test_reversed_period_is_negative(a, b, convention):
    assert year_fraction(b, a, convention) == -year_fraction(a, b, convention)
    assert year_fraction(a, a, convention) == 0


@given(year=st.integers(min_value=1990, max_value=2100), years=st.integers(min_value=0, max_value=30))
def test_act_act_isda_counts_whole_calendar_years_as_whole(year, years):
    assert year_fraction(date(year, 1, 1), date(year + years, 1, 1), "ACT/ACT") == years


@given(start=days.filter(lambda d: d.day <= 28), months=st.integers(min_value=0, max_value=360),
       convention=st.sampled_from([DayCount.THIRTY_360_US, DayCount.THIRTY_E_360]))
def test_thirty_360_counts_whole_months_as_twelfths(start, months, convention):
    from core.dates import add_months

    if not (start.month == 2 and start.day == 28):  # a last of February is the 30th in the US rule
        assert year_fraction(start, add_months(start, months), convention) == F(months, 12)


@given(start=days, length=st.integers(min_value=0, max_value=4000))
def test_actual_conventions_are_days_over_the_basis(start, length):
    end = start + timedelta(days=length)
    assert year_fraction(start, end, "ACT/360") == F(length, 360)
    assert year_fraction(start, end, "ACT/365F") == F(length, 365)
    assert F(length, 366) <= year_fraction(start, end, "ACT/ACT") <= F(length, 365)
