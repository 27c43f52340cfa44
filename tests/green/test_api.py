"""The green API: record a block, retire part of it, read its history and the inventory."""

import pytest

from core.models import AuditEvent
from green.models import CertificateBlock, Retirement
from tests.factories import make_spv
from tests.green.builders import SERIALS, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def block_id(api, ops):
    spv = make_spv(actor=ops)
    answer = api(ops).post(
        "/api/v1/green/blocks/",
        {"registry": registry("I-REC").pk, "serial": SERIALS["I-REC"], "spv": spv.pk},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["quantity"], answer.json()["vintage_start"]) == (120, "2026-03-01")
    return answer.json()["id"]


def test_retire_part_then_read_history_and_inventory(api, ops, block_id):
    answer = api(ops).post(
        f"/api/v1/green/blocks/{block_id}/retire/",
        {
            "quantity": 20,
            "first": 101,
            "beneficiary": "Kestrel Robotics AI",
            "purpose": "GPU-hours Q1 2026",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["state"] == "split"
    piece = CertificateBlock.objects.get(parent_id=block_id, first_serial=101)
    history = api(ops).get(f"/api/v1/green/blocks/{piece.pk}/history/").json()
    assert [(e["block"], e["action"], e["name"]) for e in history] == [
        (block_id, "create", ""),
        (block_id, "transition", "split"),
        (piece.pk, "create", ""),
        (piece.pk, "transition", "retire"),
    ]
    inventory = api(ops).get("/api/v1/green/blocks/inventory/").json()
    assert [(r["registry"], r["vintage"], r["state"], r["blocks"], r["quantity"]) for r in inventory] == [
        ("I-REC", 2026, "held", 1, 100),
        ("I-REC", 2026, "retired", 1, 20),
    ]
    listed = api(ops).get("/api/v1/green/retirements/").json()["results"]
    assert [(r["block"], r["beneficiary"]) for r in listed] == [(piece.pk, "Kestrel Robotics AI")]


def test_malformed_serial_is_a_400_naming_the_part(api, ops):
    spv = make_spv(actor=ops)
    answer = api(ops).post(
        "/api/v1/green/blocks/",
        {"registry": registry("GS").pk, "spv": spv.pk, "serial": "GS1-1-IN-GS2446-12-16-5432-1-1000"},
        format="json",
    )
    assert answer.status_code == 400
    assert "part 'vintage' ('16') is not a year (YYYY)" in str(answer.json())
    assert CertificateBlock.objects.count() == 0


def test_the_trustee_reads_but_may_not_retire_and_the_investor_sees_nothing(
    api, ops, trustee, investor_user, block_id
):
    events = AuditEvent.objects.count()
    answer = api(trustee).post(
        f"/api/v1/green/blocks/{block_id}/retire/",
        {
            "quantity": 1,
            "beneficiary": "X",
            "purpose": "Y",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
        },
        format="json",
    )
    assert answer.status_code == 403
    assert (Retirement.objects.count(), AuditEvent.objects.count()) == (0, events)
    assert api(trustee).get(f"/api/v1/green/blocks/{block_id}/").status_code == 200
    assert api(investor_user).get("/api/v1/green/blocks/").status_code == 403
