"""Each step kind on small hand-checked deals: fees, interest, principal, reserve, residual."""

from servicing.waterfall import run

from .builders import D, deal, debt, period, rows

EQUITY = {"name": "R", "kind": "equity", "balance": "200000.00"}


def conserved(period_result) -> bool:
    p = period_result
    return p.funds_in == p.payments + p.reserve_deposited + p.cash_left and (
        p.collections + p.cash_brought_forward + p.reserve_released + p.reserve_drawn == p.funds_in)


# -- fees -----------------------------------------------------------------------------------------

def test_fees_fixed_one_off_and_per_year_on_the_pool_or_a_tranche():
    fees = [
        {"name": "trustee", "amount": "500.00"},
        {"name": "setup", "one_off": "2000.00"},
        {"name": "servicer", "rate": "0.012", "base": "pool", "day_count": "30/360"},
        {"name": "agent", "rate": "0.001", "base": "A", "day_count": "ACT/365F"},
    ]
    description = deal(fees=fees, steps=[{"kind": "pay_fee", "fees": [f["name"] for f in fees]},
                                         {"kind": "pay_residual", "tranche": "R"}])
    result = run(description, [period("2027-02-15", "10000.00", "900000.00"),
                               period("2027-03-15", "10000.00", "850000.00")])

    assert rows(result, 0)[:4] == [
        (1, "trustee", "500.00", "500.00", "0.00", "0.00", None),
        (1, "setup", "2000.00", "2000.00", "0.00", "0.00", None),
        # the pool at the start of the first period is the original pool: 1,000,000 x 0.012 x 30/360
        (1, "servicer", "1000.00", "1000.00", "0.00", "0.00", None),
        # tranche A 800,000 x 0.001 x 31/365 = 67.945... -> 67.95
        (1, "agent", "67.95", "67.95", "0.00", "0.00", None),
    ]
    assert rows(result, 1)[:4] == [
        (1, "trustee", "500.00", "500.00", "0.00", "0.00", None),
        (1, "setup", "0.00", "0.00", "0.00", "0.00", None),  # paid once
        # the pool at the end of the first period: 900,000 x 0.012 / 12 = 900.00
        (1, "servicer", "900.00", "900.00", "0.00", "0.00", None),
        (1, "agent", "61.37", "61.37", "0.00", "0.00", None),  # 800 x 28/365 = 61.369...
    ]
    assert result.periods[0].fees_paid == {"trustee": D("500.00"), "setup": D("2000.00"),
                                           "servicer": D("1000.00"), "agent": D("67.95")}


def test_a_capped_fee_pays_the_excess_in_a_later_uncapped_step_and_carries_what_is_left():
    description = deal(
        fees=[{"name": "servicer", "amount": "1000.00", "cap": "600.00"}],
        steps=[{"kind": "pay_fee", "fees": ["servicer"]},
               {"kind": "pay_interest", "tranches": ["A"]},
               {"kind": "pay_fee", "fees": ["servicer"], "capped": False},
               {"kind": "pay_residual", "tranche": "R"}],
    )
    # A's interest is 800,000 x 0.06 / 12 = 4,000.00
    result = run(description, [period("2027-02-15", "10000.00"), period("2027-03-15", "4700.00"),
                               period("2027-04-15", "10000.00")])

    assert rows(result, 0) == [
        (1, "servicer", "600.00", "600.00", "0.00", "400.00", None),
        (2, "A", "4000.00", "4000.00", "0.00", "0.00", "800000.00"),
        (3, "servicer", "400.00", "400.00", "0.00", "0.00", None),
        (4, "R", "5000.00", "5000.00", "0.00", "0.00", "200000.00"),
    ]
    assert rows(result, 1)[2] == (3, "servicer", "400.00", "100.00", "300.00", "300.00", None)
    # 300.00 carried + 1,000.00 of the period: the capped step still pays at most 600.00
    assert rows(result, 2)[0] == (1, "servicer", "600.00", "600.00", "0.00", "700.00", None)
    assert rows(result, 2)[2] == (3, "servicer", "700.00", "700.00", "0.00", "0.00", None)


def test_fees_pro_rata_split_exactly_what_is_available():
    description = deal(fees=[{"name": "f1", "amount": "100.00"}, {"name": "f2", "amount": "200.00"}],
                       steps=[{"kind": "pay_fee", "fees": ["f1", "f2"], "allocation": "pro_rata"}])
    result = run(description, [period("2027-02-15", "100.00")])

    # 100.00 in the ratio 1:2 = 33.333... and 66.666...: the cent left goes to the larger remainder
    assert rows(result) == [(1, "f1", "100.00", "33.33", "66.67", "66.67", None),
                            (1, "f2", "200.00", "66.67", "133.33", "133.33", None)]
    assert result.periods[0].cash_left == D("0.00")


# -- interest -------------------------------------------------------------------------------------

def two_notes(**b_extra):
    # monthly 30/360 interest: A 800,000 x 6 % / 12 = 4,000.00; B 400,000 x 9 % / 12 = 3,000.00
    return [debt("A", "800000.00", "0.06"), debt("B", "400000.00", "0.09", **b_extra), EQUITY]


def test_interest_sequential_pays_in_order_and_pro_rata_in_proportion_to_what_is_due():
    sequential = deal(tranches=two_notes(), steps=[{"kind": "pay_interest", "tranches": ["A", "B"]}])
    pro_rata = deal(tranches=two_notes(),
                    steps=[{"kind": "pay_interest", "tranches": ["A", "B"], "allocation": "pro_rata"}])

    assert rows(run(sequential, [period("2027-02-15", "3500.00")])) == [
        (1, "A", "4000.00", "3500.00", "500.00", "500.00", "800000.00"),
        (1, "B", "3000.00", "0.00", "3000.00", "3000.00", "400000.00")]
    # 3,500 in the ratio 4,000 : 3,000
    assert rows(run(pro_rata, [period("2027-02-15", "3500.00")])) == [
        (1, "A", "4000.00", "2000.00", "2000.00", "2000.00", "800000.00"),
        (1, "B", "3000.00", "1500.00", "1500.00", "1500.00", "400000.00")]


def test_unpaid_interest_is_carried_forward_and_caught_up():
    description = deal(tranches=two_notes(), steps=[{"kind": "pay_interest", "tranches": ["A", "B"]}])
    result = run(description, [period("2027-02-15", "3500.00"), period("2027-03-15", "20000.00")])

    assert result.state["unpaid_interest"] == {"A": "0.00", "B": "0.00"}
    assert rows(result, 1) == [
        (1, "A", "4500.00", "4500.00", "0.00", "0.00", "800000.00"),  # 500.00 carried + 4,000.00
        (1, "B", "6000.00", "6000.00", "0.00", "0.00", "400000.00"),  # 3,000.00 carried + 3,000.00
    ]
    assert result.periods[1].paid["B"] == {"interest": D("6000.00"), "principal": D("0.00"),
                                           "residual": D("0.00")}
    assert result.periods[1].cash_left == D("9500.00")


def test_interest_on_unpaid_interest_when_the_tranche_says_so():
    description = deal(tranches=two_notes(interest_on_unpaid=True),
                       steps=[{"kind": "pay_interest", "tranches": ["A", "B"]}])
    result = run(description, [period("2027-02-15", "4000.00"), period("2027-03-15", "20000.00")])

    # B: 3,000.00 carried + (400,000 + 3,000) x 9 % / 12 = 3,000.00 + 3,022.50
    assert rows(result, 1)[1][2] == "6022.50"


# -- principal ------------------------------------------------------------------------------------

def principal(**step):
    notes = [debt("A", "800000.00", "0"), debt("B", "400000.00", "0"), EQUITY]
    return deal(tranches=notes, pool="1200000.00",
                steps=[{"kind": "pay_principal", "tranches": ["A", "B"], **step}])


def test_principal_sequential_and_pro_rata_to_the_balances():
    assert rows(run(principal(), [period("2027-02-15", "900000.00")])) == [
        (1, "A", "800000.00", "800000.00", "0.00", "0.00", "0.00"),
        (1, "B", "400000.00", "100000.00", "300000.00", "0.00", "300000.00")]
    assert rows(run(principal(allocation="pro_rata"), [period("2027-02-15", "300000.00")])) == [
        (1, "A", "800000.00", "200000.00", "600000.00", "0.00", "600000.00"),
        (1, "B", "400000.00", "100000.00", "300000.00", "0.00", "300000.00")]


def test_principal_limited_to_an_amount_keeps_the_rest_in_cash_for_the_next_period():
    result = run(principal(allocation="pro_rata", limit={"amount": "150000.00"}),
                 [period("2027-02-15", "300000.00"), period("2027-03-15", "0.00")])

    assert rows(result, 0) == [(1, "A", "100000.00", "100000.00", "0.00", "0.00", "700000.00"),
                               (1, "B", "50000.00", "50000.00", "0.00", "0.00", "350000.00")]
    assert result.periods[0].cash_left == D("150000.00")
    assert result.periods[1].cash_brought_forward == D("150000.00")
    assert result.periods[1].funds_in == D("150000.00")
    assert rows(result, 1)[0][3] == "100000.00"


def test_principal_limited_to_a_fraction_of_the_funds_available_at_that_step():
    # 25 % of 100,000.02 = 25,000.005: half-even 25,000.00, half-up 25,000.01
    result = run(principal(limit={"fraction_of_available": "0.25"}), [period("2027-02-15", "100000.02")])
    assert rows(result)[0][2:4] == ("25000.00", "25000.00")
    description = principal(limit={"fraction_of_available": "0.25"})
    description["rounding"] = "half_up"
    assert rows(run(description, [period("2027-02-15", "100000.02")]))[0][2:4] == ("25000.01", "25000.01")


def test_principal_down_to_a_target_balance_of_the_tranches_together():
    result = run(principal(limit={"target_balance": "1000000.00"}),
                 [period("2027-02-15", "500000.00"), period("2027-03-15", "500000.00")])

    assert rows(result, 0) == [(1, "A", "200000.00", "200000.00", "0.00", "0.00", "600000.00"),
                               (1, "B", "0.00", "0.00", "0.00", "0.00", "400000.00")]
    assert rows(result, 1)[0][2:4] == ("0.00", "0.00")  # already at the target


def test_a_principal_limit_until_a_date_then_unlimited():
    result = run(principal(limit={"amount": "100000.00", "until": "2027-02-15"}),
                 [period("2027-02-15", "500000.00"), period("2027-03-15", "0.00")])

    assert rows(result, 0)[0][2:4] == ("100000.00", "100000.00")
    # the limit is over: the 400,000.00 kept in cash go to A
    assert rows(result, 1)[0][2:4] == ("700000.00", "400000.00")


def test_a_principal_limit_while_a_trigger_is_not_breached():
    description = principal(limit={"amount": "100000.00", "while": {"trigger": "dq", "breached": False}})
    description["triggers"] = [{"name": "dq", "kind": "delinquency", "threshold": "0.05"}]
    result = run(description, [period("2027-02-15", "300000.00", "1200000.00", delinquent="10000.00"),
                               period("2027-03-15", "300000.00", "1000000.00", delinquent="60000.00")])

    assert rows(result, 0)[0][3] == "100000.00"
    # 60,000 / 1,000,000 = 6 % > 5 %: breached, the limit no longer holds: 200,000 kept + 300,000
    assert result.periods[1].triggers["dq"].breached
    assert rows(result, 1)[0][2:4] == ("700000.00", "500000.00")


# -- reserve --------------------------------------------------------------------------------------

def reserve_deal(target, steps, floor=None, initial="0.00"):
    account = {"name": "reserve", "kind": "reserve", "target": target, "initial": initial}
    if floor:
        account["floor"] = floor
    return deal(tranches=[debt("A", "800000.00", "0.06"), EQUITY], accounts=[account], steps=steps)


def test_fund_the_reserve_up_to_its_target_with_what_is_available():
    description = reserve_deal({"amount": "20000.00"}, [{"kind": "fund_reserve", "account": "reserve"}])
    result = run(description, [period("2027-02-15", "15000.00"), period("2027-03-15", "15000.00")])

    assert rows(result, 0) == [(1, "reserve", "20000.00", "15000.00", "5000.00", "0.00", "15000.00")]
    assert rows(result, 1) == [(1, "reserve", "5000.00", "5000.00", "0.00", "0.00", "20000.00")]
    assert result.periods[1].cash_left == D("10000.00")
    assert result.periods[1].reserve_deposited == D("5000.00")


def test_release_the_reserve_above_a_target_of_the_current_pool_with_a_floor():
    description = reserve_deal({"fraction": "0.02", "of": "current_pool"},
                               [{"kind": "release_reserve", "account": "reserve"},
                                {"kind": "pay_residual", "tranche": "R"}],
                               floor="10000.00", initial="30000.00")
    result = run(description, [period("2027-02-15", "1000.00", "1000000.00"),
                               period("2027-03-15", "1000.00", "400000.00")])

    # 2 % of 1,000,000 = 20,000: 10,000 released into the funds
    assert rows(result, 0)[0] == (1, "reserve", "10000.00", "10000.00", "0.00", "0.00", "20000.00")
    assert result.periods[0].funds_in == D("11000.00")
    assert result.periods[0].reserve_released == D("10000.00")
    assert rows(result, 0)[1][3] == "11000.00"
    # 2 % of 400,000 = 8,000, below the floor of 10,000
    assert rows(result, 1)[0] == (1, "reserve", "10000.00", "10000.00", "0.00", "0.00", "10000.00")


def test_the_reserve_target_never_exceeds_what_the_notes_still_owe():
    description = reserve_deal({"fraction": "0.10", "of": "original_pool"},
                               [{"kind": "pay_interest", "tranches": ["A"]},
                                {"kind": "pay_principal", "tranches": ["A"]},
                                {"kind": "release_reserve", "account": "reserve"}],
                               initial="100000.00")
    result = run(description, [period("2027-02-15", "754000.00")])

    # 4,000 interest, 750,000 principal: A owes 50,000, so the reserve keeps 50,000
    assert result.periods[0].tranche_balances["A"] == D("50000.00")
    assert rows(result)[2] == (3, "reserve", "50000.00", "50000.00", "0.00", "0.00", "50000.00")


def test_draw_the_reserve_for_a_senior_interest_shortfall_only():
    description = deal(
        tranches=[debt("A", "800000.00", "0.06"), debt("B", "400000.00", "0.09"), EQUITY],
        accounts=[{"name": "reserve", "kind": "reserve", "target": {"amount": "5000.00"},
                   "initial": "5000.00"}],
        steps=[{"kind": "pay_interest", "tranches": ["A"]},
               {"kind": "draw_reserve", "account": "reserve", "tranches": ["A"]},
               {"kind": "pay_interest", "tranches": ["B"]}])
    result = run(description, [period("2027-02-15", "1000.00"), period("2027-03-15", "0.00")])

    assert rows(result, 0) == [(1, "A", "4000.00", "1000.00", "3000.00", "3000.00", "800000.00"),
                               (2, "A", "3000.00", "3000.00", "0.00", "0.00", "2000.00"),
                               (3, "B", "3000.00", "0.00", "3000.00", "3000.00", "400000.00")]
    assert result.periods[0].reserve_drawn == D("3000.00")
    assert result.periods[0].funds_in == D("4000.00")
    assert result.periods[0].paid["A"]["interest"] == D("4000.00")
    # the reserve holds 2,000 for A's next 4,000: 2,000 stay owed
    assert rows(result, 1)[1] == (2, "A", "4000.00", "2000.00", "2000.00", "2000.00", "0.00")
    assert all(conserved(p) for p in result.periods)


def test_the_residual_goes_to_the_equity_tranche():
    result = run(deal(), [period("2027-02-15", "10000.00")])

    assert rows(result) == [(1, "A", "4000.00", "4000.00", "0.00", "0.00", "800000.00"),
                            (2, "A", "800000.00", "6000.00", "794000.00", "0.00", "794000.00"),
                            (3, "R", "0.00", "0.00", "0.00", "0.00", "200000.00")]
    limited = deal(steps=[{"kind": "pay_interest", "tranches": ["A"]},
                          {"kind": "pay_principal", "tranches": ["A"], "limit": {"amount": "1000.00"}},
                          {"kind": "pay_residual", "tranche": "R"}])
    result = run(limited, [period("2027-02-15", "10000.00")])
    assert rows(result)[2] == (3, "R", "5000.00", "5000.00", "0.00", "0.00", "200000.00")
    assert result.periods[0].paid["R"] == {"interest": D("0.00"), "principal": D("0.00"),
                                           "residual": D("5000.00")}
    assert result.periods[0].cash_left == D("0.00")
    assert conserved(result.periods[0])
