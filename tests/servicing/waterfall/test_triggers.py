"""Triggers: their ratios, breaches, cure, combinations, and steps conditioned on them."""

import pytest

from servicing.waterfall import TriggerResult, run

from .builders import D, deal, debt, period, rows

NOTES = [debt("A1", "600000.00", "0"), debt("A2", "300000.00", "0"),
         {"name": "R", "kind": "equity", "balance": "100000.00"}]


def switching(trigger: dict) -> dict:
    """Principal pro rata while the trigger passes, sequential once it is breached."""
    return deal(tranches=NOTES, triggers=[trigger], steps=[
        {"kind": "pay_principal", "tranches": ["A1", "A2"], "allocation": "pro_rata",
         "when": {"trigger": trigger["name"], "breached": False}},
        {"kind": "pay_principal", "tranches": ["A1", "A2"],
         "when": {"trigger": trigger["name"], "breached": True}},
    ])


def test_an_oc_breach_switches_pro_rata_principal_to_sequential():
    oc = {"name": "oc", "kind": "oc", "tranches": ["A1", "A2"], "threshold": "1.10"}
    result = run(switching(oc), [period("2027-02-15", "90000.00", "990000.00"),
                                 period("2027-03-15", "90000.00", "850000.00")])

    # 990,000 / 900,000 = 1.1: not below 1.10, passing: 90,000 split 2:1
    assert result.periods[0].triggers == {"oc": TriggerResult(D("1.100000"), D("1.10"), False)}
    assert [r[1:4] for r in rows(result, 0)] == [("A1", "600000.00", "60000.00"),
                                                 ("A2", "300000.00", "30000.00"),
                                                 ("A1", "0.00", "0.00"), ("A2", "0.00", "0.00")]
    assert [r.applied for r in result.periods[0].steps] == [True, True, False, False]
    # 850,000 / 810,000 = 1.049382...: breached, all principal to A1
    assert result.periods[1].triggers["oc"] == TriggerResult(D("1.049383"), D("1.10"), True)
    assert [r[1:4] for r in rows(result, 1)] == [("A1", "0.00", "0.00"), ("A2", "0.00", "0.00"),
                                                 ("A1", "540000.00", "90000.00"), ("A2", "270000.00", "0.00")]
    assert result.periods[1].tranche_balances == {"A1": D("450000.00"), "A2": D("270000.00"),
                                                  "R": D("100000.00")}


@pytest.mark.parametrize(("cure", "expected"), [
    (0, [True, False, False, False, True]),
    (1, [True, True, False, False, True]),
    (2, [True, True, True, False, True]),
    (5, [True, True, True, True, True]),
])
def test_a_breached_trigger_cures_after_its_number_of_passing_periods(cure, expected):
    dq = {"name": "dq", "kind": "delinquency", "threshold": "0.05", "cure": cure}
    delinquent = ["60000.00", "10000.00", "10000.00", "10000.00", "60000.00"]  # of a pool of 1,000,000
    periods = [period(f"2027-0{2 + i}-15", "0.00", delinquent=d) for i, d in enumerate(delinquent)]
    result = run(switching(dq), periods)

    assert [p.triggers["dq"].breached for p in result.periods] == expected
    assert [p.triggers["dq"].value for p in result.periods] == [D("0.060000"), D("0.010000"), D("0.010000"),
                                                                D("0.010000"), D("0.060000")]


def test_the_cure_carries_over_between_runs():
    dq = {"name": "dq", "kind": "delinquency", "threshold": "0.05", "cure": 2}
    first = run(switching(dq), [period("2027-02-15", "0.00", delinquent="60000.00"),
                                period("2027-03-15", "0.00", delinquent="0.00")])
    assert first.state["triggers"] == {"dq": {"breached": True, "passes": 1}}

    second = run(switching(dq), [period("2027-04-15", "0.00"), period("2027-05-15", "0.00")], first.state)
    assert [p.triggers["dq"].breached for p in second.periods] == [True, False]


def test_ic_cumulative_loss_and_combined_triggers():
    description = deal(
        tranches=[debt("A", "800000.00", "0.06"), {"name": "R", "kind": "equity", "balance": "200000.00"}],
        triggers=[
            {"name": "ic", "kind": "ic", "tranches": ["A"], "threshold": "1.6"},
            {"name": "cnl", "kind": "cumulative_loss", "threshold": "0.02"},
            {"name": "either", "kind": "any", "triggers": ["ic", "cnl"]},
            {"name": "both", "kind": "all", "triggers": ["ic", "cnl"]},
        ],
        steps=[{"kind": "pay_interest", "tranches": ["A"]}],
    )
    result = run(description, [period("2027-02-15", "6000.00", losses="10000.00"),
                               period("2027-03-15", "8000.00", losses="15000.00")])

    # interest due 4,000: collections 6,000 / 4,000 = 1.5 < 1.6; losses 10,000 / 1,000,000 = 1 %
    assert result.periods[0].triggers == {
        "ic": TriggerResult(D("1.500000"), D("1.6"), True),
        "cnl": TriggerResult(D("0.010000"), D("0.02"), False),
        "either": TriggerResult(D("1"), D("1"), True),
        "both": TriggerResult(D("1"), D("2"), False),
    }
    # 8,000 / 4,000 = 2; losses 25,000 in all = 2.5 % > 2 %
    assert result.periods[1].triggers == {
        "ic": TriggerResult(D("2.000000"), D("1.6"), False),
        "cnl": TriggerResult(D("0.025000"), D("0.02"), True),
        "either": TriggerResult(D("1"), D("1"), True),
        "both": TriggerResult(D("1"), D("2"), False),
    }
    assert result.state["cumulative_losses"] == "25000.00"


def test_a_ratio_with_nothing_below_it_passes():
    oc = {"name": "oc", "kind": "oc", "tranches": ["A1"], "threshold": "1.1"}
    result = run(switching(oc), [period("2027-02-15", "600000.00", "0.00"),
                                 period("2027-03-15", "0.00", "0.00")])

    # A1 is repaid in the first period (and the pool is empty): 0 / 0 in the second
    assert result.periods[1].triggers["oc"] == TriggerResult(None, D("1.1"), False)
