"""OFAC SDN XML and UN Consolidated List XML: entries and their aliases as rows, weak aliases
kept but not screened, a hit saying which alias matched, and files refused as a whole."""

from datetime import UTC, date, datetime

import pytest

from core.errors import InvalidInput
from core.models import AuditEvent
from screening.gate import screening_blockers
from screening.models import ListAlias, ListEntry, ListVersion, ScreeningHit
from screening.services import list_import, screen_investor
from tests.screening.conftest import csv_bytes, person

pytestmark = pytest.mark.django_db

# The layout of OFAC's sdn.xml (namespace included), with made-up parties.
OFAC = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>11/28/2026</Publish_Date><Record_Count>3</Record_Count></publshInformation>
  <sdnEntry>
    <uid>90001</uid><firstName>Oleksandr Petrovych</firstName><lastName>KVAZIVSKYI</lastName>
    <sdnType>Individual</sdnType>
    <programList><program>RUSSIA-EO14024</program></programList>
    <akaList>
      <aka><uid>90011</uid><type>a.k.a.</type><category>strong</category>
        <lastName>KVAZIVSKY</lastName><firstName>Aleksandr Petrovich</firstName></aka>
      <aka><uid>90012</uid><type>a.k.a.</type><category>weak</category>
        <lastName>THE ARCHITECT</lastName></aka>
    </akaList>
    <nationalityList><nationality><uid>90013</uid><country>Russia</country></nationality></nationalityList>
    <dateOfBirthList>
      <dateOfBirthItem><uid>90014</uid><dateOfBirth>07 Oct 1962</dateOfBirth></dateOfBirthItem>
      <dateOfBirthItem><uid>90015</uid><dateOfBirth>1960 to 1964</dateOfBirth></dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
  <sdnEntry>
    <uid>90002</uid><lastName>NORDVALE MARITIME TRADING LLC</lastName><sdnType>Entity</sdnType>
    <programList><program>IRAN</program><program>SDGT</program></programList>
    <idList><id><uid>90021</uid><idType>Digital Currency Address - ETH</idType>
      <idNumber>0x00000000000000000000000000000000000Ofac1</idNumber></id></idList>
    <addressList><address><uid>90022</uid><city>Dubai</city><country>United Arab Emirates</country></address>
    </addressList>
    <akaList><aka><uid>90023</uid><type>f.k.a.</type><category>strong</category>
      <lastName>NORDVALE SHIPPING</lastName></aka></akaList>
  </sdnEntry>
  <sdnEntry>
    <uid>90003</uid><lastName>KOREA, NORTH VESSEL NINE</lastName><sdnType>Vessel</sdnType>
  </sdnEntry>
</sdnList>
"""

# The layout of the UN Consolidated List XML, with made-up parties.
UN = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-11-28T00:00:00.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>7000001</DATAID><VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>HAMZA</FIRST_NAME><SECOND_NAME>YUSUF</SECOND_NAME><THIRD_NAME>AL-QARIBI</THIRD_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDi.901</REFERENCE_NUMBER>
      <LISTED_ON>2011-05-02</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>حمزة يوسف القريبي</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Iran (Islamic Republic of)</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS>
        <QUALITY>Good</QUALITY><ALIAS_NAME>Hamza Yousef al-Gharibi</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Yusuf</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1971-04-30</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1970</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>X9000001</NUMBER></INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>7000002</DATAID><FIRST_NAME>OCEANIC BRIGHTSTAR MANAGEMENT COMPANY</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPe.901</REFERENCE_NUMBER>
      <LISTED_ON>2014-07-28</LISTED_ON>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>OBMC</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS>
        <CITY>Pyongyang</CITY><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


def aliases_of(entry):
    return list(entry.aliases.values_list("position", "name", "kind", "quality"))


def test_an_ofac_sdn_file_is_imported_with_its_akas(officer):
    version = list_import(name="ofac-sdn", version_label="2026-11-28", data=OFAC.encode(), actor=officer)

    assert version.row_count == 3
    person_entry = ListEntry.objects.get(list_version=version, entity_id="ofac-90001")
    assert (person_entry.schema, person_entry.name, person_entry.birth_dates, person_entry.countries,
            person_entry.sanctions, person_entry.dataset, person_entry.row_number) == (
        "Person", "KVAZIVSKYI, Oleksandr Petrovych", ["1962-10-07"], ["ru"], ["RUSSIA-EO14024"],
        "OFAC SDN", 1)
    assert aliases_of(person_entry) == [
        (1, "KVAZIVSKY, Aleksandr Petrovich", "a.k.a.", "strong"),
        (2, "THE ARCHITECT", "a.k.a.", "weak"),
    ]
    company = ListEntry.objects.get(list_version=version, entity_id="ofac-90002")
    assert (company.schema, company.countries, company.addresses, company.identifiers, company.sanctions) == (
        "Organization", ["ae"], ["Dubai, United Arab Emirates"],
        ["0x00000000000000000000000000000000000Ofac1"], ["IRAN", "SDGT"])
    assert aliases_of(company) == [(1, "NORDVALE SHIPPING", "f.k.a.", "strong")]
    vessel = ListEntry.objects.get(list_version=version, entity_id="ofac-90003")
    assert (vessel.schema, vessel.name, aliases_of(vessel)) == ("Vessel", "KOREA, NORTH VESSEL NINE", [])


def test_a_un_consolidated_list_is_imported_with_its_aliases(officer):
    version = list_import(name="un", version_label="2026-11-28", data=UN.encode(), actor=officer)

    hamza = ListEntry.objects.get(list_version=version, entity_id="un-QDi.901")
    assert (hamza.schema, hamza.name, hamza.birth_dates, hamza.countries, hamza.identifiers, hamza.sanctions,
            hamza.first_seen) == (
        "Person", "HAMZA YUSUF AL-QARIBI", ["1971-04-30", "1970"], ["ir"], ["X9000001"], ["Al-Qaida"],
        datetime(2011, 5, 2, tzinfo=UTC))
    # the name in original script is an alias; 'Low' is weak; the empty placeholder is skipped
    assert aliases_of(hamza) == [
        (1, "حمزة يوسف القريبي", "original script", ""),
        (2, "Hamza Yousef al-Gharibi", "a.k.a.", "strong"),
        (3, "Abu Yusuf", "a.k.a.", "weak"),
    ]
    company = ListEntry.objects.get(list_version=version, entity_id="un-KPe.901")
    assert (company.schema, company.name, company.countries, aliases_of(company)) == (
        "Organization", "OCEANIC BRIGHTSTAR MANAGEMENT COMPANY", ["kp"], [(1, "OBMC", "a.k.a.", "")])


def test_a_hit_says_which_alias_matched_and_weak_aliases_are_not_screened(officer):
    list_import(name="ofac-sdn", version_label="2026-11-28", data=OFAC.encode(), actor=officer)
    aka = ListAlias.objects.get(name="KVAZIVSKY, Aleksandr Petrovich")

    [by_alias] = screen_investor(investor=person("Aleksandr Kvazivsky", born=date(1962, 10, 7), country="RU"),
                                 actor=officer)
    assert (by_alias.entity_id, by_alias.alias, by_alias.matched_name, by_alias.features["matched_as"],
            by_alias.features["matched_name"], str(by_alias.score)) == (
        "ofac-90001", aka, "KVAZIVSKY, Aleksandr Petrovich", "alias", "KVAZIVSKY, Aleksandr Petrovich",
        "1.0000")

    [by_name] = screen_investor(investor=person("Oleksandr Kvazivskyi", country="RU"), actor=officer)
    assert (by_name.entity_id, by_name.alias, by_name.matched_name, by_name.features["matched_as"]) == (
        "ofac-90001", None, "KVAZIVSKYI, Oleksandr Petrovych", "primary name")

    assert screening_blockers(by_alias.investor) == [
        f"Screening hit awaiting an officer's decision (hit #{by_alias.pk}): investor 'Aleksandr Kvazivsky' "
        "matches list entry ofac-90001 'KVAZIVSKYI, Oleksandr Petrovych' through its alias "
        "'KVAZIVSKY, Aleksandr Petrovich' of list version ofac-sdn 2026-11-28."]

    # 'THE ARCHITECT' is a weak aka: stored, shown, never screened
    assert screen_investor(investor=person("The Architect Ltd"), actor=officer) == []
    assert ScreeningHit.objects.count() == 2


def test_the_hit_names_the_csv_alias_that_matched_and_prefers_the_primary_name_on_a_tie(officer):
    data = csv_bytes(
        "x-1,Person,Liudmila Fiktivnaya,Ludmila Fictivnaia;Людмила Фиктивная,1966,ru,,,,,,demo,,,")
    list_import(name="demo", version_label="v1", data=data, actor=officer)
    [hit] = screen_investor(investor=person("Ludmila Fictivnaia", country="RU"), actor=officer)
    assert (hit.alias.position, hit.alias.name, hit.features["matched_as"], str(hit.score)) == (
        1, "Ludmila Fictivnaia", "alias", "1.0000")
    # the Cyrillic alias transliterates to the primary name: both score 1.0, the primary name is named
    [tie] = screen_investor(investor=person("Людмила Фиктивная", country="RU"), actor=officer)
    assert (tie.alias, tie.features["matched_name"], str(tie.score)) == (
        None, "Liudmila Fiktivnaya", "1.0000")


def counts():
    return (ListVersion.objects.count(), ListEntry.objects.count(), ListAlias.objects.count(),
            AuditEvent.objects.count())


@pytest.mark.parametrize(("data", "message", "reasons"), [
    (OFAC.replace("<uid>90002</uid>", "<uid>90001</uid>").replace(
        "<lastName>KOREA, NORTH VESSEL NINE</lastName>", "<lastName></lastName>").encode(),
     "The list file was refused as a whole: 2 malformed record(s), sdnEntry 2, sdnEntry 3. "
     "Nothing was imported; the current list version stays in force.",
     ["sdnEntry 2: uid 90001 duplicates sdnEntry 1.", "sdnEntry 3 (uid 90003): name is empty."]),
    (OFAC.replace("<category>weak</category>", "<category>medium</category>").encode(),
     "The list file was refused as a whole: 1 malformed record(s), sdnEntry 1. "
     "Nothing was imported; the current list version stays in force.",
     ["sdnEntry 1 (uid 90001): aka category 'medium' is neither strong nor weak."]),
    (UN.replace("<REFERENCE_NUMBER>QDi.901</REFERENCE_NUMBER>", "").replace(
        "<DATAID>7000001</DATAID>", "").replace("<QUALITY>Low</QUALITY>", "<QUALITY>Poor</QUALITY>").encode(),
     "The list file was refused as a whole: 1 malformed record(s), INDIVIDUAL 1. "
     "Nothing was imported; the current list version stays in force.",
     ["INDIVIDUAL 1: alias quality 'Poor' is none of Good, Low, a.k.a., f.k.a.",
      "INDIVIDUAL 1: id is empty."]),
    (b"<sdnList>\n<sdnEntry><uid>1</uid>\n</sdnList>",
     "The file is not well-formed XML (line 3, column 2).", None),
    (b"<?xml version='1.0'?><export><sanctionEntity/></export>",
     "An XML list must be an OFAC SDN file (root element sdnList) or the UN Consolidated List "
     "(CONSOLIDATED_LIST); this one's root is export.", None),
    (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     b"<sdnList><sdnEntry><uid>1</uid><lastName>&b;</lastName></sdnEntry></sdnList>",
     "The XML file declares entities or external references, which a list never needs.", None),
    (b"<sdnList></sdnList>", "The list file has no rows.", None),
])
def test_a_malformed_xml_list_is_refused_whole(officer, data, message, reasons):
    with pytest.raises(InvalidInput) as refused:
        list_import(name="xml", version_label="v1", data=data, actor=officer)
    assert (refused.value.field, refused.value.message) == ("file", message)
    if reasons is not None:
        assert refused.value.reasons == reasons
    assert counts() == (0, 0, 0, 0)
