"""Generating a queued report on a worker: claim it, build its data, render, store, hash."""

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.audit import audit_event
from core.models import AuditEvent
from reporting.models import Report
from reporting.services.downloads import sha256_of

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)  # a report running this long lost its worker: claim it again
ERROR_LENGTH = 2000


def _claim(report_id: int) -> Report | None:
    """queued (or running past ``STALE_AFTER``) -> running, by one conditional update: of two
    workers handed the same report, one gets it; a done or failed report is left alone."""
    now = timezone.now()
    claimed = Report.objects.filter(
        Q(state=Report.State.QUEUED) | Q(state=Report.State.RUNNING, started_at__lt=now - STALE_AFTER),
        pk=report_id,
    ).update(state=Report.State.RUNNING, started_at=now, attempts=F("attempts") + 1,
             progress={"step": "generating", "done": 0, "total": 1})
    if not claimed:
        return None
    return Report.objects.select_related("deal", "period", "investor").get(pk=report_id)


def report_generate(*, report_id: int) -> str:
    """Generate one queued report (a system step, run by ``reporting.tasks``). Idempotent: a report
    already done, failed or running elsewhere is left as it is. Returns the report's state."""
    from reporting.content import build
    from reporting.render import render

    report = _claim(report_id)
    if report is None:
        return Report.objects.filter(pk=report_id).values_list("state", flat=True).first() or "missing"
    try:
        document = build(report)
        data = render(document, fmt=report.format, draft=report.draft)
    except Exception as exc:
        _fail(report, exc)
        raise
    _store(report, data=data, data_sha256=document.data_sha256)
    return Report.State.DONE


def _store(report: Report, *, data: bytes, data_sha256: str) -> None:
    name = report.file.storage.save(report.file.field.generate_filename(report, report.filename),
                                    ContentFile(data))
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, state=Report.State.RUNNING).update(
            state=Report.State.DONE, file=name, size=len(data), file_sha256=sha256_of(data),
            data_sha256=data_sha256, finished_at=timezone.now(), error="",
            progress={"step": "done", "done": 1, "total": 1})
        if not updated:  # another worker finished it first: keep theirs
            transaction.on_commit(lambda: report.file.storage.delete(name))
            return
        audit_event(instance=report, actor=None, action=AuditEvent.Action.TRANSITION, name="generate",
                    from_state=Report.State.RUNNING, to_state=Report.State.DONE,
                    changes={"file_sha256": [None, sha256_of(data)], "data_sha256": [None, data_sha256]})


def _fail(report: Report, exc: BaseException) -> None:
    text = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
    log.exception("report #%s failed: %s", report.pk, text)
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED, error=text,
                                                   finished_at=timezone.now(),
                                                   progress={"step": "failed", "done": 0, "total": 1})
        audit_event(instance=report, actor=None, action=AuditEvent.Action.TRANSITION, name="fail",
                    from_state=Report.State.RUNNING, to_state=Report.State.FAILED, reason=text[:500])
