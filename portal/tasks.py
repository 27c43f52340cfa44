"""Portal tasks: thin and idempotent."""

from celery import shared_task

from chain.rpc import NodeUnavailable


@shared_task(autoretry_for=(NodeUnavailable,), retry_backoff=5, retry_backoff_max=300, max_retries=20)
def anchor_published_reports() -> int:
    """Every few minutes: anchor on chain the SHA-256 of each published report not anchored yet."""
    from portal.services import reports_anchor_published

    return reports_anchor_published()
