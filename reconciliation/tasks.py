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


@shared_task
def match_chain(distribution_id: int) -> dict:
    """Match one distribution's entitlements against the chain (idempotent: a re-run opens nothing
    twice). A distribution not being paid or paid, or a closed period, is left alone."""
    from core.errors import Refused
    from reconciliation.services.chain_matching import chain_matching_run
    from servicing.models import Distribution

    try:
        return chain_matching_run(distribution=Distribution.objects.get(pk=distribution_id), actor=None)
    except Refused as exc:
        return {"refused": exc.message}
