"""Celery tasks of the reconciliation. Idempotent: a run already done is not run again, and a
second matching finds nothing more to match."""

from celery import shared_task

from reconciliation.models import MatchRun
from reconciliation.services.matching import cash_matching_run


@shared_task
def match_cash(run_id: int | None = None, statement_ids: list[int] | None = None) -> int:
    """Match receipts against invoices: the run asked for on demand, or a new run after a statement
    import. Returns the run's id."""
    if run_id is not None:
        run = MatchRun.objects.get(pk=run_id)
    else:
        run = MatchRun.objects.create(trigger=MatchRun.Trigger.IMPORT, statement_ids=statement_ids or [])
    return cash_matching_run(run=run, actor=None).pk
