"""The assets REST API: who may do what, uploads, transitions, collateral and aging endpoints."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assets.models import BankStatement, Device, MeterImportBatch, MeterReading
from core import roles
from tests.assets.builders import make_gpu_server, make_lease, make_site
from tests.factories import make_deal, make_spv

pytestmark = pytest.mark.django_db
ENDPOINTS = [
    "sites",
    "devices",
    "appraisals",
    "insurance-policies",
    "investment-models",
    "counterparties",
    "leases",
    "invoices",
    "meter-readings",
    "metering-imports",
    "bank-statements",
    "bank-entries",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_staff_read_investors_do_not(endpoint, ops, officer, trustee, investor_user, api):
    for user in (ops, officer, trustee):
        assert api(user).get(f"/api/v1/{endpoint}/").status_code == 200
    assert api(investor_user).get(f"/api/v1/{endpoint}/").status_code == 403
    assert api(None).get(f"/api/v1/{endpoint}/").status_code == 401


def test_matrix_gives_assets_to_staff_only():
    assert "assets.add_device" in roles.MATRIX[roles.ISSUER_OPERATIONS]
    assert "assets.view_device" in roles.MATRIX[roles.TRUSTEE_AUDITOR]
    assert "assets.view_invoice" in roles.MATRIX[roles.COMPLIANCE_OFFICER]
    assert not [p for p in roles.MATRIX[roles.INVESTOR] if p.startswith("assets.")]
    assert not [
        p
        for p in roles.MATRIX[roles.TRUSTEE_AUDITOR]
        if p.startswith("assets.") and not p.startswith("assets.view_")
    ]


def test_create_a_device_and_walk_its_lifecycle(ops, trustee, api):
    site, spv = make_site(actor=ops), make_spv(actor=ops)
    body = {
        "code": "GPU-API-1",
        "kind": "gpu_server",
        "site": site.pk,
        "model": "HGX B200",
        "serial_number": "SN-API-1",
        "gpu_count": 8,
        "tdp_watts": 1000,
        "purchase_date": "2026-01-01",
        "currency": "USD",
        "purchase_cost": "400000.00",
        "useful_life_years": 5,
        "residual_value": "40000.00",
        "spv": spv.pk,
    }
    assert api(trustee).post("/api/v1/devices/", body, format="json").status_code == 403
    created = api(ops).post("/api/v1/devices/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    for name in ("commission", "activate"):
        assert api(ops).post(f"/api/v1/devices/{pk}/{name}/", {}, format="json").status_code == 200
    refused = api(trustee).post(f"/api/v1/devices/{pk}/start-maintenance/", {"reason": "x"}, format="json")
    assert refused.status_code == 403
    no_reason = api(ops).post(f"/api/v1/devices/{pk}/start-maintenance/", {}, format="json")
    assert no_reason.status_code == 400
    assert Device.objects.get(pk=pk).state == "active"


def test_a_gpu_server_without_gpus_is_refused(ops, api):
    site, spv = make_site(actor=ops), make_spv(actor=ops)
    response = api(ops).post(
        "/api/v1/devices/",
        {
            "code": "GPU-X",
            "kind": "gpu_server",
            "site": site.pk,
            "model": "?",
            "serial_number": "SN-X",
            "purchase_date": "2026-01-01",
            "currency": "USD",
            "purchase_cost": "1.00",
            "useful_life_years": 5,
            "spv": spv.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "device_gpu_server_has_gpus_and_tdp" in str(response.json())
    assert Device.objects.count() == 0


def test_metering_upload_reports_every_bad_row(ops, trustee, api):
    make_gpu_server(actor=ops, code="GPU-U")
    bad = (
        b"device,hour,gpu_hours,energy_wh\nGPU-U,2026-01-01T00:00:00Z,1,100\nNOPE,2026-01-01T00:00:00Z,1,1\n"
        b"GPU-U,2026-01-01T01:00:00Z,-1,1\n"
    )
    response = api(ops).post(
        "/api/v1/metering-imports/upload/", {"file": SimpleUploadedFile("m.csv", bad)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["error"]["reasons"] == [
        "line 3: unknown device 'NOPE'",
        "line 4: negative value: gpu_hours -1",
    ]
    assert MeterReading.objects.count() == 0

    good = b"device,hour,gpu_hours,energy_wh\nGPU-U,2026-01-01T00:00:00Z,1,100\n"
    assert (
        api(trustee)
        .post(
            "/api/v1/metering-imports/upload/",
            {"file": SimpleUploadedFile("m.csv", good)},
            format="multipart",
        )
        .status_code
        == 403
    )
    first = api(ops).post(
        "/api/v1/metering-imports/upload/", {"file": SimpleUploadedFile("m.csv", good)}, format="multipart"
    )
    again = api(ops).post(
        "/api/v1/metering-imports/upload/", {"file": SimpleUploadedFile("m.csv", good)}, format="multipart"
    )
    assert (first.status_code, first.json()["rows_inserted"], first.json()["already_imported"]) == (
        201,
        1,
        False,
    )
    assert (again.status_code, again.json()["id"], again.json()["already_imported"]) == (
        200,
        first.json()["id"],
        True,
    )
    assert MeterImportBatch.objects.count() == 1


def test_bank_statement_upload_and_repeat(ops, api):
    sample = (Path(__file__).parent / "data" / "camt053_sample.xml").read_bytes()
    first = api(ops).post(
        "/api/v1/bank-statements/upload/", {"file": SimpleUploadedFile("s.xml", sample)}, format="multipart"
    )
    assert first.status_code == 201
    assert first.json()[0]["entries_new"] == 4
    again = api(ops).post(
        "/api/v1/bank-statements/upload/", {"file": SimpleUploadedFile("s.xml", sample)}, format="multipart"
    )
    assert again.status_code == 409
    assert "already imported" in again.json()["error"]["message"]
    assert BankStatement.objects.count() == 1


def test_invoice_generate_issue_and_pay_over_the_api(ops, api, business_day):
    business_day(date(2026, 11, 20))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1500.00")
    generated = api(ops).post("/api/v1/invoices/generate/", {"lease": lease.pk, "period_start": "2026-10-01"},
                              format="json")
    assert generated.status_code == 201, generated.json()
    [invoice] = generated.json()
    assert (invoice["lease"], invoice["total"], invoice["state"]) == (lease.pk, "1500.00", "draft")
    assert api(ops).post(f"/api/v1/invoices/{invoice['id']}/issue/", {}, format="json").status_code == 200
    paid = api(ops).post(
        f"/api/v1/invoices/{invoice['id']}/record-payment/", {"amount": "500.00", "value_date": "2026-11-20"},
        format="json"
    )
    assert (paid.json()["state"], paid.json()["outstanding"]) == ("partially_paid", "1000.00")
    assert paid.json()["payments"][0] | {"recorded_at": None} == {
        "value_date": "2026-11-20", "amount": "500.00", "reference": "", "recorded_at": None}
    aging = api(ops).get("/api/v1/invoices/aging/").json()
    assert aging["by_currency"][0]["current"] == "1000.00"


def test_generate_every_period_that_has_ended(ops, trustee, api, business_day):
    business_day(date(2026, 4, 1))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1500.00")
    assert api(trustee).post("/api/v1/invoices/generate/", {}, format="json").status_code == 403
    assert api(ops).post("/api/v1/invoices/generate/", {"period_start": "2026-01-01"},
                         format="json").status_code == 400

    generated = api(ops).post("/api/v1/invoices/generate/", {}, format="json")

    assert generated.status_code == 201, generated.json()
    assert [(i["lease"], i["period_start"], i["period_end"]) for i in generated.json()] == [
        (lease.pk, "2026-01-01", "2026-01-31"), (lease.pk, "2026-02-01", "2026-02-28"),
        (lease.pk, "2026-03-01", "2026-03-31")]
    assert api(ops).post("/api/v1/invoices/generate/", {}, format="json").json() == []


def test_a_lease_names_its_devices_and_the_days_it_holds_them(ops, api):
    gpu = make_gpu_server(actor=ops)
    lease = make_lease(actor=ops, devices=[gpu], activate=False)
    body = api(ops).get(f"/api/v1/leases/{lease.pk}/").json()
    assert (body["devices"], body["device_terms"]) == (
        [gpu.pk], [{"device": gpu.pk, "starts_on": "2026-01-01", "ends_on": "2027-12-31", "held": False}])

    changed = api(ops).patch(f"/api/v1/leases/{lease.pk}/", {"end_date": "2026-12-31"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["device_terms"][0]["ends_on"] == "2026-12-31"


def test_collateral_endpoint(ops, trustee, investor_user, api):
    deal = make_deal(actor=ops)
    make_gpu_server(actor=ops, deal=deal, cost="100000.00", residual="0.00")
    response = api(trustee).get(f"/api/v1/collateral/{deal.pk}/", {"as_of": "2026-01-01"})
    assert response.status_code == 200
    assert (response.json()["device_count"], response.json()["totals"][0]["book_value"]) == (1, "100000.00")
    assert api(investor_user).get(f"/api/v1/collateral/{deal.pk}/").status_code == 403


def test_collateral_without_a_date_is_as_of_today(ops, trustee, api):
    from core import clock

    deal = make_deal(actor=ops)
    make_gpu_server(actor=ops, deal=deal, cost="100000.00", residual="0.00")

    response = api(trustee).get(f"/api/v1/collateral/{deal.pk}/")

    assert response.status_code == 200
    assert (response.json()["as_of"], response.json()["device_count"]) == (clock.today().isoformat(), 1)


def test_list_endpoints_do_not_grow_queries_with_rows(ops, api, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(ops)

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    make_lease(actor=ops, devices=[make_gpu_server(actor=ops)])
    few = {path: count(path) for path in ("/api/v1/devices/", "/api/v1/leases/", "/api/v1/invoices/")}
    for _ in range(4):
        make_lease(actor=ops, devices=[make_gpu_server(actor=ops)])
    assert {path: count(path) for path in few} == few
