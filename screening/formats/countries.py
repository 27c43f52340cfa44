"""Country names as sanctions lists write them, to the lower-case ISO 3166 codes screening uses."""

import re

import pycountry

# Names the lists use that ISO 3166 does not (OFAC writes 'Korea, North', the UN 'Iran (Islamic
# Republic of)'); looked up after lower-casing.
ALIASES = {
    "russia": "ru", "korea, north": "kp", "north korea": "kp", "korea, south": "kr", "south korea": "kr",
    "burma": "mm", "iran": "ir", "syria": "sy", "venezuela": "ve", "bolivia": "bo", "tanzania": "tz",
    "vietnam": "vn", "laos": "la", "moldova": "md", "congo, democratic republic of the": "cd",
    "democratic republic of the congo": "cd", "congo, republic of the": "cg", "turkey": "tr",
    "turkiye": "tr", "czech republic": "cz", "macau": "mo", "taiwan": "tw", "kosovo": "xk",
    "cote d'ivoire": "ci", "ivory coast": "ci", "west bank": "ps", "gaza": "ps", "palestinian": "ps",
    "state of palestine": "ps", "the gambia": "gm", "brunei": "bn", "cabo verde": "cv",
    "region: crimea": "ua", "crimea": "ua", "united states": "us", "united kingdom": "gb",
}
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def country_code(name: str) -> str | None:
    """'Russia' -> 'ru', 'Iran (Islamic Republic of)' -> 'ir'; None for what is not a country."""
    name = " ".join((name or "").split())
    if not name:
        return None
    for candidate in (name, _PARENTHESES.sub("", name)):
        if candidate.lower() in ALIASES:
            return ALIASES[candidate.lower()]
        try:
            return pycountry.countries.lookup(candidate).alpha_2.lower()
        except LookupError:
            continue
    return None


def country_codes(names: list[str]) -> list[str]:
    return sorted({code for n in names if (code := country_code(n))})
