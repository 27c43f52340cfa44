"""Hourly metering per device and the import batches that brought it in."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import bounds


class MeterImportBatch(models.Model):
    """One metering file imported: its sha256 makes a re-import of the same file a no-op."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "CSV upload (admin)"
        API = "api", "API"
        COMMAND = "command", "management command"

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    rows_total = models.PositiveBigIntegerField()
    rows_inserted = models.PositiveBigIntegerField()
    rows_unchanged = models.PositiveBigIntegerField(
        help_text="Rows already stored with identical values (an overlapping earlier file)."
    )
    first_hour = models.DateTimeField(null=True, blank=True)
    last_hour = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = "metering import"
        permissions = [("import_meterimportbatch", "Can import metering files")]

    def __str__(self) -> str:
        return f"{self.filename or 'metering'} ({self.rows_total} rows, {self.sha256[:12]})"


class MeterReading(models.Model):
    """One device's delivered GPU-hours and IT energy for one clock hour (UTC, hour start).

    The primary key is (hour, device): one reading per device and hour, no surrogate id, and
    a single index. Metering arrives in time order, so new rows append at the right edge of
    that index; it also serves "these devices in this period" (invoices, utilisation).
    Models with a composite key have no admin page in Django 5.2: readings are shown through
    the API and summarised per import in the admin.

    Written only by the bulk import (COPY on PostgreSQL); never edited or deleted. The two
    foreign keys have no database constraint: a per-row referential check would cost more than
    the rest of the import, the import checks every device against the device table itself,
    the batch is created in the same transaction, and devices and batches are never deleted
    (PROTECT, no delete in the admin or the API).
    """

    pk = models.CompositePrimaryKey("hour", "device")
    device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="+",
                               db_index=False, db_constraint=False)
    hour = models.DateTimeField(validators=bounds.between(bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME),
                                help_text="Start of the hour, UTC.")
    gpu_hours = models.PositiveIntegerField(help_text="Whole GPU-hours delivered in the hour.")
    energy_wh = models.PositiveIntegerField("IT energy (Wh)")
    utilisation_bp = models.PositiveSmallIntegerField(
        "utilisation (basis points)", null=True, blank=True,
        help_text="Optional average GPU utilisation, 0 to 10000 (10000 = 100 %).",
    )
    batch = models.ForeignKey(MeterImportBatch, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)

    class Meta:
        ordering = ["device", "hour"]
        constraints = [
            models.CheckConstraint(condition=Q(utilisation_bp__lte=10000),
                                   name="meter_reading_utilisation_max_100pct"),
            bounds.check("meter_reading", "hour", bounds.EARLIEST_DATETIME, bounds.LATEST_DATETIME),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.hour:%Y-%m-%d %H:00}"
