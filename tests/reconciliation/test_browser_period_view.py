"""A browser (Playwright driving Debian's Chromium) walks the period view from bank to chain as
operations: the two breaks are listed, each with a link; it opens the holder paid twice, asks for
a waiver with a reason; a second person approves it in the browser, and the period view shows one
open exception left. Role and text selectors only (the admin theme may change)."""

import shutil

import pytest

from reconciliation.models import ReconException
from tests.admin.test_browser_home_pages import sign_in
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.compliance.test_browser_queue import CHROMIUM, browser  # noqa: F401  (fixture)
from tests.reconciliation import chain_setup
from tests.reconciliation.period_setup import short_and_twice

pytestmark = [
    requires_chain,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]
rpc, issued, period = chain_fixtures.rpc, chain_setup.issued, chain_setup.period  # fixtures


def test_walk_the_period_view_and_resolve_one_exception(browser, live_server, issued, period, ops, ops2):  # noqa: F811
    p = short_and_twice(issued, period, ops, ops2)
    twice = ReconException.objects.get(type="duplicate_payout")
    page = sign_in(browser, live_server, ops.username)
    page.goto(f"{live_server.url}/admin/reconciliation/reconexception/periods/")
    page.get_by_role("link", name=str(p.period)).click()
    table = page.get_by_role("table", name="Bank to chain")
    assert table.get_by_role("row").count() == 7  # the header and six hops
    payouts = table.get_by_role("row").filter(has_text="On-chain payouts")
    assert "does not tie out" in payouts.inner_text()
    exceptions = page.get_by_role("table", name="Exceptions of the period")
    assert exceptions.get_by_role("row").count() == 3
    assert page.get_by_text("Open exceptions: 2").count() == 1

    exceptions.get_by_role("link", name=f"Exception #{twice.pk}").click()
    page.get_by_role("link", name="Request waiver").click()
    page.get_by_label("Reason (required):").fill("BOB returned the second payment")
    page.get_by_role("button", name="Request waiver").click()
    page.wait_for_url(f"**/admin/reconciliation/reconexception/{twice.pk}/change/")
    assert ReconException.objects.get(pk=twice.pk).state == "waive_requested"
    page.context.close()

    checker = sign_in(browser, live_server, ops2.username)
    checker.goto(f"{live_server.url}/admin/reconciliation/reconexception/{twice.pk}/change/")
    checker.get_by_role("link", name="Approve waiver").click()
    checker.get_by_role("button", name="Approve waiver").click()
    checker.wait_for_url(f"**/admin/reconciliation/reconexception/{twice.pk}/change/")
    assert ReconException.objects.get(pk=twice.pk).state == "waived"
    checker.goto(f"{live_server.url}/admin/reconciliation/reconexception/periods/{p.period.pk}/")
    assert checker.get_by_text("Open exceptions: 1").count() == 1
    checker.context.close()
