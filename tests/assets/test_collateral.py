"""The collateral view per deal: book value, appraisals, insurance, utilisation, concentration."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from assets.collateral import collateral
from assets.services import fleet
from assets.services.metering import import_metering, metering_csv
from core.fx import fx_rate_record
from tests.assets.builders import make_counterparty, make_gpu_server, make_lease, make_site
from tests.factories import make_deal

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


def test_collateral_of_a_deal(ops):
    deal = make_deal(actor=ops)
    north, south = make_site(actor=ops, name="North DC"), make_site(actor=ops, name="South DC")
    a = make_gpu_server(actor=ops, deal=deal, site=north, code="GPU-A", cost="250000.00", residual="25000.00")
    b = make_gpu_server(actor=ops, deal=deal, site=north, code="GPU-B", cost="250000.00", residual="25000.00")
    make_gpu_server(
        actor=ops, deal=deal, site=south, code="GPU-C", cost="100000.00", residual="0.00", gpus=4
    )
    make_gpu_server(actor=ops, code="GPU-NOT-PLEDGED", spv=deal.spv)
    fleet.appraisal_record(
        actor=ops, device=a, valued_on=date(2026, 6, 1), value=Decimal("230000.00"), appraiser="V Ltd"
    )
    fleet.insurance_policy_create(
        actor=ops,
        device=a,
        insurer="Lloyd's Syndicate 1",
        policy_number="P-1",
        cover_amount=Decimal("250000.00"),
        currency="USD",
        starts_on=date(2026, 1, 1),
        expires_on=date(2026, 8, 1),
    )
    fleet.insurance_policy_create(
        actor=ops,
        device=b,
        insurer="Lloyd's Syndicate 1",
        policy_number="P-2",
        cover_amount=Decimal("250000.00"),
        currency="USD",
        starts_on=date(2026, 1, 1),
        expires_on=date(2026, 6, 30),
    )
    make_lease(actor=ops, devices=[a, b], lessee=make_counterparty(actor=ops, name="Orion AI"))
    # 30 days before AS_OF: 24 hours with all 8 GPUs busy on GPU-A
    import_metering(
        source=metering_csv([("GPU-A", datetime(2026, 6, 20, h, tzinfo=UTC), 8, 5000) for h in range(24)]),
        actor=ops,
        now=datetime(2026, 7, 1, tzinfo=UTC),
    )

    view = collateral(deal=deal, as_of=AS_OF)

    # GPU-A/B: 225,000 x 181 / 1,461 = 27,874.74 -> 222,125.26; GPU-C: 100,000 x 181/1,461 -> 87,611.23
    assert (view["device_count"], view["gpu_count"], view["reporting_currency"]) == (3, 20, "USD")
    usd = {"purchase_cost": Decimal("600000.00"), "book_value": Decimal("531861.75"),
           "latest_appraisal": Decimal("230000.00"),
           "insurance_cover": Decimal("250000.00")}  # B's policy expired the day before
    assert view["totals"] == [{"currency": "USD", **usd}]
    assert view["converted"] == {"currency": "USD", **usd, "rates": [], "missing": []}
    assert view["insurance"] == {
        "expired": ["GPU-B"],
        "expiring_within_days": 90,
        "expiring": [{"device": "GPU-A", "expires_on": date(2026, 8, 1)}],
        "uninsured": ["GPU-C"],
        "under_insured": [],  # A: 250,000.00 of cover for 222,125.26 of book value
        "not_comparable": [],
    }
    assert view["utilisation"] == Decimal("0.0133")  # 192 GPU-hours / (20 GPUs x 720 h) = 0.01333
    assert view["concentration_by_lessee"] == [
        {"lessee": "Orion AI", "book_value": Decimal("444250.52"), "share": Decimal("0.8353")},
        {"lessee": "(not leased)", "book_value": Decimal("87611.23"), "share": Decimal("0.1647")},
    ]
    assert view["concentration_by_site"] == [
        {"site": "North DC", "book_value": Decimal("444250.52"), "share": Decimal("0.8353")},
        {"site": "South DC", "book_value": Decimal("87611.23"), "share": Decimal("0.1647")},
    ]
    assert [d["code"] for d in view["devices"]] == ["GPU-A", "GPU-B", "GPU-C"]
    assert view["devices"][0]["utilisation"] == Decimal("0.0333")  # 192 / (8 x 720)


def _mixed_deal(ops):
    """A USD deal with a EUR server insured in EUR and a USD server insured in JPY (docs/assets.md)."""
    deal = make_deal(actor=ops)
    eu = make_gpu_server(actor=ops, deal=deal, site=make_site(actor=ops, name="Frankfurt DC"), code="GPU-EU",
                         cost="200000.00", residual="0.00", currency="EUR")
    us = make_gpu_server(actor=ops, deal=deal, site=make_site(actor=ops, name="Singapore DC"), code="GPU-US",
                         cost="100000.00", residual="0.00")
    fleet.appraisal_record(actor=ops, device=eu, valued_on=date(2026, 6, 1), value=Decimal("180000.00"),
                           appraiser="V GmbH")
    for device, insurer, cover, currency in ((eu, "Allianz", "150000.00", "EUR"),
                                             (us, "Tokio Marine", "15000000", "JPY")):
        fleet.insurance_policy_create(actor=ops, device=device, insurer=insurer,
                                      policy_number=f"P-{device.code}", cover_amount=Decimal(cover),
                                      currency=currency, starts_on=date(2026, 1, 1),
                                      expires_on=date(2027, 1, 1))
    fx_rate_record(actor=ops, base="EUR", quote="USD", rate=Decimal("1.0850"), as_of=date(2026, 6, 30),
                   source="ECB reference rate")
    return deal


def test_currencies_are_never_added_together(ops):
    """Review: a EUR and a USD device made one USD figure (262,833.68) and JPY 15,000,000 of cover
    counted as USD 15,150,000.00 with the EUR policy. Each currency now has its own totals."""
    view = collateral(deal=_mixed_deal(ops), as_of=AS_OF)

    # GPU-EU: 200,000 x 181 / 1,461 = 24,777.55 -> 175,222.45 EUR; GPU-US: 87,611.23 USD
    assert view["totals"] == [
        {"currency": "EUR", "purchase_cost": Decimal("200000.00"), "book_value": Decimal("175222.45"),
         "latest_appraisal": Decimal("180000.00"), "insurance_cover": Decimal("150000.00")},
        {"currency": "JPY", "purchase_cost": Decimal("0"), "book_value": Decimal("0"),
         "latest_appraisal": Decimal("0"), "insurance_cover": Decimal("15000000")},
        {"currency": "USD", "purchase_cost": Decimal("100000.00"), "book_value": Decimal("87611.23"),
         "latest_appraisal": Decimal("0.00"), "insurance_cover": Decimal("0.00")},
    ]
    rows = [(d["code"], d["currency"], d["insurance_currency"], d["insurance_cover"])
            for d in view["devices"]]
    assert rows == [("GPU-EU", "EUR", "EUR", Decimal("150000.00")),
                    ("GPU-US", "USD", "JPY", Decimal("15000000"))]


def test_the_deal_currency_total_goes_through_the_recorded_rate_or_names_the_missing_pair(ops):
    view = collateral(deal=_mixed_deal(ops), as_of=AS_OF)

    converted = view["converted"]
    # 200,000.00 x 1.085 + 100,000.00 = 317,000.00; 175,222.45 x 1.085 = 190,116.358 -> 190,116.36,
    # + 87,611.23 = 277,727.59; 180,000.00 x 1.085 = 195,300.00; the JPY cover has no rate
    assert (converted["currency"], converted["purchase_cost"], converted["book_value"],
            converted["latest_appraisal"], converted["insurance_cover"]) == (
        "USD", Decimal("317000.00"), Decimal("277727.59"), Decimal("195300.00"), None)
    assert converted["missing"] == ["JPY/USD"]
    [rate] = converted["rates"]
    assert {k: v for k, v in rate.items() if k != "fx_rate_id"} == {
        "from_currency": "EUR", "to_currency": "USD", "recorded_pair": "EUR/USD", "rate": Decimal("1.0850"),
        "inverted": False, "as_of": date(2026, 6, 30), "source": "ECB reference rate"}
    # 190,116.36 / 277,727.59 = 0.68454 and 87,611.23 / 277,727.59 = 0.31546
    assert view["concentration_by_site"] == [
        {"site": "Frankfurt DC", "book_value": Decimal("190116.36"), "share": Decimal("0.6845")},
        {"site": "Singapore DC", "book_value": Decimal("87611.23"), "share": Decimal("0.3155")},
    ]
    # cover compared in each device's currency: EUR with EUR; JPY with USD needs a rate
    assert view["insurance"]["under_insured"] == [
        {"device": "GPU-EU", "currency": "EUR", "book_value": Decimal("175222.45"),
         "cover": Decimal("150000.00")}]
    assert view["insurance"]["not_comparable"] == [{"device": "GPU-US", "missing": "JPY/USD"}]


def test_a_recorded_inverse_rate_completes_the_total(ops):
    deal = _mixed_deal(ops)
    for rate, day in (("150", date(2026, 6, 30)), ("99", date(2026, 7, 2))):
        fx_rate_record(actor=ops, base="USD", quote="JPY", rate=Decimal(rate), as_of=day, source="BOJ")

    view = collateral(deal=deal, as_of=AS_OF)

    # 15,000,000 JPY / 150 = 100,000.00 USD (the 2 July rate is after the view's day);
    # 150,000.00 EUR x 1.085 = 162,750.00; total 262,750.00
    assert (view["converted"]["insurance_cover"], view["converted"]["missing"]) == (Decimal("262750.00"), [])
    assert [(r["recorded_pair"], r["inverted"]) for r in view["converted"]["rates"]] == [
        ("EUR/USD", False), ("USD/JPY", True)]
    us = view["devices"][1]
    assert (us["insurance_cover_in_device_currency"], us["insurance_rate"]["recorded_pair"],
            us["insurance_rate"]["rate"]) == (Decimal("100000.00"), "USD/JPY", Decimal("150"))
    assert view["insurance"]["not_comparable"] == []
    assert [u["device"] for u in view["insurance"]["under_insured"]] == ["GPU-EU"]  # 100,000 >= 87,611.23


def test_without_a_rate_there_is_no_concentration_rather_than_a_made_up_one(ops):
    deal = make_deal(actor=ops)
    make_gpu_server(actor=ops, deal=deal, cost="100000.00", residual="0.00", currency="SGD")
    make_gpu_server(actor=ops, deal=deal, cost="100000.00", residual="0.00")

    view = collateral(deal=deal, as_of=AS_OF)

    assert (view["converted"]["book_value"], view["converted"]["missing"]) == (None, ["SGD/USD"])
    assert (view["concentration_by_site"], view["concentration_by_lessee"]) == (None, None)


def test_the_api_shows_amounts_in_their_minor_units_and_names_the_missing_pair(ops, trustee, api):
    deal = _mixed_deal(ops)

    data = api(trustee).get(f"/api/v1/collateral/{deal.pk}/", {"as_of": "2026-07-01"}).json()

    assert [(t["currency"], t["book_value"], t["insurance_cover"]) for t in data["totals"]] == [
        ("EUR", "175222.45", "150000.00"), ("JPY", "0", "15000000"), ("USD", "87611.23", "0.00")]
    assert (data["converted"]["book_value"], data["converted"]["insurance_cover"],
            data["converted"]["missing"]) == ("277727.59", None, ["JPY/USD"])
    assert [(r["recorded_pair"], r["rate"], r["as_of"], r["source"]) for r in data["converted"]["rates"]] == [
        ("EUR/USD", "1.0850000000", "2026-06-30", "ECB reference rate")]
    assert data["insurance"]["not_comparable"] == [{"device": "GPU-US", "missing": "JPY/USD"}]


def test_the_admin_page_shows_each_currency_the_rates_used_and_the_missing_pair(ops, trustee, client):
    deal = _mixed_deal(ops)
    client.force_login(trustee)

    page = client.get("/admin/assets/device/collateral/", {"deal": deal.pk, "as_of": "2026-07-01"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "<td>EUR</td><td>200000.00</td><td>175222.45</td><td>180000.00</td><td>150000.00</td>" in text
    assert "<td>277727.59</td>" in text and "<td>no rate</td>" in text
    assert "EUR to USD: EUR/USD 1.0850000000 on 2026-06-30 (ECB reference rate)" in text
    assert "for JPY/USD: the totals that need it are not shown" in text
    assert 'href="/admin/assets/device/collateral/"' in client.get("/admin/assets/device/").content.decode()


def test_the_view_reads_in_a_fixed_number_of_queries(ops):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deal = _mixed_deal(ops)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            collateral(deal=deal, as_of=AS_OF)
        return len(ctx.captured_queries)

    few = count()
    for currency in ("EUR", "SGD", "USD", "GBP"):
        device = make_gpu_server(actor=ops, deal=deal, cost="1000.00", residual="0.00", currency=currency)
        fleet.insurance_policy_create(actor=ops, device=device, insurer="Any", policy_number=f"X-{device.pk}",
                                      cover_amount=Decimal("1000"), currency="JPY",
                                      starts_on=date(2026, 1, 1), expires_on=date(2027, 1, 1))
    assert count() == few == 5  # devices, policies, metering, leases, rates
