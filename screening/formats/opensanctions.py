"""The OpenSanctions ``targets.simple.csv`` layout: one row per entity, multiple values in a
column separated by ``;``. Problems are named by line (the header is line 1)."""

import csv
import io
from datetime import datetime

from core.params import datetime_problem
from screening.formats.common import (
    ListFileError,
    ParsedList,
    alias,
    check_lengths,
    refuse_if_any,
    sha256,
    valid_partial_date,
)

COLUMNS = ("id", "schema", "name", "aliases", "birth_date", "countries", "addresses", "identifiers",
           "sanctions", "phones", "emails", "dataset", "first_seen", "last_seen", "last_change")
MULTI = ("birth_date", "countries", "addresses", "identifiers", "sanctions", "phones", "emails")
TIMESTAMPS = ("first_seen", "last_seen", "last_change")
SEPARATOR = ";"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def _timestamp(text: str) -> tuple[datetime | None, str | None]:
    """``(the date-time in UTC, None)`` (a naive one is read as UTC), or ``(None, what is wrong)``:
    not ISO 8601, or outside the business range (``core.bounds``; 9999-12-31T23:00-05:00 is year
    10000 in UTC, which no column can hold)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None, "is not an ISO 8601 date/time."
    utc, problem = datetime_problem(value)
    return utc, problem and "is outside the business range: " + problem


def _parse_row(line: int, raw: dict, problems: list[str]) -> dict | None:
    before = len(problems)
    values = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    row = {
        "row_number": line,
        "entity_id": values["id"],
        "schema": values["schema"],
        "name": values["name"],
        "dataset": values["dataset"],
        "aliases": [alias(name) for name in _split(values["aliases"])],
    }
    for column in MULTI:
        row["birth_dates" if column == "birth_date" else column] = _split(values[column])
    row["countries"] = [c.lower() for c in row["countries"]]
    for text in row["birth_dates"]:
        if not valid_partial_date(text):
            problems.append(f"line {line}: birth_date '{text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD).")
    for column in TIMESTAMPS:
        row[column] = None
        if values[column]:
            row[column], problem = _timestamp(values[column])
            if problem:
                problems.append(f"line {line}: {column} '{values[column]}' {problem}")
    check_lengths(f"line {line}", row["entity_id"], row["name"], row["aliases"], problems)
    return row if len(problems) == before else None


def parse_targets_csv(data: bytes) -> ParsedList:
    """Every row of ``data``, or :class:`ListFileError` listing every offending line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFileError(f"The file is not UTF-8 text (byte {exc.start}).", [str(exc)]) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        message = f"The file lacks the column(s) {', '.join(missing)}; expected: {', '.join(COLUMNS)}."
        raise ListFileError(message, [message])
    problems: list[str] = []
    bad_lines: list[int] = []
    rows: list[dict] = []
    first_line_of: dict[str, int] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw:
                problems.append(f"line {line}: more fields than the header has columns.")
            row = _parse_row(line, raw, problems)
            if row is not None and row["entity_id"] in first_line_of:
                problems.append(f"line {line}: id '{row['entity_id']}' duplicates line "
                                f"{first_line_of[row['entity_id']]}.")
                row = None
            if row is None or None in raw:
                bad_lines.append(line)
                continue
            first_line_of[row["entity_id"]] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not valid CSV ({exc}).")
        bad_lines.append(reader.line_num)
    refuse_if_any(problems, [str(n) for n in bad_lines], rows, noun="row", place="on line(s) ")
    return ParsedList(sha256=sha256(data), rows=rows)
