"""Lessees, GPU-hour leases and the devices they hold, invoices, their lines and payments."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import bounds, clock
from core.fields import DateRange  # migrations 0002 name it here
from core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, format_money, money_field
from core.transitions import guard
from core.validators import COUNTRY_CHOICES, CURRENCY_CHOICES, validate_country, validate_currency

PRICE_MAX_DIGITS = 14
PRICE_DECIMAL_PLACES = 6


class Counterparty(models.Model):
    """A lessee (an AI company renting GPU time), with its own KYB status."""

    class KYBStatus(models.TextChoices):
        PENDING = "pending", "pending"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        EXPIRED = "expired", "expired"

    legal_name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country])
    registration_number = models.CharField(max_length=64, blank=True)
    billing_email = models.EmailField(blank=True)
    kyb_status = models.CharField("KYB status", max_length=16, choices=KYBStatus.choices,
                                  default=KYBStatus.PENDING)
    kyb_reviewed_on = models.DateField("KYB reviewed on", null=True, blank=True, validators=bounds.dates())
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name_plural = "counterparties"
        constraints = bounds.check_dates("counterparty", "kyb_reviewed_on")

    def __str__(self) -> str:
        return self.legal_name


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", "monthly"
    QUARTERLY = "quarterly", "quarterly"


MONTHS_PER_CYCLE = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3}


class Lease(ConcurrentTransitionMixin, models.Model):
    """A lease of GPU time to a lessee: devices, price per GPU-hour, minimum commitment, terms."""

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        ACTIVE = "active", "active"
        SUSPENDED = "suspended", "suspended"
        TERMINATED = "terminated", "terminated"
        EXPIRED = "expired", "expired"

    reference = models.CharField(max_length=64, unique=True)
    lessee = models.ForeignKey(Counterparty, on_delete=models.PROTECT, related_name="leases")
    spv = models.ForeignKey("issuance.SPV", on_delete=models.PROTECT, related_name="leases",
                            help_text="The lessor.")
    devices = models.ManyToManyField("assets.Device", blank=True, related_name="leases",
                                     through="assets.LeaseDevice",
                                     help_text="Devices whose metering is this lease's usage.")
    gpu_count = models.PositiveIntegerField(validators=bounds.between(1, bounds.MAX_GPUS_PER_LEASE),
                                            help_text="GPUs contracted.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    price_per_gpu_hour = models.DecimalField(max_digits=PRICE_MAX_DIGITS,
                                             decimal_places=PRICE_DECIMAL_PLACES)
    minimum_monthly_commitment = money_field(default=Decimal("0"))
    start_date = models.DateField(validators=bounds.dates())
    end_date = models.DateField(validators=bounds.dates(), help_text="Last day of the term.")
    terminated_on = models.DateField(null=True, blank=True, validators=bounds.dates(),
                                     help_text="Last day of the lease when it was terminated early.")
    billing_cycle = models.CharField(max_length=16, choices=BillingCycle.choices,
                                     default=BillingCycle.MONTHLY)
    payment_terms_days = models.PositiveSmallIntegerField(default=30,
                                                          validators=bounds.between(*bounds.PAYMENT_TERMS_DAYS))
    late_fee_annual_rate = models.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, default=Decimal("0"),
        help_text="Late fee as simple annual interest on the overdue amount (0.12 = 12 % a year).",
    )
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="lease_end_after_start"),
            models.CheckConstraint(condition=Q(price_per_gpu_hour__gt=0), name="lease_price_positive"),
            models.CheckConstraint(condition=Q(minimum_monthly_commitment__gte=0),
                                   name="lease_minimum_non_negative"),
            models.CheckConstraint(condition=Q(gpu_count__gte=1), name="lease_gpu_count_positive"),
            models.CheckConstraint(condition=Q(late_fee_annual_rate__gte=0) & Q(late_fee_annual_rate__lt=1),
                                   name="lease_late_fee_fraction"),
            bounds.check("lease", "gpu_count", 1, bounds.MAX_GPUS_PER_LEASE),
            bounds.check("lease", "payment_terms_days", *bounds.PAYMENT_TERMS_DAYS),
            *bounds.check_dates("lease", "start_date", "end_date", "terminated_on"),
        ]
        permissions = [("transition_lease", "Can move a lease through its lifecycle")]

    def __str__(self) -> str:
        return self.reference

    def money(self, amount: Decimal | None) -> str:
        return format_money(amount, self.currency)

    @property
    def last_billed_day(self):
        """The last day the lease runs: the end of the term, or the termination day if earlier."""
        if self.terminated_on is not None and self.terminated_on < self.end_date:
            return self.terminated_on
        return self.end_date

    @guard
    def _lessee_kyb_approved(self) -> str | None:
        if self.lessee.kyb_status != Counterparty.KYBStatus.APPROVED:
            return f"Lessee '{self.lessee}' KYB is '{self.lessee.get_kyb_status_display()}', not approved."
        return None

    @guard
    def _has_devices(self) -> str | None:
        if not self.devices.exists():
            return "The lease names no devices, so no usage could be metered."
        return None

    @guard
    def _term_ended(self) -> str | None:
        if self.end_date >= clock.today():
            return f"The term runs until {self.end_date}; it has not ended."
        return None

    _perm = "assets.transition_lease"

    @transition(state, source=State.DRAFT, target=State.ACTIVE, permission=_perm,
                conditions=[_lessee_kyb_approved, _has_devices])
    def activate(self) -> None:
        pass

    @transition(state, source=State.ACTIVE, target=State.SUSPENDED, permission=_perm,
                custom={"reason_required": True})
    def suspend(self) -> None:
        pass

    @transition(state, source=State.SUSPENDED, target=State.ACTIVE, permission=_perm,
                conditions=[_lessee_kyb_approved])
    def resume(self) -> None:
        pass

    @transition(state, source=[State.ACTIVE, State.SUSPENDED], target=State.TERMINATED,
                permission=_perm, custom={"reason_required": True})
    def terminate(self) -> None:
        pass

    @transition(state, source=[State.ACTIVE, State.SUSPENDED], target=State.EXPIRED,
                permission=_perm, conditions=[_term_ended])
    def expire(self) -> None:
        pass


class LeaseDevice(models.Model):
    """A device on a lease over days (both included): its metering on those days is the lease's usage.

    The rows follow the lease's term while it is a draft. From activation on the lease *holds*
    the device (``held``), and no other lease may hold it on any of those days (an exclusion
    constraint on device and days). Terminating the lease ends its rows on the termination day.
    """

    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="device_terms")
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="lease_terms")
    starts_on = models.DateField()
    ends_on = models.DateField()
    held = models.BooleanField(default=False,
                               help_text="The lease is live, so it holds the device on these days.")

    class Meta:
        db_table = "assets_lease_devices"
        unique_together = [("lease", "device")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="lease_device_days_ordered"),
            ExclusionConstraint(
                name="lease_device_held_once",
                expressions=[("device", RangeOperators.EQUAL),
                             (DateRange("starts_on", "ends_on"), RangeOperators.OVERLAPS)],
                condition=Q(held=True),
                violation_error_message="A device is on one lease on any day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} on {self.lease_id} {self.starts_on}..{self.ends_on}"


class Invoice(ConcurrentTransitionMixin, models.Model):
    """An invoice to a lessee for one lease and billing period, or a document referring to one:
    a credit note, a late-fee invoice, a supplementary invoice for usage metered after invoicing."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "invoice"
        CREDIT_NOTE = "credit_note", "credit note"
        LATE_FEE = "late_fee", "late-fee invoice"
        SUPPLEMENTARY = "supplementary", "supplementary invoice"

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        ISSUED = "issued", "issued"
        PARTIALLY_PAID = "partially_paid", "partially paid"
        PAID = "paid", "paid"
        OVERDUE = "overdue", "overdue"
        WRITTEN_OFF = "written_off", "written off"

    OPEN_STATES = (State.ISSUED, State.PARTIALLY_PAID, State.OVERDUE)

    number = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="invoices")
    credited_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
        help_text="For a credit note, late-fee or supplementary invoice: the invoice it refers to.",
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="Last day of the billing period.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    total = money_field(help_text="Sum of the lines (negative for a credit note).")
    amount_paid = money_field(default=Decimal("0"))
    amount_credited = money_field(default=Decimal("0"), help_text="Credit notes issued against it.")
    late_fee_charged_through = models.DateField(
        null=True, blank=True, help_text="Late fees on this invoice have been charged up to this day."
    )
    issue_date = models.DateField(null=True, blank=True, validators=bounds.dates())
    due_date = models.DateField(null=True, blank=True)
    written_off_on = models.DateField(null=True, blank=True)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "number"]
        constraints = [
            ExclusionConstraint(
                name="invoice_days_billed_once",
                expressions=[("lease", RangeOperators.EQUAL),
                             (DateRange("period_start", "period_end"), RangeOperators.OVERLAPS)],
                condition=Q(kind="invoice"),
                violation_error_message="Two invoices of a lease may not cover the same day.",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="invoice_period_ordered"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="invoice_paid_non_negative"),
            models.CheckConstraint(condition=Q(amount_credited__gte=0),
                                   name="invoice_credited_non_negative"),
            *bounds.check_dates("invoice", "period_start", "period_end", "issue_date"),
        ]
        permissions = [
            ("issue_invoice", "Can issue invoices and credit notes"),
            ("record_payment_invoice", "Can record payments against invoices"),
            ("mark_overdue_invoice", "Can mark invoices overdue"),
            ("write_off_invoice", "Can write off invoices"),
        ]

    def __str__(self) -> str:
        return self.number

    def money(self, amount: Decimal | None) -> str:
        return format_money(amount, self.currency)

    @property
    def outstanding(self) -> Decimal:
        if self.kind == self.Kind.CREDIT_NOTE:
            return Decimal("0.00")
        return self.total - self.amount_paid - self.amount_credited

    @guard
    def _has_lines(self) -> str | None:
        if not self.lines.exists():
            return "The invoice has no lines."
        return None

    @guard
    def _past_due(self) -> str | None:
        if self.due_date is None or self.due_date >= clock.today():
            return f"The invoice is due on {self.due_date}; it is not past due."
        return None

    @transition(state, source=State.DRAFT, target=State.ISSUED, permission="assets.issue_invoice",
                conditions=[_has_lines])
    def issue(self) -> None:
        pass

    @transition(state, source=[State.ISSUED, State.OVERDUE, State.PARTIALLY_PAID],
                target=State.PARTIALLY_PAID, permission="assets.record_payment_invoice",
                custom={"bulk_only": True})
    def pay_part(self) -> None:
        pass

    @transition(state, source=[State.ISSUED, State.OVERDUE, State.PARTIALLY_PAID], target=State.PAID,
                permission="assets.record_payment_invoice", custom={"bulk_only": True})
    def settle(self) -> None:
        pass

    @transition(state, source=[State.PAID, State.PARTIALLY_PAID], target=State.ISSUED,
                permission="assets.record_payment_invoice", custom={"bulk_only": True})
    def unpay(self) -> None:
        """A payment undone (a bank match undone) leaves nothing paid."""

    @transition(state, source=[State.PAID, State.PARTIALLY_PAID], target=State.PARTIALLY_PAID,
                permission="assets.record_payment_invoice", custom={"bulk_only": True})
    def unpay_part(self) -> None:
        """A payment undone leaves part of the invoice paid."""

    @transition(state, source=[State.ISSUED, State.PARTIALLY_PAID], target=State.OVERDUE,
                permission="assets.mark_overdue_invoice", conditions=[_past_due],
                custom={"label": "mark overdue"})
    def mark_overdue(self) -> None:
        pass

    @transition(state, source=[State.OVERDUE, State.PARTIALLY_PAID], target=State.WRITTEN_OFF,
                permission="assets.write_off_invoice", custom={"label": "write off",
                                                                "reason_required": True})
    def write_off(self) -> None:
        pass


class InvoiceLine(models.Model):
    """One component of an invoice: usage, minimum true-up, late fee or credit."""

    class Kind(models.TextChoices):
        USAGE = "usage", "usage"
        MINIMUM_TRUE_UP = "minimum_true_up", "minimum-commitment true-up"
        LATE_FEE = "late_fee", "late fee"
        CREDIT = "credit", "credit"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=20, decimal_places=6)
    unit_price = models.DecimalField(max_digits=PRICE_MAX_DIGITS + 6, decimal_places=PRICE_DECIMAL_PLACES)
    amount = money_field()

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"],
                                               name="invoice_line_position_unique")]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.position} {self.kind}"


class InvoicePayment(models.Model):
    """Cash received against an invoice; it counts from its value date (late fees, aging)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = money_field()
    value_date = models.DateField(validators=bounds.dates())
    reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "value_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_payment_positive"),
                       *bounds.check_dates("invoice_payment", "value_date")]

    def __str__(self) -> str:
        return f"{self.invoice} {self.value_date} {self.amount}"
