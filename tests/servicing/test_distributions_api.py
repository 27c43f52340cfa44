"""The distributions API: staff see distributions with batches and escrow; an investor sees only
its own entitlements and never why one is held; transitions are POSTs with idempotency keys."""

from datetime import date
from decimal import Decimal

import pytest

from core.models import AuditEvent
from core.transitions import bulk_transition
from servicing.models import Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.services import distributions as svc
from tests.factories import make_deal
from tests.servicing.distribution_setup import approved_period

pytestmark = pytest.mark.django_db
OWN, OTHER = "0x" + "1" * 40, "0x" + "2" * 40


@pytest.fixture
def entitled(ops, investor, other_investor):
    """A distribution whose entitlements are computed: the investor's wallet paid in batch 1, the
    other investor's escrowed (not eligible). Rows written directly: the chain steps are tested
    end to end elsewhere."""
    deal = make_deal(actor=ops)
    [d] = svc.distributions_create(
        period=approved_period(deal, date(2026, 12, 31)),
        payments={deal.tranches.get(seniority=1): {"interest": Decimal("100.00")}},
        actor=ops,
    )
    for name in ("fix_holders", "entitle"):
        bulk_transition(Distribution, name, actor=None, ids=[d.pk])
    batch = PayoutBatch.objects.create(distribution=d, number=1, recipients=1, total=60_000_000)
    Entitlement.objects.create(
        distribution=d, wallet=OWN, investor=investor, balance=6, amount=60_000_000, batch=batch
    )
    held = Entitlement.objects.create(
        distribution=d, wallet=OTHER, investor=other_investor, balance=4, amount=40_000_000
    )
    EscrowLine.objects.create(entitlement=held, reason_code="sanctions")
    return d


def test_an_investor_sees_only_its_own_entitlements_and_not_why_one_is_held(api, entitled, investor_user):
    client = api(investor_user)
    rows = client.get("/api/v1/servicing/entitlements/").json()["results"]
    assert [(r["wallet"], r["amount"], r["held"]) for r in rows] == [(OWN, "60000000", False)]
    assert "escrow_reason" not in rows[0]
    other = Entitlement.objects.get(wallet=OTHER)
    assert client.get(f"/api/v1/servicing/entitlements/{other.pk}/").status_code == 404
    for endpoint in ("distributions", "escrow-lines", "payout-batches"):
        assert client.get(f"/api/v1/servicing/{endpoint}/").status_code == 403


def test_staff_see_the_distribution_with_its_batches_escrow_and_the_reason(api, entitled, trustee):
    body = api(trustee).get(f"/api/v1/servicing/distributions/{entitled.pk}/").json()
    assert (body["state"], body["amount"], body["holders"], body["holders_paid"]) == (
        "entitled",
        "100.00",
        2,
        0,
    )
    assert [(b["number"], b["recipients"], b["total"], b["state"]) for b in body["batches"]] == [
        (1, 1, "60000000", "planned")
    ]
    assert [(e["wallet"], e["amount"], e["reason_code"], e["state"]) for e in body["escrow"]] == [
        (OTHER, "40000000", "sanctions", "held")
    ]
    rows = (
        api(trustee).get("/api/v1/servicing/entitlements/", {"distribution": entitled.pk}).json()["results"]
    )
    assert [(r["wallet"], r["held"], r["escrow_reason"]) for r in rows] == [
        (OWN, False, None),
        (OTHER, True, "sanctions"),
    ]


def test_approving_through_the_api_is_idempotent_and_maker_checker_applies(api, entitled, ops, ops2, officer):
    url = f"/api/v1/servicing/distributions/{entitled.pk}/approve/"
    refused = api(ops).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="approve-1")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "maker_checker")
    first = api(ops2).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="approve-2")
    again = api(ops2).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="approve-2")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (200, 200, "true")
    assert first.json()["state"] == "approved"
    assert PayoutBatch.objects.get(distribution=entitled).state == "approved"
    assert AuditEvent.objects.filter(content_type__model="distribution", name="approve").count() == 1


def test_compliance_decides_escrow_through_the_api_with_a_reason(api, entitled, officer, ops):
    line = EscrowLine.objects.get()
    url = f"/api/v1/servicing/escrow-lines/{line.pk}/release/"
    assert api(ops).post(url, {"reason": "cleared"}, format="json").status_code == 403
    assert api(officer).post(url, {}, format="json").status_code == 400
    done = api(officer).post(
        url, {"reason": "hit cleared as false positive"}, format="json", HTTP_IDEMPOTENCY_KEY="release-1"
    )
    assert (done.status_code, done.json()["state"], done.json()["batch"]) == (
        200,
        "released",
        PayoutBatch.objects.get(kind="escrow").pk,
    )
    assert list(
        PayoutBatch.objects.filter(kind="escrow").values_list("number", "recipients", "total", "state")
    ) == [(2, 1, 40_000_000, "planned")]


def test_the_admin_shows_distributions_batches_holders_and_escrow_with_their_buttons(
    client, entitled, ops2, officer
):
    client.force_login(ops2)
    page = client.get(f"/admin/servicing/distribution/{entitled.pk}/change/")
    assert page.status_code == 200
    assert b"/transition/approve/" in page.content  # ops2 did not create it
    assert b"2 holders (0 paid)" in page.content and b"1 escrow lines" in page.content
    for model in ("distribution", "entitlement", "escrowline", "payoutbatch"):
        assert client.get(f"/admin/servicing/{model}/").status_code == 200
    done = client.post(f"/admin/servicing/distribution/{entitled.pk}/transition/approve/", {"reason": ""})
    assert done.status_code == 302
    assert Distribution.objects.get(pk=entitled.pk).state == "approved"

    client.force_login(officer)
    line = EscrowLine.objects.get()
    page = client.get(f"/admin/servicing/escrowline/{line.pk}/change/")
    assert b"/transition/release/" in page.content and b"/transition/keep/" in page.content
    client.post(f"/admin/servicing/escrowline/{line.pk}/transition/keep/", {"reason": "confirmed match"})
    assert EscrowLine.objects.get(pk=line.pk).state == "kept"
