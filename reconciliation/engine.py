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
ID, KEY = "_id", "_key"  # the engine's own columns: one integer per key and currency, per key
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


def _codes(e: pd.DataFrame, a: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One int64 code per distinct value of ``cols`` over both sides (each column factorised once,
    the codes combined in mixed radix), so that duplicates and merges compare one integer column."""
    both = pd.concat([e[cols], a[cols]], ignore_index=True)
    code, radix = np.zeros(len(both), dtype=np.int64), 1
    for column in cols:
        codes, uniques = pd.factorize(both[column], use_na_sentinel=False)
        radix *= len(uniques) + 1
        if radix >= 2**62:  # too many combinations for one int64: number the groups instead
            code = both.groupby(cols, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
            break
        code = code * (len(uniques) + 1) + codes
    return code[: len(e)], code[len(e) :]


def _duplicates(
    e: pd.DataFrame, a: pd.DataFrame, ident: list[str]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The exception rows for keys that appear more than once on a side, and the masks of the rows
    they take from each side."""
    dup_ids = np.union1d(
        e.loc[e[ID].duplicated(keep=False).to_numpy(), ID].to_numpy(),
        a.loc[a[ID].duplicated(keep=False).to_numpy(), ID].to_numpy(),
    )
    e_in, a_in = e[ID].isin(dup_ids).to_numpy(), a[ID].isin(dup_ids).to_numpy()
    if not len(dup_ids):
        return pd.DataFrame(columns=[*ident, *EXCEPTION_COLUMNS]), e_in, a_in
    out = pd.concat([e.loc[e_in, [ID, *ident]], a.loc[a_in, [ID, *ident]]]).drop_duplicates(ID)
    for name, part in (("expected", e[e_in]), ("actual", a[a_in])):
        if part.empty:
            out[f"{name}_count"], out[f"{name}_rows"], out[f"{name}_amount"] = 0, "", 0
            continue
        grouped = part.groupby(ID, sort=False)
        agg = pd.DataFrame(
            {
                f"{name}_amount": grouped[AMOUNT].sum(),
                f"{name}_count": grouped.size(),
                f"{name}_rows": _joined(part, [ID], ROW),
            }
        ).reset_index()
        out = out.merge(agg, on=ID, how="left")
    for name in ("expected", "actual"):
        out[f"{name}_count"] = out[f"{name}_count"].fillna(0).astype("int64")
        out[f"{name}_rows"] = out[f"{name}_rows"].fillna("")
        out[f"{name}_amount"] = out[f"{name}_amount"].where(out[f"{name}_count"] > 0, 0)
    e_many, a_many = out["expected_count"] > 1, out["actual_count"] > 1
    out["side"] = np.where(e_many & a_many, "both", np.where(e_many, "expected", "actual"))
    out["type"] = "duplicate"
    out["actual_currency"] = out[CURRENCY]
    return out, e_in, a_in


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
    e[ID], a[ID] = _codes(e, a, ident)
    e[KEY], a[KEY] = _codes(e, a, keys)
    dups, e_dup, a_dup = _duplicates(e, a, ident)
    e_u, a_u = e[~e_dup], a[~a_dup]

    right_cols = [ID, AMOUNT, ROW]
    both = _single(e_u, "expected").merge(
        _single(a_u[right_cols], "actual"), on=ID, how="outer", indicator=True
    )
    right_only = (both["_merge"] == "right_only").to_numpy()
    if right_only.any():  # their keys and currency come from the actual side (ids are unique there)
        values = a_u.set_index(ID).loc[both.loc[right_only, ID], [*ident, KEY]]
        for column in [*ident, KEY]:
            filled = both[column].astype(object)
            filled[right_only] = values[column].to_numpy()
            both[column] = filled
    paired = both[both["_merge"] == "both"].drop(columns="_merge")
    paired = paired.assign(difference=paired["actual_amount"] - paired["expected_amount"])
    within = (paired["difference"].abs() <= tolerance).to_numpy(dtype=bool)
    matched = paired[within].reset_index(drop=True)
    matched["expected_row"] = matched["expected_row"].astype("int64")
    matched["actual_row"] = matched["actual_row"].astype("int64")
    mismatched = _as_exceptions(paired[~within], "amount_mismatch", "both")

    left = both.loc[both["_merge"] == "left_only", [*ident, KEY, "expected_amount", "expected_row"]]
    right = both.loc[right_only, [*ident, KEY, "actual_amount", "actual_row"]]
    # The same key on both sides in different currencies: one exception, never a match. Only keys
    # that are alone on each side pair up (no many-to-many).
    lone_l = left[~left[KEY].duplicated(keep=False).to_numpy()]
    lone_r = right[~right[KEY].duplicated(keep=False).to_numpy()]
    crossed = lone_l.merge(
        lone_r[[KEY, CURRENCY, "actual_amount", "actual_row"]],
        on=KEY,
        how="inner",
        suffixes=("_expected", "_actual"),
    )
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
