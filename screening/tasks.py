"""Background screening. Tasks take ids, load, and call services; running twice does no harm."""

import logging

from celery import shared_task

from core.errors import Refused
from screening import services

CHUNK_SIZE = 500
log = logging.getLogger(__name__)


@shared_task
def rescreen_run(run_id: int, chunk_size: int | None = None) -> dict:
    """Screen every investor for run ``run_id`` in chunks, storing progress after each chunk.

    A finished run is left alone; a run interrupted midway resumes after the last
    investor it recorded; hits are unique per investor, subject and entry.
    """
    chunk_size = chunk_size or CHUNK_SIZE
    run = services.run_claim(run_id=run_id)
    if run is None:
        return {"run": run_id, "skipped": True}
    try:
        while services.run_step(run=run, chunk_size=chunk_size):
            log.info("screening run %s: %s/%s investors", run.pk, run.processed, run.total)
    except Refused:
        # Another worker is on this run; it will finish it.
        return {"run": run_id, "skipped": True}
    except Exception as exc:
        services.run_finish(run=run, error=f"{type(exc).__name__}: {exc}")
        raise
    run = services.run_finish(run=run)
    return {"run": run.pk, "processed": run.processed, "hits_created": run.hits_created}
