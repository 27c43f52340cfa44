"""Available funds of a period: the manual adjustments (each approved by a second person before it
counts) and the breakdown lines stored with each waterfall run (docs/servicing.md, "Available funds")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.money import format_money, money_field
from core.transitions import guard
from servicing.models.periods import CollectionPeriod

# A period's funds may change until its determination is approved.
OPEN_FOR_FUNDS = (
    CollectionPeriod.State.OPEN,
    CollectionPeriod.State.COLLECTING,
    CollectionPeriod.State.DETERMINED,
)


class FundsAdjustment(ConcurrentTransitionMixin, models.Model):
    """An amount added to (or, negative, taken from) a period's available funds, with its reason.
    ``interest`` is interest earned on cash as the account bank advised it; ``adjustment`` is any
    other correction. Counts only once approved by someone other than its maker."""

    class Kind(models.TextChoices):
        INTEREST = "interest", "interest earned on cash"
        ADJUSTMENT = "adjustment", "manual adjustment"

    class State(models.TextChoices):
        PROPOSED = "proposed", "proposed"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"

    period = models.ForeignKey(CollectionPeriod, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ADJUSTMENT)
    amount = money_field(help_text="In the deal's currency; negative takes funds away.")
    reason = models.TextField(max_length=2000)
    state = FSMField(default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="funds_adjustment_not_zero")]
        permissions = [
            ("approve_fundsadjustment", "Can approve a funds adjustment (checker)"),
            ("reject_fundsadjustment", "Can reject a funds adjustment"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.period} {self.get_kind_display()} #{self.pk} "
            f"{format_money(self.amount, self.period.deal.currency)}"
        )

    @property
    def currency(self) -> str:
        return self.period.deal.currency

    @guard
    def _period_not_approved(self) -> str | None:
        if self.period.state not in OPEN_FOR_FUNDS:
            return (
                f"Period {self.period.number} is {self.period.get_state_display()}: its available funds "
                "are settled."
            )
        return None

    @transition(
        state,
        source=State.PROPOSED,
        target=State.APPROVED,
        permission="servicing.approve_fundsadjustment",
        conditions=[_period_not_approved],
        custom={"checker_of": "proposed_by", "makers_from_audit": ("create",)},
    )
    def approve(self) -> None:
        pass

    @transition(
        state,
        source=State.PROPOSED,
        target=State.REJECTED,
        permission="servicing.reject_fundsadjustment",
        custom={"reason_required": True},
    )
    def reject(self) -> None:
        pass


class AvailableFundsLine(models.Model):
    """One line behind a run's available funds, kept with the run as it was determined."""

    class Kind(models.TextChoices):
        LEASE_RECEIPT = "lease_receipt", "lease receipt"
        CERTIFICATE_SALE = "certificate_sale", "certificate sale"
        RESERVE_BALANCE = "reserve_balance", "reserve account balance"
        INTEREST = "interest", "interest earned on cash"
        ADJUSTMENT = "adjustment", "manual adjustment"

    run = models.ForeignKey("servicing.WaterfallRun", on_delete=models.PROTECT, related_name="funds_lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=300)
    amount = money_field()
    bank_entry = models.ForeignKey(
        "assets.BankEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjustment = models.ForeignKey(
        FundsAdjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="funds_line_position_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"
