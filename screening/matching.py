"""Sanctions / PEP name and wallet matching: a pure engine, no Django.

How a name is compared (docs/screening.md says the same in prose):

1. normalise: transliterate to ASCII (anyascii: Cyrillic, Greek, CJK, accents),
   casefold, every run of non-alphanumerics becomes one space;
2. tokenise, drop legal-form words (Ltd, Corp, GmbH, ...): they never count as
   evidence, and a name made only of them matches nothing;
3. block: an entry is a candidate only if it shares a token, or the first or
   last ``AFFIX`` letters of a token, with the subject (an inverted index, so a
   subject meets a few dozen of the 50,000 entries, not all of them); keys shared
   by more than ``MAX_POSTING`` names (generic words such as 'shipping') are used
   only when the subject has no rarer key;
4. score each candidate name (the entry's name and every alias) by token
   alignment: every token on each side is paired with its most similar token on
   the other side (Indel similarity; words of up to ``SHORT_TOKEN_CHARS`` letters
   only count when equal), and the similarities are averaged, each token weighted
   by its rarity in the list (inverse document frequency), so a common word like
   'capital' cannot carry a match on its own; word order does not matter. When
   every token of the shorter name (at least two tokens) is in the longer one,
   the name scores at least ``SUBSET_SCORE`` (middle names, patronymics). Short
   names (one token, or fewer than ``SHORT_NAME_CHARS`` characters) must match
   token for token exactly;
5. supporting evidence moves the score: birth date (exact, same year, or a
   different date) and country (shared or disjoint); every step is recorded in
   the hit's features;
6. a hit needs ``name_score >= NAME_FLOOR`` and ``score >= THRESHOLD``.

Wallet addresses match exactly, ignoring case (so EIP-55 checksums do not matter)
and surrounding whitespace, against the entries' identifiers.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from anyascii import anyascii
from rapidfuzz import fuzz, process

ALGORITHM_VERSION = "gc-name-2.0"
THRESHOLD = Decimal("0.8500")
NAME_FLOOR = Decimal("0.7500")
SUBSET_SCORE = Decimal("0.9000")
SHORT_NAME_CHARS = 7
SHORT_TOKEN_CHARS = 3
AFFIX = 4
MAX_POSTING = 500
PREFILTER_RATIO = 50  # whole-name Indel similarity (0-100) below which alignment is not tried

BIRTH_DATE_MATCH = Decimal("0.1000")
BIRTH_YEAR_MATCH = Decimal("0.0500")
BIRTH_DATE_MISMATCH = Decimal("-0.1500")
COUNTRY_MATCH = Decimal("0.0500")
COUNTRY_MISMATCH = Decimal("-0.0500")

LEGAL_FORMS = frozenset(
    """
    ltd limited llc llp lp plc inc incorporated corp corporation co company cos
    gmbh mbh ag kg kgaa se sa sas sarl sl srl spa bv nv oy ab as asa aps
    pte pty bhd sdn kk jsc pjsc ojsc cjsc ooo zao oao pao tov
    holding holdings group
    """.split()
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_QUANT = Decimal("0.0001")


def normalise(text: str) -> str:
    """ASCII, casefolded, punctuation as single spaces: 'Ærø-Trading, S.A.' -> 'aero trading s a'."""
    return _NON_ALNUM.sub(" ", anyascii(text or "").casefold()).strip()


def _join_initials(tokens: list[str]) -> list[str]:
    """'s a' (from 'S.A.') -> 'sa', so dotted legal forms are recognised as one word."""
    out: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:
        if len(tok) == 1:
            run.append(tok)
            continue
        if len(run) > 1 and "".join(run) in LEGAL_FORMS:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return out


def name_tokens(text: str) -> tuple[str, ...]:
    """The tokens that count as evidence: normalised, legal forms removed, sorted."""
    tokens = _join_initials(normalise(text).split())
    return tuple(sorted(t for t in tokens if t not in LEGAL_FORMS))


def normalise_address(address: str) -> str:
    return (address or "").strip().casefold()


def _q(value: Decimal) -> Decimal:
    return value.quantize(_QUANT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Entry:
    """One list entry as the matcher needs it; ``key`` is whatever the caller uses to find it."""

    key: object
    entity_id: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()  # ISO, possibly partial: '1970', '1970-05', '1970-05-01'
    countries: frozenset[str] = frozenset()  # lower-case ISO codes as OpenSanctions writes them
    identifiers: tuple[str, ...] = ()


WALLET_SCHEMAS = frozenset({"CryptoWallet"})


def entry_from_row(key: object, entity_id: str, schema: str, name: str, aliases: Sequence[str] = (),
                   birth_dates: Sequence[str] = (), countries: Iterable[str] = (),
                   identifiers: Sequence[str] = ()) -> Entry:
    """An :class:`Entry` from list columns. A wallet entity's name is its address: it is matched
    as an identifier, never as a name."""
    wallet = schema in WALLET_SCHEMAS
    return Entry(
        key=key, entity_id=entity_id,
        names=() if wallet else (name, *aliases),
        birth_dates=tuple(birth_dates), countries=frozenset(c.lower() for c in countries),
        identifiers=(*identifiers, name) if wallet else tuple(identifiers),
    )


@dataclass(frozen=True)
class Subject:
    """Who is screened: an investor or a beneficial owner."""

    name: str
    birth_date: date | None = None
    countries: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    entry_key: object
    entity_id: str
    score: Decimal
    features: dict = field(default_factory=dict)


def _token_similarity(token: str, other: tuple[str, ...]) -> float:
    """1.0 for an equal token; else the best Indel similarity with a long-enough token; short
    tokens (up to ``SHORT_TOKEN_CHARS`` letters) only count when equal."""
    if token in other:
        return 1.0
    if len(token) <= SHORT_TOKEN_CHARS:
        return 0.0
    best = 0.0
    for o in other:
        if len(o) > SHORT_TOKEN_CHARS:
            best = max(best, fuzz.ratio(token, o))
    return best / 100


def name_score(query: tuple[str, ...], cand: tuple[str, ...], weight) -> tuple[Decimal, str]:
    """Similarity of two token tuples (sorted, legal forms removed) and the method that decided it.

    ``weight(token)`` is the token's rarity weight (see :meth:`Matcher.weight`).
    """
    if len(query) == 1 or len(cand) == 1 or min(len(" ".join(query)), len(" ".join(cand))) < SHORT_NAME_CHARS:
        if query == cand:
            return _q(Decimal(1)), "exact_short_name"
        return _q(Decimal(0)), "short_name_differs"
    total = got = 0.0
    for side, other in ((query, cand), (cand, query)):
        for token in side:
            w = weight(token)
            total += w
            got += w * _token_similarity(token, other)
    score = _q(Decimal(got / total))
    shorter, longer = (query, cand) if len(query) <= len(cand) else (cand, query)
    if score < SUBSET_SCORE and set(shorter) <= set(longer):
        return SUBSET_SCORE, "token_subset"
    return score, "token_alignment"


def _birth_evidence(subject: Subject, entry: Entry) -> tuple[str, Decimal]:
    if subject.birth_date is None or not entry.birth_dates:
        return "unknown", Decimal(0)
    iso = subject.birth_date.isoformat()
    if any(len(d) == 10 and d == iso for d in entry.birth_dates):
        return "match", BIRTH_DATE_MATCH
    if any(len(d) < 10 and iso.startswith(d) for d in entry.birth_dates):
        return "year_match", BIRTH_YEAR_MATCH
    return "mismatch", BIRTH_DATE_MISMATCH


def _country_evidence(subject: Subject, entry: Entry) -> tuple[str, Decimal]:
    if not subject.countries or not entry.countries:
        return "unknown", Decimal(0)
    if subject.countries & entry.countries:
        return "match", COUNTRY_MATCH
    return "mismatch", COUNTRY_MISMATCH


def _subset(query: set[str], tokens: tuple[str, ...]) -> bool:
    return len(tokens) >= 2 and (query.issubset(tokens) or query.issuperset(tokens))


def _keys(tokens: Iterable[str]) -> set[str]:
    keys = set()
    for t in tokens:
        keys.add(t)
        if len(t) > AFFIX:
            keys.add("^" + t[:AFFIX])
            keys.add("$" + t[-AFFIX:])
    return keys


class Matcher:
    """An index over one list version; ``screen`` a subject, ``screen_address`` a wallet."""

    def __init__(self, entries: Sequence[Entry]):
        self.entries = list(entries)
        self._names: list[tuple[int, tuple[str, ...], str]] = []  # (entry index, tokens, original)
        self._choices: list[str] = []
        self._block: dict[str, list[int]] = {}
        self._addresses: dict[str, list[int]] = {}
        document_frequency: Counter[str] = Counter()
        for index, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            for original in entry.names:
                tokens = name_tokens(original)
                if not tokens or tokens in seen:
                    continue
                seen.add(tokens)
                slot = len(self._names)
                self._names.append((index, tokens, original))
                self._choices.append(" ".join(tokens))
                document_frequency.update(set(tokens))
                for key in _keys(tokens):
                    self._block.setdefault(key, []).append(slot)
            for ident in entry.identifiers:
                address = normalise_address(ident)
                if address:
                    self._addresses.setdefault(address, []).append(index)
        names = len(self._names) + 1
        self._weights = {t: 1 + math.log(names / (df + 1)) for t, df in document_frequency.items()}
        self._unseen_weight = 1 + math.log(names)

    def weight(self, token: str) -> float:
        """Rarity of ``token`` among this list's names: 1 + ln(names / (names containing it + 1))."""
        return self._weights.get(token, self._unseen_weight)

    def candidates(self, tokens: tuple[str, ...]) -> set[int]:
        """Name slots sharing a blocking key with ``tokens``; keys of generic words only as a last resort."""
        postings = sorted((self._block[k] for k in _keys(tokens) if k in self._block), key=len)
        slots: set[int] = set()
        for posting in postings:
            if len(posting) > MAX_POSTING and slots:
                break
            slots.update(posting)
        return slots

    def screen(self, subject: Subject, threshold: Decimal = THRESHOLD) -> list[Match]:
        """Entries that match ``subject`` at or above ``threshold``, best first, one per entry."""
        query = name_tokens(subject.name)
        if not query:
            return []
        slot_list = list(self.candidates(query))
        if not slot_list:
            return []
        close = process.extract(" ".join(query), [self._choices[s] for s in slot_list],
                                scorer=fuzz.ratio, score_cutoff=PREFILTER_RATIO, limit=None)
        query_set = set(query)
        close_positions = {pos for _c, _r, pos in close}
        if len(query) >= 2:  # a shorter name all of whose tokens are in the longer one (subset rule)
            close_positions.update(pos for pos, s in enumerate(slot_list) if pos not in close_positions
                                   and _subset(query_set, self._names[s][1]))
        best: dict[int, Match] = {}
        for pos in close_positions:
            entry_index, tokens, original = self._names[slot_list[pos]]
            score_of_name, method = name_score(query, tokens, self.weight)
            if score_of_name < NAME_FLOOR:
                continue
            entry = self.entries[entry_index]
            birth, birth_adj = _birth_evidence(subject, entry)
            country, country_adj = _country_evidence(subject, entry)
            score = _q(min(Decimal(1), max(Decimal(0), score_of_name + birth_adj + country_adj)))
            if score < threshold:
                continue
            previous = best.get(entry_index)
            if previous is not None and (previous.score, Decimal(previous.features["name_score"])) >= (
                    score, score_of_name):
                continue
            best[entry_index] = Match(
                entry_key=entry.key, entity_id=entry.entity_id, score=score,
                features={
                    "algorithm": ALGORITHM_VERSION,
                    "threshold": str(threshold),
                    "method": method,
                    "name_score": str(score_of_name),
                    "subject_tokens": list(query),
                    "matched_name": original,
                    "matched_tokens": list(tokens),
                    "token_weights": {t: round(self.weight(t), 2) for t in sorted(query_set | set(tokens))},
                    "birth_date": birth,
                    "birth_date_adjustment": str(birth_adj),
                    "country": country,
                    "country_adjustment": str(country_adj),
                },
            )
        return sorted(best.values(), key=lambda m: (-m.score, m.entity_id))

    def screen_address(self, address: str) -> list[Match]:
        """Entries listing exactly this wallet address (case-insensitive)."""
        wanted = normalise_address(address)
        if not wanted:
            return []
        return [
            Match(entry_key=self.entries[i].key, entity_id=self.entries[i].entity_id,
                  score=Decimal("1.0000"),
                  features={"algorithm": ALGORITHM_VERSION, "method": "wallet_exact",
                            "matched_identifier": wanted})
            for i in sorted(set(self._addresses.get(wanted, ())))
        ]
