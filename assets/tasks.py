"""Celery tasks for assets. Idempotent: running one twice does no harm."""

from datetime import date

from celery import shared_task

from assets.models import Invoice, MeterImportBatch
from assets.services.invoicing import invoices_generate, invoices_mark_overdue
from assets.services.late_usage import invoice_true_up_late_usage, invoices_with_late_usage
from core.errors import Refused


@shared_task
def mark_overdue_invoices(as_of: str | None = None) -> int:
    """Mark invoices past their due date overdue (hourly; an already overdue invoice is left alone)."""
    return invoices_mark_overdue(as_of=date.fromisoformat(as_of) if as_of else None, actor=None)


@shared_task
def generate_due_invoices() -> int:
    """Draft the invoices of every billing period that has ended (hourly; a period is billed once)."""
    return len(invoices_generate(actor=None))


@shared_task
def true_up_late_usage(batch_id: int) -> int:
    """Bill the hours a metering import brought into periods already invoiced (queued by the import).
    Returns how many invoices were adjusted; a second run finds nothing left to adjust."""
    done = 0
    for pk in invoices_with_late_usage(MeterImportBatch.objects.get(pk=batch_id)):
        try:
            invoice_true_up_late_usage(invoice=Invoice.objects.get(pk=pk), actor=None)
        except Refused:
            continue  # already billed in full (within the minimum, or adjusted before)
        done += 1
    return done
