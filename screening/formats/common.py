"""What every list reader returns, and how it refuses a file."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element

MAX_PROBLEMS_LISTED = 1000
MAX_NAME_CHARS = 500
MAX_ID_CHARS = 200


class ListFileError(Exception):
    """The file cannot be imported; ``problems`` names each offending line, record and field."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.message = message
        self.problems = problems


@dataclass
class ParsedList:
    sha256: str
    # one dict per entry, keyed by ListEntry field names, plus "row_number" and "aliases": a list
    # of {"name", "kind", "quality"} in the file's order
    rows: list[dict]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_row(*, row_number: int, entity_id: str, schema: str, name: str, aliases: Sequence[dict] = (),
              birth_dates: Sequence[str] = (), countries: Sequence[str] = (), addresses: Sequence[str] = (),
              identifiers: Sequence[str] = (), sanctions: Sequence[str] = (), dataset: str = "",
              first_seen=None, last_change=None) -> dict:
    """A row as :class:`ParsedList` holds it, for the readers that have fewer columns than CSV."""
    return {
        "row_number": row_number, "entity_id": entity_id, "schema": schema, "name": name,
        "aliases": list(aliases), "birth_dates": list(birth_dates), "countries": sorted(set(countries)),
        "addresses": list(addresses), "identifiers": list(identifiers), "sanctions": list(sanctions),
        "phones": [], "emails": [], "dataset": dataset, "first_seen": first_seen, "last_seen": None,
        "last_change": last_change,
    }


def alias(name: str, kind: str = "", quality: str = "") -> dict:
    return {"name": name, "kind": kind, "quality": quality}


def valid_partial_date(text: str) -> bool:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', and a real date."""
    parts = text.split("-")
    if not (1 <= len(parts) <= 3 and [len(p) for p in parts] == [4, 2, 2][:len(parts)]
            and all(p.isdigit() for p in parts)):
        return False
    year, month, day = (parts + ["01", "01"])[:3]
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def check_lengths(where: str, entity_id: str, name: str, aliases: list[dict], problems: list[str]) -> None:
    if not entity_id:
        problems.append(f"{where}: id is empty.")
    if not name:
        problems.append(f"{where}: name is empty.")
    if len(entity_id) > MAX_ID_CHARS or len(name) > MAX_NAME_CHARS or any(
            len(a["name"]) > MAX_NAME_CHARS for a in aliases):
        problems.append(f"{where}: id longer than {MAX_ID_CHARS} or a name longer than {MAX_NAME_CHARS} "
                        "characters.")


def read_records(data: bytes, elements: Iterable[Element], read, *, id_label: str) -> ParsedList:
    """The rows of an XML list: ``read(position, element, problems)`` makes one row (or None and
    adds its problems); a repeated entity id is a problem too. Places are named '<tag> <position>'."""
    problems: list[str] = []
    bad: list[str] = []
    rows: list[dict] = []
    first_of: dict[str, str] = {}
    for position, element in enumerate(elements, start=1):
        where = f"{element.tag} {position}"
        row = read(position, element, problems)
        if row is not None and row["entity_id"] in first_of:
            listed_id = row["entity_id"].split("-", 1)[1]
            problems.append(f"{where}: {id_label} {listed_id} duplicates {first_of[row['entity_id']]}.")
            row = None
        if row is None:
            bad.append(where)
            continue
        first_of[row["entity_id"]] = where
        rows.append(row)
    refuse_if_any(problems, bad, rows, noun="record", place="")
    return ParsedList(sha256=sha256(data), rows=rows)


def refuse_if_any(problems: list[str], bad: list[str], rows: list[dict], *, noun: str, place: str) -> None:
    """Raise :class:`ListFileError` when there is any problem, naming the bad places, or no row."""
    if problems:
        shown = ", ".join(bad[:50]) + (" ..." if len(bad) > 50 else "")
        raise ListFileError(
            f"The list file was refused as a whole: {len(bad)} malformed {noun}(s), {place}{shown}. "
            "Nothing was imported; the current list version stays in force.",
            problems[:MAX_PROBLEMS_LISTED],
        )
    if not rows:
        raise ListFileError("The list file has no rows.", ["The list file has no rows."])
