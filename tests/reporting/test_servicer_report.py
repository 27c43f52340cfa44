"""The servicer / trustee report: the figures printed and in the XLSX cells, compared with the
waterfall run they come from; a period not determined says so."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.models import Kind, Report
from servicing.models import CollectionPeriod
from servicing.services.descriptions import waterfall_description_set
from servicing.services.periods import latest_run, period_approve, period_determine
from tests.reporting.helpers import csv_blocks, generated, has_row, pdf_lines, pdf_pages, xlsx_sheets
from tests.servicing.builders import description, import_csv, make_abs_deal, with_periods
from tests.servicing.test_available_funds import ENTRIES

pytestmark = pytest.mark.django_db
POOL = Decimal("9800000.00")
OC = {"name": "oc_a", "kind": "oc", "tranches": ["A"], "threshold": "1.3", "breached_when": "below"}


@pytest.fixture
def first(ops, ops2, business_day, published):
    """Period 1 of the ABS deal determined on 363,500.75 of collections and approved."""
    deal = make_abs_deal(actor=ops)
    waterfall_description_set(deal=deal, description=description(triggers=[OC]), actor=ops)
    with_periods(deal, actor=ops)
    import_csv(ENTRIES, actor=ops)
    business_day(date(2027, 4, 5))
    period = CollectionPeriod.objects.get(deal=deal, number=1)
    period_determine(period=period, actor=ops, pool_balance=POOL)
    period_approve(period=period, actor=ops2)
    return CollectionPeriod.objects.get(pk=period.pk)


def _report(ops, period, fmt):
    return generated(actor=ops, kind=Kind.SERVICER_REPORT, deal=period.deal, period=period, format=fmt)


def test_the_tranche_table_gives_balances_payments_per_1000_and_factor(first, ops):
    report = _report(ops, first, "xlsx")
    sheets = xlsx_sheets(report)
    assert report.state == Report.State.DONE and report.draft is True  # distributing, not closed
    rows = {r[0]: [Decimal(str(v)) for v in r[1:]] for r in sheets["tranches"][2:]}
    # A: 7,000,000 at 5 %: 102,083.33 interest (105 days 30/360) and 50,000.00 principal;
    # per 1,000: 102,083.33 / 7,000 = 14.583333, 50,000 / 7,000 = 7.142857; factor 6,950,000 / 7,000,000.
    assert rows["A"] == [
        Decimal("0.050000"),
        Decimal("7000000.00"),
        Decimal("7000000.00"),
        Decimal("102083.33"),
        Decimal("50000.00"),
        Decimal("0.00"),
        Decimal("6950000.00"),
        Decimal("14.583333"),
        Decimal("7.142857"),
        Decimal("0.992857"),
    ]
    assert rows["B"][3:7] == [Decimal("58333.33"), Decimal("0.00"), Decimal("0.00"), Decimal("2500000.00")]
    assert rows["R"][5] == Decimal("50584.09")  # the residual
    run = latest_run(first)
    assert [(r[0], r[2], Decimal(str(r[5]))) for r in sheets["waterfall"][2:]] == [
        (s["step"], s["target"], Decimal(s["paid"])) for s in run.outputs["steps"]
    ]
    assert [Decimal(str(r[3])) for r in sheets["funds_lines"][2:]] == [
        Decimal("100000.00"),
        Decimal("250000.50"),
        Decimal("12500.25"),
        Decimal("1000.00"),
    ]
    (test,) = sheets["tests"][2:]
    trigger = run.outputs["triggers"]["oc_a"]
    assert test[:3] == ("oc_a", "oc", "A")
    assert (Decimal(str(test[3])), Decimal(str(test[4]))) == (Decimal(trigger["value"]), Decimal("1.3"))
    assert test[6] == ("BREACHED" if trigger["breached"] else "passed")
    assert [(r[0], Decimal(str(r[5]))) for r in sheets["reserve"][2:]] == [("reserve", Decimal("100000.00"))]


def test_the_pdf_prints_the_same_figures_on_draft_pages(first, ops):
    report = _report(ops, first, "pdf")
    lines = pdf_lines(report)
    assert has_row(
        lines,
        "A",
        "0.050000",
        "7,000,000.00",
        "7,000,000.00",
        "102,083.33",
        "50,000.00",
        "0.00",
        "6,950,000.00",
        "14.583333",
        "7.142857",
        "0.992857",
    )
    assert has_row(lines, "available funds", "363,500.75")
    assert has_row(lines, "1121(a)(13)")
    assert all("DRAFT" in page for page in pdf_pages(report))


def test_every_table_is_in_the_csv(first, ops):
    blocks = csv_blocks(_report(ops, first, "csv"))
    assert blocks["Available funds (USD)"][1:] == [
        ["collections", "363500.75"],
        ["cash brought forward", "0.00"],
        ["released from the reserve account", "0.00"],
        ["drawn on the reserve", "0.00"],
        ["available funds", "363500.75"],
        ["cash left in the collection account", "0.00"],
    ]
    assert {
        "Tranches (USD; per 1,000 of original balance)",
        "Priority of payments (USD)",
        "Open exceptions",
        "Lease receivables by days past due (USD)",
        "Fleet",
        "Tests against their thresholds",
    } <= set(blocks)


def test_a_period_not_determined_says_so(ops, published):
    deal = make_abs_deal(actor=ops)
    with_periods(deal, actor=ops)
    period = CollectionPeriod.objects.get(deal=deal, number=1)
    report = _report(ops, period, "pdf")
    lines = pdf_lines(report)
    assert report.state == Report.State.DONE
    assert any(line.startswith("Period 1 has not been determined yet") for line in lines)
    assert "No waterfall run for this period." in lines
    assert "No distribution has been made for period 1." in lines


def test_receivables_aging_delinquency_fleet_and_concentration(closed_deal, ops, published):
    """A GPU server pledged to the deal, leased to Kestrel; three invoices open at 30 September
    2026: 1,000.00 due 10 days before (current), 2,000.00 due 46 days before (30-59), 500.00 due
    121 days before (90+)."""
    from assets.models import Invoice
    from tests.assets.builders import make_counterparty, make_gpu_server, make_lease
    from tests.reporting.conftest import make_period

    server = make_gpu_server(actor=ops, deal=closed_deal, code="GPU-DEAL-1")
    lease = make_lease(
        actor=ops, devices=[server], lessee=make_counterparty(actor=ops, name="Kestrel AI Ltd")
    )
    for n, (total, due) in enumerate(
        (
            (Decimal("1000.00"), date(2026, 9, 20)),
            (Decimal("2000.00"), date(2026, 8, 15)),
            (Decimal("500.00"), date(2026, 6, 1)),
        ),
        start=1,
    ):
        Invoice.objects.create(
            number=f"INV-R-{n}",
            lease=lease,
            period_start=due.replace(day=1),
            period_end=due,
            currency="USD",
            total=total,
            issue_date=due.replace(day=1),
            due_date=due,
        )
    Invoice.objects.update(state=Invoice.State.ISSUED)
    from django.contrib.contenttypes.models import ContentType

    from reconciliation.models import ExceptionLink, ReconException

    late = ReconException.objects.create(
        key="cash:invoice:INV-R-3",
        scope="cash",
        type="missing_payment",
        currency="USD",
        amount=Decimal("500.00"),
    )
    ExceptionLink.objects.create(
        exception=late,
        content_type=ContentType.objects.get_for_model(Invoice),
        object_id=Invoice.objects.get(number="INV-R-3").pk,
        role="invoice",
    )
    ReconException.objects.create(
        key="cash:entry:999", scope="cash", type="unmatched_receipt", currency="USD", amount=Decimal("77.00")
    )  # about no row of this deal: not counted
    period = make_period(closed_deal, start=date(2026, 7, 1), end=date(2026, 9, 30))
    sheets = xlsx_sheets(_report(ops, period, "xlsx"))

    def row(sheet, first):
        (found,) = [r for r in sheets[sheet][2:] if r[0] == first]
        return [v if v is None or isinstance(v, str | int) else Decimal(str(v)) for v in found]

    assert row("aging", "USD") == [
        "USD",
        Decimal("1000.00"),
        Decimal("2000.00"),
        Decimal("0.00"),
        Decimal("500.00"),
        Decimal("3500.00"),
    ]
    assert row("aging_by_lessee", "Kestrel AI Ltd")[-1] == Decimal("3500.00")
    # 30+ = 2,000.00 + 500.00 of 3,500.00 = 0.7143
    assert row("delinquency", "USD") == [
        "USD",
        Decimal("2500.00"),
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("3500.00"),
        Decimal("0.7143"),
    ]
    assert row("concentration_receivables", "Kestrel AI Ltd") == [
        "Kestrel AI Ltd",
        Decimal("3500.00"),
        Decimal("1.0000"),
    ]
    assert row("devices", "GPU-DEAL-1")[4] == "Kestrel AI Ltd"
    assert sheets["reconciliation"][2:] == [("invoice past due, nothing received", "USD", 1, 500)]
    assert row("fleet", "GPUs")[1] == sum(d.gpu_count or 0 for d in closed_deal.devices.all())
