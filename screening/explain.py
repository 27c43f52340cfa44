"""A hit's evidence as sentences an officer reads: which name matched, token by token, and what the
birth date and the country did to the score (the matcher's ``features``, screening/matching.py)."""

from decimal import Decimal

from screening.matching import pair_similarity

_METHODS = {
    "token_alignment": "",
    "token_subset": " (every word of the shorter name is in the longer one)",
    "one_token": f" (a one-word name: capped at {Decimal('0.9000')})",
}


def _signed(value: str) -> str:
    amount = Decimal(value or "0")
    return "no change" if not amount else f"{amount:+.4f}"


def _tokens(subject: list[str], matched: list[str]) -> str:
    """Each word of the screened name with its closest word of the list's name."""
    pairs = []
    for token in subject:
        best, similarity = max(((m, pair_similarity(token, m)) for m in matched), key=lambda p: p[1],
                               default=("", 0.0))
        if similarity >= 1.0:
            pairs.append(f"'{token}' = '{best}'")
        elif similarity > 0:
            pairs.append(f"'{token}' ~ '{best}' ({similarity:.0%})")
        else:
            pairs.append(f"'{token}' (no counterpart)")
    unmatched = [m for m in matched if all(pair_similarity(t, m) == 0 for t in subject)]
    text = ", ".join(pairs)
    if unmatched:
        text += "; the list's name also has " + ", ".join(f"'{m}'" for m in unmatched)
    return text


def _birth(kind: str, adjustment: str, entry_dates: list[str]) -> str:
    listed = ", ".join(entry_dates)
    if kind == "match":
        return f"Birth date: the same as the list's {listed} ({_signed(adjustment)})."
    if kind == "year_match":
        return f"Birth date: in the list's birth year {listed} ({_signed(adjustment)})."
    if kind == "mismatch":
        return f"Birth date: differs from the list's {listed} ({_signed(adjustment)})."
    return "Birth date: not compared, one side has none (no change)."


def _country(kind: str, adjustment: str, entry_countries: list[str]) -> str:
    listed = ", ".join(c.upper() for c in entry_countries)
    if kind == "match":
        return f"Country: shares one of the list's countries {listed} ({_signed(adjustment)})."
    if kind == "mismatch":
        return f"Country: none of the list's countries {listed} ({_signed(adjustment)})."
    return "Country: not compared, one side has none (no change)."


def hit_explanation(hit) -> str:
    """Why ``hit`` was raised, in sentences (its entry is read; select it with the hit)."""
    features = hit.features or {}
    entry = hit.entry
    if features.get("method") == "wallet_exact":
        return (f"Wallet {hit.subject} is listed as an identifier of list entry {entry.entity_id} "
                f"'{entry.name}' (exact match, score {hit.score}).")
    matched_as = features.get("matched_as", "primary name")
    method = _METHODS.get(features.get("method", ""), "")
    return " ".join([
        f"'{hit.subject}' matches the {matched_as} '{features.get('matched_name', entry.name)}' of list "
        f"entry {entry.entity_id} with name score {features.get('name_score', '?')}{method}.",
        f"Words: {_tokens(features.get('subject_tokens', []), features.get('matched_tokens', []))}.",
        _birth(features.get("birth_date", "unknown"), features.get("birth_date_adjustment", "0"),
               entry.birth_dates),
        _country(features.get("country", "unknown"), features.get("country_adjustment", "0"),
                 entry.countries),
        f"Score {hit.score} against the threshold {features.get('threshold', '?')}.",
    ])
