"""A browser (Playwright driving Debian's Chromium) signs in as each staff role, password then
authenticator code, and opens the home page: the role's panels, their figures, a chart; a
screenshot per role is saved under the test run's output directory (docs/admin.md)."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from tests.admin.test_home_pages import (  # noqa: F401  (fixtures)
    OFFICER_PANELS,
    OPS_PANELS,
    TRUSTEE_PANELS,
    _today,
    book,
    both,
)
from tests.compliance.test_browser_queue import CHROMIUM, browser  # noqa: F401  (fixture)
from tests.two_factor import make_totp_device, totp_code

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


def output_dir() -> Path:
    """Where a test run leaves what people look at afterwards: ``$TEST_OUTPUT_DIR``, by default
    ``var/test-output/`` in the repository (not committed)."""
    root = os.environ.get("TEST_OUTPUT_DIR") or settings.BASE_DIR / "var" / "test-output"
    path = Path(root) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(browser, live_server, username: str):  # noqa: F811
    device = make_totp_device(User.objects.get(username=username))
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("#login-form [type=submit]")
    page.wait_for_url("**/account/two-factor/?next=%2Fadmin%2F")
    page.fill("#id_code", totp_code(device))
    page.click("#two-factor-form [type=submit]")
    page.wait_for_url("**/admin/")
    return page


def test_each_staff_role_opens_its_home_page(browser, live_server, ops, officer, trustee, book):  # noqa: F811
    for user, panels in ((ops, OPS_PANELS), (officer, OFFICER_PANELS), (trustee, TRUSTEE_PANELS)):
        page = sign_in(browser, live_server, user.username)
        shown = page.locator("section.home-panel")
        ids = [shown.nth(i).get_attribute("id") for i in range(shown.count())]
        assert ids == [f"panel-{p}" for p in panels]
        deals = page.locator("#panel-deals-by-state")
        assert deals.locator("tr[data-row='issued'] td.value").inner_text() == "2"
        assert deals.locator("svg.home-chart rect").count() == 3
        aum = page.locator("#panel-assets-under-management")
        assert aum.locator("tr[data-row='USD'] td.value").inner_text() == "10,000,000.00 USD"
        assert aum.locator("tr[data-row='EUR'] td.value").inner_text() == "5,000,000.00 EUR"
        if user == ops:
            overdue = page.locator("#panel-invoices-overdue tr[data-row='USD (2 invoices)']")
            assert overdue.locator("td.value").inner_text() == "1,500.00 USD"
            overdue.locator("a").click()
            page.wait_for_url("**/admin/assets/invoice/?state__exact=overdue&currency__exact=USD")
            assert page.locator("#result_list tbody tr").count() == 2
        if user == officer:
            kyc = page.locator("#panel-kyc-cases tr[data-row='officer'] td.value")
            assert kyc.last.inner_text() == "2"
            assert page.locator("#panel-deals-awaiting-approval tbody tr").count() == 2
        page.goto(f"{live_server.url}/admin/")
        page.screenshot(path=str(output_dir() / f"home-{user.username}.png"), full_page=True)
        page.context.close()
    assert sorted(p.name for p in output_dir().glob("home-*.png")) >= ["home-officer.png", "home-ops.png",
                                                                     "home-trustee.png"]
