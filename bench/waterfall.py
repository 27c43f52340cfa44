"""Time the waterfall engine on 10 tranches over 360 monthly periods (30 years).

    python -m bench.waterfall

Pure Python, no database. Figures go to stdout, one per line; progress goes to stderr. Exits
non-zero when a period breaks conservation, when running the periods one by one through the
state disagrees with running them at once, or when the run misses the target of 0.5 s.
"""

import random
import sys
import time
from datetime import date
from decimal import Decimal

from servicing.waterfall import PeriodInput, run, validate

SEED = 20261201
DEBT_TRANCHES = 9  # plus one equity tranche: 10 tranches
PERIODS = 360
REPEATS = 5
TARGET_SECONDS = 0.5
DAY_COUNTS = ["ACT/360", "ACT/365F", "ACT/ACT", "30/360", "30E/360"]


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    sys.exit(f"waterfall benchmark FAILED: {message}")


def build(rng: random.Random) -> tuple[dict, list[PeriodInput]]:
    """A 1,000,000,000 USD deal: nine notes, equity, three fees, a reserve and four triggers;
    collections and pool balances drawn from ``rng`` with losses and delinquencies."""
    names = [f"A{i}" for i in range(1, DEBT_TRANCHES + 1)]
    balances = [90_000_000 + 1_000_000 * rng.randint(0, 20) for _ in names]
    pool = sum(balances) + 100_000_000
    tranches = [{"name": name, "kind": "debt", "balance": f"{balance}.00",
                 "rate": f"0.0{rng.randint(20, 95)}", "day_count": DAY_COUNTS[i % len(DAY_COUNTS)],
                 "interest_on_unpaid": i >= 6}
                for i, (name, balance) in enumerate(zip(names, balances, strict=True))]
    tranches.append({"name": "E", "kind": "equity", "balance": "100000000.00"})
    description = {
        "format": 1, "currency": "USD", "rounding": "half_even", "closing_date": "2027-01-15",
        "original_pool_balance": f"{pool}.00",
        "tranches": tranches,
        "fees": [{"name": "trustee", "amount": "2500.00"},
                 {"name": "servicer", "rate": "0.0075", "base": "pool", "day_count": "30/360",
                  "cap": "600000.00"},
                 {"name": "setup", "one_off": "150000.00"}],
        "accounts": [{"name": "reserve", "kind": "reserve", "initial": "5000000.00", "floor": "2000000.00",
                      "target": {"fraction": "0.01", "of": "current_pool"}}],
        "triggers": [{"name": "oc", "kind": "oc", "tranches": names[:3], "threshold": "1.05", "cure": 2},
                     {"name": "dq", "kind": "delinquency", "threshold": "0.06", "cure": 1},
                     {"name": "cnl", "kind": "cumulative_loss", "threshold": "0.08"},
                     {"name": "event", "kind": "any", "triggers": ["oc", "dq", "cnl"]}],
        "steps": [
            {"kind": "release_reserve", "account": "reserve"},
            {"kind": "pay_fee", "fees": ["trustee", "servicer", "setup"], "allocation": "pro_rata"},
            {"kind": "pay_interest", "tranches": names[:3], "allocation": "pro_rata"},
            {"kind": "draw_reserve", "account": "reserve", "tranches": names[:3]},
            *({"kind": "pay_interest", "tranches": [name]} for name in names[3:]),
            {"kind": "fund_reserve", "account": "reserve"},
            {"kind": "pay_principal", "tranches": names, "allocation": "pro_rata",
             "limit": {"fraction_of_available": "0.8", "until": "2032-01-15"},
             "when": {"trigger": "event", "breached": False}},
            {"kind": "pay_principal", "tranches": names, "when": {"trigger": "event", "breached": True}},
            {"kind": "pay_fee", "fees": ["servicer"], "capped": False},
            {"kind": "pay_residual", "tranche": "E"},
        ],
    }
    periods, pool_left = [], Decimal(pool)
    for month in range(PERIODS):
        year, index = divmod(month + 1, 12)
        scheduled = pool_left / (PERIODS - month)
        losses = (pool_left * Decimal(rng.randint(0, 40)) / 100_000).quantize(Decimal("0.01"))
        collected = (scheduled * Decimal(rng.randint(80, 120)) / 100 + pool_left * Decimal("0.005")).quantize(
            Decimal("0.01"))
        pool_left = max(Decimal(0), pool_left - scheduled - losses).quantize(Decimal("0.01"))
        periods.append(PeriodInput(
            payment_date=date(2027 + year, index + 1, 15), collections=collected, pool_balance=pool_left,
            losses=losses,
            delinquent=(pool_left * Decimal(rng.randint(0, 80)) / 1000).quantize(Decimal("0.01")),
            label=f"{2027 + year}-{index + 1:02d}"))
    return description, periods


def main() -> None:
    description, periods = build(random.Random(SEED))
    if errors := validate(description):
        fail(f"invalid description: {errors}")
    log(f"{len(description['tranches'])} tranches, {len(description['steps'])} steps, {len(periods)} periods")
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = run(description, periods)
        timings.append(time.perf_counter() - started)
    for p in result.periods:
        if p.funds_in != p.payments + p.reserve_deposited + p.cash_left:
            fail(f"conservation broken on {p.payment_date}")
    started = time.perf_counter()
    state, one_by_one = None, []
    for period in periods:
        step = run(description, [period], state)
        one_by_one += step.periods
        state = step.state
    by_period_seconds = time.perf_counter() - started
    if one_by_one != result.periods or state != result.state:
        fail("running period by period through the state differs from running at once")
    rows = sum(len(p.steps) for p in result.periods)
    paid = sum(p.payments for p in result.periods)
    breached = sum(p.triggers["event"].breached for p in result.periods)
    print(f"waterfall_run_10_tranches_360_periods_seconds {min(timings):.3f}")
    print(f"waterfall_run_period_by_period_360_runs_seconds {by_period_seconds:.3f}")
    print(f"waterfall_step_rows {rows}")
    print(f"waterfall_periods_with_event_breached {breached}")
    print(f"waterfall_total_paid_usd {paid}")
    if min(timings) > TARGET_SECONDS:
        fail(f"{min(timings):.3f} s is above the target of {TARGET_SECONDS} s")


if __name__ == "__main__":
    main()
