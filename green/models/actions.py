"""Retirements and sales of certificates: each names the block piece it took, and is final."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core import bounds
from core.money import money_field
from core.validators import CURRENCY_CHOICES, validate_currency


class Retirement(models.Model):
    """Certificates retired (claimed) for a beneficiary: final, never edited."""

    block = models.OneToOneField(
        "green.CertificateBlock", on_delete=models.PROTECT, related_name="retirement"
    )
    beneficiary = models.CharField(max_length=200)
    purpose = models.CharField(max_length=500, help_text="e.g. 'GPU-hours of Kestrel Robotics, Q1 2026'.")
    period_start = models.DateField(validators=bounds.dates(), help_text="Reporting period, first day.")
    period_end = models.DateField(validators=bounds.dates(), help_text="Reporting period, last day.")
    lessee = models.ForeignKey(
        "assets.Counterparty",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_retirements",
        help_text="The lessee whose consumption it covers (carbon accounting).",
    )
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-retired_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="retirement_period_ordered"
            ),
            *bounds.check_dates("retirement", "period_start", "period_end"),
        ]

    def __str__(self) -> str:
        return f"{self.block} for {self.beneficiary}"


class CertificateSale(models.Model):
    """Certificates sold to a buyer and transferred out; the receipt is a certificate-sale collection."""

    block = models.OneToOneField("green.CertificateBlock", on_delete=models.PROTECT, related_name="sale")
    buyer = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, validators=[validate_currency])
    price = money_field(help_text="Total price of the block piece.")
    sold_on = models.DateField(validators=bounds.dates())
    deal = models.ForeignKey(
        "issuance.Deal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_sales",
        help_text="The deal the collection belongs to.",
    )
    bank_entry = models.OneToOneField(
        "assets.BankEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_sale",
        help_text="The receipt in the bank.",
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sold_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="certificate_sale_price_positive"),
            *bounds.check_dates("certificate_sale", "sold_on"),
        ]
        permissions = [
            ("record_receipt_certificatesale", "Can match a certificate sale with its bank receipt")
        ]

    def __str__(self) -> str:
        return f"{self.block} to {self.buyer}"
