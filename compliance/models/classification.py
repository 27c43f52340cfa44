"""Investor classification records: dated, with the declared figures, evidence and a validity."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import bounds
from core.validators import CURRENCY_CHOICES


class InvestorClass(models.TextChoices):
    HK_PROFESSIONAL = "hk_professional", "Hong Kong professional investor"
    SG_ACCREDITED = "sg_accredited", "Singapore accredited investor"
    US_ACCREDITED = "us_accredited", "US accredited investor"
    RETAIL = "retail", "retail"


class Regime(models.TextChoices):
    HK = "hk", "Hong Kong (SFO professional investor)"
    SG = "sg", "Singapore (SFA accredited investor)"
    US = "us", "United States (Reg D accredited investor)"


class InvestorClassification(models.Model):
    """The outcome of testing an investor's declared figures against one regime's thresholds.

    ``investor_class`` is the regime's class when a test passed, else retail;
    ``test_passed`` and ``explanation`` say which test decided it. A record is in
    force from ``valid_from`` to ``valid_until`` (inclusive) unless revoked.
    """

    investor = models.ForeignKey("compliance.Investor", on_delete=models.PROTECT,
                                 related_name="classifications")
    regime = models.CharField(max_length=4, choices=Regime.choices)
    investor_class = models.CharField(max_length=20, choices=InvestorClass.choices)
    test_passed = models.CharField(max_length=48, blank=True,
                                   help_text="Code of the threshold test that passed; blank if none.")
    explanation = models.TextField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    declared = models.JSONField(help_text="The declared figures, as exact decimal strings.")
    opted_in_at = models.DateTimeField(null=True, blank=True,
                                       help_text="Singapore: when the investor opted in to AI status.")
    evidence = models.ForeignKey("compliance.Document", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(validators=bounds.dates())
    valid_until = models.DateField(validators=bounds.dates())
    revoked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["investor", "-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")),
                                   name="classification_valid_until_after_from"),
            *bounds.check_dates("classification", "valid_from", "valid_until"),
        ]

    def __str__(self) -> str:
        span = f"{self.valid_from} to {self.valid_until}"
        return f"{self.investor}: {self.get_investor_class_display()} ({span})"

    def in_force(self, on) -> bool:
        return self.revoked_at is None and self.valid_from <= on <= self.valid_until
