"""Interest accrual: from the closing date for the first period, each day count, each rounding.

Every expected figure is worked by hand in the comment next to it (balance x rate x fraction)."""

import pytest

from servicing.waterfall import run

from .builders import D, deal, debt, period, rows


def interest_only(*tranches, rounding=None, closing="2027-01-15"):
    return deal(tranches=list(tranches), rounding=rounding, closing=closing,
                steps=[{"kind": "pay_interest", "tranches": [t["name"] for t in tranches]}])


def test_accrual_runs_from_the_closing_date_then_from_each_payment_date():
    description = interest_only(debt("A", "1000000.00", "0.06", "ACT/360"))
    result = run(description, [period("2027-02-15", "100000.00"), period("2027-03-15", "100000.00")])

    # 15 Jan -> 15 Feb = 31 days: 1,000,000 x 0.06 x 31/360 = 5,166.666... -> 5,166.67
    assert rows(result, 0) == [(1, "A", "5166.67", "5166.67", "0.00", "0.00", "1000000.00")]
    # 15 Feb -> 15 Mar 2027 = 28 days: 60,000 x 28/360 = 4,666.666... -> 4,666.67
    assert rows(result, 1) == [(1, "A", "4666.67", "4666.67", "0.00", "0.00", "1000000.00")]
    assert result.state["last_payment_date"] == "2027-03-15"


def test_accrual_is_on_the_balance_left_after_the_previous_payment():
    description = deal(tranches=[debt("A", "1000000.00", "0.06", "ACT/360")],
                       steps=[{"kind": "pay_interest", "tranches": ["A"]},
                              {"kind": "pay_principal", "tranches": ["A"]}])
    result = run(description, [period("2027-02-15", "105166.67"), period("2027-03-15", "4200.00")])

    assert result.periods[0].tranche_balances == {"A": D("900000.00")}  # 105,166.67 - 5,166.67
    # 900,000 x 0.06 x 28/360 = 4,200.00
    assert rows(result, 1)[0] == (1, "A", "4200.00", "4200.00", "0.00", "0.00", "900000.00")


@pytest.mark.parametrize(("day_count", "closing", "payment", "interest"), [
    # 15 Jan -> 15 Feb 2024, 31 days: 1,000,000 x 0.05 x 31/360 = 4,305.555... -> 4,305.56
    ("ACT/360", "2024-01-15", "2024-02-15", "4305.56"),
    # 31/365: 50,000 x 31/365 = 4,246.575... -> 4,246.58
    ("ACT/365F", "2024-01-15", "2024-02-15", "4246.58"),
    # 15 Dec 2023 -> 15 Jan 2024: 17 days of 2023 / 365 + 14 days of 2024 (leap) / 366:
    # 50,000 x 17/365 = 2,328.767..., 50,000 x 14/366 = 1,912.568...; sum 4,241.335... -> 4,241.34
    ("ACT/ACT", "2023-12-15", "2024-01-15", "4241.34"),
    # 31 Jan -> 29 Feb 2024 (30/360 US): D1 31 -> 30, D2 29 stays: (30 x 1 + 29 - 30)/360 = 29/360;
    # 50,000 x 29/360 = 4,027.777... -> 4,027.78
    ("30/360", "2024-01-31", "2024-02-29", "4027.78"),
    # 15 Mar -> 31 Mar 2024 (30/360 US): D2 31 stays as D1 is 15: 16/360 -> 2,222.22
    ("30/360", "2024-03-15", "2024-03-31", "2222.22"),
    # the same dates in 30E/360: D2 31 -> 30: 15/360; 50,000 x 15/360 = 2,083.333... -> 2,083.33
    ("30E/360", "2024-03-15", "2024-03-31", "2083.33"),
    # 28 Feb -> 31 Aug 2023 (30/360 US): D1 last of February -> 30, then D2 31 -> 30: 180/360 -> 25,000
    ("30/360", "2023-02-28", "2023-08-31", "25000.00"),
    # the same in 30E/360: D1 28 stays, D2 -> 30: (6 x 30 + 2)/360 = 182/360 -> 25,277.78
    ("30E/360", "2023-02-28", "2023-08-31", "25277.78"),
])
def test_each_day_count(day_count, closing, payment, interest):
    description = interest_only(debt("A", "1000000.00", "0.05", day_count), closing=closing)
    result = run(description, [period(payment, "100000.00")])

    assert rows(result)[0][2] == interest


@pytest.mark.parametrize(("rounding", "a", "b"), [
    # one day ACT/360 on 1,000.00: A at 4.5 % = 0.125 (a tie), B at 6.3 % = 0.175 (a tie)
    (None, "0.12", "0.18"),  # half-even by default: ties to the even cent
    ("half_even", "0.12", "0.18"),
    ("half_up", "0.13", "0.18"),  # ties away from zero
    ("floor", "0.12", "0.17"),  # always down
])
def test_each_rounding_mode_on_ties(rounding, a, b):
    description = interest_only(debt("A", "1000.00", "0.045", "ACT/360"),
                                debt("B", "1000.00", "0.063", "ACT/360"), rounding=rounding)
    result = run(description, [period("2027-01-16", "10.00")])

    assert [(r[1], r[2]) for r in rows(result)] == [("A", a), ("B", b)]
    assert result.periods[0].cash_left == D("10.00") - D(a) - D(b)


@pytest.mark.parametrize(("rounding", "interest"), [
    # 1,000,000 x 0.05 x 1/360 = 138.8888...: half-even and half-up 138.89, floor 138.88
    ("half_even", "138.89"), ("half_up", "138.89"), ("floor", "138.88"),
])
def test_rounding_away_from_ties(rounding, interest):
    description = interest_only(debt("A", "1000000.00", "0.05", "ACT/360"), rounding=rounding)
    assert rows(run(description, [period("2027-01-16", "1000.00")]))[0][2] == interest


@pytest.mark.parametrize(("currency", "interest"), [
    # 1,000,000 x 0.05 x 31/360 = 4,305.5555...: JPY has no decimals, KWD three
    ("JPY", "4306"), ("KWD", "4305.556"),
])
def test_interest_is_rounded_to_the_currency_minor_unit(currency, interest):
    description = interest_only(debt("A", "1000000", "0.05", "ACT/360"), closing="2024-01-15")
    description.update(currency=currency, original_pool_balance="1000000")
    result = run(description, [period("2024-02-15", "10000", "1000000")])

    assert rows(result)[0][2:4] == (interest, interest)
