"""Metering that arrives after invoicing is billed: a supplementary invoice (usage up) or a credit
note (usage down) for the difference, each with its own audit trail."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from assets import tasks
from assets.models import Invoice, MeterReading
from assets.services import invoicing
from assets.services.late_usage import invoice_true_up_late_usage
from assets.services.metering import import_metering, metering_csv
from core.errors import NotPermitted, Refused
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db
NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def hours(first: int, count: int, code: str = "GPU-LATE"):
    return [(code, NOVEMBER + timedelta(hours=h), 8, 5000) for h in range(first, first + count)]


def lines_of(invoice) -> list[tuple]:
    return list(invoice.lines.values_list("position", "kind", "quantity", "unit_price", "amount"))


def audit_of(invoice) -> list[tuple]:
    return list(AuditEvent.objects.filter(content_type__model="invoice", object_id=invoice.pk)
                .order_by("id").values_list("action", "name", "to_state"))


@pytest.fixture
def lease(ops, business_day):
    business_day(date(2026, 12, 5))
    gpu = make_gpu_server(actor=ops, code="GPU-LATE", gpus=8, tdp=700)
    import_metering(source=metering_csv(hours(0, 100)), actor=ops, now=NOW)  # 800 GPU-hours
    return make_lease(actor=ops, devices=[gpu], price="2.500000", start=date(2026, 11, 1))


@pytest.fixture
def issued(ops, lease):
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    return invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 12, 1))


def test_200_late_rows_are_billed_on_a_supplementary_invoice(ops, issued):
    assert issued.total == Decimal("2000.00")
    import_metering(source=metering_csv(hours(100, 200)), actor=ops, now=NOW)  # 1,600 more GPU-hours

    extra = invoice_true_up_late_usage(invoice=issued, actor=ops)

    assert (extra.number, extra.kind, extra.credited_invoice_id, extra.period_start, extra.period_end) == (
        f"SUP-{issued.number}-1", "supplementary", issued.pk, date(2026, 11, 1), date(2026, 11, 30))
    assert (extra.total, extra.state, extra.issue_date, extra.due_date) == (
        Decimal("4000.00"), "issued", date(2026, 12, 5), date(2027, 1, 4))
    assert lines_of(extra) == [(1, "usage", Decimal("1600.000000"), Decimal("2.500000"), Decimal("4000.00"))]
    assert audit_of(extra) == [("create", "", ""), ("transition", "issue", "issued")]
    issued.refresh_from_db()
    assert (issued.total, issued.state) == (Decimal("2000.00"), "issued")  # the original is untouched

    with pytest.raises(Refused, match="nothing to adjust"):
        invoice_true_up_late_usage(invoice=issued, actor=ops)
    assert Invoice.objects.filter(kind="supplementary").count() == 1


def test_late_usage_first_absorbs_the_minimum_true_up(ops, business_day):
    business_day(date(2026, 12, 5))
    gpu = make_gpu_server(actor=ops, code="GPU-LATE", gpus=8, tdp=700)
    import_metering(source=metering_csv(hours(0, 100)), actor=ops, now=NOW)
    lease = make_lease(actor=ops, devices=[gpu], price="2.500000", minimum="3000.00", start=date(2026, 11, 1))
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    invoice = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 12, 1))
    assert invoice.total == Decimal("3000.00")  # 2,000.00 usage + 1,000.00 true-up
    import_metering(source=metering_csv(hours(100, 200)), actor=ops, now=NOW)

    extra = invoice_true_up_late_usage(invoice=invoice, actor=ops)

    assert extra.total == Decimal("3000.00")  # the period is now worth 6,000.00
    assert lines_of(extra) == [
        (1, "usage", Decimal("1600.000000"), Decimal("2.500000"), Decimal("4000.00")),
        (2, "minimum_true_up", Decimal("1.000000"), Decimal("-1000.000000"), Decimal("-1000.00")),
    ]


def test_usage_that_went_down_gives_a_credit_note(ops, issued):
    # A corrected meter: hours 50 to 99 delivered nothing after all.
    MeterReading.objects.filter(hour__gte=NOVEMBER + timedelta(hours=50)).update(gpu_hours=0)

    note = invoice_true_up_late_usage(invoice=issued, actor=ops)

    assert (note.number, note.kind, note.total, note.state, note.credited_invoice_id) == (
        f"CN-{issued.number}-1", "credit_note", Decimal("-1000.00"), "issued", issued.pk)
    assert lines_of(note) == [(1, "usage", Decimal("-400.000000"), Decimal("2.500000"), Decimal("-1000.00"))]
    issued.refresh_from_db()
    assert (issued.amount_credited, issued.outstanding) == (Decimal("1000.00"), Decimal("1000.00"))


def test_a_draft_is_recomputed_in_place(ops, lease):
    draft = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    import_metering(source=metering_csv(hours(100, 200)), actor=ops, now=NOW)

    same = invoice_true_up_late_usage(invoice=draft, actor=ops)

    assert (same.pk, same.total, same.state) == (draft.pk, Decimal("6000.00"), "draft")
    assert lines_of(same) == [(1, "usage", Decimal("2400.000000"), Decimal("2.500000"), Decimal("6000.00"))]
    assert AuditEvent.objects.filter(content_type__model="invoice", object_id=draft.pk,
                                     action="update").get().changes == {"total": ["2000.00", "6000.00"]}
    assert Invoice.objects.count() == 1


def test_an_import_queues_the_true_up_and_the_task_bills_it(ops, issued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        batch = import_metering(source=metering_csv(hours(100, 200)), actor=ops, now=NOW).batch
    assert len(queued) == 1

    assert tasks.true_up_late_usage(batch.pk) == 1
    assert Invoice.objects.get(kind="supplementary").total == Decimal("4000.00")
    assert tasks.true_up_late_usage(batch.pk) == 0  # idempotent
    assert Invoice.objects.filter(kind="supplementary").count() == 1


def test_an_import_after_the_periods_queues_nothing(ops, issued, django_capture_on_commit_callbacks):
    december = [("GPU-LATE", datetime(2026, 12, 1, h, tzinfo=UTC), 8, 5000) for h in range(3)]
    with django_capture_on_commit_callbacks() as queued:
        import_metering(source=metering_csv(december), actor=ops, now=NOW)
    assert queued == []


def test_over_the_api_and_only_for_those_who_issue_invoices(ops, trustee, issued, api):
    import_metering(source=metering_csv(hours(100, 200)), actor=ops, now=NOW)

    refused = api(trustee).post(f"/api/v1/invoices/{issued.pk}/true-up/", {}, format="json")
    assert refused.status_code == 403
    assert Invoice.objects.count() == 1
    response = api(ops).post(f"/api/v1/invoices/{issued.pk}/true-up/", {}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["total"]) == ("supplementary", "4000.00")
    again = api(ops).post(f"/api/v1/invoices/{issued.pk}/true-up/", {}, format="json")
    assert again.status_code == 409


def test_from_the_admin_invoice_list(ops, issued, client):
    import_metering(source=metering_csv(hours(100, 200)), actor=ops, now=NOW)
    client.force_login(ops)

    response = client.post("/admin/assets/invoice/", {"action": "true_up_late_usage",
                                                       "_selected_action": [issued.pk]}, follow=True)

    assert response.status_code == 200
    assert f"SUP-{issued.number}-1" in response.content.decode()
    assert Invoice.objects.get(kind="supplementary").total == Decimal("4000.00")


def test_a_trustee_may_not_true_up(trustee, issued):
    with pytest.raises(NotPermitted):
        invoice_true_up_late_usage(invoice=issued, actor=trustee)
    assert Invoice.objects.count() == 1
