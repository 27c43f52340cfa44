"""Celery tasks for assets. Idempotent: running one twice does no harm."""

from datetime import date

from celery import shared_task

from assets.services.leasing import invoices_mark_overdue
from core import clock


@shared_task
def mark_overdue_invoices(as_of: str | None = None) -> int:
    """Mark invoices past their due date overdue (daily; an already overdue invoice is left alone)."""
    day = date.fromisoformat(as_of) if as_of else clock.today()
    return invoices_mark_overdue(as_of=day, actor=None)
