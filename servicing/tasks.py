"""Celery tasks for servicing. Idempotent: running one twice does no harm."""

from celery import shared_task

from servicing.services.periods import periods_start_collecting


@shared_task
def start_collecting_periods() -> int:
    """Every open period whose first day has come starts collecting (hourly; a collecting period is
    left alone)."""
    return periods_start_collecting(actor=None)
