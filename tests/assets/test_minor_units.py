"""Invoices, payments, the API and the admin use the currency's ISO 4217 minor unit: whole yen,
fils for the Kuwaiti dinar."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from assets import invoice_math
from assets.models import Invoice, InvoiceLine
from assets.services import invoicing, leasing
from assets.services.metering import import_metering, metering_csv
from core.errors import InvalidInput
from core.models import AuditEvent
from tests.assets.builders import make_counterparty, make_gpu_server

pytestmark = pytest.mark.django_db


def test_usage_in_yen_is_rounded_to_the_yen():
    # 3 x 111.5 = 334.5 yen: half-even to 334 (not 334.50)
    [line] = invoice_math.usage_lines(gpu_hours=3, price_per_gpu_hour=Decimal("111.500000"),
                                      monthly_minimum=Decimal("0"), months=1, days=30, scheduled_days=30,
                                      currency="JPY", quantum=Decimal("1"))
    assert str(line.amount) == "334"


def test_a_kwd_usage_line_is_in_fils():
    lines = invoice_math.usage_lines(gpu_hours=3, price_per_gpu_hour=Decimal("1.250500"),
                                     monthly_minimum=Decimal("5.000"), months=1, days=30, scheduled_days=30,
                                     currency="KWD", quantum=Decimal("0.001"))
    # 3 x 1.2505 = 3.7515 -> 3.752 (half-even); true-up 5.000 - 3.752 = 1.248
    assert [(line.kind, str(line.amount)) for line in lines] == [("usage", "3.752"),
                                                                 ("minimum_true_up", "1.248")]


def _invoice(ops, business_day, *, currency: str, price: str, minimum: str = "0") -> Invoice:
    """A lease in ``currency`` metered 800 GPU-hours in November 2026, its November invoice drafted."""
    business_day(date(2026, 12, 5))
    gpu = make_gpu_server(actor=ops, code=f"GPU-{currency}", currency=currency, cost="250000",
                          residual="25000")
    start = datetime(2026, 11, 2, tzinfo=UTC)
    rows = [(gpu.code, (start + timedelta(hours=h)).isoformat(), 8, 5000) for h in range(100)]
    import_metering(source=metering_csv(rows), actor=ops, now=datetime(2026, 12, 1, tzinfo=UTC))
    lease = leasing.lease_create(
        actor=ops, reference=f"L-{currency}", lessee=make_counterparty(actor=ops), spv=gpu.spv, devices=[gpu],
        gpu_count=8, currency=currency, price_per_gpu_hour=Decimal(price),
        minimum_monthly_commitment=Decimal(minimum), start_date=date(2026, 11, 1),
        end_date=date(2027, 10, 31))
    lease = leasing.lease_activate(lease=lease, actor=ops)
    return invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)


def test_a_yen_lease_is_invoiced_in_whole_yen(ops, business_day):
    invoice = _invoice(ops, business_day, currency="JPY", price="0.416875", minimum="1000")

    # 800 GPU-hours x 0.416875 = 333.5 yen -> 334 (half-even); the minimum tops it up to 1,000
    assert list(invoice.lines.values_list("kind", "amount")) == [
        ("usage", Decimal("334")), ("minimum_true_up", Decimal("666"))]
    assert invoice.total == Decimal("1000")


def test_the_api_shows_a_yen_invoice_without_decimals(ops, business_day, api):
    invoice = _invoice(ops, business_day, currency="JPY", price="0.416875")

    body = api(ops).get(f"/api/v1/invoices/{invoice.pk}/").json()

    assert (body["total"], body["amount_paid"], body["outstanding"], body["lines"][0]["amount"]) == (
        "334", "0", "334", "334")


def test_a_yen_payment_with_decimals_is_refused_and_nothing_changes(ops, business_day):
    invoice = _invoice(ops, business_day, currency="JPY", price="0.416875")
    invoice = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 12, 1))
    events, rows = AuditEvent.objects.count(), (Invoice.objects.count(), InvoiceLine.objects.count())

    with pytest.raises(InvalidInput) as refused:
        invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("333.50"), actor=ops)
    assert (refused.value.field, refused.value.message) == (
        "amount", "amount 333.50 JPY has more decimals than JPY allows (no decimals).")
    with pytest.raises(InvalidInput, match="more decimals than JPY allows"):
        invoicing.credit_note_issue(invoice=invoice, amount=Decimal("0.5"), reason="rounding", actor=ops)

    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid, invoice.amount_credited) == ("issued", 0, 0)
    assert AuditEvent.objects.count() == events
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == rows


def test_a_kwd_payment_in_fils_through_the_api(ops, business_day, api):
    invoice = _invoice(ops, business_day, currency="KWD", price="0.312500")  # 800 x 0.3125 = 250.000
    invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 12, 1))

    response = api(ops).post(f"/api/v1/invoices/{invoice.pk}/record-payment/", {"amount": "1.250"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total"], body["amount_paid"], body["outstanding"], body["state"]) == (
        "250.000", "1.250", "248.750", "partially_paid")


def test_the_admin_shows_amounts_with_their_currency_decimals(ops, business_day, client):
    yen = _invoice(ops, business_day, currency="JPY", price="0.416875")
    client.force_login(ops)

    listing = client.get("/admin/assets/invoice/").content.decode()
    page = client.get(f"/admin/assets/invoice/{yen.pk}/change/").content.decode()
    device = client.get(f"/admin/assets/device/{yen.lease.devices.get().pk}/change/").content.decode()

    assert "334 JPY" in listing
    assert "334 JPY" in page and "334.0000" not in page and "334,0000" not in page
    assert 'value="250000"' in device  # the purchase cost input starts in whole yen
