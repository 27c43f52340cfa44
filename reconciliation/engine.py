"""The reconciliation engine: an expected side against an actual side, keyed, exact.

Pure (pandas and numpy, no Django). Amounts are integers in minor or base units: ``int64`` when
every amount fits, Python integers (``object`` columns) when one does not (token amounts in base
units), so nothing is ever rounded. Every step is a merge, a group-by or a mask over whole
columns; there is no loop over the rows.

Each row of both sides ends in exactly one place:

- ``matched``: its key (and currency) appears once on each side and the amounts differ by at most
  the tolerance;
- one exception of ``exceptions``, of one type:

  ========================  ==================================================================
  ``duplicate``             the key and currency appear more than once on one side (or both):
                            every row of that key on both sides, each listed, never collapsed
  ``currency_mismatch``     the key appears once on each side, in two currencies (never matched)
  ``amount_mismatch``       the key appears once on each side, the amounts differ by more than
                            the tolerance
  ``missing``               the key is expected and is not in the actual side
  ``unexpected``            the key is in the actual side and was not expected
  ========================  ==================================================================

Rows are named by their ``row`` column (the file line, or a database id): an exception lists
``expected_rows`` and ``actual_rows`` (``;``-separated). Its ``currency`` is the expected rows'
(``actual_currency`` differs only for a currency mismatch, whose ``difference`` is 0: amounts in
two currencies are never compared). Its ``expected_amount`` and
``actual_amount`` are the sums of those rows, ``difference`` = actual - expected, so the amounts
of each side are conserved: matched + exceptions = the side's total, per currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ROW = "row"
AMOUNT = "amount"
CURRENCY = "currency"
TYPES = ("duplicate", "currency_mismatch", "amount_mismatch", "missing", "unexpected")
EXCEPTION_COLUMNS = (
    "type",
    "side",
    "currency",
    "actual_currency",
    "expected_amount",
    "actual_amount",
    "difference",
    "expected_count",
    "actual_count",
    "expected_rows",
    "actual_rows",
)


@dataclass(frozen=True)
class Result:
    """``matched``: keys, currency, expected_row, actual_row, expected_amount, actual_amount,
    difference. ``exceptions``: type, side, the keys, and :data:`EXCEPTION_COLUMNS`."""

    matched: pd.DataFrame
    exceptions: pd.DataFrame
    keys: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        found = self.exceptions["type"].value_counts()
        return {t: int(found.get(t, 0)) for t in TYPES}


def _side(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame[[*keys, AMOUNT, ROW] + ([CURRENCY] if CURRENCY in frame else [])].copy()
    if CURRENCY not in out:
        out[CURRENCY] = ""
    # Nullable integers: an outer merge leaves gaps, and a float column would round big amounts.
    if out[AMOUNT].dtype != object:
        out[AMOUNT] = out[AMOUNT].astype("Int64")
    out[ROW] = out[ROW].astype("Int64")
    return out


def _plain(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Amount and row columns back to plain integers (``int64``, or Python ints in ``object``)."""
    for column in columns:
        if column in frame:
            filled = (
                frame[column].fillna(0)
                if frame[column].dtype != object
                else frame[column].where(frame[column].notna(), 0)
            )
            frame[column] = filled if filled.dtype == object else filled.astype("int64")
    return frame


def _rows_text(rows: pd.Series) -> pd.Series:
    return rows.astype("int64").astype(str)


def _joined(frame: pd.DataFrame, by: list[str], column: str) -> pd.Series:
    """The ``column`` values of each group, ``;``-separated, in row order (small frames only:
    the duplicates)."""
    ordered = frame.sort_values(ROW)
    return ordered.groupby(by, sort=False, dropna=False)[column].agg(lambda s: ";".join(map(str, s)))


def _duplicates(
    e: pd.DataFrame, a: pd.DataFrame, ident: list[str]
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The exception rows for keys that appear more than once on a side, and the masks of the rows
    they take from each side."""
    dup_keys = pd.concat(
        [e.loc[e.duplicated(ident, keep=False), ident], a.loc[a.duplicated(ident, keep=False), ident]]
    ).drop_duplicates()
    if dup_keys.empty:
        return (
            pd.DataFrame(columns=[*ident, *EXCEPTION_COLUMNS[:1], *EXCEPTION_COLUMNS[1:]]),
            pd.Series(False, index=e.index),
            pd.Series(False, index=a.index),
        )
    dup_keys = dup_keys.assign(_dup=True)
    e_in = e.merge(dup_keys, on=ident, how="left")["_dup"].fillna(False).to_numpy(dtype=bool)
    a_in = a.merge(dup_keys, on=ident, how="left")["_dup"].fillna(False).to_numpy(dtype=bool)
    e_d, a_d = e[e_in], a[a_in]
    out = dup_keys.drop(columns="_dup")
    for name, part in (("expected", e_d), ("actual", a_d)):
        if part.empty:
            continue
        grouped = part.groupby(ident, sort=False, dropna=False)
        agg = pd.DataFrame(
            {
                f"{name}_amount": grouped[AMOUNT].sum(),
                f"{name}_count": grouped.size(),
                f"{name}_rows": _joined(part, ident, ROW),
            }
        ).reset_index()
        out = out.merge(agg, on=ident, how="left")
    for name in ("expected", "actual"):
        if f"{name}_count" not in out:
            out[f"{name}_count"], out[f"{name}_rows"], out[f"{name}_amount"] = 0, "", 0
    for name in ("expected", "actual"):
        out[f"{name}_count"] = out[f"{name}_count"].fillna(0).astype("int64")
        out[f"{name}_rows"] = out[f"{name}_rows"].fillna("")
        out[f"{name}_amount"] = out[f"{name}_amount"].where(out[f"{name}_count"] > 0, 0)
    e_many, a_many = out["expected_count"] > 1, out["actual_count"] > 1
    out["side"] = np.where(e_many & a_many, "both", np.where(e_many, "expected", "actual"))
    out["type"] = "duplicate"
    out["actual_currency"] = out[CURRENCY]
    return out, pd.Series(e_in, index=e.index), pd.Series(a_in, index=a.index)


def _single(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return frame.rename(columns={AMOUNT: f"{prefix}_amount", ROW: f"{prefix}_row"})


def _as_exceptions(frame: pd.DataFrame, kind: str, side: str) -> pd.DataFrame:
    out = frame.copy()
    out["type"] = kind
    out["side"] = side
    if "actual_currency" not in out:
        out["actual_currency"] = out[CURRENCY]
    for name in ("expected", "actual"):
        present = out[f"{name}_row"].notna() if f"{name}_row" in out else pd.Series(False, index=out.index)
        if f"{name}_row" not in out:
            out[f"{name}_row"] = np.nan
            out[f"{name}_amount"] = 0
        out[f"{name}_count"] = present.astype("int64")
        out[f"{name}_rows"] = np.where(present, _rows_text(out[f"{name}_row"].fillna(0)), "")
        out[f"{name}_amount"] = out[f"{name}_amount"].where(present, 0)
    return out.drop(columns=["expected_row", "actual_row"])


def reconcile(
    expected: pd.DataFrame, actual: pd.DataFrame, *, keys: list[str] | tuple[str, ...], tolerance: int = 0
) -> Result:
    """Reconcile two frames with the columns ``keys``, ``amount`` (integers), ``row`` (what names the
    row) and optionally ``currency``. ``tolerance`` is in the same units as the amounts (>= 0)."""
    keys = list(keys)
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    e, a = _side(expected, keys), _side(actual, keys)
    ident = [*keys, CURRENCY]
    dups, e_dup, a_dup = _duplicates(e, a, ident)
    e_u, a_u = e[~e_dup.to_numpy()], a[~a_dup.to_numpy()]

    both = _single(e_u, "expected").merge(_single(a_u, "actual"), on=ident, how="outer", indicator=True)
    paired = both[both["_merge"] == "both"].drop(columns="_merge")
    paired = paired.assign(difference=paired["actual_amount"] - paired["expected_amount"])
    within = (paired["difference"].abs() <= tolerance).to_numpy(dtype=bool)
    matched = paired[within].reset_index(drop=True)
    matched["expected_row"] = matched["expected_row"].astype("int64")
    matched["actual_row"] = matched["actual_row"].astype("int64")
    mismatched = _as_exceptions(paired[~within], "amount_mismatch", "both")

    left = both.loc[both["_merge"] == "left_only", [*ident, "expected_amount", "expected_row"]]
    right = both.loc[both["_merge"] == "right_only", [*ident, "actual_amount", "actual_row"]]
    # The same key on both sides in different currencies: one exception, never a match. Only keys
    # that are alone on each side pair up (no many-to-many).
    lone_l = left[~left.duplicated(keys, keep=False)]
    lone_r = right[~right.duplicated(keys, keep=False)]
    crossed = lone_l.merge(lone_r, on=keys, how="inner", suffixes=("_expected", "_actual"))
    crossed = crossed.rename(columns={"currency_expected": CURRENCY, "currency_actual": "actual_currency"})
    crossed["difference"] = 0  # amounts in two currencies are not compared
    crossed_ex = _as_exceptions(crossed, "currency_mismatch", "both")
    taken_l = left["expected_row"].isin(crossed["expected_row"]).to_numpy(dtype=bool)
    taken_r = right["actual_row"].isin(crossed["actual_row"]).to_numpy(dtype=bool)
    missing = left[~taken_l].assign(difference=lambda f: -f["expected_amount"])
    unexpected = right[~taken_r].assign(difference=lambda f: f["actual_amount"])

    if not dups.empty:
        dups["difference"] = dups["actual_amount"] - dups["expected_amount"]
    parts = [
        dups,
        crossed_ex,
        mismatched,
        _as_exceptions(missing, "missing", "expected"),
        _as_exceptions(unexpected, "unexpected", "actual"),
    ]
    columns = [*keys, *EXCEPTION_COLUMNS]
    exceptions = (
        pd.concat([p[columns] for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else pd.DataFrame(columns=columns)
    )
    amounts = ["expected_amount", "actual_amount", "difference"]
    return Result(
        matched=_plain(
            matched[[*keys, CURRENCY, "expected_row", "actual_row", *amounts]],
            ["expected_row", "actual_row", *amounts],
        ),
        exceptions=_plain(exceptions, [*amounts, "expected_count", "actual_count"]),
        keys=tuple(keys),
    )
