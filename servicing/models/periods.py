"""A deal's collection periods and their lifecycle (docs/servicing.md).

open -> collecting -> determined -> approved -> distributing -> distributed -> closed. Issuer
operations determines (runs the waterfall on the period's available funds), someone else
approves; a determined period may be determined again until it is approved.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import bounds, clock
from core.fields import DateRange
from core.roles import ISSUER_OPERATIONS, TRUSTEE_AUDITOR, roles_of
from core.transitions import guard
from issuance.models import Deal

APPROVE_PERMISSION = "servicing.approve_collectionperiod"


def may_approve(period: "CollectionPeriod", user) -> bool:
    """Issuer operations (a second person) approves; the trustee role only where the deal's
    servicing terms say the trustee may (``ServicingTerms.trustee_may_approve``)."""
    if not user.is_authenticated or not user.has_perm(APPROVE_PERMISSION):
        return False
    if user.is_superuser or ISSUER_OPERATIONS in roles_of(user) or TRUSTEE_AUDITOR not in roles_of(user):
        return True
    terms = getattr(period.deal, "servicing_terms", None)
    return bool(terms and terms.trustee_may_approve)


class CollectionPeriod(ConcurrentTransitionMixin, models.Model):
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

    @guard
    def _has_ended(self) -> str | None:
        if clock.today() <= self.end:
            return (f"Period {self.number} ends on {self.end}; it can be determined from "
                    f"{self.end + timedelta(days=1)}.")
        return None

    @guard
    def _previous_approved(self) -> str | None:
        if self.number == 1:
            return None
        previous = CollectionPeriod.objects.filter(deal_id=self.deal_id, number=self.number - 1).first()
        before_approval = (self.State.OPEN, self.State.COLLECTING, self.State.DETERMINED)
        if previous is None or previous.state in before_approval:
            state = previous.get_state_display() if previous else "missing"
            return (f"Period {self.number - 1} is {state}: its approved run gives the balances this period "
                    "starts from, so it must be approved first.")
        return None

    @guard
    def _has_description(self) -> str | None:
        if not type(self).objects.filter(pk=self.pk, deal__waterfall_description__isnull=False).exists():
            return f"Deal '{self.deal}' has no waterfall description yet."
        return None

    @guard
    def _nothing_blocks_close(self) -> str | None:
        from servicing.providers import close_blockers

        found = close_blockers(self)
        return " ".join(found) if found else None

    @transition(state, source=State.OPEN, target=State.COLLECTING,
                permission="servicing.determine_collectionperiod", custom={"bulk_only": True})
    def start_collecting(self) -> None:
        pass

    @transition(state, source=[State.OPEN, State.COLLECTING, State.DETERMINED], target=State.DETERMINED,
                permission="servicing.determine_collectionperiod",
                conditions=[_has_ended, _previous_approved, _has_description])
    def determine(self) -> None:
        pass

    @transition(state, source=State.DETERMINED, target=State.APPROVED, permission=may_approve,
                custom={"checker_of": "determined_by", "makers_from_audit": ("determine",),
                        "permission_text": f"the permission '{APPROVE_PERMISSION}' (the trustee role only "
                                           "where the deal's servicing terms let the trustee approve)"})
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
                permission="servicing.close_collectionperiod", conditions=[_nothing_blocks_close])
    def close(self) -> None:
        pass
