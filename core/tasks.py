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
