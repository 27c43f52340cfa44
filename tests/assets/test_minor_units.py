"""Invoices, payments and the admin use the currency's ISO 4217 minor unit: whole yen, fils."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from assets import invoice_math
from assets.models import Invoice, InvoiceLine
from assets.services import leasing
from assets.services.metering import import_metering, metering_csv
from core.errors import InvalidInput
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease


def test_a_yen_usage_line_is_whole_yen():
    # 800 GPU-hours x 0.416875 JPY = 333.5 JPY -> 334 (half-even: 333 is odd), never 333.50
    lines = invoice_math.usage_lines(gpu_hours=800, price_per_gpu_hour=Decimal("0.416875"),
                                     monthly_minimum=Decimal("0"), months=1, currency="JPY")
    assert [str(line.amount) for line in lines] == ["334"]


def test_a_kwd_usage_line_is_in_fils():
    lines = invoice_math.usage_lines(gpu_hours=3, price_per_gpu_hour=Decimal("1.250500"),
                                     monthly_minimum=Decimal("5.000"), months=1, currency="KWD")
    # 3 x 1.2505 = 3.7515 -> 3.752 (half-even); true-up 5.000 - 3.752 = 1.248
    assert [(line.kind, str(line.amount)) for line in lines] == [("usage", "3.752"),
                                                                 ("minimum_true_up", "1.248")]


def test_a_late_fee_in_yen_is_whole_yen():
    # 100,000 JPY x 12 % x 45 / 365 = 1,479.45... -> 1,479
    assert str(invoice_math.late_fee(outstanding=Decimal("100000"), annual_rate=Decimal("0.12"),
                                     days_late=45, currency="JPY")) == "1479"


def _lease(ops, currency: str, price: str):
    gpu = make_gpu_server(actor=ops, code=f"GPU-{currency}", gpus=8, tdp=700, currency=currency,
                          cost="250000", residual="25000")
    rows = [(gpu.code, datetime(2026, 11, 1 + h // 24, h % 24, tzinfo=UTC), 8, 5000) for h in range(100)]
    import_metering(source=metering_csv(rows), actor=ops, now=datetime(2026, 12, 5, tzinfo=UTC))
    return make_lease(actor=ops, devices=[gpu], price=price, currency=currency)


@pytest.mark.django_db
def test_a_yen_invoice_from_metering_has_no_decimals(ops, api):
    lease = _lease(ops, "JPY", "0.416875")  # 800 GPU-hours in November

    invoice = leasing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)

    assert list(invoice.lines.values_list("kind", "amount")) == [("usage", Decimal("334"))]
    body = api(ops).get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (body["total"], body["amount_paid"], body["outstanding"], body["lines"][0]["amount"]) == (
        "334", "0", "334", "334")


@pytest.mark.django_db
def test_a_yen_payment_with_decimals_is_refused_and_nothing_changes(ops):
    lease = _lease(ops, "JPY", "0.416875")
    invoice = leasing.invoice_issue(
        invoice=leasing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops),
        actor=ops, issue_date=date(2026, 12, 1))
    events = AuditEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        leasing.invoice_record_payment(invoice=invoice, amount=Decimal("333.50"), actor=ops)
    assert (refused.value.field, refused.value.message) == (
        "amount", "amount 333.50 JPY has more decimals than JPY allows (no decimals).")
    with pytest.raises(InvalidInput, match="more decimals than JPY allows"):
        leasing.credit_note_issue(invoice=invoice, amount=Decimal("0.5"), reason="rounding", actor=ops)

    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid, invoice.amount_credited) == ("issued", 0, 0)
    assert AuditEvent.objects.count() == events
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_a_kwd_payment_in_fils_through_the_api(ops, api):
    lease = _lease(ops, "KWD", "0.312500")  # 800 x 0.3125 = 250.000 KWD
    invoice = leasing.invoice_issue(
        invoice=leasing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops),
        actor=ops, issue_date=date(2026, 12, 1))

    response = api(ops).post(f"/api/v1/invoices/{invoice.pk}/record-payment/", {"amount": "1.250"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total"], body["amount_paid"], body["outstanding"], body["state"]) == (
        "250.000", "1.250", "248.750", "partially_paid")


@pytest.mark.django_db
def test_the_admin_shows_amounts_with_their_currency_decimals(ops, client):
    yen = leasing.invoice_generate(lease=_lease(ops, "JPY", "0.416875"), period_start=date(2026, 11, 1),
                                   actor=ops)
    client.force_login(ops)

    listing = client.get("/admin/assets/invoice/").content.decode()
    page = client.get(f"/admin/assets/invoice/{yen.pk}/change/").content.decode()
    device = client.get(f"/admin/assets/device/{yen.lease.devices.get().pk}/change/").content.decode()

    assert "334 JPY" in listing
    assert "334 JPY" in page and "334.0000" not in page and "334,0000" not in page
    assert 'value="250000"' in device  # the purchase cost input starts in whole yen


def _statement(currency: str, amount: str, opening: str) -> bytes:
    from assets.camt053 import ParsedEntry, build_camt053

    entry = ParsedEntry(bank_reference="BR-1", booking_date=date(2026, 11, 3), value_date=None,
                        direction="CRDT", amount=Decimal(amount), currency=currency)
    return build_camt053(statement_id=f"STMT-{currency}", account=f"KW00BANK{currency}", currency=currency,
                         from_date=date(2026, 11, 1), to_date=date(2026, 11, 30),
                         opening_balance=Decimal(opening), entries=[entry])


def test_camt053_amounts_follow_the_currency_minor_unit():
    from assets.camt053 import StatementError, parse_camt053

    [kwd] = parse_camt053(_statement("KWD", "1.250", "10.5"))
    assert (kwd.opening_balance, kwd.closing_balance, kwd.entries[0].amount) == (
        Decimal("10.500"), Decimal("11.750"), Decimal("1.250"))
    assert b"<Amt Ccy=\"KWD\">1.250</Amt>" in _statement("KWD", "1.25", "10.5")
    [yen] = parse_camt053(_statement("JPY", "1000", "5000"))
    assert yen.entries[0].amount == Decimal("1000")
    with pytest.raises(StatementError, match="'1000.50' must be positive with at most no decimals"):
        parse_camt053(_statement("JPY", "1000", "5000").replace(b">1000<", b">1000.50<"))


def test_csv_amounts_follow_the_row_currency():
    from assets.camt053 import StatementError, parse_csv

    header = "account,statement_id,bank_reference,booking_date,value_date,amount,currency,counterparty_name,"
    rows = (f"{header}remittance_info\n"
            "KW00BANK1,S1,BR-1,2026-11-03,,1.250,KWD,Orion,INV-1\n"
            "JP00BANK1,S2,BR-2,2026-11-03,,333.50,JPY,Orion,INV-2\n")
    with pytest.raises(StatementError) as refused:
        parse_csv(rows.encode())
    assert "line 3: amount '333.50' is not a non-zero amount with no decimals" in str(refused.value)
    assert "line 2" not in str(refused.value)
