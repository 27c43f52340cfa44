"""The OpenAPI schema is served, describes the transition actions, and validates without warnings."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_is_served_as_openapi_3(api, ops):
    response = api(ops).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].split(".")[0] == "3"
    assert schema["info"]["title"] == "Green-compute ABS back office API"
    paths = schema["paths"]
    assert sorted(paths["/api/v1/deals/"]) == ["get", "post"]
    assert sorted(paths["/api/v1/deals/{id}/"]) == ["get", "patch", "put"]
    approve = paths["/api/v1/deals/{id}/approve/"]["post"]
    assert approve["summary"] == "Approve"
    assert approve["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TransitionRequestRequest"}
    assert [(p["name"], p["in"]) for p in approve["parameters"] if p["in"] == "header"] == [
        ("Idempotency-Key", "header")]
    cancel = paths["/api/v1/deals/{id}/cancel/"]["post"]
    assert cancel["summary"] == "Cancel (a reason is required)"
    assert "post" in paths["/api/v1/subscriptions/{id}/record-funding/"]


def test_the_kyc_case_actions_document_their_body_summary_and_key(api, ops):
    paths = api(ops).get("/api/schema/", {"format": "json"}).json()["paths"]

    for path, summary in (("approve", "Approve"), ("reject", "Reject (a reason is required)"),
                          ("request-information", "Request information (a reason is required)")):
        operation = paths[f"/api/v1/kyc-cases/{{id}}/{path}/"]["post"]
        assert operation["summary"] == summary
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/KycTransitionRequest"}
        assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]


def test_an_investor_may_leave_out_the_investor_of_a_subscription(api, ops):
    schema = api(ops).get("/api/schema/", {"format": "json"}).json()

    request = schema["components"]["schemas"]["SubscriptionRequest"]
    assert sorted(request["required"]) == ["requested_amount", "tranche"]
    assert "investor" in request["properties"]


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    assert "/api/v1/deals/{id}/submit-for-review/" in schema["paths"]


def test_operations_are_grouped_by_business_area(api, ops):
    schema = api(ops).get("/api/schema/", {"format": "json"}).json()

    tags = {
        path: {op["tags"][0] for op in operations.values() if isinstance(op, dict) and "tags" in op}
        for path, operations in schema["paths"].items()
    }
    assert tags["/api/v1/deals/"] == {"Issuance"}
    assert tags["/api/v1/kyc-cases/"] == {"Compliance"}
    assert tags["/api/v1/screening/hits/"] == {"Screening"}
    assert tags["/api/v1/invoices/"] == {"Collateral and cash flows"}
    assert tags["/api/v1/audit-events/"] == {"Audit trail"}
    assert tags["/api/v1/fx-rates/"] == {"FX rates"}
    used = set().union(*tags.values())
    declared = {tag["name"] for tag in schema["tags"]}
    assert used == declared
    assert len(used) >= 6
