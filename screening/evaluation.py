"""Recall and precision of the matcher on a labelled set of names. No Django here.

A labelled set is a CSV file with the columns ``query, expected, kind``: the name screened,
the list entity id it must match (empty for a name that must match nothing) and a free label
grouping the cases (``alias``, ``variant``, ``script``, ``negative``, ...). Screening each query
by name alone (no birth date, no country) against a list gives:

- **recall**: the share of queries with an expected entity whose hits include it;
- **precision**: the share of all hits (query, entity) that are the expected entity;
- **negatives flagged**: the queries expected to match nothing that raised any hit.

``manage.py screening_evaluate`` runs it on a list file and a labelled set of your own.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from screening.formats import parse_list
from screening.matching import THRESHOLD, Matcher, Subject, entry_from_row

COLUMNS = ("query", "expected", "kind")


@dataclass(frozen=True)
class Case:
    query: str
    expected: str | None  # the entity id the query must match; None: must match nothing
    kind: str


@dataclass
class Figures:
    threshold: Decimal
    positives: int = 0
    found: int = 0
    negatives: int = 0
    negatives_flagged: int = 0
    hits: int = 0
    correct_hits: int = 0
    misses: list[Case] = field(default_factory=list)
    false_hits: list[tuple[Case, str, Decimal]] = field(default_factory=list)
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (right, cases)

    @property
    def recall(self) -> Decimal:
        return _ratio(self.found, self.positives)

    @property
    def precision(self) -> Decimal:
        return _ratio(self.correct_hits, self.hits)


def _ratio(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else Decimal(0)


def load_cases(data: bytes) -> list[Case]:
    """The cases of a labelled-set CSV file (UTF-8, header ``query,expected,kind``)."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"A labelled set has the columns {', '.join(COLUMNS)}; this one has "
                         f"{', '.join(reader.fieldnames or ())}.")
    return [Case(row["query"].strip(), row["expected"].strip() or None, row["kind"].strip())
            for row in reader if row["query"].strip()]


def matcher_from_file(data: bytes) -> Matcher:
    """A matcher over a list file in any format the import reads (weak aliases left out)."""
    return Matcher([
        entry_from_row(row["entity_id"], row["entity_id"], row["schema"], row["name"],
                       [a["name"] for a in row["aliases"] if a["quality"] != "weak"],
                       row["birth_dates"], row["countries"], row["identifiers"])
        for row in parse_list(data).rows
    ])


def evaluate(matcher: Matcher, cases: list[Case], threshold: Decimal = THRESHOLD) -> Figures:
    """Screen every case by name alone at ``threshold`` and count what was right."""
    figures = Figures(threshold=threshold)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in cases:
        hits = {m.entity_id: m.score for m in matcher.screen(Subject(case.query), threshold=threshold)}
        figures.hits += len(hits)
        total[case.kind] += 1
        if case.expected is None:
            figures.negatives += 1
            figures.negatives_flagged += bool(hits)
            right[case.kind] += not hits
        else:
            figures.positives += 1
            figures.found += case.expected in hits
            figures.correct_hits += case.expected in hits
            right[case.kind] += case.expected in hits
            if case.expected not in hits:
                figures.misses.append(case)
        figures.false_hits += [(case, entity, score) for entity, score in sorted(hits.items())
                               if entity != case.expected]
    figures.by_kind = {kind: (right[kind], total[kind]) for kind in sorted(total)}
    return figures


def evaluate_files(list_file: Path, cases_file: Path, threshold: Decimal = THRESHOLD) -> Figures:
    return evaluate(matcher_from_file(list_file.read_bytes()), load_cases(cases_file.read_bytes()), threshold)
