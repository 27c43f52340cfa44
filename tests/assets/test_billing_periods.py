"""Billing periods follow each lease's own schedule, anchored on its start date; no day is billed twice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from assets import billing_schedule
from assets.models import Invoice
from assets.services import invoicing
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db


def spans(invoices) -> list[tuple[date, date]]:
    return sorted((i.period_start, i.period_end) for i in invoices)


def test_a_quarterly_schedule_starting_on_15_january():
    periods = list(billing_schedule.schedule(anchor=date(2026, 1, 15), months=3, last_day=date(2027, 1, 14)))

    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 1, 15), date(2026, 4, 14)),
        (date(2026, 4, 15), date(2026, 7, 14)),
        (date(2026, 7, 15), date(2026, 10, 14)),
        (date(2026, 10, 15), date(2027, 1, 14)),
    ]
    assert [p.partial for p in periods] == [False] * 4


def test_month_ends_are_kept_from_the_anchor_not_drifted():
    periods = list(billing_schedule.schedule(anchor=date(2026, 1, 31), months=1, last_day=date(2026, 5, 30)))

    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 4, 30), date(2026, 5, 30)),
    ]


def test_the_last_period_stops_at_the_last_day_of_the_term():
    *_, last = billing_schedule.schedule(anchor=date(2026, 11, 28), months=1, last_day=date(2027, 1, 15))

    assert (last.start, last.end, last.scheduled_end, last.days, last.scheduled_days, last.partial) == (
        date(2026, 12, 28), date(2027, 1, 15), date(2027, 1, 27), 19, 31, True,
    )


@pytest.fixture
def quarterly(ops):
    return make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], cycle="quarterly", minimum="1000.00",
                      start=date(2026, 1, 15), end=date(2027, 1, 14))


def test_running_all_leases_every_month_bills_each_day_once(ops, quarterly, business_day):
    run_on = date(2026, 2, 1)
    while run_on <= date(2027, 3, 1):
        business_day(run_on)
        invoicing.invoices_generate(actor=ops)
        run_on = billing_schedule.add_months(run_on, 1)

    invoices = list(Invoice.objects.filter(lease=quarterly))
    assert spans(invoices) == [
        (date(2026, 1, 15), date(2026, 4, 14)),
        (date(2026, 4, 15), date(2026, 7, 14)),
        (date(2026, 7, 15), date(2026, 10, 14)),
        (date(2026, 10, 15), date(2027, 1, 14)),
    ]
    assert [i.total for i in sorted(invoices, key=lambda i: i.period_start)] == [Decimal("3000.00")] * 4
    days = [i.period_start + timedelta(n) for i in invoices
            for n in range((i.period_end - i.period_start).days + 1)]
    assert len(days) == len(set(days)) == 365


def test_a_period_start_off_the_schedule_is_refused_naming_the_right_period(ops, quarterly, business_day):
    business_day(date(2026, 6, 1))
    with pytest.raises(InvalidInput) as caught:
        invoicing.invoice_generate(lease=quarterly, period_start=date(2026, 2, 1), actor=ops)

    assert caught.value.field == "period_start"
    assert caught.value.message == (
        f"2026-02-01 is not the start of a billing period of lease '{quarterly}'; the period "
        "containing it runs 2026-01-15 to 2026-04-14."
    )
    assert Invoice.objects.count() == 0


def test_a_period_that_has_not_ended_is_refused(ops, quarterly, business_day):
    business_day(date(2026, 4, 14))
    with pytest.raises(Refused) as caught:
        invoicing.invoice_generate(lease=quarterly, period_start=date(2026, 1, 15), actor=ops)

    assert caught.value.message == (
        f"The billing period 2026-01-15 to 2026-04-14 of lease '{quarterly}' has not ended; it can be "
        "invoiced from 2026-04-15."
    )
    assert invoicing.invoices_generate(actor=ops) == []
    assert Invoice.objects.count() == 0
    business_day(date(2026, 4, 15))
    assert invoicing.invoice_generate(lease=quarterly, period_start=date(2026, 1, 15), actor=ops).total == (
        Decimal("3000.00"))


def test_the_same_period_again_names_the_invoice_in_the_way(ops, quarterly, business_day):
    business_day(date(2026, 5, 1))
    first = invoicing.invoice_generate(lease=quarterly, period_start=date(2026, 1, 15), actor=ops)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(InvalidInput, match=f"already invoiced by '{first.number}'"):
        invoicing.invoice_generate(lease=quarterly, period_start=date(2026, 1, 15), actor=ops)

    assert invoicing.invoices_generate(actor=ops) == []
    assert (Invoice.objects.count(), AuditEvent.objects.count()) == (1, audit_rows)


def test_an_overlapping_invoice_blocks_the_run_and_is_named(ops, quarterly, business_day):
    business_day(date(2026, 5, 1))
    legacy = Invoice.objects.create(number="INV-LEGACY-1", lease=quarterly, period_start=date(2026, 2, 1),
                                    period_end=date(2026, 2, 28), currency="USD", total=Decimal("1000.00"))

    with pytest.raises(InvalidInput) as caught:
        invoicing.invoices_generate(actor=ops)

    assert caught.value.message == (
        f"Lease '{quarterly}': the billing period 2026-01-15 to 2026-04-14 is already invoiced by "
        f"'{legacy.number}' (2026-02-01 to 2026-02-28); a day is billed once."
    )
    assert list(Invoice.objects.values_list("number", flat=True)) == ["INV-LEGACY-1"]


def test_the_database_refuses_two_invoices_of_a_lease_on_the_same_day(ops, quarterly):
    Invoice.objects.create(number="A", lease=quarterly, period_start=date(2026, 1, 15),
                           period_end=date(2026, 4, 14), currency="USD", total=Decimal("1.00"))
    with pytest.raises(IntegrityError, match="invoice_days_billed_once"), transaction.atomic():
        Invoice.objects.create(number="B", lease=quarterly, period_start=date(2026, 4, 14),
                               period_end=date(2026, 4, 30), currency="USD", total=Decimal("1.00"))
    # Credit notes and fee invoices repeat the period they refer to; only invoices are exclusive.
    Invoice.objects.create(number="CN", kind="credit_note", lease=quarterly, period_start=date(2026, 1, 15),
                           period_end=date(2026, 4, 14), currency="USD", total=Decimal("-1.00"))
    assert Invoice.objects.count() == 2
