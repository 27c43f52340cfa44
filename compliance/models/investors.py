"""Investors and, for entities, their ultimate beneficial owners."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import bounds
from core.validators import COUNTRY_CHOICES, validate_country


class Investor(models.Model):
    """A person or entity that may subscribe to tranches; linked to a portal login.

    For an entity, ``country_of_residence`` is its country of incorporation and
    ``nationality`` stays blank; ``date_of_birth`` is for individuals only.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "individual"
        ENTITY = "entity", "entity"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    legal_name = models.CharField(max_length=200)
    email = models.EmailField()
    country_of_residence = models.CharField(
        max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country]
    )
    nationality = models.CharField(
        max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country], blank=True,
        help_text="ISO 3166-1 alpha-2 nationality (individuals).",
    )
    date_of_birth = models.DateField(null=True, blank=True, help_text="Individuals only.",
                                     validators=bounds.dates(earliest=bounds.EARLIEST_BIRTH_DATE))
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True, help_text="Residential or registered address.")
    registration_number = models.CharField(
        max_length=64, blank=True, help_text="Company registration number (entities)."
    )
    is_pep = models.BooleanField(
        "politically exposed person", default=False,
        help_text="The investor (or, for an entity, a controlling person) is a PEP.",
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
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="individual") | Q(date_of_birth__isnull=True),
                name="investor_birth_date_individuals_only",
            ),
            *bounds.check_dates("investor", "date_of_birth", earliest=bounds.EARLIEST_BIRTH_DATE),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_individual(self) -> bool:
        return self.kind == self.Kind.INDIVIDUAL


class BeneficialOwner(models.Model):
    """A natural person who ultimately owns 25 % or more of an entity investor.

    Screened like an investor (the screening app reads ``investor.beneficial_owners``).
    """

    MIN_PERCENT = 25

    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="beneficial_owners")
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(validators=bounds.dates(earliest=bounds.EARLIEST_BIRTH_DATE))
    nationality = models.CharField(max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country])
    country_of_residence = models.CharField(
        max_length=2, choices=COUNTRY_CHOICES, validators=[validate_country], blank=True
    )
    ownership_percent = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="Direct and indirect ownership, 25.00 to 100.00."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["investor", "-ownership_percent", "full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ownership_percent__gte=25) & Q(ownership_percent__lte=100),
                name="beneficial_owner_percent_25_to_100",
            ),
            *bounds.check_dates("beneficial_owner", "date_of_birth", earliest=bounds.EARLIEST_BIRTH_DATE),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.ownership_percent} % of {self.investor})"
