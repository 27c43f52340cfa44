"""Aging buckets a trustee reads: current (< 30 days past due), 30, 60, 90+, as of any past day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assets.selectors import aging
from assets.services import invoicing
from core.errors import InvalidInput
from tests.assets.builders import make_counterparty, make_gpu_server, make_lease

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _today(business_day):
    business_day(date(2026, 12, 31))


def issue(lease, month: date, issue_date: date, ops):
    invoice = invoicing.invoice_generate(lease=lease, period_start=month, actor=ops)
    return invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=issue_date)


def test_buckets_by_days_past_due(ops):
    alpha = make_counterparty(actor=ops, name="Alpha AI Ltd")
    gpu = make_gpu_server(actor=ops)
    lease = make_lease(
        actor=ops, devices=[gpu], lessee=alpha, minimum="1000.00", terms=30, start=date(2024, 1, 1)
    )
    # (days past due on AS_OF, paid before AS_OF): minimum-only invoices of 1,000.00
    cases = [(-5, "0"), (29, "0"), (30, "400.00"), (59, "0"), (60, "0"), (89, "0"), (90, "0"), (400, "0"),
             (45, "1000.00")]
    for n, (days, paid) in enumerate(cases):
        invoice = issue(lease, date(2024, 1 + n, 1), AS_OF - timedelta(days=days + 30), ops)
        if Decimal(paid):
            invoicing.invoice_record_payment(invoice=invoice, amount=Decimal(paid), actor=ops,
                                             value_date=AS_OF - timedelta(days=1))

    report = aging(as_of=AS_OF)

    assert report["by_currency"] == [
        {
            "currency": "USD",
            "current": Decimal("2000.00"),
            "30": Decimal("1600.00"),
            "60": Decimal("2000.00"),
            "90+": Decimal("2000.00"),
            "total": Decimal("7600.00"),
            "counts": {"current": 2, "30": 2, "60": 2, "90+": 2},
        }
    ]
    assert report["by_lessee"] == [
        {
            "currency": "USD",
            "lessee": "Alpha AI Ltd",
            "current": Decimal("2000.00"),
            "30": Decimal("1600.00"),
            "60": Decimal("2000.00"),
            "90+": Decimal("2000.00"),
            "total": Decimal("7600.00"),
        }
    ]


def test_credit_notes_and_written_off_invoices_are_not_receivables(ops, business_day):
    business_day(AS_OF)
    lease = make_lease(
        actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1000.00", start=date(2025, 1, 1)
    )
    a = issue(lease, date(2026, 1, 1), date(2026, 2, 1), ops)
    invoicing.credit_note_issue(invoice=a, amount=Decimal("100.00"), reason="goodwill", actor=ops,
                                issue_date=date(2026, 2, 10))
    b = issue(lease, date(2026, 2, 1), date(2026, 3, 1), ops)
    invoicing.invoices_mark_overdue(as_of=AS_OF, actor=ops)
    invoicing.invoice_write_off(invoice=b, actor=ops, reason="uncollectable")

    report = aging(as_of=AS_OF)

    assert report["by_currency"][0]["90+"] == Decimal("900.00")
    assert report["by_currency"][0]["total"] == Decimal("900.00")


def test_a_past_day_sees_the_receivables_of_that_day(ops, business_day):
    """Only invoices issued on or before as_of, payments valued and credits issued on or before it,
    and write-offs made on or before it count."""
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1000.00",
                       start=date(2026, 1, 1))
    jan = issue(lease, date(2026, 1, 1), date(2026, 2, 1), ops)  # due 3 March
    for amount, value_date in (("400.00", date(2026, 3, 10)), ("600.00", date(2026, 4, 20))):
        invoicing.invoice_record_payment(invoice=jan, amount=Decimal(amount), actor=ops,
                                         value_date=value_date)
    feb = issue(lease, date(2026, 2, 1), date(2026, 3, 1), ops)  # due 31 March
    invoicing.credit_note_issue(invoice=feb, amount=Decimal("100.00"), reason="SLA", actor=ops,
                                issue_date=date(2026, 4, 10))
    business_day(date(2026, 4, 15))
    invoicing.invoice_mark_overdue(invoice=feb, actor=ops)
    invoicing.invoice_write_off(invoice=feb, actor=ops, reason="lessee insolvent")  # on 15 April
    business_day(date(2026, 12, 31))
    issue(lease, date(2026, 3, 1), date(2026, 4, 5), ops)  # issued after 1 April

    on_1_april = aging(as_of=date(2026, 4, 1))
    on_20_april = aging(as_of=date(2026, 4, 20))
    today = aging(as_of=date(2026, 12, 31))

    # 1 April: January 600.00 left (29 days past due), February 1,000.00 (1 day); March not issued yet
    assert on_1_april["by_currency"] == [{"currency": "USD", "current": Decimal("1600.00"),
                                         "30": Decimal("0"), "60": Decimal("0"), "90+": Decimal("0"),
                                         "total": Decimal("1600.00"),
                                         "counts": {"current": 2, "30": 0, "60": 0, "90+": 0}}]
    # 20 April: January paid that day, February written off on the 15th, March issued on the 5th
    assert on_20_april["by_currency"][0]["total"] == Decimal("1000.00")
    assert on_20_april["by_currency"][0]["counts"] == {"current": 1, "30": 0, "60": 0, "90+": 0}
    assert today["by_currency"][0]["90+"] == Decimal("1000.00")


def test_an_as_of_in_the_future_is_refused_over_the_api(ops, api):
    response = api(ops).get("/api/v1/invoices/aging/", {"as_of": "2027-01-01"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"as_of": ["as_of 2027-01-01 is in the future; today is "
                                                            "2026-12-31."]}
    with pytest.raises(InvalidInput):
        aging(as_of=date(2027, 1, 1))


def test_the_api_shows_aging_amounts_with_the_currency_decimals(ops, api, business_day):
    business_day(date(2026, 12, 31))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="1000.00",
                       start=date(2026, 1, 1))
    issue(lease, date(2026, 1, 1), date(2026, 2, 5), ops)

    body = api(ops).get("/api/v1/invoices/aging/", {"as_of": "2026-03-01"}).json()

    assert body["by_currency"] == [{"currency": "USD", "current": "1000.00", "30": "0.00", "60": "0.00",
                                    "90+": "0.00", "total": "1000.00",
                                    "counts": {"current": 1, "30": 0, "60": 0, "90+": 0}}]
