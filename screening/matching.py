"""Sanctions / PEP name and wallet matching: a pure engine, no Django.

How a name is compared (docs/screening.md says the same in prose):

1. normalise: transliterate to ASCII (anyascii: Cyrillic, Greek, accents), casefold, every
   run of non-alphanumerics becomes one space. Chinese characters and Korean syllables are
   split one per token first, and such a name is compared three ways (its *variants*):
   per-character transliteration, family name plus joined given name ('Xi Jinping'), and
   the characters themselves;
2. tokenise, drop legal-form words (Ltd, Corp, GmbH, Group, Holdings, ...), their long forms
   ('joint stock', 'limited liability') and long ones misspelt by a letter or two ('Limted'):
   they never count as evidence, and a name made only of them matches nothing. Then fold the
   spelling variants of transliteration (:func:`fold`: x = ks, w = v, y = i, kh = h, zh = j,
   q = k, a hard c = k, doubled letters once, ...), so 'Aleksandr' and 'Alexander' or 'Sergey' and 'Sergei'
   compare as (near) equals;
3. block: an entry name is a candidate only if it shares a token, or the first or last
   ``AFFIX`` letters of a token, with the subject (an inverted index, so a subject meets a few
   dozen of the 50,000 entries, not all of them); keys shared by more than ``MAX_POSTING``
   names (generic words such as 'shipping') are used only when the subject has no rarer key;
   all candidates are scored at once (numpy), the few that may be hits again one by one;
4. score each candidate name - the entry's name and every alias the list publishes, each on
   its own - by token alignment: every token on each side is paired with its most similar
   token on the other side (Indel similarity, 0 below ``TOKEN_MIN_SIMILARITY``; two words of
   up to ``SHORT_TOKEN_CHARS`` letters only count when equal), and the similarities are
   averaged, each token weighted by its rarity in the list (inverse document frequency).
   Both names' tokens count, so a word the other name lacks lowers the score and a common word
   like 'capital' cannot carry a match on its own; word order does not matter. For a person
   on the list, a shorter name (at least two tokens) every token of which is in the longer
   one, exactly or nearly (``SUBSET_TOKEN_MIN``), scores at least ``SUBSET_SCORE`` times how
   well it is covered (middle names, patronymics). A score that rests on one token (either
   name has only one) is at most ``ONE_TOKEN_MAX``: one shared word is never certain;
5. supporting evidence moves the score: birth date (exact, same year, or a different date)
   and country (shared or disjoint); every step is recorded in the hit's features;
6. a hit needs ``name_score >= NAME_FLOOR`` and ``score >= THRESHOLD``; the hit says which
   name of the entry matched (the primary name or which alias).

Wallet addresses match exactly, ignoring case (so EIP-55 checksums do not matter) and
surrounding whitespace, against the entries' identifiers.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from anyascii import anyascii
from rapidfuzz import fuzz, process

ALGORITHM_VERSION = "gc-name-3.0"
THRESHOLD = Decimal("0.8500")
NAME_FLOOR = Decimal("0.7500")
SUBSET_SCORE = Decimal("0.9000")
SUBSET_TOKEN_MIN = 0.8
ONE_TOKEN_MAX = Decimal("0.9000")
SHORT_TOKEN_CHARS = 3
TOKEN_MIN_SIMILARITY = 60  # Indel similarity (0-100) below which two tokens are different words
AFFIX = 4
MAX_POSTING = 500

BIRTH_DATE_MATCH = Decimal("0.1000")
BIRTH_YEAR_MATCH = Decimal("0.0500")
BIRTH_DATE_MISMATCH = Decimal("-0.1500")
COUNTRY_MATCH = Decimal("0.0500")
COUNTRY_MISMATCH = Decimal("-0.0500")

LEGAL_FORMS = frozenset(
    """
    ltd limited llc llp lp plc inc incorporated corp corporation co company cos
    gmbh mbh ag kg kgaa se sa sas sarl sl srl spa bv nv oy ab as asa aps
    pte pty bhd sdn kk jsc pjsc ojsc cjsc ooo zao oao pao ao tov
    holding holdings group
    """.split()
)
# Long forms of legal forms, dropped as a whole wherever they stand in a name.
LEGAL_PHRASES = (
    ("open", "joint", "stock"), ("closed", "joint", "stock"), ("public", "joint", "stock"),
    ("private", "joint", "stock"), ("joint", "stock"), ("limited", "liability"),
    ("limited", "partnership"), ("public", "limited"), ("sociedad", "anonima"),
    ("sociedade", "anonima"), ("societe", "anonyme"),
)
_PHRASE_STARTS = frozenset(p[0] for p in LEGAL_PHRASES)
LONG_LEGAL_FORM_CHARS = 6
LEGAL_FORM_SIMILARITY = 85  # Indel similarity (0-100) at which a long word is a misspelt legal form
_LONG_LEGAL_FORMS = tuple(f for f in LEGAL_FORMS if len(f) >= LONG_LEGAL_FORM_CHARS)
# Spelling variants of transliteration, folded to one spelling (in this order), then doubled
# letters are written once.
FOLDS = (
    ("tsch", "ch"), ("tch", "ch"), ("sch", "sh"), ("dzh", "j"), ("dj", "j"), ("zh", "j"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("dh", "d"), ("ck", "k"), ("q", "k"), ("x", "ks"),
    ("w", "v"), ("y", "i"), ("ou", "u"), ("oo", "u"), ("ee", "i"),
)
PERSON_SCHEMAS = frozenset({"Person"})
WALLET_SCHEMAS = frozenset({"CryptoWallet"})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DOUBLED = re.compile(r"([a-z])\1+")
_HARD_C = re.compile(r"c(?![eihk])")  # a hard c is a k: 'Victor' = 'Viktor', 'Nicolai' = 'Nikolai'
# Chinese (CJK unified ideographs, extension A, compatibility) and Korean (Hangul syllables).
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_QUANT = Decimal("0.0001")


def normalise(text: str) -> str:
    """ASCII, casefolded, punctuation as single spaces: 'Ærø-Trading, S.A.' -> 'aero trading s a'."""
    return _NON_ALNUM.sub(" ", anyascii(text or "").casefold()).strip()


@lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    """One spelling for the usual variants of transliteration: 'alexander' -> 'aleksander',
    'sergey' -> 'sergei', 'yevgeny' -> 'evgeni', 'prigozhin' -> 'prigojin', 'gaddafi' -> 'gadafi'."""
    for old, new in FOLDS:
        if old in token:
            token = token.replace(old, new)
    if token.startswith("ie"):  # Russian initial E written Ye: 'Yevgeny' = 'Evgeny'
        token = token[1:]
    return _DOUBLED.sub(r"\1", _HARD_C.sub("k", token))


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


def _drop_legal_phrases(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] in _PHRASE_STARTS:
            phrase = next((p for p in LEGAL_PHRASES if tuple(tokens[i:i + len(p)]) == p), None)
            if phrase:
                i += len(phrase)
                continue
        out.append(tokens[i])
        i += 1
    return out


@lru_cache(maxsize=200_000)
def is_legal_form(token: str) -> bool:
    """A legal-form word, or a long one misspelt by a letter or two ('Limted', 'Holdigns')."""
    if token in LEGAL_FORMS:
        return True
    return len(token) >= LONG_LEGAL_FORM_CHARS and any(
        fuzz.ratio(token, form, score_cutoff=LEGAL_FORM_SIMILARITY) for form in _LONG_LEGAL_FORMS)


@lru_cache(maxsize=200_000)
def _evidence_token(token: str) -> str:
    """The folded token, or '' for a legal form."""
    return "" if is_legal_form(token) else fold(token)


def _evidence(text: str) -> list[str]:
    """Normalised words of ``text`` without legal forms, folded, in the order written."""
    tokens = _drop_legal_phrases(_join_initials(normalise(text).split()))
    return [e for t in tokens if (e := _evidence_token(t))]


def name_tokens(text: str) -> tuple[str, ...]:
    """The tokens that count as evidence: normalised, legal forms removed, folded, sorted."""
    return tuple(sorted(_evidence(text)))


def name_variants(text: str) -> list[tuple[str, ...]]:
    """Every token tuple ``text`` is compared as: one for a name in Latin, Cyrillic, Greek, ...;
    for a name with Chinese characters or Korean syllables, three: each character transliterated
    as its own token, the family name and the joined given name ('Xi Jinping', when the name is
    2 to 4 such characters and nothing else), and the characters themselves."""
    chars = _CJK.findall(text or "")
    if not chars:
        tokens = name_tokens(text)
        return [tokens] if tokens else []
    rest = _evidence(_CJK.sub(" ", text))
    per_character = name_tokens(_CJK.sub(lambda m: f" {m.group()} ", text))
    variants = [per_character]
    if 2 <= len(chars) <= 4 and not rest and _CJK.sub("", text).strip() == "":
        family, given = chars[0], "".join(chars[1:])
        variants.append(tuple(sorted(_evidence(family) + ["".join(_evidence(given))])))
    variants.append(tuple(sorted(rest + chars)))
    return [v for i, v in enumerate(variants) if v and v not in variants[:i]]


def normalise_address(address: str) -> str:
    return (address or "").strip().casefold()


def _q(value: Decimal) -> Decimal:
    return value.quantize(_QUANT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Alias:
    """A name the list also publishes for an entry; ``key`` is whatever the caller uses to find it."""

    key: object
    name: str


@dataclass(frozen=True)
class Entry:
    """One list entry as the matcher needs it; ``key`` is whatever the caller uses to find it."""

    key: object
    entity_id: str
    name: str
    aliases: tuple[Alias, ...] = ()
    schema: str = ""
    birth_dates: tuple[str, ...] = ()  # ISO, possibly partial: '1970', '1970-05', '1970-05-01'
    countries: frozenset[str] = frozenset()  # lower-case ISO codes as OpenSanctions writes them
    identifiers: tuple[str, ...] = ()

    def names(self) -> list[tuple[str, Alias | None]]:
        """(name, the alias or None for the primary name) of every name that is screened."""
        if self.schema in WALLET_SCHEMAS:
            return []
        return [(self.name, None), *((a.name, a) for a in self.aliases)]


def entry_from_row(key: object, entity_id: str, schema: str, name: str,
                   aliases: Sequence[str | Alias] = (), birth_dates: Sequence[str] = (),
                   countries: Iterable[str] = (), identifiers: Sequence[str] = ()) -> Entry:
    """An :class:`Entry` from list columns; an alias given as a plain string has no key. A wallet
    entity's name is its address: it is matched as an identifier, never as a name."""
    wallet = schema in WALLET_SCHEMAS
    return Entry(
        key=key, entity_id=entity_id, name=name, schema=schema,
        aliases=tuple(a if isinstance(a, Alias) else Alias(None, a) for a in aliases),
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
    alias_key: object = None  # the alias that matched; None when it was the entry's primary name


def pair_similarity(a: str, b: str) -> float:
    """How alike two tokens are, 0 to 1: 1.0 when equal; else their Indel similarity when it is at
    least ``TOKEN_MIN_SIMILARITY`` (less alike is another word: 0); two short tokens (up to
    ``SHORT_TOKEN_CHARS`` letters each) only count when equal."""
    if a == b:
        return 1.0
    if len(a) <= SHORT_TOKEN_CHARS and len(b) <= SHORT_TOKEN_CHARS:
        return 0.0
    return fuzz.ratio(a, b, score_cutoff=TOKEN_MIN_SIMILARITY) / 100


def name_score(query: tuple[str, ...], cand: tuple[str, ...], weight,
               person: bool = False) -> tuple[Decimal, str]:
    """Similarity of two token tuples (from :func:`name_variants`) and the method that decided it.

    ``weight(token)`` is the token's rarity weight (see :meth:`Matcher.weight`); ``person``: the
    candidate is a person's name, so a shorter name within it may score by the subset rule.
    """
    return _aligned([[pair_similarity(q, c) for q in query] for c in cand],
                    [weight(t) for t in query], [weight(t) for t in cand], person)


def _aligned(by_cand: list[list[float]], query_w: list[float], cand_w: list[float],
             person: bool) -> tuple[Decimal, str]:
    """:func:`name_score` from the similarities ``by_cand[j][i]`` of candidate token j and query
    token i, and the tokens' weights."""
    query_best = [max(column) for column in zip(*by_cand, strict=True)]
    cand_best = [max(row) for row in by_cand]
    got = sum(w * s for w, s in zip(query_w, query_best, strict=True)) + sum(
        w * s for w, s in zip(cand_w, cand_best, strict=True))
    score, method = _q(Decimal(got / (sum(query_w) + sum(cand_w)))), "token_alignment"
    if person and min(len(query_w), len(cand_w)) >= 2 and len(query_w) != len(cand_w):
        # the subset rule: every token of the shorter name is (nearly) in the longer one
        best, w = (query_best, query_w) if len(query_w) < len(cand_w) else (cand_best, cand_w)
        if min(best) >= SUBSET_TOKEN_MIN:
            floor = _q(SUBSET_SCORE * Decimal(sum(s * x for s, x in zip(best, w, strict=True)) / sum(w)))
            if score < floor:
                score, method = floor, "token_subset"
    if min(len(query_w), len(cand_w)) == 1 and score > ONE_TOKEN_MAX:
        score, method = ONE_TOKEN_MAX, "one_token"
    return score, method


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


def _keys(tokens: Iterable[str]) -> set[str]:
    keys = set()
    for t in tokens:
        keys.add(t)
        if len(t) > AFFIX:
            keys.add("^" + t[:AFFIX])
            keys.add("$" + t[-AFFIX:])
    return keys


class _Name(NamedTuple):
    entry: int  # index into Matcher.entries
    tokens: tuple[str, ...]
    original: str
    alias: Alias | None
    person: bool


class Matcher:
    """An index over one list version; ``screen`` a subject, ``screen_address`` a wallet."""

    def __init__(self, entries: Sequence[Entry]):
        self.entries = list(entries)
        self._names: list[_Name] = []
        self._choices: list[str] = []
        self._block: dict[str, list[int]] = {}
        self._addresses: dict[str, list[int]] = {}
        document_frequency: Counter[str] = Counter()
        for index, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            for original, alias in entry.names():
                for tokens in name_variants(original):
                    if tokens in seen:
                        continue
                    seen.add(tokens)
                    slot = len(self._names)
                    self._names.append(_Name(index, tokens, original, alias, entry.schema in PERSON_SCHEMAS))
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
        self._index_arrays()

    def _index_arrays(self) -> None:
        """Every name's token ids and weights, end to end (``_starts`` and ``_lengths`` cut them
        into names), so all candidates of a subject are scored at once with numpy."""
        self._vocabulary = list(self._weights)
        token_id = {t: i for i, t in enumerate(self._vocabulary)}
        self._lengths = np.array([len(n.tokens) for n in self._names], dtype=np.int64)
        self._starts = np.cumsum(self._lengths) - self._lengths
        self._token_ids = np.array([token_id[t] for n in self._names for t in n.tokens], dtype=np.int64)
        self._token_weights = np.array([self._weights[t] for n in self._names for t in n.tokens])
        self._person = np.array([n.person for n in self._names], dtype=bool)

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
        best: dict[int, tuple[Decimal, Decimal, Match]] = {}
        for query in name_variants(subject.name):
            for index, score_of_name, match in self._screen_variant(subject, query, threshold):
                previous = best.get(index)
                if previous is None or previous[:2] < (match.score, score_of_name):
                    best[index] = (match.score, score_of_name, match)
        return sorted((m for _s, _n, m in best.values()), key=lambda m: (-m.score, m.entity_id))

    def _similarities(self, query: tuple[str, ...], token_ids: np.ndarray) -> np.ndarray:
        """:func:`pair_similarity` of each of these vocabulary tokens (rows) with each query token
        (columns), in one pass (rapidfuzz's cdist)."""
        tokens = [self._vocabulary[i] for i in token_ids]
        matrix = process.cdist(tokens, query, scorer=fuzz.ratio, score_cutoff=TOKEN_MIN_SIMILARITY,
                               dtype=np.float64) / 100
        short_tokens = np.array([len(t) <= SHORT_TOKEN_CHARS for t in tokens])
        short_query = np.array([len(t) <= SHORT_TOKEN_CHARS for t in query])
        matrix[np.outer(short_tokens, short_query) & (matrix < 1)] = 0
        return matrix

    def _near(self, query: tuple[str, ...], query_w: list[float], slots: np.ndarray, positions: np.ndarray,
              similarity: np.ndarray) -> np.ndarray:
        """The candidate slots whose :func:`name_score` may reach ``NAME_FLOOR``: the same
        arithmetic for all of them at once, in floats (the exact score is computed afterwards).
        ``positions``: the slots' tokens end to end; ``similarity``: one row per such token."""
        lengths = self._lengths[slots]
        first = np.cumsum(lengths) - lengths  # where each slot's tokens start in ``positions``
        weights = self._token_weights[positions]
        cand_best = similarity.max(axis=1)
        query_best = np.maximum.reduceat(similarity, first, axis=0)
        qw = np.array(query_w)
        cand_got = np.add.reduceat(cand_best * weights, first)
        cand_total = np.add.reduceat(weights, first)
        query_got = query_best @ qw
        score = (cand_got + query_got) / (cand_total + qw.sum())
        person = self._person[slots]
        if len(query) >= 2:
            covered = person & (lengths > len(query)) & (query_best.min(axis=1) >= SUBSET_TOKEN_MIN)
            score = np.where(covered, np.maximum(score, float(SUBSET_SCORE) * query_got / qw.sum()), score)
        within = person & (lengths >= 2) & (lengths < len(query)) & (
            np.minimum.reduceat(cand_best, first) >= SUBSET_TOKEN_MIN)
        score = np.where(within, np.maximum(score, float(SUBSET_SCORE) * cand_got / cand_total), score)
        one_token = np.minimum(lengths, len(query)) == 1
        score = np.where(one_token, np.minimum(score, float(ONE_TOKEN_MAX)), score)
        return slots[score >= float(NAME_FLOOR - Decimal("0.0001"))]  # the exact score is rounded

    def _screen_variant(self, subject: Subject, query: tuple[str, ...],
                        threshold: Decimal) -> list[tuple[int, Decimal, Match]]:
        slots = np.fromiter(self.candidates(query), dtype=np.int64)
        if not len(slots):
            return []
        slots.sort()
        lengths = self._lengths[slots]
        offsets = np.repeat(self._starts[slots] - (np.cumsum(lengths) - lengths), lengths)
        positions = np.arange(lengths.sum()) + offsets
        unique, inverse = np.unique(self._token_ids[positions], return_inverse=True)
        similarity = self._similarities(query, unique)
        query_w = [self.weight(t) for t in query]
        rows = dict(zip(unique.tolist(), similarity.tolist(), strict=True))
        found = []
        for slot in self._near(query, query_w, slots, positions, similarity[inverse]).tolist():
            name = self._names[slot]
            tokens = slice(self._starts[slot], self._starts[slot] + len(name.tokens))
            score_of_name, method = _aligned([rows[i] for i in self._token_ids[tokens].tolist()],
                                             query_w, self._token_weights[tokens].tolist(), name.person)
            if score_of_name < NAME_FLOOR:
                continue
            entry = self.entries[name.entry]
            birth, birth_adj = _birth_evidence(subject, entry)
            country, country_adj = _country_evidence(subject, entry)
            score = _q(min(Decimal(1), max(Decimal(0), score_of_name + birth_adj + country_adj)))
            if score < threshold:
                continue
            found.append((name.entry, score_of_name, Match(
                entry_key=entry.key, entity_id=entry.entity_id, score=score,
                alias_key=name.alias.key if name.alias else None,
                features={
                    "algorithm": ALGORITHM_VERSION,
                    "threshold": str(threshold),
                    "method": method,
                    "name_score": str(score_of_name),
                    "subject_tokens": list(query),
                    "matched_name": name.original,
                    "matched_as": "alias" if name.alias else "primary name",
                    "matched_tokens": list(name.tokens),
                    "token_weights": {t: round(self.weight(t), 2)
                                      for t in sorted(set(query) | set(name.tokens))},
                    "birth_date": birth,
                    "birth_date_adjustment": str(birth_adj),
                    "country": country,
                    "country_adjustment": str(country_adj),
                },
            )))
        return found

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
