"""A deal from SPV to issued notes, through the REST API only."""

import pytest

from core.models import AuditEvent
from tests.factories import make_lei

pytestmark = pytest.mark.django_db


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def test_a_deal_goes_from_spv_to_issued_through_the_api(ops, officer, investor_user, investor,
                                                       other_investor, api):
    as_ops, as_officer, as_investor = api(ops), api(officer), api(investor_user)

    spv = ok(as_ops.post("/api/v1/spvs/", {
        "legal_name": "Lifecycle Compute SPV Ltd", "jurisdiction": "SG", "registration_number": "L-1",
        "lei": make_lei(424242), "trustee": "Trustee Ltd", "administrator": "Admin Ltd",
        "base_currency": "USD"}), 201)
    assert spv["state"] == "forming"
    assert ok(as_ops.post(f"/api/v1/spvs/{spv['id']}/activate/", {}))["state"] == "active"

    deal = ok(as_ops.post("/api/v1/deals/", {
        "spv": spv["id"], "name": "Lifecycle GPU ABS 2026-1", "asset_class": "green_compute_abs",
        "currency": "USD", "target_size": "10000000", "closing_date": "2026-12-31",
        "payment_frequency": "quarterly", "legal_final_maturity": "2031-12-31"}), 201)
    assert (deal["state"], deal["target_size"], deal["currency"], deal["spv_name"]) == (
        "draft", "10000000.00", "USD", "Lifecycle Compute SPV Ltd")
    url = f"/api/v1/deals/{deal['id']}"

    senior = ok(as_ops.post("/api/v1/tranches/", {
        "deal": deal["id"], "class_name": "Class A", "seniority": 1, "original_principal": "7000000",
        "coupon_rate": "0.055", "day_count": "30/360", "minimum_denomination": "100000",
        "token_symbol": "LCA"}), 201)
    junior = ok(as_ops.post("/api/v1/tranches/", {
        "deal": deal["id"], "class_name": "Class B", "seniority": 2, "original_principal": "3000000",
        "coupon_rate": "0.09", "day_count": "30/360", "minimum_denomination": "100000",
        "token_symbol": "LCB"}), 201)
    assert (senior["original_principal"], senior["current_principal"], senior["currency"],
            senior["coupon_rate"], senior["payment_frequency"]) == (
        "7000000.00", "7000000.00", "USD", "0.055000", "quarterly")
    assert (junior["original_principal"], junior["currency"]) == ("3000000.00", "USD")

    assert ok(as_ops.post(f"{url}/start-structuring/", {}))["state"] == "structuring"
    submitted = ok(as_ops.post(f"{url}/submit-for-review/", {}))
    assert (submitted["state"], submitted["submitted_by"]) == ("compliance_review", "ops")

    refused = as_ops.post(f"{url}/approve/", {})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert ok(as_ops.get(f"{url}/"))["state"] == "compliance_review"

    approved = ok(as_officer.post(f"{url}/approve/", {}))
    assert (approved["state"], approved["approved_by"]) == ("approved", "officer")
    assert ok(as_ops.post(f"{url}/open-subscriptions/", {}))["state"] == "open"

    # The investor now sees the deal, and subscribes for the whole senior class.
    assert [d["id"] for d in ok(as_investor.get("/api/v1/deals/"))["results"]] == [deal["id"]]
    mine = ok(as_investor.post("/api/v1/subscriptions/", {
        "tranche": senior["id"], "requested_amount": "7000000"}), 201)
    assert (mine["investor"], mine["requested_amount"], mine["currency"], mine["state"]) == (
        investor.pk, "7000000.00", "USD", "requested")
    theirs = ok(as_ops.post("/api/v1/subscriptions/", {
        "investor": other_investor.pk, "tranche": junior["id"], "requested_amount": "3000000"}), 201)

    for sub in (mine, theirs):
        assert ok(as_ops.post(f"/api/v1/subscriptions/{sub['id']}/accept/", {}))["state"] == "accepted"

    assert ok(as_ops.post(f"{url}/close-book/", {}))["state"] == "closed"
    allocated = ok(as_ops.get(f"/api/v1/subscriptions/{mine['id']}/"))
    assert (allocated["state"], allocated["allocated_amount"], allocated["funded_amount"]) == (
        "allocated", "7000000.00", "0.00")

    partly = ok(as_ops.post(f"/api/v1/subscriptions/{mine['id']}/record-funding/",
                            {"amount": "2000000", "reference": "WIRE-1"}))
    assert (partly["state"], partly["funded_amount"]) == ("allocated", "2000000.00")
    funded = ok(as_ops.post(f"/api/v1/subscriptions/{mine['id']}/record-funding/",
                            {"amount": "5000000.00", "reference": "WIRE-2"}))
    assert (funded["state"], funded["funded_amount"], funded["currency"]) == (
        "funded", "7000000.00", "USD")
    ok(as_ops.post(f"/api/v1/subscriptions/{theirs['id']}/record-funding/",
                   {"amount": "3000000", "reference": "WIRE-3"}))

    # A green-compute ABS is issued only with collateral pledged: a GPU server assigned to the deal.
    assert as_ops.post(f"{url}/issue/", {}).status_code == 409
    site = ok(as_ops.post("/api/v1/sites/", {
        "name": "Lifecycle DC", "location": "1 Data Way", "country": "SG", "grid_region": "SG grid",
        "grid_emission_factor": "402.000", "grid_emission_factor_source": "EMA 2025",
        "grid_emission_factor_year": 2025, "pue": "1.350"}), 201)
    ok(as_ops.post("/api/v1/devices/", {
        "code": "LC-GPU-1", "kind": "gpu_server", "site": site["id"], "model": "HGX H100 8-GPU",
        "serial_number": "LC1", "gpu_count": 8, "tdp_watts": 700, "purchase_date": "2026-01-01",
        "currency": "USD", "purchase_cost": "250000", "useful_life_years": 4, "residual_value": "25000",
        "spv": spv["id"], "deal": deal["id"]}), 201)

    issued = ok(as_ops.post(f"{url}/issue/", {}))
    assert (issued["state"], issued["target_size"], issued["currency"]) == ("issued", "10000000.00", "USD")

    book = ok(as_ops.get("/api/v1/subscriptions/", {"deal": deal["id"]}))["results"]
    assert [(s["id"], s["state"], s["requested_amount"], s["allocated_amount"], s["funded_amount"],
             s["currency"]) for s in book] == [
        (mine["id"], "settled", "7000000.00", "7000000.00", "7000000.00", "USD"),
        (theirs["id"], "settled", "3000000.00", "3000000.00", "3000000.00", "USD"),
    ]
    # The investor sees their settled holding, and only theirs.
    assert [(s["id"], s["state"]) for s in ok(as_investor.get("/api/v1/subscriptions/"))["results"]] == [
        (mine["id"], "settled")]

    trail = ok(as_ops.get("/api/v1/audit-events/", {
        "object_type": "deal", "object_id": deal["id"], "ordering": "id"}))["results"]
    assert [(e["action"], e["name"], e["from_state"], e["to_state"], e["actor"]) for e in trail] == [
        ("create", "", "", "", "ops"),
        ("transition", "start_structuring", "draft", "structuring", "ops"),
        ("transition", "submit_for_review", "structuring", "compliance_review", "ops"),
        ("transition", "approve", "compliance_review", "approved", "officer"),
        ("transition", "open_subscriptions", "approved", "open", "ops"),
        ("transition", "close_book", "open", "closed", "ops"),
        ("transition", "issue", "closed", "issued", "ops"),
    ]
    # A part payment is an update; the payment that completes it is the 'fund' transition itself.
    funding = AuditEvent.objects.filter(content_type__model="subscription", object_id=mine["id"],
                                        name__in=["", "fund"]).exclude(action="create").order_by("id")
    assert [(e.action, e.reason, e.changes) for e in funding] == [
        ("update", "WIRE-1", {"funded_amount": ["0.00", "2000000.00"]}),
        ("transition", "WIRE-2", {"funded_amount": ["2000000.00", "7000000.00"]}),
    ]
