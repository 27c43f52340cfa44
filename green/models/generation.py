"""Hourly generation of energy devices and the issuance requests it accrues toward.

A solar device's generation is metered hourly in Wh, like the GPU servers' energy
(``assets.MeterReading`` holds GPU servers only: GPU-hours and IT energy). One REC per MWh:
an issuance request for a device and a period sums that period's generation, adds the fraction
carried from the device's previous request, asks for the whole MWh and carries the rest.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import bounds
from core.fields import DateRange
from core.transitions import guard

WH_PER_MWH = 1_000_000
MAX_WH_PER_HOUR = 2_000_000_000  # 2 GWh in an hour from one device: beyond any plant we would own


class GenerationImport(models.Model):
    """One generation file imported; its sha256 makes a re-import of the same file a no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True)
    rows = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        permissions = [("import_generationimport", "Can import hourly generation of energy devices")]

    def __str__(self) -> str:
        return f"{self.filename or 'generation'} ({self.rows} rows)"


class GenerationReading(models.Model):
    """An energy device's generation in one clock hour (UTC, hour start), in Wh. Never edited."""

    pk = models.CompositePrimaryKey("device", "hour")
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="+", db_index=False)
    hour = models.DateTimeField(validators=bounds.between(bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME))
    energy_wh = models.BigIntegerField(validators=bounds.between(0, MAX_WH_PER_HOUR))
    batch = models.ForeignKey(GenerationImport, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        ordering = ["device", "hour"]
        constraints = [
            bounds.check("generation_reading", "energy_wh", 0, MAX_WH_PER_HOUR),
            bounds.check("generation_reading", "hour", bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.hour:%Y-%m-%d %H:00}: {self.energy_wh} Wh"


@guard
def _no_later_request(request: "IssuanceRequest") -> str | None:
    later = IssuanceRequest.objects.filter(device_id=request.device_id, period_start__gt=request.period_end
                                           ).exclude(state=IssuanceRequest.State.REJECTED).first()
    if later:
        return (f"the device's later request #{later.pk} ({later.period_start} to {later.period_end}) took "
                "this request's carried fraction; reject that one first.")
    return None


class IssuanceRequest(ConcurrentTransitionMixin, models.Model):
    """A request to a registry to issue certificates for a device's generation in a period.

    ``metered_wh`` + ``carry_in_wh`` = ``eligible`` MWh x 1,000,000 + ``carry_out_wh``. When the
    registry issues, the block is recorded against the request (``green.CertificateBlock``); a block
    of more than ``eligible`` certificates is refused.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", "requested"
        ISSUED = "issued", "issued"
        REJECTED = "rejected", "rejected"

    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="issuance_requests")
    registry = models.ForeignKey("green.Registry", on_delete=models.PROTECT, related_name="issuance_requests")
    period_start = models.DateField(validators=bounds.dates())
    period_end = models.DateField(validators=bounds.dates(), help_text="Last day of generation (included).")
    metered_wh = models.BigIntegerField(help_text="Generation in the period, Wh.")
    carry_in_wh = models.BigIntegerField(help_text="Fraction of a MWh carried from the previous request.")
    eligible = models.BigIntegerField(help_text="Whole MWh: the most certificates the registry may issue.")
    carry_out_wh = models.BigIntegerField(
        help_text="What is left under one MWh, carried to the next request."
    )
    issued_quantity = models.BigIntegerField(null=True, blank=True)
    state = FSMField(default=State.REQUESTED, choices=State.choices, protected=True, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["device", "period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="issuance_request_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(
                    metered_wh__gte=0,
                    carry_in_wh__gte=0,
                    carry_in_wh__lt=WH_PER_MWH,
                    carry_out_wh__gte=0,
                    carry_out_wh__lt=WH_PER_MWH,
                    eligible__gte=0,
                )
                & Q(eligible=(F("metered_wh") + F("carry_in_wh") - F("carry_out_wh")) / WH_PER_MWH),
                name="issuance_request_accrual_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(issued_quantity__isnull=True)
                | Q(issued_quantity__gte=1, issued_quantity__lte=F("eligible")),
                name="issuance_request_issued_within_eligible",
            ),
            *bounds.check_dates("issuance_request", "period_start", "period_end"),
            ExclusionConstraint(
                name="issuance_request_generation_once",
                expressions=[
                    ("device", RangeOperators.EQUAL),
                    (DateRange("period_start", "period_end"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(state="rejected"),
                violation_error_message="A device's generation is requested once per day.",
            ),
        ]
        permissions = [
            ("issue_issuancerequest", "Can record the block a registry issued for a request"),
            ("reject_issuancerequest", "Can record that a registry rejected an issuance request"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.device_id and self.device.code} {self.period_start} to {self.period_end}"

    @transition(
        state,
        source=State.REQUESTED,
        target=State.ISSUED,
        permission="green.issue_issuancerequest",
        custom={"label": "record the issued block"},
    )
    def issue(self) -> None:
        pass

    @transition(
        state,
        source=State.REQUESTED,
        target=State.REJECTED,
        permission="green.reject_issuancerequest",
        conditions=[_no_later_request],
        custom={"reason_required": True},
    )
    def reject(self) -> None:
        pass
