"""core.money: minor units, named rounding, the largest-remainder split, formatting."""

import subprocess
import sys
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.money import (
    Rounding,
    allocate,
    check_minor_units,
    format_money,
    has_minor_units,
    minor_unit,
    minor_units,
    quantize,
)


def test_pure_modules_import_without_django():
    code = ("import sys, core.money, core.dates, core.daycount, core.calendars, core.errors; "
            "sys.exit('django' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603


def test_money_field_is_still_importable_from_core_money():
    from core.fields import money_field
    from core.money import money_field as forwarded

    assert forwarded is money_field


@pytest.mark.parametrize(("currency", "places", "unit"), [
    ("USD", 2, D("0.01")), ("EUR", 2, D("0.01")), ("JPY", 0, D("1")), ("KRW", 0, D("1")),
    ("KWD", 3, D("0.001")), ("BHD", 3, D("0.001")), ("CLF", 4, D("0.0001")), ("usd", 2, D("0.01")),
])
def test_minor_units(currency, places, unit):
    assert minor_units(currency) == places
    assert minor_unit(currency) == unit
    assert minor_unit(currency).as_tuple().exponent == -places


@pytest.mark.parametrize(("amount", "rounding", "usd", "jpy"), [
    (D("2.345"), Rounding.HALF_EVEN, "2.34", "2"),
    (D("2.355"), Rounding.HALF_EVEN, "2.36", "2"),
    (D("2.345"), Rounding.HALF_UP, "2.35", "2"),
    (D("-2.345"), Rounding.HALF_UP, "-2.35", "-2"),
    (D("2.349"), Rounding.DOWN, "2.34", "2"),
    (D("-2.349"), Rounding.DOWN, "-2.34", "-2"),
    (D("2.341"), Rounding.UP, "2.35", "3"),
    (D("-2.341"), Rounding.UP, "-2.35", "-3"),
    (D("333.5"), Rounding.HALF_EVEN, "333.50", "334"),
    (D("332.5"), Rounding.HALF_EVEN, "332.50", "332"),
    (D("2.349"), Rounding.FLOOR, "2.34", "2"),
    (D("-2.341"), Rounding.FLOOR, "-2.35", "-3"),
])
def test_quantize_with_named_rounding(amount, rounding, usd, jpy):
    assert str(quantize(amount, "USD", rounding)) == usd
    assert str(quantize(amount, "JPY", rounding)) == jpy


def test_quantize_gives_the_currency_decimals_and_refuses_floats():
    assert str(quantize(1, "KWD")) == "1.000"
    assert str(quantize(D("1000.0000"), "JPY")) == "1000"
    assert str(quantize(D("1000.0000"), "USD")) == "1000.00"
    assert Rounding("ROUND_HALF_UP") is Rounding.HALF_UP
    assert Rounding("ROUND_FLOOR") is Rounding.FLOOR
    with pytest.raises(TypeError):
        quantize(0.1, "USD")


@pytest.mark.parametrize(("value", "rounding", "expected"), [
    (Fraction(5, 200), Rounding.HALF_EVEN, "0.02"), (Fraction(7, 200), Rounding.HALF_EVEN, "0.04"),
    (Fraction(5, 200), Rounding.HALF_UP, "0.03"), (Fraction(-5, 200), Rounding.HALF_UP, "-0.03"),
    (Fraction(1, 300), Rounding.UP, "0.01"), (Fraction(2, 300), Rounding.DOWN, "0.00"),
    (Fraction(155_000, 3), Rounding.HALF_EVEN, "51666.67"),
    (Fraction(2, 300), Rounding.FLOOR, "0.00"), (Fraction(-1, 300), Rounding.FLOOR, "-0.01"),
    (Fraction(-3, 100), Rounding.FLOOR, "-0.03"),
])
def test_quantize_a_fraction_exactly(value, rounding, expected):
    assert str(quantize(value, "USD", rounding)) == expected


@given(st.integers(min_value=-10**15, max_value=10**15), st.integers(min_value=0, max_value=8),
       st.integers(min_value=0, max_value=8), st.sampled_from(list(Rounding)),
       st.sampled_from(["USD", "JPY", "KWD", "CLF"]))
def test_fraction_rounding_agrees_with_decimal_rounding(numerator, twos, fives, rounding, currency):
    # n / (2^a 5^b) is exact in Decimal, so both paths must round it the same way
    value = Fraction(numerator, 2**twos * 5**fives)
    as_decimal = D(numerator) / D(2**twos * 5**fives)
    assert Fraction(as_decimal) == value
    assert quantize(value, currency, rounding) == quantize(as_decimal, currency, rounding)


def test_check_minor_units_refuses_too_many_decimals_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        check_minor_units(D("333.50"), "JPY", field="amount")
    assert refused.value.field == "amount"
    assert refused.value.message == "amount 333.50 JPY has more decimals than JPY allows (no decimals)."
    with pytest.raises(InvalidInput) as refused:
        check_minor_units(D("1.2345"), "KWD", field="requested_amount")
    assert refused.value.message == ("requested_amount 1.2345 KWD has more decimals than KWD allows "
                                     "(at most 3 decimals).")
    with pytest.raises(InvalidInput) as refused:
        check_minor_units(D("NaN"), "USD", field="amount")
    assert refused.value.field == "amount"


def test_check_minor_units_accepts_and_normalises():
    assert str(check_minor_units(D("1.25"), "KWD", field="amount")) == "1.250"
    assert str(check_minor_units(D("1.250"), "KWD", field="amount")) == "1.250"
    assert str(check_minor_units(D("333.0000"), "JPY", field="amount")) == "333"
    assert str(check_minor_units(D("1000.10"), "USD", field="amount")) == "1000.10"
    assert check_minor_units(None, "USD", field="amount") is None
    assert has_minor_units(D("0.0001"), "CLF")
    assert not has_minor_units(D("0.001"), "USD")


def test_format_money_uses_the_minor_unit():
    assert format_money(D("1234567.5"), "USD") == "1,234,567.50 USD"
    assert format_money(D("1000.0000"), "JPY") == "1,000 JPY"
    assert format_money(D("1.25"), "KWD") == "1.250 KWD"
    assert format_money(None, "USD") == "-"


# allocate


def test_allocate_hands_out_the_cent_left_to_the_earliest_of_equal_remainders():
    assert allocate(D("100.00"), [1, 1, 1], unit=D("0.01")) == [D("33.34"), D("33.33"), D("33.33")]


def test_allocate_largest_remainder_beats_position():
    # 10 units by 8 : 5 -> quotas 6.15, 3.85 -> floors 6, 3, the unit left to the larger remainder
    assert allocate(10, [8, 5], unit=1) == [6, 4]


def test_allocate_in_yen_and_in_lots():
    assert allocate(D("1000"), [D("1"), D("2"), D("3")], unit=D("1")) == [D("167"), D("333"), D("500")]
    assert allocate(D("1000000.00"), [3, 2], unit=D("100000.00")) == [D("600000.00"), D("400000.00")]


def test_allocate_a_negative_total_and_zero_weights():
    assert allocate(D("-0.05"), [1, 1], unit=D("0.01")) == [D("-0.03"), D("-0.02")]
    assert allocate(D("10.00"), [0, 1, 0], unit=D("0.01")) == [D("0.00"), D("10.00"), D("0.00")]
    assert allocate(0, [0, 0], unit=1) == [0, 0]


@pytest.mark.parametrize(("total", "weights", "unit"), [
    (D("1.005"), [1], D("0.01")),  # not a whole number of cents
    (D("1.00"), [0, 0], D("0.01")),  # nothing to split it by
    (D("1.00"), [], D("0.01")),
    (D("1.00"), [1, -1, 2], D("0.01")),
    (D("1.00"), [1], D("0")),
])
def test_allocate_refuses_what_cannot_be_split_exactly(total, weights, unit):
    with pytest.raises(ValueError):
        allocate(total, weights, unit=unit)


def test_allocate_refuses_float_weights():
    with pytest.raises(TypeError):
        allocate(D("1.00"), [0.5, 0.5], unit=D("0.01"))


cents = st.integers(min_value=-10**12, max_value=10**12).map(lambda n: D(n).scaleb(-2))
weights = st.lists(st.one_of(st.integers(min_value=0, max_value=10**9),
                             st.decimals(min_value=0, max_value=10**6, places=4)),
                   min_size=1, max_size=40).filter(lambda ws: sum(ws) > 0)


@given(total=cents, weights=weights)
def test_allocate_properties(total, weights):
    unit = D("0.01")
    shares = allocate(total, weights, unit=unit)
    assert len(shares) == len(weights)
    assert sum(shares) == total  # exactly the total, never a cent more or less
    weight_sum = sum(Fraction(w) for w in weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share % unit == 0
        quota = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(Fraction(share) - quota) < Fraction(unit)  # within one unit of the exact quota
        if weight == 0:
            assert share == 0
    for i, (w_i, s_i) in enumerate(zip(weights, shares, strict=True)):
        for w_j, s_j in zip(weights[i + 1:], shares[i + 1:], strict=True):
            if w_i > w_j:
                assert abs(s_i) >= abs(s_j)  # a larger weight never gets less
            elif w_j > w_i:
                assert abs(s_j) >= abs(s_i)


@given(units=st.integers(min_value=0, max_value=10_000),
       weights=st.lists(st.integers(min_value=0, max_value=1_000), min_size=1, max_size=30)
       .filter(lambda ws: sum(ws) > 0),
       extra=st.integers(min_value=1, max_value=50))
def test_allocate_shares_move_by_at_most_one_unit_as_the_total_grows(units, weights, extra):
    # Hamilton's method is not house-monotone in general, but each share stays within one unit
    # of its quota, so growing the total by k units moves no share down by more than one unit.
    before = allocate(units, weights, unit=1)
    after = allocate(units + extra, weights, unit=1)
    assert all(b - a <= 1 for b, a in zip(before, after, strict=True))


@pytest.mark.parametrize(("stored", "read"), [
    ("1000.0000", "1000.00"), ("1.2500", "1.25"), ("1.2340", "1.234"), ("0.0001", "0.0001"),
    ("0.0000", "0.00"), ("-5.5000", "-5.50"), ("12000000", "12000000.00"),
])
def test_canonical_form_of_a_stored_amount(stored, read):
    from core.money import canonical

    assert str(canonical(D(stored))) == read
    assert canonical(D(stored)) == D(stored)  # the same value, only written differently
