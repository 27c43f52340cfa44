"""The carbon footprint of compute, hand-checked (docs/green.md, "Worked example").

Site SG-1: annual factor 402.000 g/kWh, PUE 1.350; hourly factors 500.000 (10:00) and 300.500
(11:00) on 2 March 2026. GPU server (100 GPUs) leased to Kestrel: 800,000 Wh and 600,000 Wh of IT
energy, 100 GPU-hours each. A solar array on the same site makes 540,000 Wh at 10:00, none at 11:00.

- facility: 800,000 x 1.35 = 1,080,000; 600,000 x 1.35 = 810,000; total 1,890,000 Wh
- location: 1,080 kWh x 500 = 540,000 g; 810 kWh x 300.5 = 243,405 g; total 783,405 g
- hourly matched: 10:00 min(1, 540,000 / 1,080,000) x 1,080,000 = 540,000 Wh; 11:00 none:
  540,000 / 1,890,000 = 0.2857
- one I-REC (1 MWh, SG, March 2026, 0 g/kWh) retired for Kestrel for March covers 1,000,000 Wh;
  market: 783,405 x 890,000 / 1,890,000 = 368,905 g; period matching (540,000 + 1,000,000) /
  1,890,000 = 0.8148. An M-RETS REC retired for Kestrel (US) is another market: not counted.
- embodied: 175,200 kg over 4 years x 8,760 h x 100 GPUs = 50 g per GPU-hour; 200 GPU-hours: 10,000 g
- per GPU-hour: location 3,917.025 g, market 1,844.525 g, with embodied 1,894.525 g
"""

from datetime import date
from decimal import Decimal

import pytest

from assets.services.metering import import_metering, metering_csv
from core.errors import InvalidInput
from green import footprint
from green.models import HourlyEmissionFactor
from green.services import blocks, carbon
from tests.assets.builders import make_counterparty, make_gpu_server, make_lease, make_site
from tests.factories import make_deal
from tests.green.builders import import_generation, make_block, make_solar, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(ops):
    deal = make_deal(actor=ops)
    site = make_site(actor=ops, name="SG-1")
    gpu = make_gpu_server(actor=ops, site=site, deal=deal, gpus=100, tdp=10_000, life=4)
    kestrel = make_counterparty(actor=ops, name="Kestrel Robotics AI Pte Ltd")
    lease = make_lease(actor=ops, devices=[gpu], lessee=kestrel)
    import_metering(source=metering_csv([(gpu.code, utc(2026, 3, 2, 10), 100, 800_000),
                                         (gpu.code, utc(2026, 3, 2, 11), 100, 600_000)]), actor=ops)
    solar = make_solar(actor=ops, spv=deal.spv, site=site, code="SOL-SG1")
    import_generation(actor=ops, rows=[(solar.code, utc(2026, 3, 2, 10), 540_000)])
    carbon.emission_factors_import(actor=ops, site=site, source="grid operator",
                                   content=b"hour,g_per_kwh\n2026-03-02T10:00:00Z,500.000\n"
                                           b"2026-03-02T11:00:00+00:00,300.5\n")
    carbon.embodied_emissions_set(actor=ops, device=gpu, kg_co2e=175_200, source="vendor LCA")
    for code in ("I-REC", "M-RETS"):
        block = make_block(actor=ops, code=code, spv=deal.spv)
        blocks.block_retire(
            block=block,
            actor=ops,
            quantity=1,
            beneficiary="Kestrel",
            purpose="GPU-hours March",
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
            lessee=kestrel,
        )
    return {"deal": deal, "lease": lease, "lessee": kestrel}


def check(fp):
    assert (fp.gpu_hours, fp.it_wh, fp.facility_wh) == (200, 1_400_000, 1_890_000)
    assert (fp.location_g, fp.market_g, fp.embodied_g) == (783_405, 368_905, 10_000)
    assert (fp.hourly_matched_wh, fp.certificate_wh) == (540_000, 1_000_000)
    assert (fp.hourly_matching, fp.period_matching) == (Decimal("0.2857"), Decimal("0.8148"))
    assert (fp.location_g_per_gpu_hour, fp.market_g_per_gpu_hour, fp.total_g_per_gpu_hour) == (
        Decimal("3917.025"),
        Decimal("1844.525"),
        Decimal("1894.525"),
    )


@pytest.mark.parametrize("scope", ["lease", "lessee", "deal"])
def test_footprint_of_a_lease_a_lessee_and_a_deal(world, scope):
    key = {"lease": world["lease"].pk, "lessee": world["lessee"].pk, "deal": world["deal"].pk}[scope]
    (fp,) = footprint.compute(scope, key, start=date(2026, 3, 1), end=date(2026, 3, 31))
    check(fp)


def test_per_lessee_and_month(world):
    (fp,) = footprint.compute("lessees", None, start=date(2026, 1, 1), end=date(2026, 12, 31), by_month=True)
    assert (fp.group, fp.month) == (world["lessee"].pk, date(2026, 3, 1))
    check(fp)


def test_without_hourly_factors_the_annual_one_applies(world, ops):
    HourlyEmissionFactor.objects.all().delete()
    (fp,) = footprint.compute("lease", world["lease"].pk, start=date(2026, 3, 1), end=date(2026, 3, 31))
    # 1,890 kWh x 402 g/kWh = 759,780 g
    assert fp.location_g == 759_780


def test_a_factor_file_with_gaps_duplicates_or_negatives_is_refused_listing_the_hours(ops):
    site = make_site(actor=ops)
    content = (
        b"hour,g_per_kwh\n2026-03-02T10:00:00Z,500\n2026-03-02T11:00:00Z,-1\n"
        b"2026-03-02T10:00:00Z,400\n2026-03-02T14:00:00Z,410\n2026-03-02T16:00:00Z,420\n"
    )
    with pytest.raises(InvalidInput) as exc:
        carbon.emission_factors_import(actor=ops, site=site, source="x", content=content)
    assert exc.value.reasons == [
        "line 3: hour 2026-03-02T11:00Z: -1 g/kWh is negative or above 2000",
        "line 4: hour 2026-03-02T10:00Z repeats line 2",
        "hours 2026-03-02T11:00Z to 2026-03-02T13:00Z are missing (3)",
        "hour 2026-03-02T15:00Z is missing",
    ]
    assert HourlyEmissionFactor.objects.count() == 0


def test_the_api_presents_mwh_and_tco2e_at_the_edge(api, ops, trustee, investor_user, world):
    url = f"/api/v1/green/footprints/?scope=deal&id={world['deal'].pk}&start=2026-03-01&end=2026-03-31"
    (row,) = api(trustee).get(url).json()
    assert (row["facility_wh"], row["facility_mwh"], row["location_tco2e"], row["market_tco2e"]) == (
        1_890_000, "1.890000", "0.783405", "0.368905")
    assert (row["hourly_matching"], row["total_g_per_gpu_hour"]) == ("0.2857", "1894.525")
    assert api(investor_user).get(url).status_code == 403
    too_long = api(ops).get("/api/v1/green/footprints/?scope=lessees&start=2026-01-01&end=2027-01-02")
    assert too_long.status_code == 400
    assert "at most 366 days" in str(too_long.json())


def test_the_admin_shows_the_figures_per_deal(client, trustee, world):
    client.force_login(trustee)
    page = client.get("/admin/green/retirement/footprint/", {"deal": world["deal"].pk, "start": "2026-03-01",
                                                             "end": "2026-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1.890000" in html and "0.783405" in html and "0.368905" in html and "1894.525" in html
    blocks_page = client.get("/admin/green/certificateblock/")
    assert blocks_page.status_code == 200
