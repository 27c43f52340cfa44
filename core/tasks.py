from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.models import IdempotencyRecord


@shared_task
def purge_idempotency_keys() -> int:
    """Forget idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS. Safe to run any time."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task
def sweep_outbox() -> dict:
    """Send again the outbox messages not done in time; flag failed those out of attempts
    (every minute, Celery beat). Safe to run any time, on several workers at once."""
    from core.outbox import sweep

    result = sweep()
    return {"dispatched": result.dispatched, "failed": result.failed}
