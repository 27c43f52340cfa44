"""Invoices: generation on each lease's billing schedule, one named action per transition,
payments by value date, credit notes.

Late fees are in ``late_fees.py``, bills for usage metered after invoicing in ``late_usage.py``.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from assets import billing_schedule, invoice_math
from assets.models import Invoice, InvoiceLine, InvoicePayment, Lease, LeaseDevice, MeterReading
from assets.models.leasing import MONTHS_PER_CYCLE
from core import clock
from core.audit import audit_created
from core.authz import require_perm, require_system_or_perm
from core.errors import InvalidInput, Refused, TransitionNotAllowed
from core.models import AuditEvent
from core.money import check_minor_units, minor_unit
from core.transitions import (
    bulk_transition,
    check_transition,
    lock,
    record_transition,
    run_transition,
    transition_sources,
)

INVOICE_FIELDS = ("number", "kind", "lease", "period_start", "period_end", "currency", "total", "state")
BILLED_LEASE_STATES = (Lease.State.ACTIVE, Lease.State.SUSPENDED, Lease.State.TERMINATED, Lease.State.EXPIRED)


def transition_as(obj, name: str, *, actor, reason: str = "", **fields) -> None:
    """Run a transition for a person (their permission is checked), or record it for a system step
    (``actor=None``, allowed by the calling service through ``core.authz.require_system_or_perm``)."""
    if actor is None:
        record_transition(obj, name, actor=None, reason=reason, **fields)
    else:
        run_transition(obj, name, actor=actor, reason=reason, **fields)


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


# The schedule


def billing_periods(lease: Lease) -> Iterator[billing_schedule.Period]:
    """The lease's billing periods, anchored on its start date, up to its last day."""
    return billing_schedule.schedule(anchor=lease.start_date, months=MONTHS_PER_CYCLE[lease.billing_cycle],
                                     last_day=lease.last_billed_day)


def invoice_period(invoice: Invoice) -> billing_schedule.Period:
    """The billing period an invoice covers, with the length of the full period on the schedule."""
    lease = invoice.lease
    scheduled = billing_schedule.period_containing(
        anchor=lease.start_date, months=MONTHS_PER_CYCLE[lease.billing_cycle],
        last_day=max(lease.last_billed_day, invoice.period_end), day=invoice.period_start)
    return billing_schedule.Period(start=invoice.period_start, end=invoice.period_end,
                                   scheduled_end=scheduled.scheduled_end, months=scheduled.months)


def _period_starting(lease: Lease, start: date) -> billing_schedule.Period:
    if not lease.start_date <= start <= lease.last_billed_day:
        raise InvalidInput(f"Lease '{lease}' runs {lease.start_date} to {lease.last_billed_day}; {start} is "
                           "outside it.", field="period_start")
    period = billing_schedule.period_containing(
        anchor=lease.start_date, months=MONTHS_PER_CYCLE[lease.billing_cycle], last_day=lease.last_billed_day,
        day=start)
    if period.start != start:
        raise InvalidInput(f"{start} is not the start of a billing period of lease '{lease}'; the period "
                           f"containing it runs {period.start} to {period.end}.", field="period_start")
    return period


def _already_billed(lease: Lease, period, invoiced: list[tuple[str, date, date]]) -> bool:
    """True when an invoice covers exactly ``period``; refuse, naming it, when one overlaps it."""
    for number, start, end in invoiced:
        if start == period.start and end == period.end:
            return True
        if start <= period.end and end >= period.start:
            raise InvalidInput(
                f"Lease '{lease}': the billing period {period.start} to {period.end} is already invoiced by "
                f"'{number}' ({start} to {end}); a day is billed once.", field="period_start")
    return False


def _invoiced(lease_ids: list[int]) -> dict[int, list[tuple[str, date, date]]]:
    by_lease = defaultdict(list)
    for lease_id, *row in (Invoice.objects.filter(lease_id__in=lease_ids, kind=Invoice.Kind.INVOICE)
                           .order_by("period_start").values_list("lease_id", "number", "period_start",
                                                                 "period_end")):
        by_lease[lease_id].append(tuple(row))
    return by_lease


# Usage


def usage_by_period(periods: list[tuple[int, date, date]]) -> list[int]:
    """GPU-hours metered in each (lease id, first day, last day), in one query: the hours of the
    devices the lease holds, on the days it holds them, within the period (days are UTC)."""
    if not periods:
        return []
    sql = (
        "SELECT p.n, COALESCE(SUM(r.gpu_hours), 0) "  # noqa: S608 - table names from the models
        "FROM unnest(%s::int[], %s::bigint[], %s::date[], %s::date[]) AS p(n, lease_id, first_day, last_day) "
        f"LEFT JOIN {LeaseDevice._meta.db_table} ld ON ld.lease_id = p.lease_id AND ld.held "
        "AND ld.starts_on <= p.last_day AND ld.ends_on >= p.first_day "
        f"LEFT JOIN {MeterReading._meta.db_table} r ON r.device_id = ld.device_id "
        "AND r.hour >= (GREATEST(p.first_day, ld.starts_on)::timestamp AT TIME ZONE 'UTC') "
        "AND r.hour < ((LEAST(p.last_day, ld.ends_on) + 1)::timestamp AT TIME ZONE 'UTC') "
        "GROUP BY p.n ORDER BY p.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(range(len(periods))), [p[0] for p in periods], [p[1] for p in periods],
                             [p[2] for p in periods]])
        return [int(total) for _, total in cursor.fetchall()]


def period_lines(lease: Lease, period: billing_schedule.Period, gpu_hours: int) -> list[invoice_math.Line]:
    return invoice_math.usage_lines(
        gpu_hours=gpu_hours, price_per_gpu_hour=lease.price_per_gpu_hour,
        monthly_minimum=lease.minimum_monthly_commitment, months=period.months, days=period.days,
        scheduled_days=period.scheduled_days, currency=lease.currency, quantum=minor_unit(lease.currency))


# Generation


def invoice_number(lease: Lease, period_start: date) -> str:
    return f"INV-{lease.reference}-{period_start:%Y%m}"


def _create_invoices(todo: list[tuple[Lease, billing_schedule.Period]], actor) -> list[Invoice]:
    usage = usage_by_period([(lease.pk, p.start, p.end) for lease, p in todo])
    invoices, computed = [], []
    for (lease, period), gpu_hours in zip(todo, usage, strict=True):
        lines = period_lines(lease, period, gpu_hours)
        invoices.append(Invoice(number=invoice_number(lease, period.start), lease=lease,
                                period_start=period.start, period_end=period.end, currency=lease.currency,
                                total=invoice_math.total(lines), created_by=_person(actor)))
        computed.append(lines)
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice_id=invoice.pk, position=n, kind=line.kind, description=line.description[:300],
                    quantity=line.quantity, unit_price=line.unit_price, amount=line.amount)
        for invoice, lines in zip(invoices, computed, strict=True)
        for n, line in enumerate(lines, start=1)
    ], batch_size=2000)
    content_type = ContentType.objects.get_for_model(Invoice)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=_person(actor), content_type=content_type, object_id=o.pk, object_repr=str(o)[:200],
                   action=AuditEvent.Action.CREATE,
                   changes={"period": [None, f"{o.period_start}..{o.period_end}"],
                            "total": [None, str(o.total)], "state": [None, o.state]})
        for o in invoices
    ], batch_size=2000)
    return invoices


def _refuse_unbilled_state(lease: Lease) -> None:
    if lease.state not in BILLED_LEASE_STATES:
        raise Refused(f"Lease '{lease}' is '{lease.get_state_display()}'; draft leases are not billed.")


@transaction.atomic
def invoice_generate(*, lease: Lease, period_start: date, actor) -> Invoice:
    """Draft the invoice of the billing period of ``lease`` that starts on ``period_start``.

    Refused when that day does not start a period of the lease's schedule (the message names the
    period containing it), when the period has not ended, or when an invoice covers any of its days
    (named)."""
    require_system_or_perm(actor, "assets.add_invoice", doing="generate invoices")
    lease = lock(Lease, lease.pk)
    _refuse_unbilled_state(lease)
    period = _period_starting(lease, period_start)
    if period.end >= clock.today():
        raise Refused(f"The billing period {period.start} to {period.end} of lease '{lease}' has not ended; "
                      f"it can be invoiced from {period.end + timedelta(days=1)}.")
    invoiced = _invoiced([lease.pk])[lease.pk]
    if _already_billed(lease, period, invoiced):
        number = next(n for n, s, e in invoiced if s == period.start)
        raise InvalidInput(f"Lease '{lease}': the billing period {period.start} to {period.end} is already "
                           f"invoiced by '{number}'.", field="period_start")
    return _create_invoices([(lease, period)], actor)[0]


@transaction.atomic
def invoices_generate(*, actor, leases: list[Lease] | None = None, through: date | None = None
                      ) -> list[Invoice]:
    """Draft an invoice for every billing period that ended on or before ``through`` (default:
    yesterday) and has none yet, for every billed lease (or ``leases``). Run it as often as you
    like (the scheduler runs it every hour): a day is never billed twice.

    One aggregate query for the usage of every period, bulk inserts, one audit event per invoice.
    """
    require_system_or_perm(actor, "assets.add_invoice", doing="generate invoices")
    today = clock.today()
    through = through or today - timedelta(days=1)
    if through >= today:
        raise InvalidInput(f"through {through} has not ended; invoices run up to "
                           f"{today - timedelta(days=1)}.", field="through")
    candidates = Lease.objects.select_for_update().order_by("pk")
    if leases is None:
        candidates = candidates.filter(state__in=BILLED_LEASE_STATES, start_date__lte=through)
    else:
        candidates = candidates.filter(pk__in=[lease.pk for lease in leases])
    candidates = list(candidates)
    for lease in candidates:
        _refuse_unbilled_state(lease)
    invoiced = _invoiced([lease.pk for lease in candidates])
    todo = []
    for lease in candidates:
        for period in billing_periods(lease):
            if period.end > through:
                break
            if not _already_billed(lease, period, invoiced[lease.pk]):
                todo.append((lease, period))
    return _create_invoices(todo, actor) if todo else []


# Invoice actions: one service each; ``invoice_transition`` is the table the API and the admin use.


def lock_invoice(invoice: Invoice) -> Invoice:
    """Lock the invoice's lease, then the invoice (always in that order)."""
    Lease.objects.select_for_update().get(pk=invoice.lease_id)
    return lock(Invoice, invoice.pk)


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor, issue_date: date | None = None, reason: str = "") -> Invoice:
    """Draft -> issued on ``issue_date`` (default today, never in the future), due after the lease's
    payment terms. An invoice is issued after its period, never during it."""
    invoice = lock_invoice(invoice)
    issue_date = clock.as_of_or_today(issue_date, field="issue_date")
    if invoice.kind == Invoice.Kind.INVOICE and issue_date <= invoice.period_end:
        raise InvalidInput(f"'{invoice}' bills {invoice.period_start} to {invoice.period_end}; it is issued "
                           f"after the period, not on {issue_date}.", field="issue_date")
    run_transition(invoice, "issue", actor=actor, reason=reason, issue_date=issue_date,
                   due_date=issue_date + timedelta(days=invoice.lease.payment_terms_days))
    return invoice


@transaction.atomic
def invoice_mark_overdue(*, invoice: Invoice, actor, reason: str = "") -> Invoice:
    invoice = lock_invoice(invoice)
    run_transition(invoice, "mark_overdue", actor=actor, reason=reason)
    return invoice


@transaction.atomic
def invoice_write_off(*, invoice: Invoice, actor, reason: str = "") -> Invoice:
    """Overdue or partially paid -> written off today (a reason is required)."""
    invoice = lock_invoice(invoice)
    run_transition(invoice, "write_off", actor=actor, reason=reason, written_off_on=clock.today())
    return invoice


INVOICE_ACTIONS = {
    "issue": invoice_issue,
    "mark_overdue": invoice_mark_overdue,
    "write_off": invoice_write_off,
}


def invoice_transition(*, invoice: Invoice, name: str, actor, reason: str = "") -> Invoice:
    """The action called ``name`` (for the API's and the admin's transition buttons)."""
    action = INVOICE_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"An invoice has no action '{name}'.")
    return action(invoice=invoice, actor=actor, reason=reason)


@transaction.atomic
def invoices_mark_overdue(*, actor, as_of: date | None = None) -> int:
    """Mark every issued or partially paid invoice past its due date overdue (a scheduled task):
    one conditional UPDATE of the rows locked, audited in bulk (``core.transitions.bulk_transition``)."""
    require_system_or_perm(actor, "assets.mark_overdue_invoice", doing="mark invoices overdue")
    as_of = clock.as_of_or_today(as_of)
    done = bulk_transition(
        Invoice, "mark_overdue", actor=actor, reason=f"past due as of {as_of}", object_repr="{number}",
        queryset=Invoice.objects.filter(state__in=transition_sources(Invoice, "mark_overdue"),
                                        due_date__lt=as_of).exclude(kind=Invoice.Kind.CREDIT_NOTE),
    )
    return len(done.ids)


# Payments and documents referring to an invoice


def _refuse_unless_open(invoice: Invoice, what: str) -> None:
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise Refused(f"'{invoice}' is a credit note; {what} applies to invoices.")
    if invoice.state not in Invoice.OPEN_STATES:
        raise Refused(f"Invoice '{invoice}' is '{invoice.get_state_display()}'; {what} needs an issued, "
                      "partially paid or overdue invoice.")


@transaction.atomic
def invoice_record_payment(*, invoice: Invoice, amount: Decimal, actor, value_date: date | None = None,
                           reference: str = "") -> Invoice:
    """Record cash received against an invoice, counting from ``value_date`` (default today, never in
    the future): partially paid, or paid when nothing is left."""
    invoice = lock_invoice(invoice)
    _refuse_unless_open(invoice, "recording a payment")
    check_transition(invoice, "pay_part", actor=actor)
    value_date = clock.as_of_or_today(value_date, field="value_date")
    check_minor_units(amount, invoice.currency, field="amount")
    if amount <= 0 or amount > invoice.outstanding:
        raise InvalidInput(f"The amount must be above zero and at most the "
                           f"{invoice.money(invoice.outstanding)} outstanding.", field="amount")
    payment = InvoicePayment.objects.create(invoice=invoice, amount=amount, value_date=value_date,
                                            reference=reference, recorded_by=_person(actor))
    audit_created(instance=payment, actor=actor, fields=("invoice", "amount", "value_date", "reference"))
    paid = invoice.amount_paid + amount
    name = "settle" if paid == invoice.total - invoice.amount_credited else "pay_part"
    run_transition(invoice, name, actor=actor, reason=reference or f"payment of {invoice.money(amount)}",
                   amount_paid=paid)
    return invoice


def document_create(*, refers_to: Invoice, kind: str, prefix: str, lines: list[invoice_math.Line], actor,
                    issue_date: date, due_date: date, reason: str = "",
                    period: tuple[date, date] | None = None) -> Invoice:
    """A credit note, late-fee or supplementary invoice referring to ``refers_to``: created, its lines
    written, audited and issued at once (the caller holds the locks and has checked the actor)."""
    n = refers_to.credit_notes.filter(kind=kind).count() + 1
    start, end = period or (refers_to.period_start, refers_to.period_end)
    document = Invoice.objects.create(
        number=f"{prefix}-{refers_to.number}-{n}", kind=kind, lease=refers_to.lease,
        credited_invoice=refers_to, period_start=start, period_end=end, currency=refers_to.currency,
        total=invoice_math.total(lines), created_by=_person(actor))
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=document, position=n, kind=line.kind, description=line.description[:300],
                    quantity=line.quantity, unit_price=line.unit_price, amount=line.amount)
        for n, line in enumerate(lines, start=1)])
    audit_created(instance=document, actor=actor, fields=INVOICE_FIELDS)
    transition_as(document, "issue", actor=actor, reason=reason, issue_date=issue_date, due_date=due_date)
    return document


def apply_credit(invoice: Invoice, amount: Decimal, *, actor, note: Invoice, reason: str) -> None:
    """Count a credit note against ``invoice``: an open invoice with nothing left is settled."""
    invoice.amount_credited += amount
    if invoice.state in Invoice.OPEN_STATES and invoice.outstanding <= 0:
        transition_as(invoice, "settle", actor=actor, reason=f"credited by {note.number}: {reason}",
                      amount_credited=invoice.amount_credited)
    else:
        invoice.save(update_fields=["amount_credited", "updated_at"])


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, amount: Decimal, reason: str, actor,
                      issue_date: date | None = None) -> Invoice:
    """A credit note against an open invoice: one negative line; reduces what is outstanding."""
    require_perm(actor, "assets.issue_invoice", doing="issue credit notes")
    invoice = lock_invoice(invoice)
    _refuse_unless_open(invoice, "a credit note")
    issue_date = clock.as_of_or_today(issue_date, field="issue_date")
    if not reason.strip():
        raise InvalidInput("A reason is required for a credit note.", field="reason")
    check_minor_units(amount, invoice.currency, field="amount")
    if amount <= 0 or amount > invoice.outstanding:
        raise InvalidInput(f"The credit must be above zero and at most the "
                           f"{invoice.money(invoice.outstanding)} outstanding.", field="amount")
    line = invoice_math.Line(InvoiceLine.Kind.CREDIT, f"Credit against {invoice.number}: {reason.strip()}",
                             Decimal(1), -amount, -amount)
    note = document_create(refers_to=invoice, kind=Invoice.Kind.CREDIT_NOTE, prefix="CN", lines=[line],
                           actor=actor, issue_date=issue_date, due_date=issue_date, reason=reason)
    apply_credit(invoice, amount, actor=actor, note=note, reason=reason)
    return note
