"""A deal's waterfall description (the priority of payments as data, servicing.waterfall.SCHEMA) and
the amendments that change it once the deal is issued (docs/servicing.md, "The waterfall
description")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from issuance.models import Deal


class WaterfallDescription(models.Model):
    """The description in force for a deal; ``version`` counts its changes (1 when first stored)."""

    deal = models.OneToOneField(Deal, on_delete=models.PROTECT, related_name="waterfall_description")
    description = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deal_id"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="waterfall_description_version")
        ]

    def __str__(self) -> str:
        return f"{self.deal.name} waterfall v{self.version}"


class WaterfallAmendment(ConcurrentTransitionMixin, models.Model):
    """A change to an issued deal's description: takes effect when a second person approves it, and
    only if the description is still at ``base_version``."""

    class State(models.TextChoices):
        PROPOSED = "proposed", "proposed"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"

    waterfall = models.ForeignKey(WaterfallDescription, on_delete=models.PROTECT, related_name="amendments")
    base_version = models.PositiveIntegerField(help_text="The version this amendment changes.")
    description = models.JSONField(help_text="The whole description as amended.")
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
        ordering = ["waterfall", "id"]
        permissions = [
            (
                "approve_waterfallamendment",
                "Can approve an amendment of an issued deal's waterfall (checker)",
            ),
            ("reject_waterfallamendment", "Can reject an amendment of a waterfall"),
        ]

    def __str__(self) -> str:
        return f"{self.waterfall.deal.name} waterfall amendment #{self.pk} (of v{self.base_version})"

    @transition(
        state,
        source=State.PROPOSED,
        target=State.APPROVED,
        permission="servicing.approve_waterfallamendment",
        custom={"checker_of": "proposed_by", "makers_from_audit": ("create",)},
    )
    def approve(self) -> None:
        pass

    @transition(
        state,
        source=State.PROPOSED,
        target=State.REJECTED,
        permission="servicing.reject_waterfallamendment",
        custom={"reason_required": True},
    )
    def reject(self) -> None:
        pass
