"""Bank entries applied to invoices: each application is a ``BankEntryMatch`` and the
``InvoicePayment`` it records, settling the invoice (paid, or partially paid) as
``invoice_record_payment`` does, for many invoices at once. Undoing a match removes its payment.

The reconciliation decides what to apply (docs/reconciliation.md); these services keep the
invariants whoever calls them: an entry is never applied beyond its amount (less what reversals
took back), an invoice never beyond what it has outstanding, and only in its own currency.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from assets.models import BankEntry, BankEntryMatch, Invoice, InvoicePayment, Lease
from assets.services.invoicing import transition_as
from core.audit import audit_created_bulk, audit_event, audit_transition_rows
from core.authz import require_system_or_perm
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from core.transitions import bulk_transition, lock

MATCH_FIELDS = ("entry", "invoice", "amount", "rule", "source", "payment")
PERM = "assets.record_payment_invoice"


@dataclass(frozen=True)
class Application:
    """Apply ``amount`` of bank entry ``entry_id`` to invoice ``invoice_id`` by ``rule``."""

    entry_id: int
    invoice_id: int
    amount: Decimal
    rule: str


def lock_entries(ids) -> dict[int, BankEntry]:
    """Lock bank entries in id order (the first lock every matching service takes)."""
    return {e.pk: e for e in BankEntry.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")}


def entries_applied(ids) -> dict[int, Decimal]:
    """What is applied of each entry: its live matches plus what reversals took back."""
    applied = defaultdict(lambda: Decimal(0))
    for pk, total in (
        BankEntryMatch.objects.filter(entry_id__in=ids, undone_at__isnull=True)
        .values("entry_id")
        .annotate(t=Sum("amount"))
        .values_list("entry_id", "t")
    ):
        applied[pk] += total
    for pk, total in (
        BankEntry.objects.filter(reversal_of_id__in=ids)
        .values("reversal_of_id")
        .annotate(t=Sum("amount"))
        .values_list("reversal_of_id", "t")
    ):
        applied[pk] += total
    return applied


def _lock_invoices(ids) -> dict[int, Invoice]:
    lease_ids = Invoice.objects.filter(pk__in=ids).values_list("lease_id", flat=True)
    list(Lease.objects.select_for_update().filter(pk__in=set(lease_ids)).order_by("pk"))
    return {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _refusals(applications, entries, invoices) -> list[str]:
    problems, per_entry, per_invoice = [], defaultdict(Decimal), defaultdict(Decimal)
    for a in applications:
        entry, invoice = entries.get(a.entry_id), invoices.get(a.invoice_id)
        if entry is None or invoice is None:
            problems.append(f"bank entry {a.entry_id} or invoice {a.invoice_id} does not exist")
            continue
        if a.amount <= 0:
            problems.append(f"{entry.entry_key} -> {invoice}: the amount must be above zero")
        if entry.direction != BankEntry.Direction.CREDIT or entry.is_reversal:
            problems.append(f"bank entry {entry.entry_key} is not money received")
        if entry.currency != invoice.currency:
            problems.append(
                f"bank entry {entry.entry_key} is in {entry.currency}, invoice '{invoice}' in "
                f"{invoice.currency}; amounts in different currencies are never matched"
            )
        if invoice.kind == Invoice.Kind.CREDIT_NOTE or invoice.state not in Invoice.OPEN_STATES:
            problems.append(
                f"invoice '{invoice}' is '{invoice.get_state_display()}'; only an issued, "
                "partially paid or overdue invoice takes a payment"
            )
        per_entry[a.entry_id] += a.amount
        per_invoice[a.invoice_id] += a.amount
    return problems, per_entry, per_invoice


@transaction.atomic
def bank_entries_apply(
    *, applications: list[Application], actor, source: str, reserved: dict[int, Decimal] | None = None
) -> list[BankEntryMatch]:
    """Apply bank entries to invoices: one match and one payment each, the invoices settled (paid)
    or partially paid in two bulk transitions, everything audited. All or nothing: a refusal names
    every application that breaks a rule. ``reserved``: amounts of the entries already used by the
    caller in this transaction otherwise (a credit on the lessee's account)."""
    require_system_or_perm(actor, PERM, doing="apply bank entries to invoices")
    if not applications:
        return []
    entries = lock_entries(a.entry_id for a in applications)
    invoices = _lock_invoices({a.invoice_id for a in applications})
    problems, per_entry, per_invoice = _refusals(applications, entries, invoices)
    applied = entries_applied(list(entries))
    for pk, amount in per_entry.items():
        left = entries[pk].amount - applied[pk] - (reserved or {}).get(pk, Decimal(0)) if pk in entries else 0
        if pk in entries and amount > left:
            problems.append(
                f"bank entry {entries[pk].entry_key} has {left} {entries[pk].currency} left to "
                f"apply, not {amount}; an entry is never applied beyond its amount"
            )
    for pk, amount in per_invoice.items():
        if pk in invoices and amount > invoices[pk].outstanding:
            problems.append(
                f"invoice '{invoices[pk]}' has {invoices[pk].outstanding} outstanding, not "
                f"{amount}; an invoice is never paid beyond its total"
            )
    if problems:
        raise Refused("Nothing applied: " + "; ".join(problems) + ".", reasons=problems)
    person = actor if getattr(actor, "pk", None) else None
    payments = InvoicePayment.objects.bulk_create(
        [
            InvoicePayment(
                invoice=invoices[a.invoice_id],  # the objects, so the audit rows name them without queries
                amount=a.amount,
                recorded_by=person,
                value_date=entries[a.entry_id].value_date or entries[a.entry_id].booking_date,
                reference=f"bank {entries[a.entry_id].entry_key}"[:200],
            )
            for a in applications
        ],
        batch_size=2000,
    )
    matches = BankEntryMatch.objects.bulk_create(
        [
            BankEntryMatch(
                entry=entries[a.entry_id],
                invoice=invoices[a.invoice_id],
                amount=a.amount,
                rule=a.rule,
                source=source[:100],
                payment=p,
                matched_by=person,
            )
            for a, p in zip(applications, payments, strict=True)
        ],
        batch_size=2000,
    )
    audit_created_bulk(
        instances=payments, actor=actor, fields=("invoice", "amount", "value_date", "reference")
    )
    audit_created_bulk(instances=matches, actor=actor, fields=MATCH_FIELDS)
    settle, part = {}, {}
    for pk, amount in per_invoice.items():
        invoice = invoices[pk]
        paid = invoice.amount_paid + amount
        (settle if paid == invoice.total - invoice.amount_credited else part)[pk] = {"amount_paid": paid}
    for name, values in (("settle", settle), ("pay_part", part)):
        if values:
            bulk_transition(
                Invoice,
                name,
                actor=actor,
                values=values,
                object_repr="{number}",
                reason=f"bank entries applied ({source})"[:500],
            )
    return matches


def _undo_target(invoice: Invoice, paid: Decimal) -> str | None:
    if invoice.state not in (Invoice.State.PAID, Invoice.State.PARTIALLY_PAID):
        return None  # overdue stays overdue; only what is paid changes
    return "unpay" if paid == 0 else "unpay_part"


@transaction.atomic
def bank_entry_match_undo(*, match: BankEntryMatch, actor, reason: str) -> BankEntryMatch:
    """Undo a match: its payment is removed from the invoice (paid -> partially paid or issued)
    and the match is kept, marked undone, with who and why."""
    require_system_or_perm(actor, PERM, doing="undo bank matches")
    if not reason.strip():
        raise InvalidInput("A reason is required to undo a match.", field="reason")
    lock_entries([match.entry_id])
    invoice = _lock_invoices([match.invoice_id])[match.invoice_id]
    match = lock(BankEntryMatch, match.pk)
    if match.undone_at is not None:
        raise Refused(f"Match {match.pk} was already undone on {match.undone_at:%Y-%m-%d %H:%M} UTC.")
    if invoice.state == Invoice.State.WRITTEN_OFF:
        raise Refused(f"Invoice '{invoice}' is written off; its payments stay as they are.")
    paid = invoice.amount_paid - match.amount
    payment_id = match.payment_id
    match.undone_at, match.undone_by, match.undo_reason = (
        timezone.now(),
        actor if getattr(actor, "pk", None) else None,
        reason.strip()[:500],
    )
    match.payment = None
    match.save(update_fields=["undone_at", "undone_by", "undo_reason", "payment"])
    audit_event(
        instance=match,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        reason=reason,
        changes={"undone_at": [None, match.undone_at.isoformat()], "payment": [payment_id, None]},
    )
    if payment_id:
        InvoicePayment.objects.filter(pk=payment_id).delete()
    why = f"match {match.pk} undone ({match.amount} of bank entry {match.entry_id}): {reason}"[:500]
    name = _undo_target(invoice, paid)
    if name is None:
        before = str(invoice.amount_paid)
        invoice.amount_paid = paid
        invoice.save(update_fields=["amount_paid", "updated_at"])
        audit_transition_rows(
            model=Invoice,
            actor=actor,
            name="payment_undone",
            to_state=invoice.state,
            rows=[(invoice.pk, str(invoice), invoice.state, why, {"amount_paid": [before, str(paid)]})],
        )
    else:
        transition_as(invoice, name, actor=actor, reason=why, amount_paid=paid)
    return match
