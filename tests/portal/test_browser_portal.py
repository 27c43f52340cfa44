"""A browser (Playwright driving Debian's Chromium, phone-sized) signs in to the portal: the investor
downloads their statement and its SHA-256 equals the one the page shows, and another investor's
statement is refused; a trustee passes their second factor and opens the servicer report."""

import hashlib
import shutil

import pytest

from reporting.models import Kind
from tests.admin.test_browser_home_pages import output_dir
from tests.compliance.test_browser_queue import CHROMIUM, browser  # noqa: F401  (fixture)
from tests.portal.conftest import generate
from tests.two_factor import make_totp_device, totp_code

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def reports(paid_book, ops, investor, other_investor):
    """Real PDFs from the reporting services: each investor's statement and the servicer report."""
    book = paid_book
    common = {"deal": book.deal, "period": book.period, "format": "pdf"}
    book.own_statement = generate(actor=ops, kind=Kind.INVESTOR_STATEMENT, investor=investor, **common)
    book.other_statement = generate(actor=ops, kind=Kind.INVESTOR_STATEMENT, investor=other_investor,
                                    **common)
    book.servicer = generate(actor=ops, kind=Kind.SERVICER_REPORT, **common)
    return book


def sign_in(browser, live_server, username: str):  # noqa: F811
    page = browser.new_context(viewport=PHONE, accept_downloads=True).new_page()
    page.goto(f"{live_server.url}/portal/")
    page.wait_for_url("**/portal/login/?next=/portal/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Sign in").click()
    return page


def download(page, item) -> tuple[str, bytes]:
    with page.expect_download() as info:
        item.get_by_role("link", name="Download PDF").click()
    found = info.value
    return found.suggested_filename, open(found.path(), "rb").read()


def test_an_investor_downloads_their_statement_checks_its_hash_and_is_refused_another(
        browser, live_server, reports):  # noqa: F811
    page = sign_in(browser, live_server, "investor")
    page.wait_for_url("**/portal/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    page.screenshot(path=str(output_dir() / "portal-dashboard-phone.png"), full_page=True)
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    page.wait_for_url("**/portal/reports/")
    page.screenshot(path=str(output_dir() / "portal-reports-phone.png"), full_page=True)
    statement = page.get_by_role("listitem").filter(has_text="Investor statement")
    assert statement.count() == 1
    shown = statement.locator("code.sha256").inner_text()
    name, data = download(page, statement)
    assert name == reports.own_statement.filename
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == shown == reports.own_statement.file_sha256
    assert page.get_by_text(reports.other_statement.file_sha256).count() == 0

    response = page.goto(f"{live_server.url}/portal/reports/{reports.other_statement.pk}/download/")
    assert response.status == 404
    assert b"%PDF" not in response.body()
    page.context.close()


def test_a_trustee_passes_the_second_factor_and_opens_the_servicer_report(
        browser, live_server, reports, trustee):  # noqa: F811
    device = make_totp_device(trustee)
    page = sign_in(browser, live_server, "trustee")
    page.wait_for_url("**/account/two-factor/?next=%2Fportal%2F")
    page.get_by_label("Code", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/portal/")
    assert page.get_by_role("heading", name="Deal reports").is_visible()
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    page.wait_for_url("**/portal/reports/")
    report = page.get_by_role("listitem").filter(has_text="Servicer / trustee report")
    shown = report.locator("code.sha256").inner_text()
    name, data = download(page, report)
    assert (name, data[:5]) == (reports.servicer.filename, b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == shown == reports.servicer.file_sha256
    page.context.close()
