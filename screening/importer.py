"""Parse a list file in the OpenSanctions ``targets.simple.csv`` layout. No Django here.

The whole file is checked before anything is written: every problem is collected
with its line number (the header is line 1), and a file with any problem is
refused as a whole.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

COLUMNS = ("id", "schema", "name", "aliases", "birth_date", "countries", "addresses", "identifiers",
           "sanctions", "phones", "emails", "dataset", "first_seen", "last_seen", "last_change")
MULTI = ("aliases", "birth_date", "countries", "addresses", "identifiers", "sanctions", "phones", "emails")
TIMESTAMPS = ("first_seen", "last_seen", "last_change")
SEPARATOR = ";"
MAX_PROBLEMS_LISTED = 1000
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class ListFileError(Exception):
    """The file cannot be imported; ``problems`` names each offending line and field."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.message = message
        self.problems = problems


@dataclass
class ParsedList:
    sha256: str
    rows: list[dict]  # one dict per data row, keyed by model field names, plus "row_number"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def _valid_partial_date(text: str) -> bool:
    if not _PARTIAL_DATE.match(text):
        return False
    year, month, day = (text.split("-") + ["01", "01"])[:3]
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _timestamp(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_row(line: int, raw: dict, problems: list[str]) -> dict | None:
    before = len(problems)
    values = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    if not values["id"]:
        problems.append(f"line {line}: id is empty.")
    if not values["name"]:
        problems.append(f"line {line}: name is empty.")
    row = {
        "row_number": line,
        "entity_id": values["id"],
        "schema": values["schema"],
        "name": values["name"],
        "dataset": values["dataset"],
    }
    for column in MULTI:
        row["birth_dates" if column == "birth_date" else column] = _split(values[column])
    row["countries"] = [c.lower() for c in row["countries"]]
    for text in row["birth_dates"]:
        if not _valid_partial_date(text):
            problems.append(f"line {line}: birth_date '{text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD).")
    for column in TIMESTAMPS:
        row[column] = None
        if values[column]:
            try:
                row[column] = _timestamp(values[column])
            except ValueError:
                problems.append(f"line {line}: {column} '{values[column]}' is not an ISO 8601 date/time.")
    if len(row["entity_id"]) > 200 or len(row["name"]) > 500:
        problems.append(f"line {line}: id longer than 200 or name longer than 500 characters.")
    return row if len(problems) == before else None


def parse_targets_csv(data: bytes) -> ParsedList:
    """Every row of ``data``, or :class:`ListFileError` listing every offending line."""
    sha256 = hashlib.sha256(data).hexdigest()
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
    if problems:
        shown = ", ".join(str(n) for n in bad_lines[:50]) + (" ..." if len(bad_lines) > 50 else "")
        raise ListFileError(
            f"The list file was refused as a whole: {len(bad_lines)} malformed row(s), on line(s) {shown}. "
            "Nothing was imported; the current list version stays in force.",
            problems[:MAX_PROBLEMS_LISTED],
        )
    if not rows:
        raise ListFileError("The list file has no rows.", ["The list file has no rows."])
    return ParsedList(sha256=sha256, rows=rows)
