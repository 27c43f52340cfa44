"""The reconciliation API: staff read, investors see nothing; manual match, resolutions and runs
through the services, refusals as 400 / 403 / 409 with nothing changed."""

import pytest

from core.models import OutboxMessage
from reconciliation.models import ManualMatch, MatchRun, ReconException
from reconciliation.services.matching import cash_matching_run

ENDPOINTS = ["exceptions", "match-runs", "manual-matches", "credits"]


@pytest.fixture
def matched(planted):
    cash_matching_run(run=MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND), actor=None)
    return planted


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_staff_read_investors_do_not(endpoint, ops, officer, trustee, investor_user, api):
    for user in (ops, officer, trustee):
        assert api(user).get(f"/api/v1/reconciliation/{endpoint}/").status_code == 200
    assert api(investor_user).get(f"/api/v1/reconciliation/{endpoint}/").status_code == 403


@pytest.mark.django_db
def test_the_queue_shows_type_amount_age_and_rows(matched, ops, api):
    book, inv, usd, eur, entries = matched
    body = api(ops).get("/api/v1/reconciliation/exceptions/?type=unknown_remitter").json()
    (row,) = body["results"]
    assert (row["type"], row["amount"], row["currency"], row["state"], row["age_days"]) == (
        "unknown_remitter",
        "4999.99",
        "USD",
        "open",
        0,
    )
    assert row["links"] == [{"role": "entry", "model": "bankentry", "object_id": entries[10].pk}]


@pytest.mark.django_db
def test_manual_match_and_waive_through_the_api(matched, ops, ops2, api):
    book, inv, usd, eur, entries = matched
    r = api(ops).post(
        "/api/v1/reconciliation/manual-matches/",
        {
            "kind": "match",
            "entry": entries[10].pk,
            "invoice": inv["K3"].pk,
            "amount": "650.00",
            "reason": "ACME pays for Kestrel",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["state"] == "applied"
    x = ReconException.objects.get(type="short_payment", amount="0.50")
    r = api(ops).post(
        f"/api/v1/reconciliation/exceptions/{x.pk}/waive/", {"reason": "bank fees"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "waive_requested"
    assert r.json()["waive_requested_by"] == ops.pk
    r = api(ops).post(f"/api/v1/reconciliation/exceptions/{x.pk}/approve-waive/", {}, format="json")
    assert r.status_code == 403  # never the one who asked
    assert ReconException.objects.get(pk=x.pk).state == "waive_requested"
    r = api(ops2).post(f"/api/v1/reconciliation/exceptions/{x.pk}/approve-waive/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "waived"


@pytest.mark.django_db
def test_refusals_change_nothing(matched, ops, trustee, api):
    book, inv, usd, eur, entries = matched
    before = (ManualMatch.objects.count(), list(ReconException.objects.values_list("pk", "state", "amount")))
    r = api(ops).post(
        "/api/v1/reconciliation/manual-matches/",
        {"kind": "match", "entry": entries[6].pk, "invoice": inv["K3"].pk, "amount": "50.01", "reason": "x"},
        format="json",
    )
    assert r.status_code == 409
    r = api(ops).post(
        "/api/v1/reconciliation/manual-matches/", {"kind": "match", "reason": "x"}, format="json"
    )
    assert r.status_code == 400 and set(r.json()["error"]["fields"]) == {"entry", "invoice", "amount"}
    x = ReconException.objects.filter(state="open").first()
    r = api(trustee).post(f"/api/v1/reconciliation/exceptions/{x.pk}/waive/", {"reason": "no"}, format="json")
    assert r.status_code == 403
    assert (
        ManualMatch.objects.count(),
        list(ReconException.objects.values_list("pk", "state", "amount")),
    ) == before


@pytest.mark.django_db
def test_a_run_on_demand_is_queued_for_a_worker(ops, trustee, api):
    before = OutboxMessage.objects.count()
    assert api(trustee).post("/api/v1/reconciliation/match-runs/", format="json").status_code == 403
    r = api(ops).post("/api/v1/reconciliation/match-runs/", format="json")
    assert r.status_code == 201 and r.json()["status"] == "queued"
    message = OutboxMessage.objects.order_by("pk")[before:].get()
    assert (message.task, message.kwargs) == ("reconciliation.tasks.match_cash", {"run_id": r.json()["id"]})
