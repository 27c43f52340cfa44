"""The green impact report: ICMA core indicators from the metered generation, the footprint and
the certificates retired; a year with nothing metered says so."""

from decimal import Decimal

import pytest

from assets.models import Device
from reporting.models import Kind, Report
from tests.green.builders import import_generation, make_solar, utc
from tests.reporting.helpers import has_row, pdf_lines, pdf_pages, xlsx_sheets

pytestmark = pytest.mark.django_db


def _impact(ops, deal, year, fmt="pdf"):
    from tests.reporting.helpers import generated

    return generated(actor=ops, kind=Kind.IMPACT_REPORT, deal=deal, year=year, format=fmt)


@pytest.fixture
def solar(ops, closed_deal):
    """A solar array on a site at 402 g CO2e/kWh, pledged to the deal, with three hours metered in
    2025: 100,000 + 250,000 + 150,500 Wh."""
    device = make_solar(actor=ops, spv=closed_deal.spv)
    Device.objects.filter(pk=device.pk).update(deal=closed_deal)
    import_generation(
        actor=ops,
        rows=[
            ("SOL-1", utc(2025, 6, 1, 10), 100_000),
            ("SOL-1", utc(2025, 6, 1, 11), 250_000),
            ("SOL-1", utc(2025, 6, 1, 12), 150_500),
        ],
    )
    return device


def test_core_indicators_are_the_metered_generation_and_the_emissions_it_avoided(solar, closed_deal, ops):
    report = _impact(ops, closed_deal, 2025, fmt="xlsx")
    sheets = xlsx_sheets(report)
    assert (report.state, report.draft) == (Report.State.DONE, False)
    # 500,500 Wh = 0.5005 MWh, half-even to 0.500; 500,500 Wh x 402 g/kWh = 201,201 g = 0.201 t.
    assert [(r[0], Decimal(str(r[1]))) for r in sheets["core_indicators"][2:]] == [
        ("renewable energy generated (MWh)", Decimal("0.500")),
        ("GHG emissions avoided (tCO2e)", Decimal("0.201")),
    ]
    assert sheets["generation"][2][3:] == (500_500, 201_201)


def test_the_pdf_prints_the_indicators_and_says_what_is_missing(solar, closed_deal, ops):
    lines = pdf_lines(_impact(ops, closed_deal, 2025))
    assert has_row(lines, "renewable energy generated (MWh)", "0.500")
    assert has_row(lines, "GHG emissions avoided (tCO2e)", "0.201")
    assert any(line.startswith("No GPU usage was metered for the deal's lessees in 2025") for line in lines)
    assert "No certificate retired for 2025." in lines


def test_a_year_with_nothing_metered_says_so_and_the_current_year_is_a_draft(closed_deal, ops):
    report = _impact(ops, closed_deal, 2026)
    lines = pdf_lines(report)
    assert report.draft is True and all("DRAFT" in page for page in pdf_pages(report))
    assert "No renewable generation was metered for the deal's devices in 2026." in lines
    assert has_row(lines, "renewable energy generated (MWh)", "0.000")
