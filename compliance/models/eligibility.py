"""Who may invest in a deal."""

from django.db import models
from django.db.models import Q

from core import bounds
from core.money import money_field


class DealEligibility(models.Model):
    """A deal's investor restrictions. Without one, only the base checks apply (approved,
    unexpired KYC and no screening blockers).

    Jurisdictions are ISO 3166-1 alpha-2 codes; a blocked code refuses investors resident
    in it *or* holding its nationality (so "US" also keeps out US citizens abroad).
    """

    deal = models.OneToOneField("issuance.Deal", on_delete=models.PROTECT, related_name="eligibility")
    allowed_classes = models.JSONField(
        default=list, blank=True,
        help_text="Investor classes allowed, e.g. [\"hk_professional\", \"sg_accredited\"]; "
                  "empty means any class with a classification in force.",
    )
    allowed_jurisdictions = models.JSONField(default=list, blank=True,
                                             help_text="Residence countries allowed; empty means any.")
    blocked_jurisdictions = models.JSONField(default=list, blank=True,
                                             help_text="Countries of residence or nationality refused.")
    minimum_subscription = money_field(null=True, blank=True,
                                       help_text="Smallest request accepted, in the deal currency.")
    maximum_investors = models.PositiveIntegerField(
        null=True, blank=True, validators=bounds.between(1, bounds.MAX_INVESTORS_PER_DEAL),
        help_text="Most distinct investors in the deal.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deal eligibility"
        ordering = ["deal_id"]  # one row per deal; lists page through them in deal order
        constraints = [
            models.CheckConstraint(condition=Q(minimum_subscription__isnull=True)
                                   | Q(minimum_subscription__gt=0),
                                   name="deal_eligibility_minimum_positive"),
            models.CheckConstraint(condition=Q(maximum_investors__isnull=True) | Q(maximum_investors__gt=0),
                                   name="deal_eligibility_maximum_positive"),
            bounds.check("deal_eligibility", "maximum_investors", 1, bounds.MAX_INVESTORS_PER_DEAL),
        ]

    def __str__(self) -> str:
        return f"Eligibility of {self.deal}"
