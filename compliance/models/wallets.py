"""Wallets proven to belong to an investor, and the challenges that prove it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Wallet(models.Model):
    """An EVM address proven (by signing a challenge) to belong to one investor."""

    investor = models.ForeignKey("compliance.Investor", on_delete=models.PROTECT, related_name="wallets")
    address = models.CharField(max_length=42, unique=True, help_text="EIP-55 checksummed address.")
    verified_at = models.DateTimeField()
    challenge = models.OneToOneField("compliance.WalletChallenge", on_delete=models.PROTECT,
                                     related_name="wallet")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["investor", "address"]
        constraints = [
            models.CheckConstraint(condition=Q(address__regex=r"^0x[0-9a-fA-F]{40}$"),
                                   name="wallet_address_format"),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.investor})"


class WalletChallenge(models.Model):
    """A server-issued, expiring, single-use message the investor signs (EIP-191 personal_sign)."""

    investor = models.ForeignKey("compliance.Investor", on_delete=models.PROTECT,
                                 related_name="wallet_challenges")
    address = models.CharField(max_length=42, help_text="EIP-55 checksummed address to prove.")
    nonce = models.CharField(max_length=64, unique=True)
    message = models.TextField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"challenge #{self.pk} for {self.address}"
