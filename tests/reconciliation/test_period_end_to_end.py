"""End to end on anvil: a demo-like period with one lease payment short and one holder paid twice
on chain shows exactly those two exceptions in the period view (admin page and API, the same
figures); resolving them (a write-off and a waiver, each approved by a second person) lets the
period close. The period's exports fed back to ``reconcile_files`` give the same exceptions."""

import csv
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.errors import Refused
from reconciliation import exports
from reconciliation.models import ReconException
from reconciliation.periods import period_view
from reconciliation.services import exceptions as xsvc
from servicing.models import CollectionPeriod
from servicing.services.periods import period_close
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.reconciliation import chain_setup
from tests.reconciliation.period_setup import short_and_twice
from tests.servicing.distribution_setup import BOB

pytestmark = requires_chain
rpc, issued, period = chain_fixtures.rpc, chain_setup.issued, chain_setup.period  # fixtures
D = Decimal


def test_the_period_view_shows_the_two_breaks_and_resolving_them_lets_the_period_close(
    issued, period, ops, ops2, api, client
):
    p = short_and_twice(issued, period, ops, ops2)
    view = period_view(p.period)
    short = ReconException.objects.get(type="short_payment")
    twice = ReconException.objects.get(type="duplicate_payout")
    assert sorted((x.pk, x.type, x.state) for x in view.exceptions) == sorted(
        [(short.pk, "short_payment", "open"), (twice.pk, "duplicate_payout", "open")]
    )
    assert (short.amount, twice.base_units) == (D("100.00"), 3_045_000 * 10**6)
    hops = {h.name: h for h in view.hops}
    assert (hops["receipts"].total, hops["receipts"].exceptions, hops["receipts"].ties) == (
        D("900.00"),
        [short.pk],
        False,
    )
    assert (hops["invoices"].total, hops["invoices"].difference) == (D("900.00"), D("0"))
    assert hops["distributions"].total == D("3832500.01")
    # paid: ALICE and CAROL (DAVE held in escrow), BOB twice
    paid = D("450000.005714") + D("225000.002857") + 2 * D("3045000")
    assert (hops["payouts"].total, hops["payouts"].difference) == (paid, paid - D("3832500.01"))
    assert (hops["payouts"].exceptions, hops["payouts"].ties) == ([twice.pk], False)
    assert hops["payouts"].note == "held in escrow 112500.001429"

    data = api(ops).get(f"/api/v1/reconciliation/periods/{p.period.pk}/").json()
    assert data["open_exceptions"] == 2
    assert [(h["name"], h["total"], h["ties"]) for h in data["hops"]] == [
        (h.name, str(h.total), h.ties) for h in view.hops
    ]
    assert sorted(x["id"] for x in data["exceptions"]) == sorted([short.pk, twice.pk])
    client.force_login(ops)
    page = client.get(f"/admin/reconciliation/reconexception/periods/{p.period.pk}/")
    assert page.status_code == 200
    assert f"Exception #{twice.pk}".encode() in page.content and b"does not tie out" in page.content

    with pytest.raises(Refused, match=r"has 2 open reconciliation exception\(s\)"):
        period_close(period=p.period, actor=ops)
    xsvc.exception_request_write_off(exception=short, actor=ops, reason="lessee disputes 100.00")
    xsvc.exception_approve_write_off(exception=short, actor=ops2, reason="agreed with the lessee")
    xsvc.exception_waive(exception=twice, actor=ops, reason=f"{BOB.address} returned the second payment")
    with pytest.raises(Refused, match=r"has 1 open reconciliation exception\(s\)"):
        period_close(period=p.period, actor=ops)
    xsvc.exception_approve_waive(exception=twice, actor=ops2)
    assert period_view(p.period).open_count == 0
    assert period_close(period=p.period, actor=ops).state == "closed"
    assert CollectionPeriod.objects.get(pk=p.period.pk).state == "closed"
    p.invoice.refresh_from_db()
    assert p.invoice.state == "written_off"


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_exports_fed_back_to_reconcile_files_give_the_same_exceptions(
    issued, period, ops, ops2, tmp_path
):
    p = short_and_twice(issued, period, ops, ops2)
    for scope in exports.SCOPES:
        for side in exports.SIDES:
            (tmp_path / f"{scope}-{side}.csv").write_text(
                exports.export_side(period=p.period, scope=scope, side=side)
            )
    call_command(
        "reconcile_files",
        expected=str(tmp_path / "chain-expected.csv"),
        actual=str(tmp_path / "chain-actual.csv"),
        key="distribution,wallet",
        amount="amount",
        out=str(tmp_path / "chain-x.csv"),
    )
    call_command(
        "reconcile_files",
        expected=str(tmp_path / "cash-expected.csv"),
        actual=str(tmp_path / "cash-actual.csv"),
        key="ref",
        amount="amount",
        out=str(tmp_path / "cash-x.csv"),
    )
    chain_rows = [
        (r["type"], r["distribution"], r["wallet"], r["difference"]) for r in _rows(tmp_path / "chain-x.csv")
    ]
    assert chain_rows == [("duplicate", str(p.junior.pk), BOB.address.lower(), str(3_045_000 * 10**6))]
    cash_rows = [(r["type"], r["ref"], r["difference"]) for r in _rows(tmp_path / "cash-x.csv")]
    assert cash_rows == [("amount_mismatch", "invoice:INV-E2E-1", "-100.00")]
    # the same two the database holds, in the engine's words
    in_db = sorted((x.type, x.key) for x in period_view(p.period).exceptions)
    assert in_db == sorted(
        [
            ("duplicate_payout", f"chain:dist:{p.junior.pk}:holder:{BOB.address.lower()}"),
            ("short_payment", f"cash:invoice:{p.invoice.pk}"),
        ]
    )
