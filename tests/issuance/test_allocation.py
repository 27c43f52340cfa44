from hypothesis import given
from hypothesis import strategies as st

from issuance.allocation import allocate_lots


def test_worked_example_ties_go_to_the_earlier_request():
    assert allocate_lots(10, [8, 5, 2]) == [6, 3, 1]


def test_largest_remainder_wins_the_leftover_lot():
    # quotas 10*7/12 = 5.83, 10*4/12 = 3.33, 10*1/12 = 0.83 -> floors 5, 3, 0 (8) -> 2 left
    assert allocate_lots(10, [7, 4, 1]) == [6, 3, 1]


def test_a_request_can_get_nothing_when_lots_run_out():
    # quotas 3*5/11 = 1.36, 1.36, 0.27 -> floors 1, 1, 0 -> 1 left to the first largest remainder
    assert allocate_lots(3, [5, 5, 1]) == [2, 1, 0]


def test_undersubscribed_book_is_allocated_in_full():
    assert allocate_lots(10, [3, 4]) == [3, 4]


def test_exactly_subscribed_book_is_allocated_in_full():
    assert allocate_lots(7, [3, 4]) == [3, 4]


def test_no_requests_allocates_nothing():
    assert allocate_lots(10, []) == []


@given(
    offered=st.integers(min_value=0, max_value=10_000),
    requests=st.lists(st.integers(min_value=1, max_value=5_000), max_size=200),
)
def test_allocation_properties(offered, requests):
    lots = allocate_lots(offered, requests)

    assert len(lots) == len(requests)
    assert sum(lots) == min(offered, sum(requests))  # exactly the tranche when oversubscribed
    assert all(0 <= got <= asked for got, asked in zip(lots, requests, strict=True))


@given(
    offered=st.integers(min_value=1, max_value=1_000),
    requests=st.lists(st.integers(min_value=1, max_value=500), min_size=2, max_size=50),
)
def test_pro_rata_is_fair_to_within_one_lot(offered, requests):
    total = sum(requests)
    lots = allocate_lots(offered, requests)
    if total > offered:
        for got, asked in zip(lots, requests, strict=True):
            assert abs(got * total - offered * asked) < total  # |got - quota| < 1 lot
