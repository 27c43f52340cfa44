"""Periods, funds and adjustments through the API and the admin: the same services, idempotent POSTs,
staff only (docs/servicing.md)."""

import pytest

from core.models import AuditEvent
from servicing.models import CollectionPeriod, FundsAdjustment, ServicingTerms
from tests.servicing.builders import COLLECTION_ACCOUNT, import_csv, with_periods
from tests.servicing.test_available_funds import ENTRIES

pytestmark = pytest.mark.django_db

BASE = "/api/v1/servicing"
INLINE = "core-auditevent-content_type-object_id"  # the audit trail shown under the form


@pytest.fixture
def period(ops, draft_deal):
    with_periods(draft_deal, actor=ops)
    import_csv(ENTRIES, actor=ops)
    return CollectionPeriod.objects.get(deal=draft_deal, number=1)


def test_terms_and_periods_through_the_api_with_an_idempotency_key(ops, api, draft_deal):
    body = {"deal": draft_deal.pk, "calendar_codes": ["SG"], "collection_account": COLLECTION_ACCOUNT}
    first = api(ops).post(f"{BASE}/terms/", body, format="json", HTTP_IDEMPOTENCY_KEY="terms-1")
    again = api(ops).post(f"{BASE}/terms/", body, format="json", HTTP_IDEMPOTENCY_KEY="terms-1")

    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json() == again.json()
    assert (first.json()["payment_lag_days"], first.json()["adjustment"]) == (15, "modified_following")
    assert ServicingTerms.objects.count() == 1

    generated = api(ops).post(
        f"{BASE}/periods/generate/", {"deal": draft_deal.pk}, format="json", HTTP_IDEMPOTENCY_KEY="gen-1"
    )
    assert generated.status_code == 201
    assert [(p["number"], p["start"], p["end"], p["payment_date"]) for p in generated.json()[:2]] == [
        (1, "2026-12-31", "2027-03-31", "2027-04-15"),
        (2, "2027-04-01", "2027-06-30", "2027-07-15"),
    ]
    assert CollectionPeriod.objects.count() == 20


def test_available_funds_as_json_and_csv(ops, api, period):
    response = api(ops).get(f"{BASE}/periods/{period.pk}/available-funds/")

    assert response.status_code == 200
    data = response.json()
    assert (data["currency"], data["total"]) == ("USD", "363500.75")
    assert data["by_kind"] == {
        "lease_receipt": "351000.50",
        "certificate_sale": "12500.25",
        "reserve_balance": "0.00",
        "interest": "0.00",
        "adjustment": "0.00",
    }
    assert [line["amount"] for line in data["lines"]] == ["100000.00", "250000.50", "12500.25", "1000.00"]

    exported = api(ops).get(f"{BASE}/periods/{period.pk}/available-funds/csv/")
    assert (exported.status_code, exported["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert exported.content.decode().splitlines()[-1] == ",total,available funds,363500.75,USD,,"


def test_adjustments_through_the_api_with_maker_checker(ops, ops2, api, period):
    proposed = api(ops).post(
        f"{BASE}/adjustments/",
        {"period": period.pk, "kind": "interest", "amount": "812.40", "reason": "Bank advice"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="adj-1",
    )
    assert (proposed.status_code, proposed.json()["state"], proposed.json()["amount"]) == (
        201,
        "proposed",
        "812.40",
    )
    pk = proposed.json()["id"]

    own = api(ops).post(f"{BASE}/adjustments/{pk}/approve/", {}, format="json")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "maker_checker")
    assert FundsAdjustment.objects.get(pk=pk).state == "proposed"

    approved = api(ops2).post(
        f"{BASE}/adjustments/{pk}/approve/", {}, format="json", HTTP_IDEMPOTENCY_KEY="a-1"
    )
    assert (approved.status_code, approved.json()["state"]) == (200, "approved")
    total = api(ops).get(f"{BASE}/periods/{period.pk}/available-funds/").json()["total"]
    assert total == "364313.15"


def test_a_bad_amount_is_a_400_naming_the_field(ops, api, period):
    response = api(ops).post(
        f"{BASE}/adjustments/", {"period": period.pk, "amount": "10.005", "reason": "x"}, format="json"
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {"amount": ["amount 10.005 USD has more decimals than USD allows (at most 2 decimals)."]},
    )
    assert FundsAdjustment.objects.count() == 0


def test_a_foreign_currency_collection_is_a_400_naming_the_entry(ops, api, period):
    import_csv(
        ["SPV-COLL-1,S2,E1,2027-02-02,,50.00,EUR,Kestrel Robotics,INV-2027-0006"],
        actor=ops,
        filename="eur.csv",
    )
    response = api(ops).get(f"{BASE}/periods/{period.pk}/available-funds/")
    assert response.status_code == 400
    assert "is in EUR" in response.json()["error"]["message"]


def test_investors_see_nothing_of_servicing(investor_user, api, period):
    for path in (
        "terms/",
        "periods/",
        f"periods/{period.pk}/",
        f"periods/{period.pk}/available-funds/",
        "adjustments/",
        "runs/",
        "funds-lines/",
        "descriptions/",
        "amendments/",
    ):
        assert api(investor_user).get(f"{BASE}/{path}").status_code in (403, 404), path


def test_the_trustee_reads_but_cannot_write(trustee, api, period):
    assert api(trustee).get(f"{BASE}/periods/").json()["count"] == 20
    response = api(trustee).post(
        f"{BASE}/adjustments/", {"period": period.pk, "amount": "1.00", "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert FundsAdjustment.objects.count() == 0


def test_the_admin_period_page_shows_the_available_funds(ops, client, period):
    client.force_login(ops)
    response = client.get(f"/admin/servicing/collectionperiod/{period.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "2027-02-15 Kestrel Robotics R2" in page
    assert '<th style="text-align:right" class="funds-total">363,500.75 USD</th>' in page


def test_the_admin_adjustment_is_proposed_through_the_service(ops, client, period):
    client.force_login(ops)
    response = client.post(
        "/admin/servicing/fundsadjustment/add/",
        {
            "period": period.pk,
            "kind": "adjustment",
            "amount": "-20.00",
            "reason": "Bank fee",
            **{f"{INLINE}-{k}": "0" for k in ("TOTAL_FORMS", "INITIAL_FORMS")},
        },
    )

    assert response.status_code == 302
    adjustment = FundsAdjustment.objects.get()
    assert (adjustment.amount, adjustment.proposed_by, adjustment.state) == (-20, ops, "proposed")
    assert AuditEvent.objects.filter(action="create", content_type__model="fundsadjustment").count() == 1
