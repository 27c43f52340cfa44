"""Inputs of the carbon accounting of compute: hourly grid factors per site and embodied emissions
per device. The annual factor and the PUE are the site's own (``assets.Site``)."""

from django.conf import settings
from django.db import models

from core import bounds

MAX_G_PER_MWH = 2_000_000  # 2,000 gCO2e/kWh: above any grid
MAX_EMBODIED_KG = 1_000_000  # one device: a rack of GPUs is a few tonnes


class EmissionFactorImport(models.Model):
    """One file of hourly location-based factors for a site (hour,g_per_kwh), gap-free."""

    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="emission_factor_imports")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=200, help_text="e.g. 'EMA half-hourly grid emission factors 2026'.")
    first_hour = models.DateTimeField(
        validators=bounds.between(bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME)
    )
    last_hour = models.DateTimeField(
        validators=bounds.between(bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME)
    )
    rows = models.PositiveIntegerField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["site", "sha256"], name="emission_factor_import_once")]
        permissions = [("import_emissionfactorimport", "Can import hourly grid emission factors")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.first_hour:%Y-%m-%d %H:00} to {self.last_hour:%Y-%m-%d %H:00}"


class HourlyEmissionFactor(models.Model):
    """A site's grid emission factor for one clock hour (UTC), in gCO2e per MWh (= mg per kWh)."""

    pk = models.CompositePrimaryKey("site", "hour")
    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="+", db_index=False)
    hour = models.DateTimeField(validators=bounds.between(bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME))
    g_per_mwh = models.PositiveIntegerField(validators=bounds.between(0, MAX_G_PER_MWH))
    batch = models.ForeignKey(
        EmissionFactorImport, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["site", "hour"]
        constraints = [bounds.check("hourly_emission_factor", "g_per_mwh", 0, MAX_G_PER_MWH)]

    def __str__(self) -> str:
        return f"{self.site_id} {self.hour:%Y-%m-%d %H:00}: {self.g_per_mwh} g/MWh"


class EmbodiedEmissions(models.Model):
    """A device's embodied emissions over its life (manufacture, transport, end of life), kgCO2e,
    amortised over ``useful_life_years`` x 8,760 hours x its GPUs."""

    device = models.OneToOneField(
        "assets.Device", on_delete=models.PROTECT, related_name="embodied_emissions"
    )
    kg_co2e = models.PositiveIntegerField(validators=bounds.between(1, MAX_EMBODIED_KG))
    source = models.CharField(max_length=200, help_text="e.g. 'vendor LCA 2025'.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["device_id"]
        verbose_name_plural = "embodied emissions"
        constraints = [bounds.check("embodied_emissions", "kg_co2e", 1, MAX_EMBODIED_KG)]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.kg_co2e} kgCO2e"
