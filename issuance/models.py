"""SPVs, deals, tranches and subscriptions, with their lifecycles.

Transition bodies change state only; services (issuance/services.py) lock the
row, run the transition through core.transitions, write the audit event and do
any further work in the same transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import bounds
from core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, format_money, money_field
from core.transitions import guard
from core.validators import (
    COUNTRY_CHOICES,
    CURRENCY_CHOICES,
    validate_country,
    validate_currency,
    validate_lei,
)
from issuance import providers


class PaymentFrequency(models.TextChoices):
    MONTHLY = "monthly", "monthly"
    QUARTERLY = "quarterly", "quarterly"
    SEMI_ANNUAL = "semi_annual", "semi-annual"
    ANNUAL = "annual", "annual"


class SPV(ConcurrentTransitionMixin, models.Model):
    """A special purpose vehicle: the legal entity that owns the assets and issues notes."""

    class State(models.TextChoices):
        FORMING = "forming", "forming"
        ACTIVE = "active", "active"
        WINDING_DOWN = "winding_down", "winding down"
        DISSOLVED = "dissolved", "dissolved"

    legal_name = models.CharField(max_length=200, unique=True)
    jurisdiction = models.CharField(
        max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country],
        help_text="ISO 3166-1 alpha-2 country of incorporation.",
    )
    registration_number = models.CharField(max_length=64)
    lei = models.CharField(
        "LEI", max_length=20, unique=True, validators=[validate_lei],
        help_text="ISO 17442 legal entity identifier (20 characters, check digits validated).",
    )
    trustee = models.CharField(max_length=200)
    administrator = models.CharField(max_length=200)
    base_currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency]
    )
    state = FSMField(default=State.FORMING, choices=State.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SPV"
        verbose_name_plural = "SPVs"
        ordering = ["legal_name"]
        permissions = [
            ("activate_spv", "Can activate an SPV"),
            ("wind_down_spv", "Can start winding down an SPV"),
            ("dissolve_spv", "Can dissolve an SPV"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @guard
    def _no_live_deals(self) -> str | None:
        live = self.deals.exclude(state__in=Deal.FINAL_STATES).count()
        if live:
            return f"{live} deal(s) are not yet matured, redeemed, cancelled or defaulted."
        return None

    @transition(state, source=State.FORMING, target=State.ACTIVE,
                permission="issuance.activate_spv", custom={"label": "activate"})
    def activate(self) -> None:
        pass

    @transition(state, source=State.ACTIVE, target=State.WINDING_DOWN,
                permission="issuance.wind_down_spv",
                custom={"label": "wind down", "reason_required": True})
    def wind_down(self) -> None:
        pass

    @transition(state, source=State.WINDING_DOWN, target=State.DISSOLVED,
                permission="issuance.dissolve_spv", conditions=[_no_live_deals],
                custom={"label": "dissolve", "reason_required": True})
    def dissolve(self) -> None:
        pass


class Deal(ConcurrentTransitionMixin, models.Model):
    """One securitisation by an SPV: a pool of assets funded by a set of tranches."""

    class AssetClass(models.TextChoices):
        GREEN_COMPUTE_ABS = "green_compute_abs", "green-compute ABS"
        REVENUE_RIGHT_BOND = "revenue_right_bond", "revenue-right bond"
        GREEN_BOND = "green_bond", "green bond"

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        STRUCTURING = "structuring", "structuring"
        COMPLIANCE_REVIEW = "compliance_review", "compliance review"
        APPROVED = "approved", "approved"
        OPEN = "open", "open for subscription"
        CLOSED = "closed", "closed (allocated)"
        ISSUED = "issued", "issued"
        SERVICING = "servicing", "servicing"
        MATURED = "matured", "matured"
        REDEEMED = "redeemed", "redeemed"
        CANCELLED = "cancelled", "cancelled"
        DEFAULTED = "defaulted", "defaulted"

    FINAL_STATES = (State.MATURED, State.REDEEMED, State.CANCELLED, State.DEFAULTED)
    # Deals secured by assets the SPV owns: issued only with collateral pledged (the issue guard).
    ASSET_BACKED = (AssetClass.GREEN_COMPUTE_ABS,)
    EDITABLE_STATES = (State.DRAFT, State.STRUCTURING)
    CANCELLABLE = (State.DRAFT, State.STRUCTURING, State.COMPLIANCE_REVIEW, State.APPROVED,
                   State.OPEN, State.CLOSED)

    spv = models.ForeignKey(SPV, on_delete=models.PROTECT, related_name="deals")
    name = models.CharField(max_length=200, unique=True)
    asset_class = models.CharField(max_length=32, choices=AssetClass.choices)
    currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency],
        help_text="Currency of the deal size, every tranche and every subscription.",
    )
    target_size = money_field()
    closing_date = models.DateField(validators=bounds.dates())
    payment_frequency = models.CharField(max_length=16, choices=PaymentFrequency.choices)
    legal_final_maturity = models.DateField(validators=bounds.dates())
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Who submitted the deal for compliance review (the maker).",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Who approved it (the checker).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-closing_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(target_size__gt=0), name="deal_target_size_positive"),
            models.CheckConstraint(
                condition=Q(legal_final_maturity__gt=models.F("closing_date")),
                name="deal_maturity_after_closing",
            ),
            *bounds.check_dates("deal", "closing_date", "legal_final_maturity"),
        ]
        permissions = [
            ("start_structuring_deal", "Can start structuring a deal"),
            ("submit_for_review_deal", "Can submit a deal for compliance review"),
            ("approve_deal", "Can approve a deal (checker)"),
            ("return_to_structuring_deal", "Can return a deal to structuring"),
            ("open_subscriptions_deal", "Can open a deal for subscription"),
            ("close_book_deal", "Can close a deal's book and allocate"),
            ("issue_deal", "Can issue a deal"),
            ("start_servicing_deal", "Can start servicing a deal"),
            ("mature_deal", "Can mark a deal matured"),
            ("redeem_deal", "Can mark a deal redeemed"),
            ("cancel_deal", "Can cancel a deal"),
            ("declare_default_deal", "Can declare a deal in default"),
        ]

    def __str__(self) -> str:
        return self.name

    def money(self, amount: Decimal | None) -> str:
        return format_money(amount, self.currency)

    # Guards: each returns None when the transition may go ahead, else the reason.

    @guard
    def _tranches_add_up(self) -> str | None:
        total = self.tranches.aggregate(total=Sum("original_principal"))["total"]
        if total is None:
            return "The deal has no tranches."
        if total != self.target_size:
            return (
                f"Tranches add up to {self.money(total)} but the deal size is "
                f"{self.money(self.target_size)}."
            )
        return None

    @guard
    def _book_covers_every_tranche(self) -> str | None:
        problems = []
        tranches = self.tranches.annotate(
            booked=Sum("subscriptions__requested_amount",
                       filter=Q(subscriptions__state=Subscription.State.ACCEPTED))
        ).order_by("seniority")
        for t in tranches:
            booked = t.booked or Decimal("0")
            if booked == 0:
                problems.append(f"{t.class_name} has no accepted subscriptions.")
            elif booked < t.original_principal:
                problems.append(
                    f"{t.class_name} is short by {self.money(t.original_principal - booked)} "
                    f"({self.money(booked)} accepted of {self.money(t.original_principal)})."
                )
        return " ".join(problems) or None

    @guard
    def _every_allocation_funded(self) -> str | None:
        unfunded = Subscription.objects.filter(
            tranche__deal=self, state=Subscription.State.ALLOCATED
        ).count()
        if unfunded:
            return f"{unfunded} allocated subscription(s) are not yet fully funded."
        return None

    @guard
    def _no_open_requests(self) -> str | None:
        pending = Subscription.objects.filter(
            tranche__deal=self, state=Subscription.State.REQUESTED
        ).count()
        if pending:
            return f"{pending} subscription request(s) still await a decision (accept or reject)."
        return None

    @transition(state, source=State.DRAFT, target=State.STRUCTURING,
                permission="issuance.start_structuring_deal")
    def start_structuring(self) -> None:
        pass

    @transition(state, source=State.STRUCTURING, target=State.COMPLIANCE_REVIEW,
                permission="issuance.submit_for_review_deal", conditions=[_tranches_add_up],
                custom={"label": "submit for review",
                        "question": "Submit {object} for compliance review?"})
    def submit_for_review(self) -> None:
        pass

    @transition(state, source=State.COMPLIANCE_REVIEW, target=State.APPROVED,
                permission="issuance.approve_deal", conditions=[_tranches_add_up],
                custom={"checker_of": "submitted_by",
                        "makers_from_audit": ("create", "update", "submit_for_review"),
                        "question": "Approve the structure of {object}?"})
    def approve(self) -> None:
        pass

    @transition(state, source=State.COMPLIANCE_REVIEW, target=State.STRUCTURING,
                permission="issuance.return_to_structuring_deal",
                custom={"label": "return to structuring", "reason_required": True,
                        "question": "Return {object} to structuring?"})
    def return_to_structuring(self) -> None:
        pass

    @transition(state, source=State.APPROVED, target=State.OPEN,
                permission="issuance.open_subscriptions_deal",
                custom={"label": "open for subscription",
                        "question": "Open {object} for subscription?"})
    def open_subscriptions(self) -> None:
        pass

    @transition(state, source=State.OPEN, target=State.CLOSED,
                permission="issuance.close_book_deal",
                conditions=[_no_open_requests, _book_covers_every_tranche],
                custom={"label": "close book and allocate",
                        "question": "Close the book of {object} and allocate it pro rata?"})
    def close_book(self) -> None:
        pass

    @guard
    def _every_holder_eligible(self) -> str | None:
        """Compliance re-checks each investor about to hold notes (KYC, screening, class, place)."""
        from compliance.eligibility import investor_eligibility

        problems = []
        funded = Subscription.objects.filter(tranche__deal=self, state=Subscription.State.FUNDED)
        for sub in funded.select_related("investor").order_by("id"):
            result = investor_eligibility(sub.investor, self, count_investors=False)
            if not result.ok:
                problems.append(f"Subscription #{sub.pk} ({sub.investor}): " + " ".join(result.reasons))
        return " ".join(problems) or None

    @guard
    def _collateral_pledged(self) -> str | None:
        """An asset-backed deal is issued only with devices pledged to it (asked of assets)."""
        if self.asset_class not in self.ASSET_BACKED:
            return None
        pledged = providers.collateral().pledged(self)
        if pledged.devices:
            return None
        gone = (f" ({pledged.excluded} assigned to it are decommissioned, sold or impaired and do not "
                "count)" if pledged.excluded else "")
        return (f"{self.name} is a {self.get_asset_class_display()} deal with no collateral pledged: "
                f"no device is assigned to it{gone}. Pledge its devices (Devices, field 'deal') "
                "before issuing.")

    @transition(state, source=State.CLOSED, target=State.ISSUED,
                permission="issuance.issue_deal",
                conditions=[_every_allocation_funded, _every_holder_eligible, _collateral_pledged],
                custom={"question": "Issue the notes of {object}?"})
    def issue(self) -> None:
        pass

    @transition(state, source=State.ISSUED, target=State.SERVICING,
                permission="issuance.start_servicing_deal", custom={"label": "start servicing"})
    def start_servicing(self) -> None:
        pass

    @transition(state, source=State.SERVICING, target=State.MATURED,
                permission="issuance.mature_deal",
                custom={"reason_required": True, "question": "Mark {object} matured?"})
    def mature(self) -> None:
        pass

    @transition(state, source=State.SERVICING, target=State.REDEEMED,
                permission="issuance.redeem_deal",
                custom={"reason_required": True, "question": "Mark {object} redeemed?"})
    def redeem(self) -> None:
        pass

    @transition(state, source=CANCELLABLE, target=State.CANCELLED,
                permission="issuance.cancel_deal", custom={"reason_required": True})
    def cancel(self) -> None:
        pass

    @transition(state, source=[State.ISSUED, State.SERVICING], target=State.DEFAULTED,
                permission="issuance.declare_default_deal",
                custom={"label": "declare default", "reason_required": True,
                        "question": "Declare {object} in default?"})
    def declare_default(self) -> None:
        pass


class Tranche(models.Model):
    """A class of notes in a deal; each is a permissioned token on chain."""

    class DayCount(models.TextChoices):
        ACT_360 = "ACT/360", "ACT/360"
        ACT_365F = "ACT/365F", "ACT/365 fixed"
        THIRTY_360 = "30/360", "30/360"
        ACT_ACT = "ACT/ACT", "ACT/ACT ISDA"

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="tranches")
    class_name = models.CharField(max_length=64, help_text="e.g. 'Class A (senior)'.")
    seniority = models.PositiveSmallIntegerField(validators=bounds.between(1, bounds.MAX_TRANCHES),
                                                 help_text="1 is paid first.")
    original_principal = money_field()
    current_principal = money_field()
    coupon_rate = models.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES,
        help_text="Fixed annual coupon as a fraction: 0.065 is 6.5 %.",
    )
    day_count = models.CharField(max_length=8, choices=DayCount.choices)
    payment_frequency = models.CharField(max_length=16, choices=PaymentFrequency.choices)
    minimum_denomination = money_field(
        help_text="Smallest amount that can be held; allocations are whole multiples of it."
    )
    token_symbol = models.CharField(max_length=11, unique=True)
    token_decimals = models.PositiveSmallIntegerField(default=6,
                                                      validators=bounds.between(0, bounds.MAX_TOKEN_DECIMALS))

    class Meta:
        ordering = ["deal", "seniority"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "seniority"], name="tranche_seniority_unique"),
            models.UniqueConstraint(fields=["deal", "class_name"], name="tranche_class_unique"),
            models.CheckConstraint(condition=Q(original_principal__gt=0),
                                   name="tranche_principal_positive"),
            models.CheckConstraint(
                condition=Q(current_principal__gte=0)
                & Q(current_principal__lte=models.F("original_principal")),
                name="tranche_current_within_original",
            ),
            models.CheckConstraint(condition=Q(minimum_denomination__gt=0),
                                   name="tranche_denomination_positive"),
            models.CheckConstraint(condition=Q(coupon_rate__gte=0) & Q(coupon_rate__lt=1),
                                   name="tranche_coupon_fraction"),
            models.CheckConstraint(condition=Q(token_decimals__lte=18),
                                   name="tranche_token_decimals_max_18"),
            bounds.check("tranche", "seniority", 1, bounds.MAX_TRANCHES),
        ]

    def __str__(self) -> str:
        return f"{self.deal.name} {self.class_name}"

    @property
    def currency(self) -> str:
        return self.deal.currency


class Subscription(ConcurrentTransitionMixin, models.Model):
    """An investor's order for a tranche, from request to settlement."""

    class State(models.TextChoices):
        REQUESTED = "requested", "requested"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"
        ALLOCATED = "allocated", "allocated"
        FUNDED = "funded", "funded"
        SETTLED = "settled", "settled"
        CANCELLED = "cancelled", "cancelled"
        DEFAULTED = "defaulted", "defaulted (allocated, never paid)"

    class ReleasedLots(models.TextChoices):
        """What happens to the lots of an allocation that is cancelled or defaulted."""

        REDUCE_TRANCHE = "reduce_tranche", "reduce the tranche by the lots"
        OFFER_AGAIN = "offer_again", "offer the lots again to the tranche's other subscribers"

    LIVE_STATES = (State.REQUESTED, State.ACCEPTED, State.ALLOCATED, State.FUNDED, State.SETTLED)

    investor = models.ForeignKey(
        "compliance.Investor", on_delete=models.PROTECT, related_name="subscriptions"
    )
    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="subscriptions")
    requested_amount = money_field()
    allocated_amount = money_field(default=Decimal("0"))
    funded_amount = money_field(default=Decimal("0"))
    state = FSMField(default=State.REQUESTED, choices=State.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at", "id"], name="subscription_default_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["investor", "tranche"],
                condition=Q(state__in=["requested", "accepted", "allocated", "funded", "settled"]),
                name="subscription_one_live_per_investor_tranche",
            ),
            models.CheckConstraint(condition=Q(requested_amount__gt=0),
                                   name="subscription_requested_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0)
                & Q(allocated_amount__lte=models.F("requested_amount")),
                name="subscription_allocated_within_request",
            ),
            models.CheckConstraint(
                condition=Q(funded_amount__gte=0)
                & Q(funded_amount__lte=models.F("allocated_amount")),
                name="subscription_funded_within_allocation",
            ),
        ]
        permissions = [
            ("accept_subscription", "Can accept a subscription"),
            ("reject_subscription", "Can reject a subscription"),
            ("record_funding_subscription", "Can record funds received for a subscription"),
            ("cancel_subscription", "Can cancel a subscription"),
            ("release_allocation_subscription",
             "Can cancel or default an unfunded allocation and release its lots"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.investor} / {self.tranche}"

    @guard
    def _deal_open(self) -> str | None:
        deal = self.tranche.deal
        if deal.state != Deal.State.OPEN:
            return f"The deal is '{deal.get_state_display()}', not open for subscription."
        return None

    @guard
    def _investor_eligible(self) -> str | None:
        from compliance.eligibility import investor_eligibility

        deal = self.tranche.deal
        result = investor_eligibility(self.investor, deal, amount=self.requested_amount)
        return None if result.ok else f"{self.investor} is not eligible: " + " ".join(result.reasons)

    @transition(state, source=State.REQUESTED, target=State.ACCEPTED,
                permission="issuance.accept_subscription", conditions=[_deal_open, _investor_eligible])
    def accept(self) -> None:
        pass

    @guard
    def _deal_closed(self) -> str | None:
        deal = self.tranche.deal
        if deal.state != Deal.State.CLOSED:
            return f"Funds are recorded once the book is closed; the deal is '{deal.get_state_display()}'."
        return None

    @transition(state, source=[State.REQUESTED, State.ACCEPTED], target=State.REJECTED,
                permission="issuance.reject_subscription", custom={"reason_required": True})
    def reject(self) -> None:
        pass

    @transition(state, source=State.ACCEPTED, target=State.ALLOCATED,
                permission="issuance.close_book_deal", custom={"bulk_only": True})
    def allocate(self) -> None:
        pass

    @transition(state, source=State.ALLOCATED, target=State.FUNDED,
                permission="issuance.record_funding_subscription", conditions=[_deal_closed],
                custom={"bulk_only": True})
    def fund(self) -> None:
        pass

    @transition(state, source=State.FUNDED, target=State.SETTLED,
                permission="issuance.issue_deal", custom={"bulk_only": True})
    def settle(self) -> None:
        pass

    @transition(state, source=[State.REQUESTED, State.ACCEPTED, State.ALLOCATED, State.FUNDED],
                target=State.CANCELLED, permission="issuance.cancel_deal",
                custom={"bulk_only": True, "label": "cancel with the deal"})
    def cancel_with_deal(self) -> None:
        """Cancelling a deal cancels its live subscriptions; funds received are to be returned."""

    @transition(state, source=[State.REQUESTED, State.ACCEPTED], target=State.CANCELLED,
                permission="issuance.cancel_subscription", conditions=[_deal_open],
                custom={"reason_required": True, "question": "Withdraw subscription {object}?"})
    def cancel(self) -> None:
        """The subscription's own investor, or staff, withdraw a request before the book closes
        (the service checks whose it is through core.authz.require_own_or_staff)."""

    # An allocation that will not be paid: its lots are released (services say where they go).

    @transition(state, source=State.ALLOCATED, target=State.CANCELLED,
                permission="issuance.release_allocation_subscription",
                custom={"reason_required": True,
                        "question": "Cancel the allocation of subscription {object}?"})
    def cancel_allocation(self) -> None:
        """The investor withdrew (or was withdrawn) after allocation, before paying in full."""

    @transition(state, source=State.ALLOCATED, target=State.DEFAULTED,
                permission="issuance.release_allocation_subscription",
                custom={"reason_required": True,
                        "question": "Default the allocation of subscription {object}?"})
    def default_allocation(self) -> None:
        """The investor did not pay the allocation."""

    @transition(state, source=[State.ALLOCATED, State.FUNDED], target=State.ALLOCATED,
                permission="issuance.release_allocation_subscription",
                custom={"bulk_only": True, "label": "add lots offered again"})
    def add_lots(self) -> None:
        """Released lots offered again raise this allocation; a funded one owes the difference."""


class FundingReceipt(models.Model):
    """Cash received for an allocation: the amount, the day it was credited and the payment's
    reference. A subscription is funded when its receipts add up to its allocation."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="receipts")
    amount = money_field()
    value_date = models.DateField(validators=bounds.dates(),
                                  help_text="The day the cash was credited to the SPV's account.")
    reference = models.CharField(max_length=100, help_text="The bank's or payer's payment reference.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subscription", "value_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fundingreceipt_amount_positive"),
            models.CheckConstraint(condition=~Q(reference=""), name="fundingreceipt_reference_given"),
            # The same payment recorded twice (a receipts file imported again) is refused.
            models.UniqueConstraint(fields=["subscription", "reference"],
                                    name="fundingreceipt_one_per_reference"),
            *bounds.check_dates("fundingreceipt", "value_date"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} for subscription #{self.subscription_id}"
