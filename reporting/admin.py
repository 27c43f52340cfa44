"""Admin: reports (read-only, with their audit trail, a download link that checks the hash, and
"retry" for failed ones) and bulk statement runs with their progress. Reports are requested
through the API or the services; nothing is edited or deleted here."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin_base import ReadOnlyAdmin, ReadOnlyWithHistoryAdmin
from core.errors import Refused
from reporting.models import Report, StatementRun
from reporting.selectors import reports_visible_to
from reporting.services import report_open_for_download, report_retry, run_progress, statement_run_retry


@admin.register(Report)
class ReportAdmin(ReadOnlyWithHistoryAdmin):
    list_display = [
        "id",
        "kind",
        "deal",
        "period",
        "year",
        "investor",
        "format",
        "version",
        "draft",
        "state",
        "finished_at",
        "download",
    ]
    list_filter = ["kind", "format", "state", "draft"]
    search_fields = ["deal__name", "investor__legal_name", "file_sha256", "data_sha256"]
    list_select_related = ["deal", "period__deal", "investor"]
    exclude = ["file"]
    actions = ["retry"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="reporting_report_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="file")
    def download(self, obj: Report) -> str:
        if obj.state != Report.State.DONE:
            return "-"
        return format_html(
            '<a href="{}">download</a>', reverse("admin:reporting_report_download", args=[obj.pk])
        )

    def download_view(self, request, pk: int):
        report = get_object_or_404(reports_visible_to(request.user), pk=pk)
        try:
            file = report_open_for_download(actor=request.user, report=report)
        except Refused as exc:
            return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
        return HttpResponse(
            file.data,
            content_type=file.content_type,
            headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
        )

    @admin.action(description="Retry the selected failed reports")
    def retry(self, request, queryset) -> None:
        done = 0
        for report in queryset.filter(state=Report.State.FAILED, run__isnull=True):
            try:
                report_retry(actor=request.user, report=report)
                done += 1
            except Refused as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(request, f"{done} report(s) queued again.")


@admin.register(StatementRun)
class StatementRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "deal", "period", "formats", "created_at", "progress"]
    list_select_related = ["deal", "period__deal"]
    actions = ["retry"]

    @admin.display(description="progress")
    def progress(self, obj: StatementRun) -> str:
        p = run_progress(obj)
        return f"{p['done']} done, {p['failed']} failed, {p['queued'] + p['running']} to go of {p['total']}"

    @admin.action(description="Retry the failed statements of the selected runs")
    def retry(self, request, queryset) -> None:
        for run in queryset:
            try:
                ids = statement_run_retry(actor=request.user, run=run)
            except Refused as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"Run {run.pk}: {len(ids)} statement(s) queued again.")
