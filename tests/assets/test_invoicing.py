"""Invoice math to the cent: usage, minimum true-up, credit note; payments and states."""

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from assets import invoice_math
from assets.models import Invoice
from assets.services import invoicing
from assets.services.metering import import_metering, metering_csv
from core.errors import InvalidInput
from tests.assets.builders import make_gpu_server, make_lease

NOW = datetime(2026, 12, 5, tzinfo=UTC)
CENT = Decimal("0.01")
FULL_MONTH = {"days": 30, "scheduled_days": 30, "quantum": CENT}


def test_usage_and_minimum_true_up_lines():
    lines = invoice_math.usage_lines(
        gpu_hours=1234,
        price_per_gpu_hour=Decimal("2.500000"),
        monthly_minimum=Decimal("5000.00"),
        months=1,
        currency="USD",
        **FULL_MONTH,
    )
    assert [(line.kind, line.quantity, line.unit_price, line.amount) for line in lines] == [
        ("usage", Decimal(1234), Decimal("2.500000"), Decimal("3085.00")),
        ("minimum_true_up", Decimal(1), Decimal("1915.00"), Decimal("1915.00")),
    ]
    assert invoice_math.total(lines) == Decimal("5000.00")


def test_no_true_up_when_usage_exceeds_the_minimum_of_a_quarter():
    lines = invoice_math.usage_lines(
        gpu_hours=7000,
        price_per_gpu_hour=Decimal("2.150000"),
        monthly_minimum=Decimal("5000.00"),
        months=3,
        currency="USD",
        **FULL_MONTH,
    )
    assert [(line.kind, line.amount) for line in lines] == [("usage", Decimal("15050.00"))]


def test_usage_rounds_half_even():
    # 3 x 2.335 = 7.005: half-even keeps 7.00 (half-up would give 7.01)
    lines = invoice_math.usage_lines(
        gpu_hours=3,
        price_per_gpu_hour=Decimal("2.335000"),
        monthly_minimum=Decimal("0"),
        months=1,
        currency="USD",
        **FULL_MONTH,
    )
    assert lines[0].amount == Decimal("7.00")
    assert invoice_math.usage_lines(
        gpu_hours=3,
        price_per_gpu_hour=Decimal("2.335000"),
        monthly_minimum=Decimal("0"),
        months=1,
        currency="USD",
        rounding=ROUND_HALF_UP,
        **FULL_MONTH,
    )[0].amount == Decimal("7.01")


@pytest.fixture
def lease(ops, business_day):
    business_day(date(2026, 12, 5))
    gpu = make_gpu_server(actor=ops, code="GPU-INV", gpus=8, tdp=700)
    make_gpu_server(actor=ops, code="GPU-OTHER", spv=gpu.spv, site=gpu.site)
    rows = [
        ("GPU-INV", datetime(2026, 11, 1, h % 24, tzinfo=UTC).replace(day=1 + h // 24), 8, 5000)
        for h in range(100)
    ]  # 100 hours x 8 GPU-hours = 800 in November
    rows += [
        ("GPU-INV", "2026-10-31T23:00:00Z", 8, 5000),
        ("GPU-INV", "2026-12-01T00:00:00Z", 8, 5000),
        ("GPU-OTHER", "2026-11-02T00:00:00Z", 8, 5000),
    ]  # outside the period / not on the lease
    import_metering(source=metering_csv(rows), actor=ops, now=NOW)
    return make_lease(actor=ops, devices=[gpu], price="2.500000", minimum="3000.00", late_fee="0.120000",
                      start=date(2026, 11, 1))


@pytest.mark.django_db
def test_invoice_from_metering_has_one_line_per_component(ops, lease):
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)

    assert (invoice.number, invoice.period_start, invoice.period_end, invoice.total, invoice.state) == (
        f"INV-{lease.reference}-202611",
        date(2026, 11, 1),
        date(2026, 11, 30),
        Decimal("3000.00"),
        "draft",
    )
    assert list(invoice.lines.values_list("position", "kind", "quantity", "unit_price", "amount")) == [
        (1, "usage", Decimal("800.000000"), Decimal("2.500000"), Decimal("2000.00")),
        (2, "minimum_true_up", Decimal("1.000000"), Decimal("1000.000000"), Decimal("1000.00")),
    ]


@pytest.mark.django_db
def test_a_period_is_invoiced_once(ops, lease):
    invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    with pytest.raises(InvalidInput, match="already invoiced"):
        invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    assert invoicing.invoices_generate(actor=ops) == []
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_issue_pay_in_part_then_in_full(ops, lease):
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    invoice = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 12, 1))
    assert (invoice.state, invoice.due_date) == ("issued", date(2026, 12, 31))

    invoice = invoicing.invoice_record_payment(
        invoice=invoice, amount=Decimal("1000.01"), actor=ops, reference="BANKREF1"
    )
    assert (invoice.state, invoice.outstanding) == ("partially_paid", Decimal("1999.99"))
    with pytest.raises(InvalidInput, match="at most the 1,999.99 USD outstanding"):
        invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("2000.00"), actor=ops)
    invoice = invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("1999.99"), actor=ops)
    assert (invoice.state, invoice.amount_paid, invoice.outstanding) == (
        "paid",
        Decimal("3000.00"),
        Decimal("0.00"),
    )


@pytest.mark.django_db
def test_credit_note_reduces_what_is_outstanding(ops, lease):
    invoice = invoicing.invoice_issue(
        invoice=invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops),
        actor=ops,
        issue_date=date(2026, 12, 1),
    )

    note = invoicing.credit_note_issue(
        invoice=invoice,
        amount=Decimal("250.50"),
        reason="4 h outage SLA credit",
        actor=ops,
        issue_date=date(2026, 12, 3),
    )

    invoice.refresh_from_db()
    assert (note.number, note.kind, note.total, note.state) == (
        f"CN-{invoice.number}-1",
        "credit_note",
        Decimal("-250.50"),
        "issued",
    )
    assert list(note.lines.values_list("kind", "amount")) == [("credit", Decimal("-250.50"))]
    assert (invoice.amount_credited, invoice.outstanding, invoice.state) == (
        Decimal("250.50"),
        Decimal("2749.50"),
        "issued",
    )
    invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("2749.50"), actor=ops)
    invoice.refresh_from_db()
    assert invoice.state == "paid"


@pytest.mark.django_db
def test_credit_note_above_outstanding_is_refused_and_nothing_changes(ops, lease):
    invoice = invoicing.invoice_issue(
        invoice=invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops),
        actor=ops,
        issue_date=date(2026, 12, 1),
    )
    with pytest.raises(InvalidInput, match="at most the 3,000.00 USD outstanding"):
        invoicing.credit_note_issue(invoice=invoice, amount=Decimal("3000.01"), reason="x", actor=ops)
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("0.00")
    assert Invoice.objects.filter(kind="credit_note").count() == 0


@pytest.mark.django_db
def test_overdue_then_written_off_with_a_reason(ops, lease, business_day):
    invoice = invoicing.invoice_issue(
        invoice=invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops),
        actor=ops,
        issue_date=date(2026, 12, 1),
    )  # due 31 December
    business_day(date(2027, 6, 1))
    assert invoicing.invoices_mark_overdue(as_of=date(2027, 1, 1), actor=ops) == 1
    invoice.refresh_from_db()
    assert invoice.state == "overdue"
    with pytest.raises(InvalidInput, match="reason is required"):
        invoicing.invoice_transition(invoice=invoice, name="write_off", actor=ops)
    invoice = invoicing.invoice_transition(
        invoice=invoice, name="write_off", actor=ops, reason="lessee insolvent"
    )
    assert invoice.state == "written_off"


@pytest.mark.django_db
def test_an_invoice_is_issued_after_its_period(ops, lease):
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)
    with pytest.raises(InvalidInput, match="issued after the period, not on 2026-11-30"):
        invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 11, 30))
    with pytest.raises(InvalidInput, match="issue_date 2026-12-06 is in the future"):
        invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 12, 6))
    invoice.refresh_from_db()
    assert (invoice.state, invoice.issue_date) == ("draft", None)


@pytest.mark.django_db
def test_payments_are_kept_with_their_value_dates(ops, lease):
    invoice = invoicing.invoice_issue(
        invoice=invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops),
        actor=ops, issue_date=date(2026, 12, 1))
    invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("1000.00"), actor=ops,
                                     value_date=date(2026, 12, 2), reference="R1")
    invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("500.00"), actor=ops, reference="R2")

    assert list(invoice.payments.values_list("value_date", "amount", "reference", "recorded_by")) == [
        (date(2026, 12, 2), Decimal("1000.00"), "R1", ops.pk),
        (date(2026, 12, 5), Decimal("500.00"), "R2", ops.pk),
    ]
    with pytest.raises(InvalidInput, match="more decimals than USD allows"):
        invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("0.001"), actor=ops)
