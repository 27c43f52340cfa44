"""Distributions of an approved collection period, the holders' entitlements, escrow lines and
payout batches (docs/servicing.md, "Distributions" and "Payout").

Distribution: planned -> snapshotted -> entitled -> approved -> paying -> paid.
Payout batch: planned -> approved -> submitted -> confirmed, or submitted -> failed -> approved
(a failed batch is retried alone). Escrow line: held -> released | kept.
Stablecoin and token amounts are integers in base units (NUMERIC(78,0)).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from core.fields import money_field
from servicing.models.periods import CollectionPeriod

UINT = {"max_digits": 78, "decimal_places": 0}
SYSTEM = {"bulk_only": True}  # a step of a service or a task, never a button


class Distribution(models.Model):
    """What one tranche receives from one collection period: interest, principal and residual in
    the deal currency, paid in the Payout contract's stablecoin to the holders of record."""

    class State(models.TextChoices):
        PLANNED = "planned", "planned"
        SNAPSHOTTED = "snapshotted", "holders of record fixed"
        ENTITLED = "entitled", "entitlements computed"
        APPROVED = "approved", "approved for payment"
        PAYING = "paying", "paying"
        PAID = "paid", "paid"

    period = models.ForeignKey(CollectionPeriod, on_delete=models.PROTECT, related_name="distributions")
    tranche = models.ForeignKey("issuance.Tranche", on_delete=models.PROTECT, related_name="distributions")
    currency = models.CharField(max_length=3, help_text="The deal currency.")
    interest = money_field(default=0)
    principal = money_field(default=0)
    residual = money_field(default=0)
    amount = money_field(help_text="interest + principal + residual")
    state = FSMField(default=State.PLANNED, choices=State.choices, protected=True, db_index=True)
    snapshot = models.ForeignKey(
        "chain.HolderSnapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payout = models.ForeignKey(
        "chain.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Payout contract that pays it.",
    )
    stablecoin = models.CharField(max_length=42, blank=True, help_text="The Payout contract's stablecoin.")
    stablecoin_decimals = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_base_units = models.DecimalField(**UINT, null=True, blank=True)
    distribution_id = models.CharField(
        max_length=66, blank=True, help_text="keccak256(token, record date, snapshot hash), as on chain."
    )
    principal_before = money_field(null=True, blank=True)
    principal_after = money_field(null=True, blank=True)
    factor = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Current / original principal after this payment, 6 decimals.",
    )
    progress = models.JSONField(default=dict, blank=True, help_text="The running task's step and counts.")
    merkle_root = models.CharField(
        max_length=66, blank=True,
        help_text="Merkle root of (holder, stablecoin base units paid), anchored on chain once paid.",
    )
    root_anchor = models.OneToOneField(
        "chain.Anchor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The Anchor contract record of the Merkle root.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "tranche__seniority"]
        constraints = [
            models.UniqueConstraint(fields=["period", "tranche"], name="distribution_once_per_tranche"),
            models.CheckConstraint(
                condition=Q(interest__gte=0) & Q(principal__gte=0) & Q(residual__gte=0) & Q(amount__gt=0),
                name="distribution_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount=models.F("interest") + models.F("principal") + models.F("residual")),
                name="distribution_amount_is_sum",
            ),
        ]
        permissions = [
            ("approve_distribution", "Can approve a distribution's entitlements for payment"),
            ("pay_distribution", "Can pay an approved distribution on chain"),
        ]

    def __str__(self) -> str:
        return f"{self.tranche} period {self.period.number}"

    @transition(state, source=State.PLANNED, target=State.SNAPSHOTTED, custom=SYSTEM)
    def fix_holders(self) -> None:
        pass

    @transition(state, source=State.SNAPSHOTTED, target=State.ENTITLED, custom=SYSTEM)
    def entitle(self) -> None:
        pass

    @transition(
        state,
        source=State.ENTITLED,
        target=State.APPROVED,
        permission="servicing.approve_distribution",
        custom={"checker_of": "created_by", "label": "approve for payment"},
    )
    def approve(self) -> None:
        pass

    @transition(
        state,
        source=State.APPROVED,
        target=State.PAYING,
        permission="servicing.pay_distribution",
        custom={"label": "pay"},
    )
    def pay(self) -> None:
        pass

    @transition(state, source=State.PAYING, target=State.PAID, custom=SYSTEM)
    def finish(self) -> None:
        pass


class PayoutBatch(models.Model):
    """Up to the Payout contract's cap of holders paid in one transaction (batch ``number`` of the
    distribution on chain). Regular batches are cut when the entitlements are computed; each
    released escrow decision gets a batch of its own."""

    class State(models.TextChoices):
        PLANNED = "planned", "planned"
        APPROVED = "approved", "approved"
        SUBMITTED = "submitted", "submitted"
        CONFIRMED = "confirmed", "confirmed"
        FAILED = "failed", "failed"

    class Kind(models.TextChoices):
        REGULAR = "regular", "regular"
        ESCROW = "escrow", "escrow release"
        REPAY = "repay", "re-payment of holders missing from the payouts"

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField(help_text="The batch number on chain (1, 2, ...).")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    state = FSMField(default=State.PLANNED, choices=State.choices, protected=True, db_index=True)
    recipients = models.PositiveIntegerField()
    total = models.DecimalField(**UINT, help_text="Stablecoin base units.")
    attempt = models.PositiveIntegerField(
        default=1, help_text="1, then one more per retry of a failed batch."
    )
    transaction = models.ForeignKey(
        "chain.ChainTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The payBatch intent of the current attempt.",
    )
    funding = models.ForeignKey(
        "chain.ChainTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The treasury's transfer to the Payout contract.",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["distribution", "number"]
        verbose_name_plural = "payout batches"
        constraints = [
            models.UniqueConstraint(fields=["distribution", "number"], name="payoutbatch_number_unique"),
            models.CheckConstraint(
                condition=Q(recipients__gte=1) & Q(recipients__lte=200), name="payoutbatch_recipients_1_200"
            ),
        ]
        permissions = [("retry_payoutbatch", "Can retry a failed payout batch")]

    def __str__(self) -> str:
        return f"{self.distribution} batch {self.number}"

    @transition(
        state,
        source=State.PLANNED,
        target=State.APPROVED,
        permission="servicing.pay_distribution",
        custom={"label": "approve for payment"},
    )
    def approve(self) -> None:
        pass

    @transition(state, source=State.APPROVED, target=State.SUBMITTED, custom=SYSTEM)
    def submit(self) -> None:
        pass

    @transition(state, source=State.SUBMITTED, target=State.CONFIRMED, custom=SYSTEM)
    def confirm(self) -> None:
        pass

    @transition(state, source=State.SUBMITTED, target=State.FAILED, custom=SYSTEM)
    def fail(self) -> None:
        pass

    @transition(
        state,
        source=State.FAILED,
        target=State.APPROVED,
        permission="servicing.retry_payoutbatch",
        custom={"label": "retry", "reason_required": True},
    )
    def retry(self) -> None:
        pass


class Entitlement(models.Model):
    """One holder's share of a distribution, in stablecoin base units. Paid when the indexer has
    the contract's final ``Paid`` event for it."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="entitlements")
    wallet = models.CharField(max_length=42, help_text="Lower-case hex, as in the holder snapshot.")
    investor = models.ForeignKey(
        "compliance.Investor", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    balance = models.DecimalField(**UINT, help_text="Tranche token base units held at the record date.")
    amount = models.DecimalField(**UINT, help_text="Stablecoin base units.")
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    paid_amount = models.DecimalField(**UINT, null=True, blank=True)
    paid_tx_hash = models.CharField(max_length=66, blank=True)
    paid_block = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["distribution", "wallet"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "wallet"], name="entitlement_once_per_wallet"),
            models.CheckConstraint(condition=Q(balance__gt=0) & Q(amount__gte=0), name="entitlement_amounts"),
        ]
        indexes = [models.Index(fields=["batch"], name="entitlement_batch")]

    def __str__(self) -> str:
        return f"{self.wallet} in {self.distribution_id}"


class EscrowLine(models.Model):
    """An entitlement not paid because its holder is frozen, no longer eligible or under a
    sanctions hit. The reason code is for staff; investors see only that it is held. A compliance
    decision releases it (paid in a batch of its own) or keeps it."""

    class State(models.TextChoices):
        HELD = "held", "held"
        RELEASED = "released", "released for payment"
        KEPT = "kept", "kept in escrow"

    class Reason(models.TextChoices):
        SANCTIONS = "sanctions", "sanctions screening hit (confirmed or pending)"
        FROZEN = "frozen", "wallet frozen on the token"
        NOT_ELIGIBLE = "not_eligible", "no longer eligible (no approved, unexpired KYC)"

    entitlement = models.OneToOneField(Entitlement, on_delete=models.PROTECT, related_name="escrow")
    reason_code = models.CharField(max_length=16, choices=Reason.choices)
    state = FSMField(default=State.HELD, choices=State.choices, protected=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entitlement__distribution", "entitlement__wallet"]
        permissions = [("decide_escrowline", "Can release or keep an escrowed entitlement")]

    def __str__(self) -> str:
        return f"escrow of {self.entitlement.wallet} ({self.reason_code})"

    @transition(
        state,
        source=State.HELD,
        target=State.RELEASED,
        permission="servicing.decide_escrowline",
        custom={"label": "release", "reason_required": True},
    )
    def release(self) -> None:
        pass

    @transition(
        state,
        source=State.HELD,
        target=State.KEPT,
        permission="servicing.decide_escrowline",
        custom={"label": "keep", "reason_required": True},
    )
    def keep(self) -> None:
        pass
