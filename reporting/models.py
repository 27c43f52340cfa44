"""Generated reports and bulk statement runs (docs/reporting.md).

A report is one file of one kind for one subject: an investor's statement for a collection
period, a deal's servicer / trustee report for a period, or a deal's green impact report for a
calendar year. Every request makes a new version; old versions stay. The file lives in private
storage (``reporting.storage``) with the SHA-256 of its bytes and the SHA-256 of the canonical
JSON of the data it was built from.

Report: queued -> running -> done | failed (a failed report is queued again by a retry).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reporting.storage import report_storage


class Kind(models.TextChoices):
    INVESTOR_STATEMENT = "investor_statement", "investor statement"
    SERVICER_REPORT = "servicer_report", "servicer / trustee report"
    IMPACT_REPORT = "impact_report", "green impact report"


class Format(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


CONTENT_TYPES = {
    Format.PDF: "application/pdf",
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _report_path(report: "Report", filename: str) -> str:
    return f"{report.deal_id}/{report.kind}/{filename}"


class StatementRun(models.Model):
    """The statements of every holder of a deal for one period, requested at once and generated
    by many tasks. Holds no state of its own: its progress is that of its reports."""

    deal = models.ForeignKey("issuance.Deal", on_delete=models.PROTECT, related_name="statement_runs")
    period = models.ForeignKey("servicing.CollectionPeriod", on_delete=models.PROTECT, related_name="+")
    formats = models.JSONField(help_text="The formats of each holder's statement, e.g. [\"pdf\", \"csv\"].")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"statements of {self.deal.name} period {self.period.number} (run #{self.pk})"


class Report(models.Model):
    """One generated file (docs/reporting.md). ``period`` for statements and servicer reports,
    ``year`` for impact reports; ``investor`` for statements only. ``draft``: the period (or year)
    was not closed when it was generated; every page says DRAFT."""

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    deal = models.ForeignKey("issuance.Deal", on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey("servicing.CollectionPeriod", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="reports")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    investor = models.ForeignKey("compliance.Investor", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reports")
    format = models.CharField(max_length=4, choices=Format.choices)
    version = models.PositiveIntegerField(help_text="1, then one more per new request for the same subject.")
    draft = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.JSONField(default=dict, blank=True, help_text="{'step': ..., 'done': n, 'total': n}")
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=report_storage, upload_to=_report_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the stored file.")
    data_sha256 = models.CharField(max_length=64, blank=True,
                                   help_text="SHA-256 of the canonical JSON of the data the file shows.")
    run = models.ForeignKey(StatementRun, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="reports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "deal", "period", "year", "investor", "format",
                                            "version"], nulls_distinct=False, name="report_version_unique"),
            models.UniqueConstraint(fields=["run", "investor", "format"], condition=Q(run__isnull=False),
                                    name="report_once_per_run_holder_format"),
            models.CheckConstraint(
                condition=(Q(kind="investor_statement", investor__isnull=False, period__isnull=False,
                             year__isnull=True)
                           | Q(kind="servicer_report", investor__isnull=True, period__isnull=False,
                               year__isnull=True)
                           | Q(kind="impact_report", investor__isnull=True, period__isnull=True,
                               year__isnull=False)),
                name="report_subject_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(state="done") | (~Q(file="") & ~Q(file_sha256="")),
                                   name="report_done_has_file"),
        ]
        indexes = [models.Index(fields=["deal", "kind"], name="report_deal_kind"),
                   models.Index(fields=["investor"], name="report_investor")]

    def __str__(self) -> str:
        subject = f"period {self.period.number}" if self.period_id else str(self.year)
        who = f" for {self.investor.legal_name}" if self.investor_id else ""
        return f"{self.get_kind_display()} {self.deal.name} {subject}{who} v{self.version} ({self.format})"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def filename(self) -> str:
        subject = f"p{self.period.number}" if self.period_id else str(self.year)
        who = f"-investor{self.investor_id}" if self.investor_id else ""
        draft = "-DRAFT" if self.draft else ""
        return f"{self.kind}-deal{self.deal_id}-{subject}{who}-v{self.version}{draft}.{self.format}"
