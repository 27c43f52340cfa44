"""The auditor's files: two CSV exports read into the engine's frames, and the exceptions written
back. Pure (pandas, no Django).

Each file has a header line naming its columns; the key columns and the amount column must be
there, and a ``currency`` column is used when both files have one. Amounts are decimal numbers
(``1234.50``, ``-3``, no thousands separator, no exponent); they are read as text and turned into
integers at the finest scale either file (or the tolerance) uses, so ``10.1`` and ``10.10`` are the
same amount and nothing is rounded. Every bad cell is named by file, line (the header is line 1)
and column, and nothing is reconciled until both files are clean.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from reconciliation.engine import AMOUNT, CURRENCY, ROW, Result

AMOUNT_PATTERN = r"([+-]?)(\d{1,40})(?:\.(\d{1,30}))?"
MAX_SHOWN = 40
INT64_DIGITS = 18


class FileProblem(ValueError):
    """The files cannot be reconciled; ``problems`` names each bad file, line and column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s), nothing reconciled: " + "; ".join(shown) + more)


@dataclass(frozen=True)
class Side:
    """One file read: its rows (``row`` = the file line), the amounts still as text."""

    name: str
    frame: pd.DataFrame
    has_currency: bool


def _quote(text: str) -> str:
    return repr(text) if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]!r}... ({len(text)} characters)"


def read_side(path: str | Path, *, keys: list[str], amount: str) -> Side:
    """Read one file; raise :class:`FileProblem` naming the file, line and column of every bad cell."""
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            # More fields than the header on the first data row: pandas would cut the row and warn.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False,
                                encoding="utf-8", index_col=False)
    except FileNotFoundError:
        raise FileProblem([f"{name}: no such file"]) from None
    except pd.errors.ParserWarning:
        raise FileProblem([f"{name}: not readable CSV: line 2 has more fields than the header"]) from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise FileProblem([f"{name}: not readable CSV: {str(exc).strip()}"]) from None
    missing = [c for c in (*keys, amount) if c not in frame.columns]
    if missing:
        raise FileProblem(
            [
                f"{name}: missing column(s) {', '.join(missing)} (the header names "
                f"{', '.join(map(str, frame.columns))})"
            ]
        )
    frame[ROW] = frame.index + 2  # the header is line 1
    blank = (frame.drop(columns=ROW) == "").all(axis=1)
    frame = frame[~blank.to_numpy()]
    problems = []
    for column in keys:
        empty = frame[column].str.strip() == ""
        problems += [f"{name} line {line} column {column}: empty key" for line in frame.loc[empty, ROW]]
    bad = ~frame[amount].str.fullmatch(AMOUNT_PATTERN)
    problems += [
        f"{name} line {line} column {amount}: {_quote(text)} is not an amount"
        for line, text in zip(frame.loc[bad, ROW], frame.loc[bad, amount], strict=True)
    ]
    has_currency = CURRENCY in frame.columns
    if has_currency:
        bad_ccy = ~frame[CURRENCY].str.fullmatch(r"[A-Z]{3}")
        problems += [
            f"{name} line {line} column currency: {_quote(text)} is not a currency code"
            for line, text in zip(frame.loc[bad_ccy, ROW], frame.loc[bad_ccy, CURRENCY], strict=True)
        ]
    if problems:
        raise FileProblem(problems)
    columns = [*keys, amount, ROW] + ([CURRENCY] if has_currency else [])
    return Side(name=name, frame=frame[columns].rename(columns={amount: AMOUNT}), has_currency=has_currency)


def decimals_of(side: Side) -> int:
    fractions = side.frame[AMOUNT].str.extract(AMOUNT_PATTERN)[2].fillna("")
    return int(fractions.str.len().max()) if len(fractions) else 0


def tolerance_units(tolerance: str, scale: int) -> int:
    """The tolerance in units of ``10**-scale`` (it must be exact at that scale)."""
    try:
        value = Decimal(tolerance)
    except InvalidOperation:
        raise FileProblem([f"--tolerance {tolerance!r} is not a number"]) from None
    if not value.is_finite() or value < 0:
        raise FileProblem([f"--tolerance {tolerance!r} must be a number of at least 0"])
    units = value.scaleb(scale)
    if units != units.to_integral_value():
        raise FileProblem([f"--tolerance {tolerance!r} has more decimals than the amounts ({scale})"])
    return int(units)


def to_units(amounts: pd.Series, scale: int) -> pd.Series:
    """Decimal text -> integers in units of ``10**-scale``: ``int64`` when every amount fits, Python
    integers otherwise (no float anywhere)."""
    parts = amounts.str.extract(AMOUNT_PATTERN)
    digits = parts[1] + parts[2].fillna("").str.ljust(scale, "0")
    sign = parts[0].eq("-")
    if len(digits) and int(digits.str.len().max()) > INT64_DIGITS:
        values = digits.map(int).astype(object)  # big amounts (token base units): exact Python ints
        return values.where(~sign, -values)
    values = digits.astype("int64") if len(digits) else pd.Series([], dtype="int64", index=amounts.index)
    return values.where(~sign, -values)


def frames(
    expected: Side, actual: Side, *, tolerance: str = "0"
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """The two engine frames, the tolerance in units, and the scale (decimals) of the units."""
    if expected.has_currency != actual.has_currency:
        without = actual.name if expected.has_currency else expected.name
        raise FileProblem(
            [
                f"{without}: no currency column, but the other file has one; amounts in "
                "different currencies are never matched, so both files need it or neither"
            ]
        )
    try:
        tol_decimals = max(-Decimal(tolerance).as_tuple().exponent, 0)
    except (InvalidOperation, TypeError):
        tol_decimals = 0
    scale = max(decimals_of(expected), decimals_of(actual), int(tol_decimals))
    tol = tolerance_units(tolerance, scale)
    out = []
    for side in (expected, actual):
        frame = side.frame.copy()
        frame[AMOUNT] = to_units(frame[AMOUNT], scale)
        out.append(frame)
    return out[0], out[1], tol, scale


def from_units(values: pd.Series, scale: int) -> pd.Series:
    """Integers in units of ``10**-scale`` -> decimal text (``-12.50``), exactly."""
    negative = values < 0
    text = values.abs().astype(str).str.zfill(scale + 1)
    if scale:
        text = text.str[:-scale] + "." + text.str[-scale:]
    return text.where(~negative.to_numpy(dtype=bool), "-" + text)


def write_exceptions(result: Result, path: str | Path, *, scale: int) -> None:
    """One line per exception: the keys, then ``type, side, currency, actual_currency,
    expected_amount, actual_amount, difference, expected_count, actual_count, expected_rows,
    actual_rows`` (rows are file lines, ``;``-separated)."""
    out = result.exceptions.copy()
    for column in ("expected_amount", "actual_amount", "difference"):
        out[column] = from_units(out[column], scale) if len(out) else out[column]
    out.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
