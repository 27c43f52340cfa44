"""The exceptions queue: cash exceptions kept true to the bank entries and invoices, and the
resolutions (match, write-off approved by a second person, waive), each audited."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from assets.models import BankEntry, Invoice
from assets.services.invoicing import invoice_write_off
from core.audit import audit_created_bulk, audit_event
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from core.transitions import bulk_transition, lock, run_transition
from reconciliation.models import LIVE_STATES, ExceptionLink, ReconException

E = ReconException
CASH_ENTRY_TYPES = (
    E.Type.UNMATCHED_RECEIPT,
    E.Type.UNKNOWN_REMITTER,
    E.Type.CURRENCY_MISMATCH,
    E.Type.DUPLICATE_PAYMENT,
)
RECEIPT_CATEGORIES = (BankEntry.Category.LEASE_RECEIPT, BankEntry.Category.UNCLASSIFIED)
# Closed by a person: the rows stay in that exception and are not raised again.
CLOSED_BY_PERSON = (E.State.WAIVED, E.State.WRITTEN_OFF)


def entry_key(pk: int) -> str:
    return f"cash:entry:{pk}"


def invoice_key(pk: int) -> str:
    return f"cash:invoice:{pk}"


_FREE_SQL = """
SELECT e.id, e.currency, e.amount
     - COALESCE((SELECT SUM(m.amount) FROM assets_bankentrymatch m
                 WHERE m.entry_id = e.id AND m.undone_at IS NULL), 0)
     - COALESCE((SELECT SUM(r.amount) FROM assets_bankentry r WHERE r.reversal_of_id = e.id), 0)
     - COALESCE((SELECT SUM(c.amount) FROM reconciliation_lesseecredit c WHERE c.entry_id = e.id), 0)
FROM assets_bankentry e
WHERE e.id = ANY(%s) AND e.direction = 'CRDT' AND NOT e.is_reversal AND e.category = ANY(%s)
"""


def entries_free(ids) -> dict[int, tuple[str, Decimal]]:
    """What is still free of each receipt (matches, reversals and credits taken off), one query."""
    with connection.cursor() as cursor:
        cursor.execute(_FREE_SQL, [list(ids), list(RECEIPT_CATEGORIES)])
        return {pk: (currency, free) for pk, currency, free in cursor.fetchall()}


def _invoices_breaking(ids, today) -> dict[int, tuple[str, str, Decimal]]:
    """Invoices paid short (something received, something left) or past due with nothing received."""
    rows = (
        Invoice.objects.filter(pk__in=ids, state__in=Invoice.OPEN_STATES)
        .exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .values_list("pk", "currency", "total", "amount_paid", "amount_credited", "due_date")
    )
    out = {}
    for pk, currency, total, paid, credited, due in rows:
        left = total - paid - credited
        if left > 0 and paid > 0:
            out[pk] = (E.Type.SHORT_PAYMENT, currency, left)
        elif left > 0 and due is not None and due < today:
            out[pk] = (E.Type.MISSING_PAYMENT, currency, left)
    return out


def live_cash_keys() -> tuple[set[int], set[int]]:
    """The entries and invoices with a live cash exception (a run looks at them again, so one paid
    meanwhile by a credit note, or reclassified, is resolved)."""
    entries, invoices = set(), set()
    for key in E.objects.filter(scope=E.Scope.CASH, state__in=LIVE_STATES).values_list("key", flat=True):
        _, kind, pk = key.split(":")
        (entries if kind == "entry" else invoices).add(int(pk))
    return entries, invoices


def refresh_cash_exceptions(
    *, entry_ids, invoice_ids, actor, types: dict[int, str] | None = None, source: str = ""
) -> dict[str, int]:
    """Make the live cash exceptions of these entries and invoices true to them, in the caller's
    transaction (rows already locked): one per receipt with money left (of ``types[entry]``, else
    the type it has, else ``unmatched_receipt``), one per invoice paid short or past due with
    nothing received; amounts follow the rows; an exception whose rows no longer break is resolved
    (matched). Rows in an exception a person waived or wrote off are not raised again."""
    from core import clock

    types = types or {}
    wanted: dict[str, tuple[str, str, Decimal, str, int]] = {}
    for pk, (currency, free) in entries_free(entry_ids).items():
        if free > 0:
            wanted[entry_key(pk)] = (types.get(pk, ""), currency, free, "entry", pk)
    for pk, (kind, currency, left) in _invoices_breaking(invoice_ids, clock.today()).items():
        wanted[invoice_key(pk)] = (kind, currency, left, "invoice", pk)
    keys = [entry_key(pk) for pk in entry_ids] + [invoice_key(pk) for pk in invoice_ids]
    live = {
        x.key: x
        for x in E.objects.select_for_update().filter(key__in=keys, state__in=LIVE_STATES).order_by("pk")
    }
    closed = set(E.objects.filter(key__in=keys, state__in=CLOSED_BY_PERSON).values_list("key", flat=True))
    gone = [x.pk for k, x in live.items() if k not in wanted]
    if gone:
        bulk_transition(
            E,
            "resolve",
            actor=actor,
            ids=gone,
            object_repr="{key}",
            reason=f"matched ({source})"[:500] if source else "matched",
            fields={"closed_at": timezone.now()},
        )
    changed = 0
    for key, (kind, _currency, amount, _role, _pk) in wanted.items():
        x = live.get(key)
        if x is None:
            continue
        kind = kind or x.type
        if x.amount != amount or x.type != kind:
            audit_event(
                instance=x,
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                changes={"amount": [str(x.amount), str(amount)], "type": [x.type, kind]},
            )
            E.objects.filter(pk=x.pk).update(amount=amount, type=kind, updated_at=timezone.now())
            changed += 1
    new = [(key, v) for key, v in wanted.items() if key not in live and key not in closed]
    created = E.objects.bulk_create(
        [
            E(
                key=key,
                scope=E.Scope.CASH,
                type=kind or E.Type.UNMATCHED_RECEIPT,
                currency=currency,
                amount=amount,
            )
            for key, (kind, currency, amount, role, pk) in new
        ]
    )
    types_ = {
        "entry": ContentType.objects.get_for_model(BankEntry),
        "invoice": ContentType.objects.get_for_model(Invoice),
    }
    ExceptionLink.objects.bulk_create(
        [
            ExceptionLink(exception=x, content_type=types_[role], object_id=pk, role=role)
            for x, (key, (kind, currency, amount, role, pk)) in zip(created, new, strict=True)
        ]
    )
    audit_created_bulk(instances=created, actor=actor, fields=("key", "type", "currency", "amount"))
    return {"opened": len(created), "resolved": len(gone), "changed": changed}


def exception_lock(exception: ReconException) -> ReconException:
    return lock(ReconException, exception.pk)


@transaction.atomic
def exception_assign(*, exception: ReconException, assignee, actor) -> ReconException:
    """Give an exception to someone (or nobody), audited."""
    require_perm(actor, "reconciliation.assign_reconexception", doing="assign exceptions")
    x = exception_lock(exception)
    if x.state not in LIVE_STATES:
        raise Refused(f"Exception {x.pk} is '{x.get_state_display()}'; only a live one is assigned.")
    if assignee is not None and not assignee.has_perm("reconciliation.resolve_reconexception"):
        raise InvalidInput(f"'{assignee}' may not resolve exceptions.", field="assignee")
    before = x.assignee_id
    x.assignee = assignee
    x.save(update_fields=["assignee", "updated_at"])
    audit_event(
        instance=x,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        changes={"assignee": [before, getattr(assignee, "pk", None)]},
    )
    return x


@transaction.atomic
def exception_request_write_off(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    x = exception_lock(exception)
    run_transition(x, "request_write_off", actor=actor, reason=reason, write_off_requested_by=actor)
    return x


def _linked_invoice(x: ReconException) -> Invoice | None:
    link = x.links.filter(role="invoice").first()
    return Invoice.objects.get(pk=link.object_id) if link else None


@transaction.atomic
def exception_approve_write_off(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    """A second person approves the write-off: an invoice paid short or not at all is written off
    through the assets service (its own permission checked); a receipt's remainder is closed."""
    x = exception_lock(exception)
    run_transition(x, "approve_write_off", actor=actor, reason=reason, closed_at=timezone.now())
    invoice = _linked_invoice(x)
    if invoice is not None and invoice.state in (Invoice.State.OVERDUE, Invoice.State.PARTIALLY_PAID):
        invoice_write_off(invoice=invoice, actor=actor, reason=reason or f"exception {x.pk} written off")
    return x


@transaction.atomic
def exception_reject_write_off(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    x = exception_lock(exception)
    run_transition(x, "reject_write_off", actor=actor, reason=reason, write_off_requested_by=None)
    return x


@transaction.atomic
def exception_waive(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    """Ask to accept the difference as it is, with a reason (audited); a second person approves."""
    x = exception_lock(exception)
    run_transition(x, "waive", actor=actor, reason=reason, waive_requested_by=actor)
    return x


@transaction.atomic
def exception_approve_waive(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    """A second person (never the one who asked) approves the waiver: the exception is closed."""
    x = exception_lock(exception)
    run_transition(x, "approve_waive", actor=actor, reason=reason, closed_at=timezone.now())
    return x


@transaction.atomic
def exception_reject_waive(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    x = exception_lock(exception)
    run_transition(x, "reject_waive", actor=actor, reason=reason, waive_requested_by=None)
    return x


@transaction.atomic
def exception_repay(*, exception: ReconException, actor, reason: str = "") -> ReconException:
    """Re-pay the holder a chain exception says no ``Paid`` event paid: a new payout batch of its
    own through the servicing flow (``servicing.services.payouts.payout_repay``: planned, then
    approved and paid as any batch), linked to the exception. The exception stays open until the
    chain matching finds the payment and resolves it; a holder already paid, in a batch that may
    still pay it, or re-paid already is refused, so nobody is paid twice."""
    from servicing.models import Distribution, Entitlement, PayoutBatch
    from servicing.services.payouts import payout_repay

    require_perm(actor, "reconciliation.repay_reconexception", doing="re-pay a holder")
    x = exception_lock(exception)
    if x.state != E.State.OPEN:
        raise Refused(f"Exception {x.pk} is '{x.get_state_display()}'; only an open one is re-paid.")
    if x.type != E.Type.MISSING_PAYOUT or x.distribution_id is None:
        raise Refused(
            f"Exception {x.pk} is '{x.get_type_display()}': only a holder with no Paid event is re-paid "
            "(the Payout contract pays each holder once per distribution; write off or waive the rest)."
        )
    link = x.links.filter(
        role="expected", content_type=ContentType.objects.get_for_model(Entitlement)
    ).first()
    entitlement = Entitlement.objects.get(pk=link.object_id)
    batch = payout_repay(
        distribution=Distribution.objects.get(pk=x.distribution_id),
        wallets=[entitlement.wallet],
        actor=actor,
        reason=reason or f"re-payment of exception {x.pk}",
    )
    ExceptionLink.objects.create(
        exception=x,
        content_type=ContentType.objects.get_for_model(PayoutBatch),
        object_id=batch.pk,
        role="repay_batch",
    )
    audit_event(
        instance=x,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        name="repay",
        reason=reason.strip(),
        changes={"repay_batch": [None, batch.pk]},
    )
    return x


EXCEPTION_ACTIONS = {
    "request_write_off": exception_request_write_off,
    "approve_write_off": exception_approve_write_off,
    "reject_write_off": exception_reject_write_off,
    "waive": exception_waive,
    "approve_waive": exception_approve_waive,
    "reject_waive": exception_reject_waive,
}  # re-pay is its own API action and admin action (it is no state change of the exception)


def exception_transition(*, exception: ReconException, name: str, actor, reason: str = "") -> ReconException:
    """The action called ``name`` (for the API's and the admin's transition buttons)."""
    from core.errors import TransitionNotAllowed

    action = EXCEPTION_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(
            f"An exception has no action '{name}'; there are {', '.join(sorted(EXCEPTION_ACTIONS))}."
        )
    return action(exception=exception, actor=actor, reason=reason)
