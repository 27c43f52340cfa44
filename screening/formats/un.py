"""The UN Security Council Consolidated List in its XML form.

``INDIVIDUALS/INDIVIDUAL`` (names in ``FIRST_NAME`` to ``FOURTH_NAME``) and ``ENTITIES/ENTITY``
(the name in ``FIRST_NAME``), each with ``REFERENCE_NUMBER`` (QDi.006, KPe.020, ...),
``UN_LIST_TYPE``, ``LISTED_ON``, ``NAME_ORIGINAL_SCRIPT``, aliases (``INDIVIDUAL_ALIAS`` /
``ENTITY_ALIAS``: ``ALIAS_NAME`` and ``QUALITY``: Good, Low, a.k.a. or f.k.a.), ``NATIONALITY``, addresses,
dates of birth and documents. The UN calls low-quality aliases too broad to identify anyone;
they are kept, marked weak, and not screened. The name in original script is an alias.
Problems are named by the record's position in the file and its reference number.
"""

from datetime import UTC, date, datetime
from xml.etree.ElementTree import Element

from screening.formats.common import (
    ParsedList,
    alias,
    check_lengths,
    entry_row,
    read_records,
    valid_partial_date,
)
from screening.formats.countries import country_codes
from screening.formats.safe_xml import text, texts

DATASET = "UN Security Council Consolidated List"
# QUALITY as the UN writes it -> (kind, quality); a.k.a. and f.k.a. say what the alias is, not
# how good it is
QUALITIES = {"good": ("a.k.a.", "strong"), "low": ("a.k.a.", "weak"), "a.k.a.": ("a.k.a.", ""),
             "f.k.a.": ("f.k.a.", ""), "": ("a.k.a.", "")}
KINDS = {"INDIVIDUAL": ("Person", "INDIVIDUAL"), "ENTITY": ("Organization", "ENTITY")}


def _listed_on(value: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        return None


def _births(element: Element) -> list[str]:
    found = []
    for item in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        value = text(item, "DATE")[:10] or text(item, "YEAR")
        if value and valid_partial_date(value):
            found.append(value)
    return list(dict.fromkeys(found))


def _address(element: Element) -> str:
    parts = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
    return ", ".join(value for part in parts if (value := text(element, part)))


def _record(position: int, element: Element, problems: list[str]) -> dict | None:
    schema, prefix = KINDS[element.tag]
    reference = text(element, "REFERENCE_NUMBER") or text(element, "DATAID")
    where = f"{element.tag} {position}" + (f" ({reference})" if reference else "")
    before = len(problems)
    parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    name = " ".join(value for part in parts if (value := text(element, part)))
    aliases = []
    original = text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        aliases.append(alias(original, "original script"))
    for item in element.findall(f"{prefix}_ALIAS"):
        quality = text(item, "QUALITY").lower()
        if quality not in QUALITIES:
            problems.append(f"{where}: alias quality '{text(item, 'QUALITY')}' is none of Good, Low, "
                            "a.k.a., f.k.a.")
            continue
        if text(item, "ALIAS_NAME"):
            aliases.append(alias(text(item, "ALIAS_NAME"), *QUALITIES[quality]))
    check_lengths(where, reference, name, aliases, problems)
    if len(problems) != before:
        return None
    countries = (texts(element, "NATIONALITY/VALUE") + texts(element, f"{prefix}_ADDRESS/COUNTRY"))
    return entry_row(
        row_number=position, entity_id=f"un-{reference}", schema=schema, name=name, aliases=aliases,
        birth_dates=_births(element), countries=country_codes(countries),
        addresses=[a for a in (_address(e) for e in element.findall(f"{prefix}_ADDRESS")) if a],
        identifiers=texts(element, "INDIVIDUAL_DOCUMENT/NUMBER"), sanctions=texts(element, "UN_LIST_TYPE"),
        dataset=DATASET, first_seen=_listed_on(text(element, "LISTED_ON")),
        last_change=_listed_on(text(element, "LAST_DAY_UPDATED/VALUE")),
    )


def parse_un_xml(data: bytes, root: Element) -> ParsedList:
    """Every individual and entity of a UN Consolidated List XML file (``root``: its parsed root)."""
    records = [*root.findall("INDIVIDUALS/INDIVIDUAL"), *root.findall("ENTITIES/ENTITY")]
    return read_records(data, records, _record, id_label="reference")
