"""A deal's servicing terms: the business-day calendar its dates are adjusted with, the offsets that
give each period's determination, record and payment dates, the collection account its receipts
are read from, and who may approve a determination (docs/servicing.md, "Collection periods")."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core import bounds
from core.calendars import Adjustment, BusinessCalendar
from issuance.models import Deal

MAX_LAG_DAYS = 90
MAX_LEAD_BUSINESS_DAYS = 30


class ServicingTerms(models.Model):
    """One row per deal. Dates of a period ending on ``end``:

    - payment date = ``end`` + ``payment_lag_days`` calendar days, adjusted with ``adjustment``
      (modified following by default) on the calendar;
    - determination date = payment date - ``determination_lead_business_days`` business days;
    - record date = payment date - ``record_lead_business_days`` business days.
    """

    deal = models.OneToOneField(Deal, on_delete=models.PROTECT, related_name="servicing_terms")
    calendar_codes = ArrayField(
        models.CharField(max_length=16),
        default=list,
        blank=True,
        size=bounds.MAX_LIST_ITEMS,
        help_text="Holiday calendars (holidays package): countries such as SG or "
        "US-NY, markets such as NYSE or ECB. Weekends are always closed.",
    )
    extra_holidays = ArrayField(
        models.DateField(validators=bounds.dates()),
        default=list,
        blank=True,
        size=bounds.MAX_LIST_ITEMS,
        help_text="Closed days the package does not know (a typhoon closure).",
    )
    adjustment = models.CharField(
        max_length=20,
        default=Adjustment.MODIFIED_FOLLOWING,
        choices=[(a.value, a.value.replace("_", " ")) for a in Adjustment],
    )
    payment_lag_days = models.PositiveSmallIntegerField(
        default=15,
        validators=bounds.between(1, MAX_LAG_DAYS),
        help_text="Calendar days from the period end to the unadjusted payment date.",
    )
    determination_lead_business_days = models.PositiveSmallIntegerField(
        default=5,
        validators=bounds.between(1, MAX_LEAD_BUSINESS_DAYS),
        help_text="Business days from the determination date to the payment date.",
    )
    record_lead_business_days = models.PositiveSmallIntegerField(
        default=2,
        validators=bounds.between(0, MAX_LEAD_BUSINESS_DAYS),
        help_text="Business days from the record date to the payment date (holders of record are paid).",
    )
    collection_account = models.CharField(
        max_length=64, help_text="The SPV's collection account (account number as on its bank statements)."
    )
    trustee_may_approve = models.BooleanField(
        default=False, help_text="The deal's documents let the trustee approve a period's determination."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deal_id"]
        verbose_name = "servicing terms"
        verbose_name_plural = "servicing terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(record_lead_business_days__lte=models.F("determination_lead_business_days")),
                name="servicing_terms_record_not_before_determination",
            ),
            bounds.check("servicing_terms", "payment_lag_days", 1, MAX_LAG_DAYS),
            bounds.check("servicing_terms", "determination_lead_business_days", 1, MAX_LEAD_BUSINESS_DAYS),
            bounds.check("servicing_terms", "record_lead_business_days", 0, MAX_LEAD_BUSINESS_DAYS),
        ]

    def __str__(self) -> str:
        return f"{self.deal.name} servicing terms"

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.calendar_codes, extra_holidays=self.extra_holidays)
