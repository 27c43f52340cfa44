"""Late fees: simple interest at the lease's rate, day by day on what was outstanding that day."""

from datetime import date, timedelta

from django.db import transaction

from assets import invoice_math
from assets.models import Invoice
from assets.services.invoicing import document_create, lock_invoice
from core import clock
from core.authz import require_system_or_perm
from core.errors import Refused
from core.money import minor_unit

FEE_BEARING_STATES = (*Invoice.OPEN_STATES, Invoice.State.PAID)


def balance_movements(invoice: Invoice) -> list[tuple[date, object]]:
    """What lowered the invoice's balance, by day: payments by value date, credit notes by issue date."""
    payments = invoice.payments.values_list("value_date", "amount")
    credits = invoice.credit_notes.filter(kind=Invoice.Kind.CREDIT_NOTE).exclude(issue_date=None).values_list(
        "issue_date", "total")
    return [(day, -amount) for day, amount in payments] + [(day, total) for day, total in credits]


@transaction.atomic
def late_fee_charge(*, invoice: Invoice, actor, as_of: date | None = None) -> Invoice:
    """A late-fee invoice for the days after the due date (or after the last charge) up to ``as_of``
    (default today, never in the future).

    Each day carries balance x annual rate / 365, where the balance is what was outstanding that
    day: the total less the payments valued and the credit notes issued before it. Runs of days with
    the same balance make one line each, rounded once in the currency's minor unit. An invoice paid
    late still owes the days it was late; a late-fee invoice never bears a fee itself.
    """
    require_system_or_perm(actor, "assets.issue_invoice", doing="charge late fees")
    as_of = clock.as_of_or_today(as_of)
    invoice = lock_invoice(invoice)
    if invoice.kind == Invoice.Kind.LATE_FEE:
        raise Refused(f"'{invoice}' is a late-fee invoice; late fees are never charged on fees.")
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise Refused(f"'{invoice}' is a credit note; late fees apply to invoices.")
    if invoice.state not in FEE_BEARING_STATES:
        raise Refused(f"Invoice '{invoice}' is '{invoice.get_state_display()}'; late fees are charged on "
                      "issued, partially paid, overdue or paid invoices.")
    since = max(invoice.due_date, invoice.late_fee_charged_through or invoice.due_date)
    rate = invoice.lease.late_fee_annual_rate
    lines = []
    if as_of > since:
        segments = invoice_math.balance_segments(
            total=invoice.total, movements=balance_movements(invoice), first_day=since + timedelta(days=1),
            last_day=as_of)
        lines = [line for line in invoice_math.late_fee_lines(
            segments=segments, annual_rate=rate, currency=invoice.currency,
            quantum=minor_unit(invoice.currency), reference=invoice.number) if line.amount > 0]
    if not lines:
        raise Refused(f"No late fee is due on '{invoice}' as of {as_of}: due {invoice.due_date}, "
                      f"charged through {invoice.late_fee_charged_through or '-'}, rate {rate}.")
    fee = document_create(refers_to=invoice, kind=Invoice.Kind.LATE_FEE, prefix="LF", lines=lines,
                          actor=actor, issue_date=as_of, period=(since + timedelta(days=1), as_of),
                          due_date=as_of + timedelta(days=invoice.lease.payment_terms_days))
    invoice.late_fee_charged_through = as_of
    invoice.save(update_fields=["late_fee_charged_through", "updated_at"])
    return fee
