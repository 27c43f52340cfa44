"""Usage metered after a period was invoiced: bill the difference, never drop it.

``invoice_true_up_late_usage`` recomputes what an invoice's period is worth from the metering
stored now and compares it, component by component (usage, minimum true-up), with what was
billed for the period: the invoice itself, its supplementary invoices and the credit notes that
came from earlier true-ups. More usage gives a supplementary invoice, less a credit note, each
issued at once with its own audit trail; a draft is simply recomputed.

Every metering import that adds hours inside an invoiced period queues ``assets.tasks.
true_up_late_usage`` after it commits, so late metering is billed without anyone asking.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from assets import invoice_math
from assets.models import Invoice, InvoiceLine, LeaseDevice, MeterImportBatch, MeterReading
from assets.services.invoicing import (
    apply_credit,
    document_create,
    invoice_period,
    lock_invoice,
    period_lines,
    usage_by_period,
)
from core import clock
from core.audit import audit_event
from core.authz import require_system_or_perm
from core.errors import Refused
from core.models import AuditEvent

ADJUSTED_KINDS = (InvoiceLine.Kind.USAGE, InvoiceLine.Kind.MINIMUM_TRUE_UP)


def _billed(invoice: Invoice) -> dict[str, tuple[Decimal, Decimal]]:
    """(quantity, amount) billed per component for the invoice's period, adjustments included."""
    documents = [invoice.pk, *invoice.credit_notes.filter(
        kind__in=[Invoice.Kind.SUPPLEMENTARY, Invoice.Kind.CREDIT_NOTE]).values_list("pk", flat=True)]
    billed: dict = defaultdict(lambda: (Decimal(0), Decimal(0)))
    for kind, quantity, amount in InvoiceLine.objects.filter(
            invoice_id__in=documents, kind__in=ADJUSTED_KINDS).values_list("kind", "quantity", "amount"):
        q, a = billed[kind]
        billed[kind] = (q + quantity, a + amount)
    return dict(billed)


def _recompute_draft(invoice: Invoice, lines: list[invoice_math.Line], actor) -> Invoice:
    old_total = invoice.total
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, position=n, kind=line.kind, description=line.description[:300],
                    quantity=line.quantity, unit_price=line.unit_price, amount=line.amount)
        for n, line in enumerate(lines, start=1)])
    invoice.total = invoice_math.total(lines)
    invoice.save(update_fields=["total", "updated_at"])
    audit_event(instance=invoice, actor=actor, action=AuditEvent.Action.UPDATE,
                changes={"total": [str(old_total), str(invoice.total)]})
    return invoice


@transaction.atomic
def invoice_true_up_late_usage(*, invoice: Invoice, actor, issue_date: date | None = None) -> Invoice:
    """Bill the difference between what ``invoice``'s period is worth now and what was billed.

    Returns the supplementary invoice (usage up) or credit note (usage down), issued on
    ``issue_date`` (default today), or the draft itself, recomputed. Refused when nothing differs.
    """
    require_system_or_perm(actor, "assets.issue_invoice", doing="bill usage metered after invoicing")
    issue_date = clock.as_of_or_today(issue_date, field="issue_date")
    invoice = lock_invoice(invoice)
    if invoice.kind != Invoice.Kind.INVOICE:
        raise Refused(f"'{invoice}' is a {invoice.get_kind_display()}; late usage is billed against the "
                      "period's invoice.")
    lease = invoice.lease
    period = invoice_period(invoice)
    [gpu_hours] = usage_by_period([(lease.pk, invoice.period_start, invoice.period_end)])
    now = period_lines(lease, period, gpu_hours)
    if invoice.state == Invoice.State.DRAFT:
        stored = list(invoice.lines.order_by("position").values_list("kind", "quantity", "amount"))
        if stored == [(line.kind, line.quantity, line.amount) for line in now]:
            raise Refused(f"'{invoice}' already bills the {gpu_hours} GPU-hours metered; nothing to adjust.")
        return _recompute_draft(invoice, now, actor)
    lines = invoice_math.adjustment_lines(now=now, billed=_billed(invoice))
    difference = invoice_math.total(lines)
    if not difference:
        raise Refused(f"The period of '{invoice}' is billed in full for the {gpu_hours} GPU-hours metered; "
                      "nothing to adjust.")
    reason = (f"usage metered after invoicing: {gpu_hours} GPU-hours in "
              f"{invoice.period_start}..{invoice.period_end}")
    if difference > 0:
        return document_create(refers_to=invoice, kind=Invoice.Kind.SUPPLEMENTARY, prefix="SUP", lines=lines,
                               actor=actor, issue_date=issue_date, reason=reason,
                               due_date=issue_date + timedelta(days=lease.payment_terms_days))
    note = document_create(refers_to=invoice, kind=Invoice.Kind.CREDIT_NOTE, prefix="CN", lines=lines,
                           actor=actor, issue_date=issue_date, due_date=issue_date, reason=reason)
    apply_credit(invoice, -difference, actor=actor, note=note, reason=reason)
    return note


def invoices_with_late_usage(batch: MeterImportBatch) -> list[int]:
    """Invoices (any state but written off) whose period holds hours that ``batch`` brought in."""
    if batch.first_hour is None or not batch.rows_inserted:
        return []
    sql = (
        f"SELECT DISTINCT i.id FROM {Invoice._meta.db_table} i "  # noqa: S608
        f"JOIN {LeaseDevice._meta.db_table} ld ON ld.lease_id = i.lease_id AND ld.held "
        "WHERE i.kind = 'invoice' AND i.state <> 'written_off' "
        "AND i.period_start <= %s AND i.period_end >= %s "
        f"AND EXISTS (SELECT 1 FROM {MeterReading._meta.db_table} r WHERE r.device_id = ld.device_id "
        "AND r.batch_id = %s AND r.hour >= %s AND r.hour <= %s "
        "AND r.hour >= (GREATEST(i.period_start, ld.starts_on)::timestamp AT TIME ZONE 'UTC') "
        "AND r.hour < ((LEAST(i.period_end, ld.ends_on) + 1)::timestamp AT TIME ZONE 'UTC')) "
        "ORDER BY i.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.last_hour.date(), batch.first_hour.date(), batch.pk, batch.first_hour,
                             batch.last_hour])
        return [pk for (pk,) in cursor.fetchall()]
