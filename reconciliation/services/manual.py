"""Manual matching by operations: match a receipt to an invoice, or undo a match. At or below the
approval threshold it applies at once; above it, it waits for a second person (maker-checker)."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from assets.models import BankEntry, BankEntryMatch, Invoice
from assets.services.bank_matches import Application, bank_entries_apply, bank_entry_match_undo, lock_entries
from core.audit import audit_created
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.money import check_minor_units
from core.transitions import lock, record_transition, run_transition
from reconciliation.models import ManualMatch
from reconciliation.services.exceptions import entries_free, refresh_cash_exceptions

DEFAULT_APPROVAL_ABOVE = {"*": "10000.00", "JPY": "1500000"}


def approval_above(currency: str) -> Decimal:
    """``RECONCILIATION_APPROVAL_ABOVE``: per currency (``*`` for the others), in the currency."""
    limits = getattr(settings, "RECONCILIATION_APPROVAL_ABOVE", DEFAULT_APPROVAL_ABOVE)
    return Decimal(limits.get(currency, limits.get("*", "0")))


def _apply(m: ManualMatch, actor) -> None:
    lock_entries([m.entry_id])
    if m.kind == ManualMatch.Kind.MATCH:
        free = entries_free([m.entry_id]).get(m.entry_id, (m.currency, Decimal(0)))[1]
        if m.amount > free:
            raise Refused(
                f"Bank entry {m.entry.entry_key} has {free} {m.currency} free to match, not "
                f"{m.amount}; nothing matched."
            )
        made = bank_entries_apply(
            actor=actor,
            source=f"manual match {m.pk}",
            applications=[
                Application(entry_id=m.entry_id, invoice_id=m.invoice_id, amount=m.amount, rule="manual")
            ],
        )
        m.match = made[0]
        m.save(update_fields=["match", "updated_at"])
    else:
        bank_entry_match_undo(match=m.match, actor=actor, reason=f"manual unmatch {m.pk}: {m.reason}")
    refresh_cash_exceptions(
        entry_ids=[m.entry_id],
        invoice_ids=[m.invoice_id],
        actor=actor,
        source=f"manual {m.get_kind_display()} {m.pk}",
    )


def _request(m: ManualMatch, actor) -> ManualMatch:
    m.save()
    audit_created(
        instance=m, actor=actor, fields=("kind", "entry", "invoice", "amount", "currency", "match", "reason")
    )
    if m.amount <= approval_above(m.currency):
        record_transition(m, "apply", actor=actor, reason="at or below the approval threshold")
        _apply(m, actor)
    return m


@transaction.atomic
def manual_match_request(
    *, entry: BankEntry, invoice: Invoice, amount: Decimal, reason: str, actor
) -> ManualMatch:
    """Match ``amount`` of a receipt to an invoice by hand (applied at once at or below the
    threshold, else waiting for a second person)."""
    require_perm(actor, "reconciliation.add_manualmatch", doing="match bank entries by hand")
    if not reason.strip():
        raise InvalidInput("A reason is required for a manual match.", field="reason")
    check_minor_units(amount, entry.currency, field="amount")
    if amount <= 0:
        raise InvalidInput("The amount must be above zero.", field="amount")
    if entry.currency != invoice.currency:
        raise InvalidInput(
            f"The entry is in {entry.currency} and the invoice in {invoice.currency}; amounts in "
            "different currencies are never matched.",
            field="invoice",
        )
    return _request(
        ManualMatch(
            kind=ManualMatch.Kind.MATCH,
            entry=entry,
            invoice=invoice,
            amount=amount,
            currency=entry.currency,
            reason=reason.strip(),
            requested_by=actor,
        ),
        actor,
    )


@transaction.atomic
def manual_unmatch_request(*, match: BankEntryMatch, reason: str, actor) -> ManualMatch:
    """Undo a match by hand (at once at or below the threshold, else after a second person)."""
    require_perm(actor, "reconciliation.add_manualmatch", doing="undo bank matches by hand")
    if not reason.strip():
        raise InvalidInput("A reason is required to undo a match.", field="reason")
    if match.undone_at is not None:
        raise Refused(f"Match {match.pk} is already undone.")
    return _request(
        ManualMatch(
            kind=ManualMatch.Kind.UNMATCH,
            entry_id=match.entry_id,
            invoice_id=match.invoice_id,
            amount=match.amount,
            currency=match.invoice.currency,
            match=match,
            reason=reason.strip(),
            requested_by=actor,
        ),
        actor,
    )


@transaction.atomic
def manual_match_approve(*, manual_match: ManualMatch, actor, reason: str = "") -> ManualMatch:
    """A second person approves a manual match or unmatch above the threshold; it is applied."""
    m = lock(ManualMatch, manual_match.pk)
    run_transition(m, "approve", actor=actor, reason=reason)
    _apply(m, actor)
    return m


@transaction.atomic
def manual_match_reject(*, manual_match: ManualMatch, actor, reason: str = "") -> ManualMatch:
    m = lock(ManualMatch, manual_match.pk)
    run_transition(m, "reject", actor=actor, reason=reason)
    return m


MANUAL_MATCH_ACTIONS = {"approve": manual_match_approve, "reject": manual_match_reject}


def manual_match_transition(*, manual_match: ManualMatch, name: str, actor, reason: str = "") -> ManualMatch:
    from core.errors import TransitionNotAllowed

    action = MANUAL_MATCH_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"A manual match has no action '{name}'.")
    return action(manual_match=manual_match, actor=actor, reason=reason)
