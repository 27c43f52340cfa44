from django.conf import settings
from django.db import models

from core.validators import COUNTRY_CHOICES, validate_country


class Investor(models.Model):
    """A person or entity that may subscribe to tranches; linked to a portal login."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "individual"
        ENTITY = "entity", "entity"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    legal_name = models.CharField(max_length=200)
    email = models.EmailField()
    country_of_residence = models.CharField(
        max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country]
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investor",
        help_text="The portal and API login of this investor.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name", "id"]
        indexes = [models.Index(fields=["legal_name"])]

    def __str__(self) -> str:
        return self.legal_name
