"""Chain matching, the pure part (pandas, no Django): a distribution's entitlements (expected)
against the indexer's ``Paid`` events (actual), per holder, and a tranche's snapshot against the
balances derived from indexed transfers. Amounts are integers in base units; the engine
(:mod:`reconciliation.engine`) does the matching, nothing loops over the rows.

Each finding is one row of :func:`holder_findings` / :func:`balance_findings`:

==================  ==============================================================================
``missing_payout``  an entitlement with no ``Paid`` event
``duplicate_payout`` a holder with more than one ``Paid`` event (or entitlement)
``amount_mismatch`` one event, another amount than the entitlement
``unknown_recipient`` a ``Paid`` event to a wallet with no entitlement
``paid_late``       matched, but paid on a day after the payment date
``snapshot_mismatch`` a wallet whose snapshot balance differs from the indexed transfers
==================  ==============================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reconciliation.engine import reconcile

WALLET = "wallet"
TYPE_OF = {
    "missing": "missing_payout",
    "duplicate": "duplicate_payout",
    "amount_mismatch": "amount_mismatch",
    "unexpected": "unknown_recipient",
}
FINDING_COLUMNS = [
    "type",
    WALLET,
    "expected_amount",
    "actual_amount",
    "amount",
    "expected_rows",
    "actual_rows",
]


def _findings(exceptions: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    out = exceptions.copy()
    out["type"] = out["type"].map(types)
    # What is unexplained: the difference, or for a duplicate what was paid beyond the expected.
    diff = out["difference"].abs() if len(out) else out["difference"]
    out["amount"] = diff.where(diff != 0, out["actual_amount"]) if len(out) else diff
    return out[FINDING_COLUMNS]


def holder_findings(
    expected: pd.DataFrame, actual: pd.DataFrame, *, payment_day: int | None = None
) -> pd.DataFrame:
    """``expected``: wallet, amount, row (the entitlement). ``actual``: wallet, amount, row (the
    event), and ``day`` (the day it was paid as an ordinal, or -1 if unknown). ``payment_day``:
    the payment date's ordinal; a matched payment made after it is ``paid_late``."""
    result = reconcile(expected, actual, keys=[WALLET])
    found = _findings(result.exceptions, TYPE_OF)
    if payment_day is not None and len(result.matched) and "day" in actual:
        days = actual.set_index("row")["day"]
        paid_day = days.reindex(result.matched["actual_row"].to_numpy()).to_numpy()
        late = result.matched[(paid_day > payment_day) & (paid_day >= 0)]
        if len(late):
            late = late.assign(
                type="paid_late",
                amount=late["actual_amount"],
                expected_rows=late["expected_row"].astype(str),
                actual_rows=late["actual_row"].astype(str),
            )
            found = pd.concat([found, late[FINDING_COLUMNS]], ignore_index=True)
    return found.reset_index(drop=True)


def balance_findings(snapshot: pd.DataFrame, indexed: pd.DataFrame) -> pd.DataFrame:
    """Snapshot balances against indexer-derived ones (wallet, amount, row): every difference,
    missing or extra wallet is one ``snapshot_mismatch``."""
    result = reconcile(snapshot, indexed, keys=[WALLET])
    types = dict.fromkeys(("missing", "duplicate", "amount_mismatch", "unexpected"), "snapshot_mismatch")
    return _findings(result.exceptions, types)


def frame(rows: list[tuple[str, int, int]] | list[tuple[str, int, int, int]], with_day: bool = False):
    """Rows of (wallet, amount, row[, day]) as an engine frame (amounts as Python ints when one
    does not fit in int64)."""
    columns = [WALLET, "amount", "row"] + (["day"] if with_day else [])
    out = pd.DataFrame(rows, columns=columns)
    if len(out) and max(abs(int(a)) for a in (out["amount"].max(), out["amount"].min())) >= 2**63:
        out["amount"] = out["amount"].astype(object)
    elif len(out):
        out["amount"] = out["amount"].astype(np.int64)
    else:
        out["amount"] = out["amount"].astype("int64")
    out["row"] = out["row"].astype("int64")
    return out
