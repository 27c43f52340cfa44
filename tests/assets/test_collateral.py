"""The collateral view per deal: book value, appraisals, insurance, utilisation, concentration."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from assets.selectors import collateral
from assets.services import fleet
from assets.services.metering import import_metering, metering_csv
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
    assert (view["device_count"], view["gpu_count"]) == (3, 20)
    assert view["book_value"] == "531861.75"
    assert view["purchase_cost"] == "600000.00"
    assert view["latest_appraisal"] == "230000.00"
    assert view["insurance_cover"] == "250000.00"  # B's policy expired the day before
    assert view["insurance"] == {
        "expired": ["GPU-B"],
        "expiring_within_days": 90,
        "expiring": [{"device": "GPU-A", "expires_on": date(2026, 8, 1)}],
        "uninsured": ["GPU-C"],
    }
    assert view["utilisation"] == "0.0133"  # 192 GPU-hours / (20 GPUs x 720 h) = 0.01333
    assert view["concentration_by_lessee"] == [
        {"lessee": "Orion AI", "book_value": "444250.52", "share": "0.8353"},
        {"lessee": "(not leased)", "book_value": "87611.23", "share": "0.1647"},
    ]
    assert view["concentration_by_site"] == [
        {"site": "North DC", "book_value": "444250.52", "share": "0.8353"},
        {"site": "South DC", "book_value": "87611.23", "share": "0.1647"},
    ]
    assert [d["code"] for d in view["devices"]] == ["GPU-A", "GPU-B", "GPU-C"]
    assert view["devices"][0]["utilisation"] == "0.0333"  # 192 / (8 x 720)
