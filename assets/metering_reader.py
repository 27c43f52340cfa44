"""Read a metering CSV in chunks with pandas' C parser, naming every row it cannot split.

pandas skips a row with more fields than the header (it warns, naming the line) and cuts
the *first* data row to the header's length (it warns, without a line). Both become
errors of their row and reading goes on, so every later bad row is still named. Rows
carry the file's line numbers (the header is line 1; blank lines are ignored but keep
their numbers). A file that is not CSV at all (an unterminated quote, bytes that are
not UTF-8) or whose header is wrong is refused as a whole.
"""

import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pandas as pd

from assets.metering_validation import RowError, check_header
from core.errors import InvalidInput

_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
_FIRST_ROW_CUT = "does not match length of data"


@dataclass
class Chunk:
    """Rows split into the header's columns with their ``lines``, and the rows that could not be
    split (``errors``); ``rows`` counts both."""

    frame: pd.DataFrame
    lines: np.ndarray
    errors: list[RowError]
    rows: int


def read_chunks(source: BinaryIO, chunk_rows: int) -> Iterator[Chunk]:
    head = source.read(4096)
    source.seek(0)
    if not head.strip():
        raise InvalidInput("The metering file is empty.", field="file")
    try:
        reader = pd.read_csv(source, chunksize=chunk_rows, dtype={"device": "category", "hour": "category"},
                             skipinitialspace=True, keep_default_na=False, na_values=[""], engine="c",
                             on_bad_lines="warn", index_col=False, skip_blank_lines=False)
        yield from _Numbered(reader, head)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"The metering file is not readable CSV: {exc}", field="file") from None


class _Numbered:
    """Gives each chunk's rows their file lines, passing over the lines pandas skipped."""

    def __init__(self, reader, head: bytes):
        self.reader = reader
        self.head = head
        self.skipped: list[int] = []  # skipped lines that no row has passed yet
        self.next_line = 2

    def __iter__(self) -> Iterator[Chunk]:
        first = True
        while True:
            frame, errors, cut_first_row = self._next_frame(first)
            if frame is None:
                if errors:
                    yield Chunk(pd.DataFrame(), np.zeros(0, dtype=np.int64), errors, len(errors))
                return
            if first:
                problem = check_header(frame.columns)
                if problem:
                    raise InvalidInput(problem, field="file")
            lines = self._lines(len(frame))
            drop = _blank_rows(frame)
            if cut_first_row and len(frame):
                errors.append(RowError(int(lines[0]), _too_many(_first_row_fields(self.head),
                                                                len(frame.columns))))
                drop[0] = True
            if drop.any():
                frame, lines = frame[~drop], lines[~drop]
            errors.sort(key=lambda e: e.line)
            yield Chunk(frame, lines, errors, len(frame) + len(errors))
            first = False

    def _next_frame(self, first: bool) -> tuple[pd.DataFrame | None, list[RowError], bool]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = next(self.reader, None)
        errors, cut_first_row = [], False
        for warning in caught:
            text = str(warning.message)
            found = _SKIPPED.findall(text)
            for line, expected, saw in found:
                self.skipped.append(int(line))
                errors.append(RowError(int(line), _too_many(int(saw), int(expected))))
            if first and _FIRST_ROW_CUT in text:
                cut_first_row = True
            elif not found:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return frame, errors, cut_first_row

    def _lines(self, n: int) -> np.ndarray:
        skipped = np.array(sorted(s for s in self.skipped if s >= self.next_line), dtype=np.int64)
        rows = np.arange(n, dtype=np.int64)
        # rows read before each skipped line; a row passes every skipped line with fewer rows before it
        rows_before = skipped - self.next_line - np.arange(len(skipped))
        lines = self.next_line + rows + np.searchsorted(rows_before, rows, side="right")
        if n:
            self.next_line = int(lines[-1]) + 1
            self.skipped = [s for s in self.skipped if s >= self.next_line]
        return lines


def _too_many(fields: int | None, columns: int) -> str:
    if fields is None:
        return f"more fields than the {columns} columns the header names"
    return f"{fields} fields, but the header names {columns} columns"


def _first_row_fields(head: bytes) -> int | None:
    """How many fields the first data row has, when the head of the file holds it whole."""
    text = head.decode("utf-8", errors="replace")
    if text.count("\n") < 2:
        return None
    records = csv.reader(io.StringIO(text))
    next(records, None)
    row = next(records, None)
    return None if row is None else len(row)


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows without a single value (blank lines), as a writable mask."""
    no_device = frame["device"].isna().to_numpy(copy=True)
    if not no_device.any():
        return no_device
    return frame.isna().all(axis=1).to_numpy(copy=True)
