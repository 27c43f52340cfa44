"""Late fees accrue day by day on what is outstanding as payments arrive (by value date)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assets import invoice_math
from assets.models import Invoice
from assets.services import invoicing, late_fees
from core.errors import InvalidInput, NotPermitted, Refused
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db
DUE = date(2026, 3, 3)


def test_the_review_case_3000_for_41_days_then_100_for_4_days():
    # 3,000.00 x 0.12 x 41 / 365 = 40.4383... -> 40.44; 100.00 x 0.12 x 4 / 365 = 0.1315... -> 0.13
    balance = invoice_math.balance_segments(total=Decimal("3000.00"), movements=[(DUE + timedelta(41),
                                            Decimal("-2900.00"))], first_day=DUE + timedelta(1),
                                            last_day=DUE + timedelta(45))
    lines = invoice_math.late_fee_lines(segments=balance, annual_rate=Decimal("0.12"), currency="USD",
                                        quantum=Decimal("0.01"))

    assert [(s.balance, s.first_day, s.last_day, s.days) for s in balance] == [
        (Decimal("3000.00"), date(2026, 3, 4), date(2026, 4, 13), 41),
        (Decimal("100.00"), date(2026, 4, 14), date(2026, 4, 17), 4),
    ]
    assert [line.amount for line in lines] == [Decimal("40.44"), Decimal("0.13")]
    assert invoice_math.total(lines) == Decimal("40.57")


@pytest.fixture
def invoice(ops, business_day):
    """3,000.00 (the minimum; no metering) for January 2026, issued 1 February, due 3 March."""
    business_day(date(2026, 5, 1))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="3000.00",
                       late_fee="0.120000", start=date(2026, 1, 1))
    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 1, 1), actor=ops)
    invoice = invoicing.invoice_issue(invoice=invoice, actor=ops, issue_date=date(2026, 2, 1))
    assert (invoice.total, invoice.due_date) == (Decimal("3000.00"), DUE)
    return invoice


def test_a_payment_stops_the_fee_on_what_it_paid_from_its_value_date(ops, invoice):
    invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("2900.00"), actor=ops,
                                     value_date=DUE + timedelta(41), reference="paid late")  # 13 April

    fee = late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(45), actor=ops)  # 17 April

    assert (fee.kind, fee.total, fee.state, fee.credited_invoice_id) == (
        "late_fee", Decimal("40.57"), "issued", invoice.pk)
    assert (fee.period_start, fee.period_end, fee.issue_date) == (date(2026, 3, 4), date(2026, 4, 17),
                                                                   date(2026, 4, 17))
    assert list(fee.lines.values_list("kind", "quantity", "amount", "description")) == [
        ("late_fee", Decimal("41.000000"), Decimal("40.44"),
         f"Late fee on {invoice.number}: 3,000.00 USD x 0.120000 x 41/365 days (2026-03-04 to 2026-04-13)"),
        ("late_fee", Decimal("4.000000"), Decimal("0.13"),
         f"Late fee on {invoice.number}: 100.00 USD x 0.120000 x 4/365 days (2026-04-14 to 2026-04-17)"),
    ]
    invoice.refresh_from_db()
    assert invoice.late_fee_charged_through == date(2026, 4, 17)


def test_the_next_charge_counts_only_the_new_days(ops, invoice):
    invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("2900.00"), actor=ops,
                                     value_date=DUE + timedelta(41))
    late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(45), actor=ops)

    second = late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(55), actor=ops)

    assert second.total == Decimal("0.33")  # 100.00 x 0.12 x 10 / 365 = 0.3287...
    with pytest.raises(Refused, match="No late fee is due"):
        late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(55), actor=ops)


def test_an_invoice_paid_late_still_owes_the_days_it_was_late(ops, invoice):
    invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("3000.00"), actor=ops,
                                     value_date=DUE + timedelta(10))

    fee = late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(30), actor=ops)

    assert fee.total == Decimal("9.86")  # 3,000.00 x 0.12 x 10 / 365 = 9.8630...


def test_a_credit_note_lowers_the_balance_from_its_issue_date(ops, invoice):
    invoicing.credit_note_issue(invoice=invoice, amount=Decimal("1000.00"), reason="SLA credit", actor=ops,
                                issue_date=DUE + timedelta(10))

    fee = late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(20), actor=ops)

    # 3,000.00 x 0.12 x 10 / 365 = 9.8630 -> 9.86; 2,000.00 x 0.12 x 10 / 365 = 6.5753 -> 6.58
    assert list(fee.lines.values_list("amount", flat=True)) == [Decimal("9.86"), Decimal("6.58")]
    assert fee.total == Decimal("16.44")


def test_never_a_fee_on_a_fee(ops, invoice):
    fee = late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(45), actor=ops)
    rows = (Invoice.objects.count(), AuditEvent.objects.count())

    with pytest.raises(Refused) as caught:
        late_fees.late_fee_charge(invoice=fee, as_of=date(2026, 5, 1), actor=ops)

    assert caught.value.message == f"'{fee}' is a late-fee invoice; late fees are never charged on fees."
    assert (Invoice.objects.count(), AuditEvent.objects.count()) == rows


def test_an_as_of_in_the_future_is_refused(ops, invoice):
    with pytest.raises(InvalidInput) as caught:
        late_fees.late_fee_charge(invoice=invoice, as_of=date(2026, 5, 2), actor=ops)

    assert (caught.value.field, caught.value.message) == (
        "as_of", "as_of 2026-05-02 is in the future; today is 2026-05-01.")
    invoice.refresh_from_db()
    assert invoice.late_fee_charged_through is None
    assert Invoice.objects.filter(kind="late_fee").count() == 0


def test_without_an_as_of_the_fee_runs_to_today(ops, invoice):
    fee = late_fees.late_fee_charge(invoice=invoice, actor=ops)

    assert (fee.period_end, fee.total) == (date(2026, 5, 1), Decimal("58.19"))  # 59 days: 58.1917...


def test_a_payment_value_date_in_the_future_is_refused(ops, invoice):
    with pytest.raises(InvalidInput, match="value_date 2026-05-02 is in the future"):
        invoicing.invoice_record_payment(invoice=invoice, amount=Decimal("1.00"), actor=ops,
                                         value_date=date(2026, 5, 2))
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.payments.count()) == (Decimal("0.00"), 0)


def test_a_trustee_may_not_charge_fees_and_the_schedule_may(trustee, invoice):
    with pytest.raises(NotPermitted):
        late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(10), actor=trustee)
    assert Invoice.objects.filter(kind="late_fee").count() == 0

    fee = late_fees.late_fee_charge(invoice=invoice, as_of=DUE + timedelta(10), actor=None)
    assert (fee.total, fee.state) == (Decimal("9.86"), "issued")
