"""Properties of every waterfall, on random descriptions and collections (hypothesis).

- conservation: funds in (collections + cash brought forward + reserve released + reserve drawn)
  = payments + reserve deposits + cash left, to the minor unit, every period;
- no payment above what is due, none above what is available at that step (replayed row by row
  from the step table), no balance below zero;
- running the periods one by one through ``state`` gives what running them all at once gives.
"""

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.money import minor_unit
from servicing.waterfall import PeriodInput, run, validate

DAY_COUNTS = ["ACT/360", "ACT/365F", "ACT/ACT", "30/360", "30E/360"]
PAYING = ("pay_fee", "pay_interest", "pay_principal", "fund_reserve", "pay_residual")


@st.composite
def waterfalls(draw):
    currency = draw(st.sampled_from(["USD", "JPY", "KWD"]))
    unit = minor_unit(currency)

    def amount(high=10**9):
        return str(Decimal(draw(st.integers(0, high))) * unit)

    def fraction():
        return str(Decimal(draw(st.integers(0, 10000))) / 10000)

    debts = [f"D{i}" for i in range(draw(st.integers(1, 4)))]
    def ratio(low, high, scale=100):
        return str(Decimal(draw(st.integers(low, high))) / scale)

    tranches = [{"name": name, "kind": "debt", "balance": amount(), "rate": ratio(0, 1500, 10000),
                 "day_count": draw(st.sampled_from(DAY_COUNTS)), "interest_on_unpaid": draw(st.booleans())}
                for name in debts]
    tranches.append({"name": "E", "kind": "equity", "balance": amount()})
    fees = []
    for i in range(draw(st.integers(0, 3))):
        fee = {"name": f"F{i}"}
        kind = draw(st.sampled_from(["amount", "one_off", "rate"]))
        if kind == "rate":
            fee.update(rate=fraction(), base=draw(st.sampled_from(["pool", *debts])),
                       day_count=draw(st.sampled_from(DAY_COUNTS)))
        else:
            fee[kind] = amount(10**7)
        if draw(st.booleans()):
            fee["cap"] = amount(10**7)
        fees.append(fee)
    accounts = []
    if draw(st.booleans()):
        target = (draw(st.sampled_from([{"amount": amount()}, {"fraction": fraction(), "of": "current_pool"},
                                        {"fraction": fraction(), "of": "original_pool"}])))
        accounts.append({"name": "reserve", "kind": "reserve", "target": target, "floor": amount(10**7),
                         "initial": amount(10**8)})
    triggers = [
        {"name": "oc", "kind": "oc", "tranches": debts[:1], "threshold": ratio(90, 130),
         "cure": draw(st.integers(0, 2))},
        {"name": "dq", "kind": "delinquency", "threshold": fraction(), "cure": draw(st.integers(0, 2))},
        {"name": "cnl", "kind": "cumulative_loss", "threshold": fraction()},
        {"name": "ic", "kind": "ic", "tranches": debts, "threshold": ratio(50, 300)},
        {"name": "stop", "kind": draw(st.sampled_from(["any", "all"])), "triggers": ["oc", "dq", "cnl"]},
    ]
    steps = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["pay_fee", "pay_interest", "pay_principal", "fund_reserve",
                                     "release_reserve", "draw_reserve", "pay_residual"]))
        step = {"kind": kind}
        if kind == "pay_fee":
            if not fees:
                continue
            step["fees"] = draw(st.lists(st.sampled_from([f["name"] for f in fees]), min_size=1, unique=True))
            step["capped"] = draw(st.booleans())
        elif kind in ("pay_interest", "pay_principal", "draw_reserve"):
            if kind == "draw_reserve" and not accounts:
                continue
            step["tranches"] = draw(st.lists(st.sampled_from(debts), min_size=1, unique=True))
        elif kind == "pay_residual":
            step["tranche"] = "E"
        else:
            if not accounts:
                continue
        if kind in ("fund_reserve", "release_reserve", "draw_reserve"):
            step["account"] = "reserve"
        if kind in ("pay_fee", "pay_interest", "pay_principal"):
            step["allocation"] = draw(st.sampled_from(["sequential", "pro_rata"]))
        if kind == "pay_principal" and draw(st.booleans()):
            limit = draw(st.sampled_from([{"amount": amount()}, {"fraction_of_available": fraction()},
                                          {"target_balance": amount()}]))
            if draw(st.booleans()):
                limit["until"] = "2027-04-15"
            if draw(st.booleans()):
                limit["while"] = {"trigger": draw(st.sampled_from([t["name"] for t in triggers])),
                                  "breached": draw(st.booleans())}
            step["limit"] = limit
        if draw(st.booleans()):
            step["when"] = {"trigger": draw(st.sampled_from([t["name"] for t in triggers])),
                            "breached": draw(st.booleans())}
        steps.append(step)
    if not steps:
        steps = [{"kind": "pay_residual", "tranche": "E"}]
    description = {
        "format": 1, "currency": currency,
        "rounding": draw(st.sampled_from(["half_even", "half_up", "floor"])),
        "closing_date": "2027-01-15",
        "original_pool_balance": str(Decimal(draw(st.integers(1, 2 * 10**9))) * unit),
        "tranches": tranches, "fees": fees, "accounts": accounts, "triggers": triggers, "steps": steps,
    }
    day = date(2027, 1, 15)
    periods = []
    for i in range(draw(st.integers(1, 6))):
        day += timedelta(days=draw(st.integers(1, 100)))
        periods.append(PeriodInput(
            payment_date=day, collections=Decimal(draw(st.integers(0, 10**8))) * unit,
            pool_balance=Decimal(draw(st.integers(0, 2 * 10**9))) * unit,
            losses=Decimal(draw(st.integers(0, 10**7))) * unit,
            delinquent=Decimal(draw(st.integers(0, 10**8))) * unit, label=f"P{i}"))
    return description, periods


def replay(period, funds_before) -> None:
    """Walk the step table: cash never goes below zero, no row pays more than due or is negative."""
    cash = period.collections + period.cash_brought_forward
    for row in period.steps:
        assert Decimal(0) <= row.paid <= row.due, row
        assert row.shortfall == row.due - row.paid
        assert row.carried_forward >= 0
        if not row.applied:
            assert row.due == row.paid == 0
        if row.kind == "release_reserve":
            cash += row.paid
        elif row.kind == "draw_reserve":
            assert row.balance_after >= 0  # drawn from the account, never beyond it
        else:
            assert row.paid <= cash, row  # never more than available at that step
            cash -= row.paid
        if row.balance_after is not None:
            assert row.balance_after >= 0
    assert cash == period.cash_left >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waterfalls())
def test_conservation_and_never_more_than_due_or_available(case):
    description, periods = case
    assert validate(description) == []
    result = run(description, periods)

    for p in result.periods:
        unit_places = minor_unit(description["currency"]).as_tuple().exponent
        assert p.funds_in == p.collections + p.cash_brought_forward + p.reserve_released + p.reserve_drawn
        assert p.funds_in == p.payments + p.reserve_deposited + p.cash_left
        for row in p.steps:
            for value in (row.due, row.paid, row.shortfall, row.carried_forward):
                assert value.as_tuple().exponent == unit_places
        replay(p, p.funds_in)
        assert all(balance >= 0 for balance in p.tranche_balances.values())
        assert all(balance >= 0 for balance in p.accounts.values())
    # collections = payments + cash left + increase of the accounts, period after period
    accounts = {a["name"]: Decimal(a.get("initial", 0)) for a in description["accounts"]}
    cash = Decimal(0)
    for p in result.periods:
        increase = sum(p.accounts.values(), Decimal(0)) - sum(accounts.values(), Decimal(0))
        assert p.collections + cash == p.payments + p.cash_left + increase
        accounts, cash = p.accounts, p.cash_left


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waterfalls(), st.data())
def test_period_by_period_through_state_equals_all_at_once(case, data):
    description, periods = case
    together = run(description, periods)
    split = data.draw(st.integers(0, len(periods)))

    first = run(description, periods[:split])
    second = run(description, periods[split:], first.state)
    assert first.periods + second.periods == together.periods
    assert second.state == together.state
    one_by_one, state = [], None
    for p in periods:
        step = run(description, [p], state)
        one_by_one += step.periods
        state = step.state
    assert one_by_one == together.periods
    assert state == together.state


def test_the_engine_imports_without_django():
    code = "import sys, servicing.waterfall; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603
