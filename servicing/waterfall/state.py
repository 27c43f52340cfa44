"""What a waterfall carries from one period to the next, as a JSON-serializable dict.

``RunResult.state`` is written by ``write_state``; passing it back to ``run`` continues from
there, so running periods one by one gives the same result as running them all at once::

    {"format": 1, "periods_run": 3, "last_payment_date": "2027-04-15",
     "balances": {"A": "79000000.00", ...}, "unpaid_interest": {"A": "0.00", ...},
     "unpaid_fees": {"trustee": "0.00", ...}, "one_off_charged": {"setup": true},
     "accounts": {"reserve": "2000000.00"}, "cash": "0.00", "pool_balance": "98000000.00",
     "cumulative_losses": "150000.00",
     "triggers": {"oc": {"breached": false, "passes": 0}, ...}}

``passes`` counts the passing tests of a breached trigger that is curing.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from core.errors import InvalidInput

from .deal import Deal

_AMOUNT_MAPS = ("balances", "unpaid_interest", "unpaid_fees", "accounts")
_AMOUNTS = ("cash", "pool_balance", "cumulative_losses")


def initial_state(deal: Deal) -> dict:
    """The state at the closing date (working form: ``Decimal`` and ``date`` values)."""
    zero = Decimal(0).quantize(deal.original_pool_balance)
    return {
        "format": 1,
        "periods_run": 0,
        "last_payment_date": deal.closing_date,
        "balances": {t.name: t.balance for t in deal.tranches},
        "unpaid_interest": {t.name: zero for t in deal.tranches if t.kind == "debt"},
        "unpaid_fees": {f.name: zero for f in deal.fees},
        "one_off_charged": {f.name: False for f in deal.fees if f.one_off is not None},
        "accounts": {a.name: a.initial for a in deal.accounts},
        "cash": zero,
        "pool_balance": deal.original_pool_balance,
        "cumulative_losses": zero,
        "triggers": {t.name: {"breached": False, "passes": 0} for t in deal.triggers},
    }


def write_state(deal: Deal, working: dict) -> dict:
    """The JSON form: amounts as strings, the date in ISO format."""
    out = {key: value for key, value in working.items()}
    for key in _AMOUNT_MAPS:
        out[key] = {name: str(amount) for name, amount in working[key].items()}
    for key in _AMOUNTS:
        out[key] = str(working[key])
    out["last_payment_date"] = working["last_payment_date"].isoformat()
    out["one_off_charged"] = dict(working["one_off_charged"])
    out["triggers"] = {name: dict(memory) for name, memory in working["triggers"].items()}
    return out


def read_state(deal: Deal, state: dict) -> dict:
    """The working form of ``state``; ``InvalidInput`` when it does not belong to ``deal``."""
    expected = initial_state(deal)
    try:
        if not isinstance(state, dict) or state.get("format") != 1:
            raise ValueError("must be a state of format 1 written by a waterfall run")
        working = {"format": 1, "periods_run": int(state["periods_run"]),
                   "last_payment_date": date.fromisoformat(state["last_payment_date"])}
        for key in _AMOUNT_MAPS:
            if set(state[key]) != set(expected[key]):
                raise ValueError(f"{key} names {sorted(state[key])}, the description {sorted(expected[key])}")
            working[key] = {name: Decimal(state[key][name]) for name in expected[key]}
        for key in _AMOUNTS:
            working[key] = Decimal(state[key])
        for key in ("one_off_charged", "triggers"):
            if set(state[key]) != set(expected[key]):
                raise ValueError(f"{key} names {sorted(state[key])}, the description {sorted(expected[key])}")
        working["one_off_charged"] = {name: bool(state["one_off_charged"][name])
                                      for name in expected["one_off_charged"]}
        working["triggers"] = {name: {"breached": bool(state["triggers"][name]["breached"]),
                                      "passes": int(state["triggers"][name]["passes"])}
                               for name in expected["triggers"]}
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        message = f"state: does not belong to this description ({exc})"
        raise InvalidInput(message, reasons=[message], field="state") from exc
    return working
