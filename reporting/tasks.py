"""Celery tasks of reporting: thin and idempotent, queued through ``core.outbox.enqueue``."""

from celery import shared_task

from reporting.services.generation import STALE_AFTER

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def generate_reports(self, report_ids: list[int]) -> dict:
    """Generate each queued report of ``report_ids`` in turn (a chunk of a bulk run, or one report).
    A report already done is skipped; one that fails is marked failed and the others still run.
    One still running under another worker is looked at again after ``STALE_AFTER`` (claimed then
    if that worker died), so the outbox never counts this message done while a report hangs.
    Returns {report id: state}."""
    from reporting.services.generation import report_generate

    states = {}
    for report_id in report_ids:
        try:
            states[report_id] = report_generate(report_id=report_id)
        except Exception:  # noqa: BLE001 - recorded on the report (failed, with its error); go on
            states[report_id] = "failed"
    running = [pk for pk, state in states.items() if state == "running"]
    if running and self.request.called_directly is False:
        raise self.retry(kwargs={"report_ids": running}, countdown=int(STALE_AFTER.total_seconds()))
    return states
