"""Counterparties, leases, invoices: generation from metering, payments, credit notes, late fees."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from assets import invoice_math
from assets.models import Counterparty, Invoice, InvoiceLine, Lease, MeterReading
from assets.models.leasing import MONTHS_PER_CYCLE
from assets.services.common import create_audited, update_audited
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from core.money import check_minor_units
from core.transitions import check_transition, lock, run_transition

COUNTERPARTY_FIELDS = ("legal_name", "country", "registration_number", "billing_email", "kyb_status",
                       "kyb_reviewed_on")
LEASE_FIELDS = ("reference", "lessee", "spv", "devices", "gpu_count", "currency", "price_per_gpu_hour",
                "minimum_monthly_commitment", "start_date", "end_date", "billing_cycle",
                "payment_terms_days", "late_fee_annual_rate")
INVOICE_FIELDS = ("number", "kind", "lease", "period_start", "period_end", "currency", "total", "state")


# Counterparties


@transaction.atomic
def counterparty_create(*, actor, **values) -> Counterparty:
    return create_audited(Counterparty, actor=actor, fields=COUNTERPARTY_FIELDS, **values)


@transaction.atomic
def counterparty_update(*, counterparty: Counterparty, actor, **values) -> Counterparty:
    return update_audited(lock(Counterparty, counterparty.pk), actor=actor, fields=COUNTERPARTY_FIELDS,
                          values=values)


# Leases


def _check_lease(values: dict) -> None:
    for device in values.get("devices") or []:
        if device.spv_id != values["spv"].pk:
            raise InvalidInput(f"Device '{device}' belongs to SPV '{device.spv}', not to the lessor.",
                               field="devices")
        if device.kind != device.Kind.GPU_SERVER:
            raise InvalidInput(f"Device '{device}' is a {device.get_kind_display()}; leases rent GPUs.",
                               field="devices")


@transaction.atomic
def lease_create(*, actor, **values) -> Lease:
    if not values.get("gpu_count") and values.get("devices"):
        values["gpu_count"] = sum(d.gpu_count for d in values["devices"])
    _check_lease(values)
    return create_audited(Lease, actor=actor, fields=(*LEASE_FIELDS, "state"), **values)


@transaction.atomic
def lease_update(*, lease: Lease, actor, **values) -> Lease:
    lease = lock(Lease, lease.pk)
    if lease.state != Lease.State.DRAFT:
        raise Refused(f"Lease '{lease}' is '{lease.get_state_display()}'; terms change only in draft "
                      "(suspend and terminate, or agree a new lease).")
    _check_lease({"spv": values.get("spv", lease.spv), "devices": values.get("devices")})
    return update_audited(lease, actor=actor, fields=LEASE_FIELDS, values=values)


@transaction.atomic
def lease_transition(*, lease: Lease, name: str, actor, reason: str = "") -> Lease:
    lease = lock(Lease, lease.pk)
    run_transition(lease, name, actor=actor, reason=reason)
    return lease


# Invoices


def billing_period(lease: Lease, period_start: date) -> tuple[date, date, int]:
    """(start, last day, months) of the billing period starting on ``period_start``."""
    if period_start.day != 1:
        raise InvalidInput("A billing period starts on the first day of a month.", field="period_start")
    months = MONTHS_PER_CYCLE[lease.billing_cycle]
    year, month = period_start.year, period_start.month + months - 1
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return period_start, date(year, month, calendar.monthrange(year, month)[1]), months


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def usage_by_lease(leases: list[Lease], start: date, end: date) -> dict[int, int]:
    """GPU-hours metered on each lease's devices within the period and the lease's term."""
    if not leases:
        return {}
    through = Lease.devices.through
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT l.id, COALESCE(SUM(r.gpu_hours), 0) FROM {Lease._meta.db_table} l "  # noqa: S608
            f"JOIN {through._meta.db_table} ld ON ld.lease_id = l.id "
            f"JOIN {MeterReading._meta.db_table} r ON r.device_id = ld.device_id "
            "AND r.hour >= GREATEST(%s, l.start_date::timestamptz) "
            "AND r.hour < LEAST(%s, (l.end_date + 1)::timestamptz) "
            "WHERE l.id = ANY(%s) GROUP BY l.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [_midnight(start), _midnight(end + timedelta(days=1)),
                                 [lease.pk for lease in leases]])
            return {pk: int(total) for pk, total in cursor.fetchall()}
    result = {}
    for lease in leases:
        lo = max(start, lease.start_date)
        hi = min(end, lease.end_date) + timedelta(days=1)
        total = MeterReading.objects.filter(
            device__in=lease.devices.all(), hour__gte=_midnight(lo), hour__lt=_midnight(hi)
        ).aggregate(s=Sum("gpu_hours"))["s"]
        result[lease.pk] = int(total or 0)
    return result


def invoice_number(lease: Lease, period_start: date) -> str:
    return f"INV-{lease.reference}-{period_start:%Y%m}"


def _audit_created_bulk(objs: list, actor) -> None:
    if not objs:
        return
    content_type = ContentType.objects.get_for_model(type(objs[0]))
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor if getattr(actor, "pk", None) else None, content_type=content_type,
                   object_id=o.pk, object_repr=str(o)[:200], action=AuditEvent.Action.CREATE,
                   changes={"total": [None, str(o.total)], "state": [None, o.state]})
        for o in objs
    ], batch_size=2000)


@transaction.atomic
def invoices_generate(*, period_start: date, actor, leases: list[Lease] | None = None) -> list[Invoice]:
    """Draft invoices for ``period_start`` for every active lease (or ``leases``) that has none yet.

    One line per component (usage, minimum true-up). Usage comes from one aggregate query.
    """
    if leases is None:
        candidates = list(Lease.objects.filter(state=Lease.State.ACTIVE).select_for_update())
    else:
        candidates = list(Lease.objects.filter(pk__in=[lease.pk for lease in leases])
                          .select_for_update().order_by("pk"))
    periods = {}
    for lease in candidates:
        start, end, months = billing_period(lease, period_start)
        if end < lease.start_date or start > lease.end_date:
            if leases is not None:
                raise InvalidInput(f"Lease '{lease}' runs {lease.start_date} to {lease.end_date}, "
                                   f"outside the period {start} to {end}.", field="period_start")
            continue
        if lease.state not in (Lease.State.ACTIVE, Lease.State.SUSPENDED, Lease.State.TERMINATED,
                               Lease.State.EXPIRED):
            raise Refused(f"Lease '{lease}' is '{lease.get_state_display()}'; draft leases are not billed.")
        periods[lease.pk] = (start, end, months)
    billed = set(Invoice.objects.filter(lease_id__in=periods, period_start=period_start,
                                        kind=Invoice.Kind.INVOICE).values_list("lease_id", flat=True))
    if leases is not None and billed:
        raise InvalidInput(f"Lease(s) already invoiced for the period starting {period_start}.",
                           field="period_start")
    todo = [lease for lease in candidates if lease.pk in periods and lease.pk not in billed]
    if not todo:
        return []
    # All leases of one cycle share the period; group by period end for the aggregate query.
    usage: dict[int, int] = {}
    for end in {periods[lease.pk][1] for lease in todo}:
        group = [lease for lease in todo if periods[lease.pk][1] == end]
        usage.update(usage_by_lease(group, period_start, end))
    invoices, computed = [], []
    for lease in todo:
        start, end, months = periods[lease.pk]
        lines = invoice_math.usage_lines(
            gpu_hours=usage.get(lease.pk, 0), price_per_gpu_hour=lease.price_per_gpu_hour,
            monthly_minimum=lease.minimum_monthly_commitment, months=months, currency=lease.currency,
        )
        invoices.append(Invoice(number=invoice_number(lease, start), lease=lease, period_start=start,
                                period_end=end, currency=lease.currency, total=invoice_math.total(lines),
                                created_by=actor if getattr(actor, "pk", None) else None))
        computed.append(lines)
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    if not all(i.pk for i in invoices):  # databases that do not return ids from bulk inserts
        by_number = dict(Invoice.objects.filter(number__in=[i.number for i in invoices])
                         .values_list("number", "pk"))
        for invoice in invoices:
            invoice.pk = by_number[invoice.number]
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice_id=invoice.pk, position=n, kind=line.kind, description=line.description[:300],
                    quantity=line.quantity, unit_price=line.unit_price, amount=line.amount)
        for invoice, lines in zip(invoices, computed, strict=True)
        for n, line in enumerate(lines, start=1)
    ], batch_size=2000)
    _audit_created_bulk(invoices, actor)
    return invoices


def invoice_generate(*, lease: Lease, period_start: date, actor) -> Invoice:
    return invoices_generate(period_start=period_start, actor=actor, leases=[lease])[0]


def _lock_invoice(invoice: Invoice) -> Invoice:
    Lease.objects.select_for_update().get(pk=invoice.lease_id)
    return lock(Invoice, invoice.pk)


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor, issue_date: date | None = None, reason: str = "") -> Invoice:
    invoice = _lock_invoice(invoice)
    issue_date = issue_date or date.today()  # noqa: DTZ011
    run_transition(invoice, "issue", actor=actor, reason=reason, issue_date=issue_date,
                   due_date=issue_date + timedelta(days=invoice.lease.payment_terms_days))
    return invoice


@transaction.atomic
def invoice_transition(*, invoice: Invoice, name: str, actor, reason: str = "") -> Invoice:
    if name == "issue":
        return invoice_issue(invoice=invoice, actor=actor, reason=reason)
    invoice = _lock_invoice(invoice)
    run_transition(invoice, name, actor=actor, reason=reason)
    return invoice


def _refuse_unless_open(invoice: Invoice, what: str) -> None:
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise Refused(f"'{invoice}' is a credit note; {what} applies to invoices.")
    if invoice.state not in Invoice.OPEN_STATES:
        raise Refused(f"Invoice '{invoice}' is '{invoice.get_state_display()}'; {what} needs an issued, "
                      "partially paid or overdue invoice.")


@transaction.atomic
def invoice_record_payment(*, invoice: Invoice, amount: Decimal, actor, reference: str = "") -> Invoice:
    """Record cash received against an invoice: partially paid, or paid when nothing is left."""
    invoice = _lock_invoice(invoice)
    _refuse_unless_open(invoice, "recording a payment")
    check_transition(invoice, "pay_part", actor=actor)
    check_minor_units(amount, invoice.currency, field="amount")
    if amount <= 0 or amount > invoice.outstanding:
        raise InvalidInput(f"The amount must be above zero and at most the "
                           f"{invoice.money(invoice.outstanding)} outstanding.", field="amount")
    paid = invoice.amount_paid + amount
    name = "settle" if paid == invoice.total - invoice.amount_credited else "pay_part"
    run_transition(invoice, name, actor=actor, reason=reference or f"payment of {invoice.money(amount)}",
                   amount_paid=paid)
    return invoice


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, amount: Decimal, reason: str, actor,
                      issue_date: date | None = None) -> Invoice:
    """A credit note against an open invoice: one negative line; reduces what is outstanding."""
    invoice = _lock_invoice(invoice)
    _refuse_unless_open(invoice, "a credit note")
    if not reason.strip():
        raise InvalidInput("A reason is required for a credit note.", field="reason")
    check_minor_units(amount, invoice.currency, field="amount")
    if amount <= 0 or amount > invoice.outstanding:
        raise InvalidInput(f"The credit must be above zero and at most the "
                           f"{invoice.money(invoice.outstanding)} outstanding.", field="amount")
    n = invoice.credit_notes.filter(kind=Invoice.Kind.CREDIT_NOTE).count() + 1
    note = Invoice.objects.create(
        number=f"CN-{invoice.number}-{n}", kind=Invoice.Kind.CREDIT_NOTE, lease=invoice.lease,
        credited_invoice=invoice, period_start=invoice.period_start, period_end=invoice.period_end,
        currency=invoice.currency, total=-amount, created_by=actor,
    )
    InvoiceLine.objects.create(invoice=note, position=1, kind=InvoiceLine.Kind.CREDIT,
                               description=f"Credit against {invoice.number}: {reason.strip()}"[:300],
                               quantity=Decimal(1), unit_price=-amount, amount=-amount)
    from core.audit import audit_created

    audit_created(instance=note, actor=actor, fields=INVOICE_FIELDS)
    issue_date = issue_date or date.today()  # noqa: DTZ011
    run_transition(note, "issue", actor=actor, reason=reason, issue_date=issue_date, due_date=issue_date)
    invoice.amount_credited += amount
    if invoice.outstanding == 0:
        run_transition(invoice, "settle", actor=actor, reason=f"credited by {note.number}: {reason}",
                       amount_credited=invoice.amount_credited)
    else:
        invoice.save(update_fields=["amount_credited", "updated_at"])
    return note


@transaction.atomic
def late_fee_charge(*, invoice: Invoice, as_of: date, actor) -> Invoice:
    """A late-fee invoice for the days since the due date (or the last charge) up to ``as_of``."""
    invoice = _lock_invoice(invoice)
    _refuse_unless_open(invoice, "a late fee")
    since = max(invoice.due_date, invoice.late_fee_charged_through or invoice.due_date)
    days = (as_of - since).days
    rate = invoice.lease.late_fee_annual_rate
    fee = invoice_math.late_fee(outstanding=invoice.outstanding, annual_rate=rate, days_late=days,
                                currency=invoice.currency)
    if fee <= 0:
        raise Refused(f"No late fee is due on '{invoice}' as of {as_of}: due {invoice.due_date}, "
                      f"charged through {invoice.late_fee_charged_through or '-'}, rate {rate}.")
    n = invoice.credit_notes.filter(kind=Invoice.Kind.LATE_FEE).count() + 1
    fee_invoice = Invoice.objects.create(
        number=f"LF-{invoice.number}-{n}", kind=Invoice.Kind.LATE_FEE, lease=invoice.lease,
        credited_invoice=invoice, period_start=since, period_end=as_of, currency=invoice.currency,
        total=fee, created_by=actor,
    )
    InvoiceLine.objects.create(
        invoice=fee_invoice, position=1, kind=InvoiceLine.Kind.LATE_FEE,
        description=(f"Late fee on {invoice.number}: {invoice.money(invoice.outstanding)} x {rate} x "
                     f"{days}/365 days ({since} to {as_of})"),
        quantity=Decimal(1), unit_price=fee, amount=fee)
    from core.audit import audit_created

    audit_created(instance=fee_invoice, actor=actor, fields=INVOICE_FIELDS)
    run_transition(fee_invoice, "issue", actor=actor, issue_date=as_of,
                   due_date=as_of + timedelta(days=invoice.lease.payment_terms_days))
    invoice.late_fee_charged_through = as_of
    invoice.save(update_fields=["late_fee_charged_through", "updated_at"])
    return fee_invoice


@transaction.atomic
def invoices_mark_overdue(*, as_of: date, actor) -> int:
    """Mark every issued or partially paid invoice past its due date overdue (a daily task)."""
    from core.audit import audit_transitions_bulk

    count = 0
    for state in (Invoice.State.ISSUED, Invoice.State.PARTIALLY_PAID):
        due = Invoice.objects.select_for_update().filter(state=state, due_date__lt=as_of).exclude(
            kind=Invoice.Kind.CREDIT_NOTE)
        rows = list(due.values_list("pk", "number"))
        # Update exactly the rows audited (locked above), not whatever the filter finds now.
        Invoice.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            state=Invoice.State.OVERDUE, updated_at=timezone.now())
        audit_transitions_bulk(model=Invoice, rows=rows, actor=actor, name="mark_overdue",
                               from_state=state, to_state=Invoice.State.OVERDUE,
                               reason=f"past due as of {as_of}")
        count += len(rows)
    return count
