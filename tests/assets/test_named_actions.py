"""Each invoice and lease action is its own service; the ``*_transition`` functions are only the
name -> action tables that the API and the admin dispatch through."""

from datetime import date
from decimal import Decimal

import pytest

from assets.models import Invoice, Lease
from assets.services import invoicing, leasing
from core.models import AuditEvent
from core.transitions import transition_names
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db


def test_every_transition_offered_has_its_own_named_action():
    assert invoicing.INVOICE_ACTIONS == {
        "issue": invoicing.invoice_issue,
        "mark_overdue": invoicing.invoice_mark_overdue,
        "write_off": invoicing.invoice_write_off,
    }
    assert set(invoicing.INVOICE_ACTIONS) == set(transition_names(Invoice))
    assert leasing.LEASE_ACTIONS == {
        "activate": leasing.lease_activate,
        "suspend": leasing.lease_suspend,
        "resume": leasing.lease_resume,
        "terminate": leasing.lease_terminate,
        "expire": leasing.lease_expire,
    }
    assert set(leasing.LEASE_ACTIONS) == set(transition_names(Lease))


def test_the_table_dispatches_to_the_action(ops, business_day, monkeypatch):
    calls = []
    monkeypatch.setitem(invoicing.INVOICE_ACTIONS, "write_off",
                        lambda **kwargs: calls.append(kwargs) or kwargs["invoice"])

    invoicing.invoice_transition(invoice="an invoice", name="write_off", actor=ops, reason="why")

    assert calls == [{"invoice": "an invoice", "actor": ops, "reason": "why"}]


def test_write_off_records_its_day(ops, business_day):
    business_day(date(2026, 6, 1))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="10.00",
                       start=date(2026, 1, 1))
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=ops)
    invoice = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 2, 1))
    invoice = invoicing.invoice_mark_overdue(invoice=invoice, actor=ops)

    invoice = invoicing.invoice_write_off(invoice=invoice, actor=ops, reason="lessee insolvent")

    assert (invoice.state, invoice.written_off_on, invoice.total) == ("written_off", date(2026, 6, 1),
                                                                      Decimal("10.00"))
    trail = AuditEvent.objects.filter(content_type__model="invoice", object_id=invoice.pk,
                                      action="transition")
    assert list(trail.order_by("id").values_list("name", "reason")) == [
        ("issue", ""), ("mark_overdue", ""), ("write_off", "lessee insolvent")]
