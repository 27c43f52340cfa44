"""Small waterfall descriptions for the engine tests (plain dicts, as a deal stores them)."""

from datetime import date
from decimal import Decimal

from servicing.waterfall import PeriodInput

D = Decimal


def deal(*, tranches=None, fees=(), accounts=(), triggers=(), steps=None, rounding=None,
         currency="USD", closing="2027-01-15", pool="1000000.00") -> dict:
    description = {
        "format": 1,
        "currency": currency,
        "closing_date": closing,
        "original_pool_balance": pool,
        "tranches": tranches or [
            {"name": "A", "kind": "debt", "balance": "800000.00", "rate": "0.06", "day_count": "30/360"},
            {"name": "R", "kind": "equity", "balance": "200000.00"},
        ],
        "steps": steps or [
            {"kind": "pay_interest", "tranches": ["A"]},
            {"kind": "pay_principal", "tranches": ["A"]},
            {"kind": "pay_residual", "tranche": "R"},
        ],
    }
    for key, value in (("fees", fees), ("accounts", accounts), ("triggers", triggers)):
        if value:
            description[key] = list(value)
    if rounding:
        description["rounding"] = rounding
    return description


def debt(name, balance, rate="0.06", day_count="30/360", **extra) -> dict:
    return {"name": name, "kind": "debt", "balance": balance, "rate": rate, "day_count": day_count, **extra}


def period(day: str, collections: str, pool: str = "1000000.00", **extra) -> PeriodInput:
    return PeriodInput(date.fromisoformat(day), D(collections), D(pool),
                       **{key: D(value) if key != "label" else value for key, value in extra.items()})


def rows(result, period_index=0) -> list[tuple]:
    """(index, target, due, paid, shortfall, carried_forward, balance_after) per row, as strings."""
    return [(r.index, r.target, str(r.due), str(r.paid), str(r.shortfall), str(r.carried_forward),
             None if r.balance_after is None else str(r.balance_after))
            for r in result.periods[period_index].steps]
