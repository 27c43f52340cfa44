"""Serial formats of each registry: real serials parse into their parts; a bad part is named."""

from datetime import date

import pytest

from core.errors import InvalidInput
from green.services.blocks import read_serial
from tests.green.builders import SERIALS, registry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("code", "first", "last", "project", "country", "vintage", "technology", "series"), [
    ("I-REC", 1, 120, "SGSOL0001", "SG", (date(2026, 3, 1), date(2026, 3, 31)), "TZ01", "SGSOL0001"),
    ("VCS", 319616937, 319623936, "1529", "CN", (date(2017, 1, 1), date(2017, 12, 31)), "", ""),
    ("GS", 1, 1000, "2446", "IN", (date(2016, 1, 1), date(2016, 12, 31)), "", "2446/12/2016/5432"),
    ("M-RETS", 1, 250, "M1234", "US", (date(2026, 1, 1), date(2026, 1, 31)), "SUN", "M1234/202601/55"),
])
def test_each_registry_serial_parses_into_its_parts(code, first, last, project, country, vintage, technology,
                                                    series):
    facts = read_serial(registry(code), SERIALS[code])
    assert (facts.first, facts.last, facts.last - facts.first + 1) == (first, last, last - first + 1)
    assert (facts.project, facts.country, (facts.vintage_start, facts.vintage_end)) == (
        project,
        country,
        vintage,
    )
    assert (facts.technology, facts.series) == (technology, series)


@pytest.mark.parametrize(
    ("code", "serial", "message"),
    [
        (
            "VCS",
            "6452-319616937-319623936-VCS-VCU-259-VER-C1-1-1529-01012017-31122017-0",
            "part 'country' ('C1') is not a two-letter country code",
        ),
        (
            "VCS",
            "6452-319616937-319623936-VCS-VCU-259-VER-CN-1-1529-31022017-31122017-0",
            "part 'vintage_start' ('31022017') is not a real date (DDMMYYYY)",
        ),
        (
            "VCS",
            "6452-319623936-319616937-VCS-VCU-259-VER-CN-1-1529-01012017-31122017-0",
            "part 'last' (319616937) is below part 'first' (319623936)",
        ),
        ("GS", "GS1-1-IN-2446-12-2016-5432-1-1000", "part 'project' ('2446') should start with 'GS'"),
        ("GS", "GS1-1-IN-GS2446-12-16-5432-1-1000", "part 'vintage' ('16') is not a year (YYYY)"),
        (
            "I-REC",
            "IREC-SGSOL0001-SG-TZ01-202613-000000000001-000000000120",
            "part 'vintage' ('202613') is not a month (YYYYMM)",
        ),
        ("I-REC", "IREC-SGSOL0001-SG-TZ01-202603-000000000001", "has 6 dash-separated parts; the format"),
        ("M-RETS", "M1234-MN-202601-SUN-55-1-2x0", "part 'last' ('2x0') is not a serial number (digits)"),
    ],
)
def test_a_malformed_serial_names_the_part(code, serial, message):
    with pytest.raises(InvalidInput) as exc:
        read_serial(registry(code), serial)
    assert message in exc.value.message
    assert exc.value.field == "serial"
