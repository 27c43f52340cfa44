"""OFAC's SDN list in its XML form (``sdn.xml``; ``consolidated.xml`` has the same layout).

One ``sdnEntry`` per listed party: ``uid``, ``firstName``/``lastName``, ``sdnType``
(Individual, Entity, Vessel, Aircraft), ``programList``, ``akaList`` (each ``aka`` with its
``type`` - a.k.a., f.k.a., n.k.a. - and ``category`` - strong or weak), ``idList``,
``addressList``, ``nationalityList``, ``citizenshipList`` and ``dateOfBirthList``. OFAC calls
weak aliases too broad to screen on; they are kept, marked weak, and not screened. Problems are
named by the entry's position in the file and its uid.
"""

import re
from datetime import date
from xml.etree.ElementTree import Element

from screening.formats.common import ParsedList, alias, check_lengths, entry_row, read_records
from screening.formats.countries import country_codes
from screening.formats.safe_xml import text, texts

SCHEMAS = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Airplane"}
DATASET = "OFAC SDN"
_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DATE = re.compile(r"^(?:circa\s+)?(?:(?:(\d{1,2})\s+)?([a-z]{3})\s+)?(\d{4})$", re.IGNORECASE)


def ofac_date(value: str) -> str | None:
    """'07 Oct 1952' -> '1952-10-07', 'Oct 1952' -> '1952-10', 'circa 1952' -> '1952'; None for
    what is not one date (a range such as '1950 to 1955')."""
    found = _DATE.match(value.strip())
    if not found:
        return None
    day, month, year = found.groups()
    if month is None:
        return year
    number = _MONTHS.get(month.lower())
    if number is None:
        return None
    if day is None:
        return f"{year}-{number:02d}"
    try:
        return date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None


def _name(element: Element) -> str:
    last, first = text(element, "lastName"), text(element, "firstName")
    return f"{last}, {first}" if last and first else last or first


def _address(element: Element) -> str:
    parts = ("address1", "address2", "address3", "city", "stateOrProvince", "postalCode", "country")
    return ", ".join(value for part in parts if (value := text(element, part)))


def _entry(position: int, element: Element, problems: list[str]) -> dict | None:
    before = len(problems)
    uid = text(element, "uid")
    where = f"sdnEntry {position}" + (f" (uid {uid})" if uid else "")
    name = _name(element)
    aliases = [alias(_name(aka), text(aka, "type"), text(aka, "category").lower())
               for aka in element.findall("akaList/aka") if _name(aka)]
    for item in aliases:
        if item["quality"] not in ("", "strong", "weak"):
            problems.append(f"{where}: aka category '{item['quality']}' is neither strong nor weak.")
    check_lengths(where, uid, name, aliases, problems)
    if len(problems) != before:
        return None
    countries = (texts(element, "nationalityList/nationality/country")
                 + texts(element, "citizenshipList/citizenship/country")
                 + texts(element, "addressList/address/country"))
    births = [d for d in (ofac_date(t) for t in texts(element, "dateOfBirthList/dateOfBirthItem/dateOfBirth"))
              if d]
    return entry_row(
        row_number=position, entity_id=f"ofac-{uid}",
        schema=SCHEMAS.get(text(element, "sdnType").lower(), "LegalEntity"), name=name, aliases=aliases,
        birth_dates=list(dict.fromkeys(births)), countries=country_codes(countries),
        addresses=[a for a in (_address(e) for e in element.findall("addressList/address")) if a],
        identifiers=texts(element, "idList/id/idNumber"), sanctions=texts(element, "programList/program"),
        dataset=DATASET,
    )


def parse_ofac_xml(data: bytes, root: Element) -> ParsedList:
    """Every ``sdnEntry`` of an OFAC SDN XML file (``root``: its parsed root, namespaces removed)."""
    return read_records(data, root.findall("sdnEntry"), _entry, id_label="uid")
