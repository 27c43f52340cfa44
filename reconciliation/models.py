"""Reconciliation: the automatic cash matching runs, credits on lessees' accounts, manual matches
(with a second person above a threshold), and the exceptions queue.

The exceptions queue is one table for every kind of break: cash (bank entries against invoices,
built now), chain (entitlements against on-chain payouts) and period (a hop of the bank-to-chain
view that does not tie out), told apart by ``scope`` and ``type``. An exception points at the rows
involved through ``ExceptionLink`` (any model: a bank entry, an invoice, later a payout or a
period), so the later kinds need no new columns.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.money import format_money, money_field
from core.validators import CURRENCY_CHOICES, validate_currency

LIVE_STATES = ("open", "write_off_requested", "waive_requested")
UINT = {"max_digits": 78, "decimal_places": 0}


class MatchRun(models.Model):
    """One automatic matching of bank receipts against open invoices, with its progress."""

    class Trigger(models.TextChoices):
        IMPORT = "import", "after a statement import"
        ON_DEMAND = "on_demand", "on demand"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    statement_ids = models.JSONField(default=list, blank=True, help_text="The statements imported, if any.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    stage = models.CharField(max_length=100, blank=True)
    entries_considered = models.PositiveIntegerField(default=0)
    matches_made = models.PositiveIntegerField(default=0)
    credits_made = models.PositiveIntegerField(default=0)
    exceptions_open = models.PositiveIntegerField(default=0)
    rules = models.JSONField(default=dict, blank=True, help_text="Matches made by each rule.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_matchrun", "Can run the automatic cash matching")]

    def __str__(self) -> str:
        return f"matching run {self.pk} ({self.get_status_display()}, {self.progress} %)"


class LesseeCredit(models.Model):
    """Money a lessee paid beyond what its invoice had outstanding: a credit on its account, in the
    entry's currency. The part of the bank entry it takes is no longer free to match."""

    lessee = models.ForeignKey("assets.Counterparty", on_delete=models.PROTECT, related_name="credits")
    entry = models.ForeignKey("assets.BankEntry", on_delete=models.PROTECT, related_name="lessee_credits")
    invoice = models.ForeignKey(
        "assets.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The invoice the entry over-paid.",
    )
    amount = money_field()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    rule = models.CharField(max_length=32)
    source = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="lessee_credit_positive")]

    def __str__(self) -> str:
        amount = format_money(self.amount, self.currency)
        return f"credit {amount} for {self.lessee_id} from entry {self.entry_id}"


class ManualMatch(ConcurrentTransitionMixin, models.Model):
    """Operations match a bank entry to an invoice, or undo a match, by hand. Above the approval
    threshold (``RECONCILIATION_APPROVAL_ABOVE``) it waits for a second person."""

    class Kind(models.TextChoices):
        MATCH = "match", "match"
        UNMATCH = "unmatch", "undo a match"

    class State(models.TextChoices):
        PENDING = "pending", "waiting for approval"
        APPLIED = "applied", "applied"
        REJECTED = "rejected", "rejected"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    entry = models.ForeignKey("assets.BankEntry", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("assets.Invoice", on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    match = models.ForeignKey(
        "assets.BankEntryMatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The match made, or the one to undo.",
    )
    reason = models.CharField(max_length=500)
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="manual_match_positive")]
        permissions = [("approve_manualmatch", "Can approve manual matches above the threshold")]

    def __str__(self) -> str:
        amount = format_money(self.amount, self.currency)
        return f"{self.get_kind_display()} {self.entry_id} -> {self.invoice_id} {amount}"

    @transition(
        state,
        source=State.PENDING,
        target=State.APPLIED,
        permission="reconciliation.add_manualmatch",
        custom={"bulk_only": True, "label": "apply (at or below the threshold)"},
    )
    def apply(self) -> None:
        pass

    @transition(
        state,
        source=State.PENDING,
        target=State.APPLIED,
        permission="reconciliation.approve_manualmatch",
        custom={"checker_of": "requested_by"},
    )
    def approve(self) -> None:
        pass

    @transition(
        state,
        source=State.PENDING,
        target=State.REJECTED,
        permission="reconciliation.approve_manualmatch",
        custom={"reason_required": True},
    )
    def reject(self) -> None:
        pass


class ReconException(ConcurrentTransitionMixin, models.Model):
    """One break in the reconciliation: what it is (scope, type), how much, since when, who works
    on it, and the rows involved (``links``). At most one live exception per ``key`` (what it is
    about, e.g. ``cash:entry:42``)."""

    class Scope(models.TextChoices):
        CASH = "cash", "cash (bank against invoices)"
        CHAIN = "chain", "chain (entitlements against payouts)"
        PERIOD = "period", "period (bank to chain)"

    class Type(models.TextChoices):
        # cash
        UNMATCHED_RECEIPT = "unmatched_receipt", "receipt not matched"
        UNKNOWN_REMITTER = "unknown_remitter", "receipt from an unknown remitter"
        CURRENCY_MISMATCH = "currency_mismatch", "receipt in another currency than its invoice"
        DUPLICATE_PAYMENT = "duplicate_payment", "receipt for an invoice already paid"
        SHORT_PAYMENT = "short_payment", "invoice paid short"
        MISSING_PAYMENT = "missing_payment", "invoice past due, nothing received"
        # chain and period (reconciled by later work)
        MISSING_PAYOUT = "missing_payout", "entitlement not paid on chain"
        DUPLICATE_PAYOUT = "duplicate_payout", "holder paid twice on chain"
        AMOUNT_MISMATCH = "amount_mismatch", "payout amount differs from the entitlement"
        UNKNOWN_RECIPIENT = "unknown_recipient", "payout to an unknown recipient"
        PAID_LATE = "paid_late", "paid after the payment date"
        SUPPLY_MISMATCH = "supply_mismatch", "token supply differs from the register"
        SNAPSHOT_MISMATCH = "snapshot_mismatch", "snapshot differs from indexed balances"
        HOP_DIFFERENCE = "hop_difference", "a period hop does not tie out"

    class State(models.TextChoices):
        OPEN = "open", "open"
        WRITE_OFF_REQUESTED = "write_off_requested", "write-off waiting for approval"
        WAIVE_REQUESTED = "waive_requested", "waiver waiting for approval"
        RESOLVED = "resolved", "resolved (matched)"
        WRITTEN_OFF = "written_off", "written off"
        WAIVED = "waived", "waived"

    key = models.CharField(
        max_length=200, help_text="What it is about: cash:entry:<id>, cash:invoice:<id>, ..."
    )
    scope = models.CharField(max_length=8, choices=Scope.choices)
    type = models.CharField(max_length=24, choices=Type.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    amount = money_field(help_text="What is unexplained, in the currency.")
    description = models.CharField(max_length=500, blank=True)
    state = FSMField(default=State.OPEN, choices=State.choices, protected=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    write_off_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waive_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    period = models.ForeignKey(
        "servicing.CollectionPeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The collection period a chain exception belongs to (cash ones: by their rows).",
    )
    distribution = models.ForeignKey(
        "servicing.Distribution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    base_units = models.DecimalField(
        **UINT,
        null=True,
        blank=True,
        help_text="Chain exceptions: the unexplained amount exactly, in stablecoin (or token) base units.",
    )

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(state__in=LIVE_STATES), name="recon_exception_one_live_per_key"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recon_exception_amount_positive"),
        ]
        permissions = [
            ("assign_reconexception", "Can assign exceptions"),
            ("resolve_reconexception", "Can resolve, waive exceptions and ask for a write-off"),
            ("approve_write_off_reconexception", "Can approve the write-off of an exception"),
            ("approve_waive_reconexception", "Can approve the waiver of an exception"),
            ("repay_reconexception", "Can re-pay a holder missing from a distribution's payouts"),
            ("match_chain_reconexception", "Can run the chain matching of a distribution"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {format_money(self.amount, self.currency)} ({self.key})"

    @transition(
        state,
        source=[State.OPEN, State.WRITE_OFF_REQUESTED, State.WAIVE_REQUESTED],
        target=State.RESOLVED,
        permission="reconciliation.resolve_reconexception",
        custom={"bulk_only": True},
    )
    def resolve(self) -> None:
        """Matched: the rows it was about no longer break (a match made, by a run or by hand)."""

    @transition(
        state,
        source=State.OPEN,
        target=State.WRITE_OFF_REQUESTED,
        permission="reconciliation.resolve_reconexception",
        custom={"reason_required": True, "label": "request write-off"},
    )
    def request_write_off(self) -> None:
        pass

    @transition(
        state,
        source=State.WRITE_OFF_REQUESTED,
        target=State.WRITTEN_OFF,
        permission="reconciliation.approve_write_off_reconexception",
        custom={"checker_of": "write_off_requested_by", "label": "approve write-off"},
    )
    def approve_write_off(self) -> None:
        pass

    @transition(
        state,
        source=State.WRITE_OFF_REQUESTED,
        target=State.OPEN,
        permission="reconciliation.approve_write_off_reconexception",
        custom={"reason_required": True, "label": "reject write-off"},
    )
    def reject_write_off(self) -> None:
        pass

    @transition(
        state,
        source=State.OPEN,
        target=State.WAIVE_REQUESTED,
        permission="reconciliation.resolve_reconexception",
        custom={"reason_required": True, "label": "request waiver"},
    )
    def waive(self) -> None:
        """Accept the difference as it is, with a reason; a second person approves."""

    @transition(
        state,
        source=State.WAIVE_REQUESTED,
        target=State.WAIVED,
        permission="reconciliation.approve_waive_reconexception",
        custom={"checker_of": "waive_requested_by", "label": "approve waiver"},
    )
    def approve_waive(self) -> None:
        pass

    @transition(
        state,
        source=State.WAIVE_REQUESTED,
        target=State.OPEN,
        permission="reconciliation.approve_waive_reconexception",
        custom={"reason_required": True, "label": "reject waiver"},
    )
    def reject_waive(self) -> None:
        pass


class ExceptionLink(models.Model):
    """A row an exception is about (a bank entry, an invoice; later a payout, a period)."""

    exception = models.ForeignKey(ReconException, on_delete=models.PROTECT, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    role = models.CharField(max_length=32, help_text="entry, invoice, expected, actual, period, ...")

    class Meta:
        ordering = ["exception", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exception", "content_type", "object_id"], name="exception_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.content_type.model} {self.object_id}"
