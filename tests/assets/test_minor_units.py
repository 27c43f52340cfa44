"""Invoice amounts are rounded to the currency's ISO 4217 minor unit: yen have no decimals."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from assets import invoice_math
from assets.services import invoicing, leasing
from assets.services.metering import import_metering, metering_csv
from tests.assets.builders import make_counterparty, make_gpu_server

pytestmark = pytest.mark.django_db


def test_usage_in_yen_is_rounded_to_the_yen():
    # 3 x 111.5 = 334.5 yen: half-even to 334 (not 334.50)
    [line] = invoice_math.usage_lines(gpu_hours=3, price_per_gpu_hour=Decimal("111.500000"),
                                      monthly_minimum=Decimal("0"), months=1, days=30, scheduled_days=30,
                                      currency="JPY", quantum=Decimal("1"))
    assert str(line.amount) == "334"


def test_a_yen_lease_is_invoiced_in_whole_yen(ops, business_day):
    business_day(date(2026, 12, 5))
    gpu = make_gpu_server(actor=ops, code="GPU-JP")
    import_metering(source=metering_csv([("GPU-JP", "2026-11-02T00:00:00Z", 3, 2000)]), actor=ops,
                    now=datetime(2026, 12, 1, tzinfo=UTC))
    lease = leasing.lease_create(
        actor=ops, reference="L-JPY", lessee=make_counterparty(actor=ops), spv=gpu.spv, devices=[gpu],
        gpu_count=8, currency="JPY", price_per_gpu_hour=Decimal("111.500000"),
        minimum_monthly_commitment=Decimal("1000"), start_date=date(2026, 11, 1), end_date=date(2027, 10, 31))
    lease = leasing.lease_activate(lease=lease, actor=ops)

    invoice = invoicing.invoice_generate(lease=lease, period_start=date(2026, 11, 1), actor=ops)

    assert list(invoice.lines.values_list("kind", "amount")) == [
        ("usage", Decimal("334")), ("minimum_true_up", Decimal("666"))]
    assert invoice.total == Decimal("1000")
