"""What of an investor is screened: its name, its beneficial owners, its wallets.

The investor model grows in the compliance app (birth date, nationality, beneficial
owners, wallets); this adapter reads those attributes when they exist, so screening
keeps working whatever has landed. Country codes are compared lower-case, as the
lists write them.
"""

from datetime import date

from screening.matching import Subject

_BIRTH_FIELDS = ("date_of_birth", "birth_date", "date_of_incorporation")
_COUNTRY_FIELDS = ("country_of_residence", "nationality", "country_of_incorporation", "country")
_NAME_FIELDS = ("legal_name", "full_name", "name")


def _first(obj, names: tuple[str, ...]):
    for name in names:
        value = getattr(obj, name, None)
        if value:
            return value
    return None


def _countries(obj) -> frozenset[str]:
    return frozenset(str(v).lower() for n in _COUNTRY_FIELDS if (v := getattr(obj, n, None)))


def _subject(obj) -> Subject | None:
    name = _first(obj, _NAME_FIELDS)
    if not name:
        return None
    birth = _first(obj, _BIRTH_FIELDS)
    return Subject(name=str(name), birth_date=birth if isinstance(birth, date) else None,
                   countries=_countries(obj))


def _related(investor, attribute: str) -> list:
    manager = getattr(investor, attribute, None)
    if manager is None or not hasattr(manager, "all"):
        return []
    return list(manager.all())


def investor_subject(investor) -> Subject:
    return _subject(investor) or Subject(name="")


def beneficial_owner_subjects(investor) -> list[Subject]:
    return [s for owner in _related(investor, "beneficial_owners") if (s := _subject(owner))]


def wallet_addresses(investor) -> list[str]:
    return [w.address for w in _related(investor, "wallets") if getattr(w, "address", "")]
