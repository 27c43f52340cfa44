"""Certificate registries and standards, with the format of their serial numbers (as data)."""

from django.db import models

from core.validators import COUNTRY_CHOICES, validate_country


class Registry(models.Model):
    """A registry or standard issuing certificates: I-REC, Verra VCS, Gold Standard, M-RETS, ...

    ``serial_format`` is a template parsed by ``green.serials`` (``{batch:int}-{first}-{last}-VCS-...``);
    ``series_parts`` names the parts that, with the registry, make a *series*: two live blocks of one
    registry and series never share a serial number (an empty list: numbers are unique registry-wide).
    """

    class Kind(models.TextChoices):
        REC = "rec", "energy attribute certificate (1 MWh)"
        CARBON = "carbon", "carbon credit (1 tCO2e)"

    code = models.CharField(max_length=32, unique=True, help_text="e.g. 'I-REC', 'VCS', 'GS', 'M-RETS'.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    serial_format = models.CharField(max_length=300, help_text="Template of the serial (docs/green.md).")
    series_parts = models.JSONField(default=list, blank=True,
                                    help_text="Parts of the serial that, with the registry, name a series.")
    default_country = models.CharField(max_length=2, blank=True, choices=COUNTRY_CHOICES,
                                       validators=[validate_country],
                                       help_text="Country of blocks whose serial names none (M-RETS: US).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "registries"

    def __str__(self) -> str:
        return self.code
