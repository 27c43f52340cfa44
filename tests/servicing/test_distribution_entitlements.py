"""The entitlements engine: amount x balance / supply in base units, exactly the amount in all,
largest remainder with ties to the lower address - the same split as core.money.allocate."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.money import allocate
from servicing.entitlements import entitlements

A, B, C = "0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40


def test_a_worked_example_by_hand():
    # 787,500.01 USD (6 decimals) over 4,000,000 / 2,000,000 / 1,000,000 tokens: floors 450000005714,
    # 225000002857 and 112500001428 leave one unit, which goes to the largest remainder (.571, C's).
    assert entitlements(787_500_010_000, {A: 4, B: 2, C: 1}) == {
        A: 450_000_005_714,
        B: 225_000_002_857,
        C: 112_500_001_429,
    }


def test_equal_remainders_go_to_the_lower_address_whatever_the_input_order_or_case():
    assert entitlements(2, {C: 1, A.upper().replace("0X", "0x"): 1, B: 1}) == {A: 1, B: 1, C: 0}
    assert entitlements(0, {A: 5}) == {A: 0}


@pytest.mark.parametrize(
    ("amount", "balances", "message"),
    [
        (-1, {A: 1}, "non-negative"),
        (1.5, {A: 1}, "whole"),
        (1, {A: 0}, "positive"),
        (1, {A: 1, A.upper().replace("0X", "0x"): 1}, "listed twice"),
        (1, {}, "no holders"),
    ],
)
def test_bad_input_is_refused(amount, balances, message):
    with pytest.raises(ValueError, match=message):
        entitlements(amount, balances)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a shared, loaded machine
@given(
    amount=st.integers(min_value=0, max_value=10**24),
    balances=st.dictionaries(
        st.integers(min_value=0, max_value=2**16).map(lambda n: f"0x{n:040x}"),
        st.integers(min_value=1, max_value=10**27),
        min_size=1,
        max_size=40,
    ),
)
def test_the_split_adds_up_exactly_and_matches_core_money_allocate(amount, balances):
    shares = entitlements(amount, balances)
    assert sum(shares.values()) == amount
    supply = sum(balances.values())
    for wallet, share in shares.items():
        assert abs(share * supply - amount * balances[wallet]) < supply  # within one unit of the quota
    ordered = sorted(balances)
    assert [shares[w] for w in ordered] == allocate(amount, [balances[w] for w in ordered], unit=1)
