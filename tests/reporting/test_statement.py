"""The investor statement: the figures printed, in PDF, CSV and XLSX, compared with the data."""

from decimal import Decimal

import pytest

from core.money import allocate
from reporting.models import Kind, Report
from servicing.models import Entitlement
from tests.reporting.conftest import ALICE, ALICE2, BOB
from tests.reporting.helpers import csv_blocks, generated, has_row, pdf_lines, pdf_pages, xlsx_sheets

pytestmark = pytest.mark.django_db


def _statement(ops, period, investor, fmt="pdf"):
    return generated(actor=ops, kind=Kind.INVESTOR_STATEMENT, deal=period.deal, period=period,
                     investor=investor, format=fmt)


def test_the_statement_prints_holdings_payments_and_transactions(distributed, ops, investor,
                                                                  published):
    p1, _ = distributed
    report = _statement(ops, p1, investor)
    assert (report.state, report.draft, report.version) == (Report.State.DONE, False, 1)
    lines = pdf_lines(report)
    # ALICE 3,000,000 + ALICE2 1,000,000 senior units; 787,500.01 split 3/7, 1/7, 3/7 in base units:
    # ALICE 337,500.004286 = 37,500.004286 interest + 300,000.000000 principal, ALICE2 112,500.001428 =
    # 12,500.001429 + 99,999.999999 (largest remainder per entitlement).
    assert has_row(lines, "Class 1", "4,000,000", "0.900000", "3,600,000.00")
    zero = "0.000000"
    assert has_row(lines, "Class 1", ALICE, "37,500.004286", "300,000.000000", zero, "337,500.004286", "paid")
    assert has_row(lines, "Class 1", ALICE2, "12,500.001429", "99,999.999999", zero, "112,500.001428", "paid")
    assert has_row(lines, "50,000.005715", "399,999.999999", "0.000000", "450,000.005714")  # period totals
    assert has_row(lines, "period 1", "Class 1", "337,500.004286", "0x" + "0100" * 16, "100")
    assert has_row(lines, "period 1", "Class 1", "112,500.001428", "0x" + "0101" * 16, "101")
    assert has_row(lines, "Amounts held back", "Nothing held back.")
    assert BOB not in lines
    assert f"data SHA-256 {report.data_sha256}" in lines


def test_figures_match_the_entitlements(distributed, ops, investor, published):
    p1, _ = distributed
    sheets = xlsx_sheets(_statement(ops, p1, investor, fmt="xlsx"))
    interest = principal = 0
    for e in Entitlement.objects.filter(investor=investor, distribution__period=p1):
        d = e.distribution
        i, p, _ = allocate(int(e.amount), [d.interest, d.principal, d.residual], unit=1)
        interest, principal = interest + i, principal + p
    totals = [Decimal(str(v)) for v in sheets["period_totals"][2][:2]]
    assert totals == [Decimal(interest).scaleb(-6), Decimal(principal).scaleb(-6)]
    assert sheets["holdings"][1] == ("tranche", "units", "factor", "current balance (USD)")
    holding = sheets["holdings"][2]
    assert [holding[0], Decimal(str(holding[3]))] == ["Class 1", Decimal("3600000.00")]


def test_a_held_back_payment_gives_only_the_investor_safe_reason(distributed, ops, other_investor,
                                                                  published):
    p1, _ = distributed
    blocks = csv_blocks(_statement(ops, p1, other_investor, fmt="csv"))
    assert blocks["Amounts held back"] == [
        ["tranche", "wallet", "amount (USD)", "reason"],
        ["Class 1", BOB, "337500.004286",
         "Held while our compliance team completes a review; it is paid once the review is complete. "
         "We will contact you if we need anything from you."]]
    pdf = "\n".join(pdf_pages(_statement(ops, p1, other_investor))).lower()
    for word in ("sanction", "screening", "frozen", "eligible"):
        assert word not in pdf
        assert word not in str(blocks).lower()


def test_cumulative_totals_and_the_balance_chart_cover_every_period(distributed, ops, investor,
                                                                    published):
    _, p2 = distributed
    sheets = xlsx_sheets(_statement(ops, p2, investor, fmt="xlsx"))
    # period 1: 50,000.005715 interest + 399,999.999999 principal; period 2: 180,000.00 over 4/7:
    # ALICE 34,285.714286 + 42,857.142857, ALICE2 11,428.571428 + 14,285.714286.
    cumulative = [Decimal(str(v)) for v in sheets["cumulative"][2]]
    assert cumulative == [Decimal("95714.291429"), Decimal("457142.857142"), Decimal("0"),
                          Decimal("552857.148571")]
    # 4,000,000 units at 6,300,000 / 7,000,000, then at 6,200,000 / 7,000,000 (3,542,857.142857...)
    assert [(r[0], Decimal(str(r[1]))) for r in sheets["balance_history"][2:]] == [
        ("P1", Decimal("3600000.00")), ("P2", Decimal("3542857.14"))]


def test_a_period_not_closed_gives_a_draft_marked_on_every_page(distributed, ops, investor,
                                                                published):
    _, p2 = distributed
    report = _statement(ops, p2, investor)
    pages = pdf_pages(report)
    assert report.draft is True
    assert pages and all("DRAFT" in page for page in pages)
    assert report.file.name.endswith("-v1-DRAFT.pdf")


def test_no_distribution_yet_says_so(closed_deal, period, ops, investor, published):
    report = _statement(ops, period, investor)
    lines = pdf_lines(report)
    assert report.state == Report.State.DONE
    assert any(line.startswith("No distribution has been made for period 1 yet") for line in lines)
    assert has_row(lines, "Class 1", "7,000,000", "1.000000", "7,000,000.00")
    assert "No payment to you for period 1." in lines
