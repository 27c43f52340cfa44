"""Services that write check their actor (core.authz): a trustee is refused and nothing changes;
scheduled system steps (actor=None) may generate invoices, charge late fees and import metering."""

from datetime import date
from decimal import Decimal

import pytest

from assets.models import Invoice, MeterImportBatch, MeterReading
from assets.services import invoicing
from assets.services.metering import import_metering, metering_csv
from core.errors import NotPermitted
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db


@pytest.fixture
def lease(ops, business_day):
    business_day(date(2026, 3, 1))
    return make_lease(actor=ops, devices=[make_gpu_server(actor=ops, code="GPU-AUTH")], minimum="500.00",
                      start=date(2026, 1, 1))


def counts():
    return (Invoice.objects.count(), MeterImportBatch.objects.count(), MeterReading.objects.count(),
            AuditEvent.objects.count())


def test_a_trustee_may_not_generate_invoices(trustee, lease):
    before = counts()
    with pytest.raises(NotPermitted, match="may not generate invoices"):
        invoicing.invoices_generate(actor=trustee)
    with pytest.raises(NotPermitted):
        invoicing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=trustee)
    assert counts() == before


def test_the_schedule_generates_invoices(lease):
    invoices = invoicing.invoices_generate(actor=None)

    assert [(i.period_start, i.total, i.created_by) for i in invoices] == [
        (date(2026, 1, 1), Decimal("500.00"), None), (date(2026, 2, 1), Decimal("500.00"), None)]


def test_a_trustee_may_not_issue_a_credit_note_nor_may_the_schedule(ops, trustee, lease):
    invoice = invoicing.invoice_issue(
        invoice=invoicing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=ops),
        actor=ops, issue_date=date(2026, 2, 1))
    before = counts()
    for actor in (trustee, None):
        with pytest.raises(NotPermitted, match="may not issue credit notes"):
            invoicing.credit_note_issue(invoice=invoice, amount=Decimal("1.00"), reason="x", actor=actor)
    invoice.refresh_from_db()
    assert (counts(), invoice.amount_credited) == (before, Decimal("0.00"))


def test_a_trustee_may_not_import_metering_and_the_command_may(trustee, lease):
    rows = [("GPU-AUTH", "2026-01-01T00:00:00Z", 8, 5000)]
    before = counts()
    with pytest.raises(NotPermitted, match="may not import metering"):
        import_metering(source=metering_csv(rows), actor=trustee)
    assert counts() == before

    assert import_metering(source=metering_csv(rows), actor=None).batch.rows_inserted == 1
