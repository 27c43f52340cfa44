"""A browser (Playwright driving Debian's Chromium) walks the review queue with four eyes:
an officer opens a case, sees a screening hit, marks it a false positive and recommends; a second
officer approves; the investor can then subscribe."""

import os
import shutil
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from compliance import services
from issuance import services as issuance
from issuance.models import Subscription
from tests.compliance.conftest import accept_required_documents
from tests.factories import make_investor
from tests.two_factor import make_totp_device, totp_code

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
          "dataset,first_seen,last_seen,last_change")
ROW = ("gcx-9001,Person,Boris Zanzibarov,,1961-07-04,ru,,,Fictional Programme,,,Test List,"
       "2025-01-10T09:00:00,2026-11-20T09:00:00,2025-06-01T09:00:00")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes between
    # page steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(browser, live_server, username: str):
    """Password, then the code of the officer's authenticator app (staff sign in with two factors)."""
    device = make_totp_device(User.objects.get(username=username))
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/compliance/queue/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("#login-form [type=submit]")
    page.wait_for_url("**/account/two-factor/?next=%2Fcompliance%2Fqueue%2F")
    page.fill("#id_code", totp_code(device))
    page.click("#two-factor-form [type=submit]")
    page.wait_for_url("**/compliance/queue/")
    return page


def test_officers_clear_a_hit_recommend_and_approve_then_the_investor_subscribes(
        browser, live_server, ops, officer, officer2, investor_user, open_deal):
    from screening.services import list_import

    list_import(name="test", version_label="v1", data=f"{HEADER}\n{ROW}\n".encode(), actor=officer)
    person = make_investor(actor=ops, user=investor_user, name="Boris Zanzibarov", eligible=False,
                           kind="individual", country_of_residence="CY", nationality="CY",
                           date_of_birth=date(1961, 7, 4), registration_number="")
    accept_required_documents(person, officer)
    case = services.kyc_case_open(actor=investor_user, investor=person)
    services.kyc_case_transition(case=case, name="submit", actor=investor_user)  # screens: one hit

    page = sign_in(browser, live_server, "officer")
    row = page.locator(f"tr[data-case='{case.pk}']")
    assert row.locator(".state").inner_text() == "submitted"
    row.locator("a").click()
    page.click("form[data-name=start_review] button")
    assert page.inner_text("#case-state") == "in review"

    hit = page.locator("tr.hit")
    assert hit.count() == 1
    assert "gcx-9001" in hit.inner_text()
    assert hit.locator(".hit-state").inner_text() == "pending decision"
    hit.locator("select[name=decision]").select_option("mark_false_positive")
    hit.locator("input[name=reason]").fill("Different person: passport number and birth place differ.")
    hit.locator("button").click()
    assert page.locator("tr.hit .hit-state").inner_text() == "false positive"

    page.click("form[data-name=recommend] button")
    assert page.inner_text("#case-state") == "recommended for approval"
    # Four eyes: the officer who recommended is not offered the approval (and the service refuses it).
    assert page.locator("form[data-name=approve]").count() == 0

    page2 = sign_in(browser, live_server, "officer2")
    page2.goto(f"{live_server.url}/compliance/cases/{case.pk}/")
    page2.click("form[data-name=approve] button")
    assert page2.inner_text("#case-state") == "approved"
    assert "officer2" in page2.inner_text("#history")

    case.refresh_from_db()
    assert (case.state, case.recommended_by, case.decided_by) == ("approved", officer, officer2)
    sub = issuance.subscription_request(actor=investor_user, investor=person,
                                        tranche=open_deal.tranches.get(seniority=1),
                                        requested_amount=Decimal("100000"))
    assert (sub.state, Subscription.objects.filter(investor=person).count()) == ("requested", 1)
