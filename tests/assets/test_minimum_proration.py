"""The minimum commitment is prorated by days when a period is cut short (end of term, termination)."""

from datetime import date
from decimal import Decimal

import pytest

from assets import invoice_math
from assets.models import Invoice
from assets.services import invoicing, leasing
from tests.assets.builders import make_gpu_server, make_lease

pytestmark = pytest.mark.django_db


def test_19_of_31_days_carry_19_31_of_the_minimum():
    lines = invoice_math.usage_lines(gpu_hours=0, price_per_gpu_hour=Decimal("2.500000"),
                                     monthly_minimum=Decimal("3000.00"), months=1, days=19, scheduled_days=31,
                                     currency="USD", quantum=Decimal("0.01"))

    # 3,000.00 x 19 / 31 = 1,838.7096... -> 1,838.71
    assert [(line.kind, line.amount, line.description) for line in lines] == [
        ("usage", Decimal("0.00"), "0 GPU-hours at 2.500000 USD"),
        ("minimum_true_up", Decimal("1838.71"),
         "Minimum commitment 1838.71 USD (1 month(s), 19 of 31 days) less usage 0.00"),
    ]


def test_a_lease_starting_28_november_and_ending_mid_period(ops, business_day):
    business_day(date(2027, 2, 1))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="3000.00",
                       start=date(2026, 11, 28), end=date(2027, 1, 15))

    invoicing.invoices_generate(actor=ops)

    assert list(Invoice.objects.filter(lease=lease).order_by("period_start").values_list(
        "period_start", "period_end", "total")) == [
        (date(2026, 11, 28), date(2026, 12, 27), Decimal("3000.00")),  # a full month: the whole minimum
        (date(2026, 12, 28), date(2027, 1, 15), Decimal("1838.71")),  # 19 of 31 days
    ]


def test_a_terminated_lease_pays_the_minimum_up_to_the_termination(ops, business_day):
    business_day(date(2026, 12, 10))
    lease = make_lease(actor=ops, devices=[make_gpu_server(actor=ops)], minimum="3000.00",
                       start=date(2026, 11, 28), end=date(2027, 11, 27))
    leasing.lease_terminate(lease=lease, actor=ops, reason="lessee insolvent")
    business_day(date(2027, 2, 1))

    invoices = invoicing.invoices_generate(actor=ops)

    # 28 November to 10 December: 13 of the period's 30 days; 3,000.00 x 13 / 30 = 1,300.00
    assert [(i.period_start, i.period_end, i.total) for i in invoices] == [
        (date(2026, 11, 28), date(2026, 12, 10), Decimal("1300.00"))]
    assert invoicing.invoices_generate(actor=ops) == []
