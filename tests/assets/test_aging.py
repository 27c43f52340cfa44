"""Aging buckets a trustee reads: current (< 30 days past due), 30, 60, 90+."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assets.selectors import aging
from assets.services import leasing
from tests.assets.builders import make_counterparty, make_gpu_server, make_lease

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 22)


def test_buckets_by_days_past_due(ops):
    alpha = make_counterparty(actor=ops, name="Alpha AI Ltd")
    gpu = make_gpu_server(actor=ops)
    lease = make_lease(
        actor=ops, devices=[gpu], lessee=alpha, minimum="1000.00", terms=30, start=date(2025, 1, 1)
    )
    # (billing month, days past due on AS_OF, paid): minimum-only invoices of 1,000.00
    cases = [
        (date(2026, 1, 1), -5, "0"),
        (date(2026, 2, 1), 29, "0"),
        (date(2026, 3, 1), 30, "400.00"),
        (date(2026, 4, 1), 59, "0"),
        (date(2026, 5, 1), 60, "0"),
        (date(2026, 6, 1), 89, "0"),
        (date(2026, 7, 1), 90, "0"),
        (date(2026, 8, 1), 400, "0"),
        (date(2026, 9, 1), 45, "1000.00"),
    ]
    for month, days, paid in cases:
        invoice = leasing.invoice_generate(lease=lease, period_start=month, actor=ops)
        invoice = leasing.invoice_issue(
            invoice=invoice, actor=ops, issue_date=AS_OF - timedelta(days=days + 30)
        )
        if Decimal(paid):
            leasing.invoice_record_payment(invoice=invoice, amount=Decimal(paid), actor=ops)

    report = aging(as_of=AS_OF)

    assert report["by_currency"] == [
        {
            "currency": "USD",
            "current": "2000.00",
            "30": "1600.00",
            "60": "2000.00",
            "90+": "2000.00",
            "total": "7600.00",
            "counts": {"current": 2, "30": 2, "60": 2, "90+": 2},
        }
    ]
    assert report["by_lessee"] == [
        {
            "currency": "USD",
            "lessee": "Alpha AI Ltd",
            "current": "2000.00",
            "30": "1600.00",
            "60": "2000.00",
            "90+": "2000.00",
            "total": "7600.00",
        }
    ]


def test_credit_notes_and_written_off_invoices_are_not_receivables(ops):
    lease = make_lease(
        actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1000.00", start=date(2025, 1, 1)
    )
    a = leasing.invoice_issue(
        invoice=leasing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=ops),
        actor=ops,
        issue_date=date(2026, 2, 1),
    )
    leasing.credit_note_issue(invoice=a, amount=Decimal("100.00"), reason="goodwill", actor=ops)
    b = leasing.invoice_issue(
        invoice=leasing.invoice_generate(lease=lease, period_start=date(2026, 2, 1), actor=ops),
        actor=ops,
        issue_date=date(2026, 3, 1),
    )
    leasing.invoices_mark_overdue(as_of=AS_OF, actor=ops)
    leasing.invoice_transition(invoice=b, name="write_off", actor=ops, reason="uncollectable")

    report = aging(as_of=AS_OF)

    assert report["by_currency"][0]["90+"] == "900.00"
    assert report["by_currency"][0]["total"] == "900.00"
