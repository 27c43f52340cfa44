"""A deal's collection periods and their lifecycle (docs/servicing.md).

open -> collecting -> determined -> approved -> distributing -> distributed -> closed. Issuer
operations determines (runs the waterfall on the period's available funds), someone else
approves; a determined period may be determined again until it is approved.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from core import bounds
from core.fields import DateRange
from issuance.models import Deal


class CollectionPeriod(models.Model):
    """One collection period of a deal: the cash collected from ``start`` to ``end`` (both
    included) is paid on ``payment_date`` to the holders of record on ``record_date``."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        COLLECTING = "collecting", "collecting"
        DETERMINED = "determined", "determined"
        APPROVED = "approved", "approved"
        DISTRIBUTING = "distributing", "distributing"
        DISTRIBUTED = "distributed", "distributed"
        CLOSED = "closed", "closed"

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="collection_periods")
    number = models.PositiveIntegerField(help_text="1 for the first period after closing.")
    start = models.DateField(validators=bounds.dates())
    end = models.DateField(validators=bounds.dates(), help_text="Last day of the period (included).")
    determination_date = models.DateField(validators=bounds.dates())
    record_date = models.DateField(validators=bounds.dates())
    payment_date = models.DateField(validators=bounds.dates())
    state = FSMField(default=State.OPEN, choices=State.choices, protected=True, db_index=True)
    determined_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "number"], name="collection_period_number_unique"),
            ExclusionConstraint(
                name="collection_period_days_once",
                expressions=[("deal", RangeOperators.EQUAL),
                             (DateRange("start", "end"), RangeOperators.OVERLAPS)],
                violation_error_message="Two collection periods of a deal may not cover the same day.",
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="collection_period_ordered"),
            models.CheckConstraint(
                condition=Q(determination_date__gt=models.F("end"))
                & Q(record_date__gte=models.F("determination_date"))
                & Q(payment_date__gte=models.F("record_date")),
                name="collection_period_dates_in_order",
            ),
            *bounds.check_dates("collection_period", "start", "end", "determination_date", "record_date",
                                "payment_date"),
        ]
        permissions = [
            ("determine_collectionperiod", "Can determine a collection period (run its waterfall)"),
            ("approve_collectionperiod", "Can approve a determined collection period"),
            ("distribute_collectionperiod", "Can distribute and pay an approved collection period"),
            ("close_collectionperiod", "Can close a distributed collection period"),
        ]

    def __str__(self) -> str:
        return f"{self.deal.name} period {self.number} ({self.start} to {self.end})"

    @transition(state, source=State.OPEN, target=State.COLLECTING,
                permission="servicing.determine_collectionperiod", custom={"bulk_only": True})
    def start_collecting(self) -> None:
        pass

    @transition(state, source=[State.COLLECTING, State.DETERMINED], target=State.DETERMINED,
                permission="servicing.determine_collectionperiod", custom={"bulk_only": True})
    def determine(self) -> None:
        pass

    @transition(state, source=State.DETERMINED, target=State.APPROVED,
                permission="servicing.approve_collectionperiod",
                custom={"checker_of": "determined_by", "makers_from_audit": ("determine",)})
    def approve(self) -> None:
        pass

    @transition(state, source=State.APPROVED, target=State.DISTRIBUTING,
                permission="servicing.distribute_collectionperiod", custom={"bulk_only": True})
    def start_distributing(self) -> None:
        pass

    @transition(state, source=State.DISTRIBUTING, target=State.DISTRIBUTED,
                permission="servicing.distribute_collectionperiod", custom={"bulk_only": True})
    def finish_distributing(self) -> None:
        pass

    @transition(state, source=State.DISTRIBUTED, target=State.CLOSED,
                permission="servicing.close_collectionperiod")
    def close(self) -> None:
        pass
