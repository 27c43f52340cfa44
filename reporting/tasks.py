"""Celery tasks of reporting: thin and idempotent, queued through ``core.outbox.enqueue``."""

from celery import shared_task


@shared_task
def generate_reports(report_ids: list[int]) -> dict:
    """Generate each queued report of ``report_ids`` in turn (a chunk of a bulk run, or one report).
    A report already done or running elsewhere is skipped; one that fails is marked failed and the
    others still run. Returns {report id: state}."""
    from reporting.services.generation import report_generate

    states = {}
    for report_id in report_ids:
        try:
            states[report_id] = report_generate(report_id=report_id)
        except Exception:  # noqa: BLE001 - recorded on the report (failed, with its error); go on
            states[report_id] = "failed"
    return states
