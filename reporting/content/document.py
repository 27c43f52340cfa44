"""What a report shows, independent of its format: facts, sections of notes, tables and charts.

Builders (``reporting.content.statement`` etc.) fill a ``Document`` from the database; renderers
(``reporting.render``) turn it into PDF, CSV or XLSX. Table cells hold values, not text:
``Decimal`` (already rounded to what is printed), ``int``, ``str`` or ``None`` (printed "-").
``data`` is the JSON the figures come from; its canonical form is hashed into ``data_sha256``.
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal


def canonical_json(data) -> bytes:
    """The data a report is built from, as bytes that hash the same on every machine: sorted keys,
    no spaces, Decimals and dates as strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


@dataclass
class Table:
    key: str  # the sheet name in XLSX, the section name in CSV (at most 31 characters)
    title: str
    columns: list[str]
    rows: list[list]
    empty: str = "None in this period."  # printed instead of an empty table


@dataclass
class Chart:
    title: str
    labels: list[str]
    values: list[Decimal]
    unit: str = ""


@dataclass
class Section:
    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: Chart | None = None


@dataclass
class Document:
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    data: dict
    wide: bool = False  # landscape pages

    @property
    def data_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.data)).hexdigest()

    def tables(self) -> list[Table]:
        """Every table, the facts first (as the table ``summary``)."""
        summary = Table(key="summary", title="Summary", columns=["item", "value"],
                        rows=[[k, v] for k, v in self.facts])
        return [summary, *(t for s in self.sections for t in s.tables)]
