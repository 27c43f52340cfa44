"""The newcomer path of the README, clicked through in a browser (Playwright driving Debian's
Chromium): operations onboard a new investor whom two compliance officers approve (four eyes), and
take a draft deal to issued with its notes minted on the chain. Nothing is typed into an API; the
screenshots of each step are saved under the test run's output directory (docs/admin.md)."""

import re
import shutil

import pytest
from django.urls import reverse

from chain.models import ChainTransaction
from chain.txmanager import wait_mined
from compliance.models import Investor, KycCase
from issuance.models import Deal, Subscription
from tests.admin.test_browser_home_pages import output_dir, sign_in
from tests.chain.conftest import DEV, requires_chain, rpc  # noqa: F401  (fixture)
from tests.chain.test_wiring import verified_wallet
from tests.compliance.conftest import officer2  # noqa: F401  (fixture)
from tests.compliance.test_browser_queue import CHROMIUM, browser  # noqa: F401  (fixture)
from tests.factories import PDF_BYTES

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


def shot(page, name: str) -> None:
    page.screenshot(path=str(output_dir() / f"{name}.png"), full_page=True)


def take(page, label: str) -> None:
    """A transition: its link on the object's page, then the button of the confirmation page."""
    page.get_by_role("link", name=label, exact=True).click()
    page.get_by_role("button", name=label, exact=True).click()


def shown(page) -> str:
    """The page's text, as the user reads it (whitespace collapsed), once it has loaded."""
    page.wait_for_load_state()
    return " ".join(page.locator("body").inner_text().split())


def choose(page, label, search: str, option: str) -> None:
    """Pick in a searched (autocomplete) field: open it, type a few letters, click the match."""
    page.get_by_label(label).locator("xpath=following-sibling::span[1]").get_by_role("combobox").click()
    page.get_by_role("searchbox").last.fill(search)  # the field's search box (the sidebar has one too)
    page.get_by_role("option", name=option, exact=True).click()


def upload(page, kind: str, name: str) -> None:
    page.get_by_role("link", name="Upload a document").click()
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("File").set_input_files({"name": name, "mimeType": "application/pdf",
                                               "buffer": PDF_BYTES})
    page.get_by_role("button", name="Upload").click()


def test_a_new_investor_from_onboarded_to_approved(browser, live_server, ops, officer, officer2):  # noqa: F811
    page = sign_in(browser, live_server, "ops")
    page.get_by_role("link", name="Investors", exact=True).first.click()
    page.get_by_role("link", name=re.compile("Add investor")).click()
    page.get_by_label("Kind").select_option("individual")
    page.get_by_label("Legal name").fill("Mei Lin Tan")
    page.get_by_label("Email").fill("mei.lin.tan@example.test")
    page.get_by_label("Country of residence").select_option("SG")
    page.get_by_label("Nationality").select_option("SG")
    page.get_by_label("Date of birth").fill("1985-03-02")
    page.get_by_label("Address").fill("8 Marina View, Singapore 018960")
    page.get_by_role("button", name="Save and continue editing").click()
    investor = Investor.objects.get(legal_name="Mei Lin Tan")
    assert page.locator("#investor-kyc-status").inner_text() == "No KYC case yet."

    page.get_by_role("button", name="Start a KYC case").click()
    case = KycCase.objects.get(investor=investor)
    assert page.locator("#investor-kyc-status").inner_text() == f"Case #{case.pk} is draft."
    upload(page, "identity", "passport.pdf")
    upload(page, "proof_of_address", "utility-bill.pdf")
    assert ("2 documents uploaded; their details are for compliance officers.") in shown(page)
    shot(page, "onboarding-1-investor-page")
    page.locator("#investor-kyc").get_by_role("link", name=f"KYC case #{case.pk} Mei Lin Tan").click()
    take(page, "Submit")
    assert f"'{case}': submit done." in shown(page)
    case.refresh_from_db()
    assert case.state == "submitted"
    page.context.close()

    page = sign_in(browser, live_server, "officer")
    page.goto(f"{live_server.url}/compliance/queue/")
    page.get_by_role("link", name=f"#{case.pk}").click()
    page.get_by_role("button", name="Start review").click()
    for name in ("passport.pdf", "utility-bill.pdf"):
        row = page.locator("#documents tr", has_text=name)
        row.get_by_role("combobox").first.select_option("accept")
        row.get_by_role("button", name="Record").click()
    page.get_by_role("button", name="Recommend approval").click()
    assert page.locator("#case-state").inner_text() == "recommended for approval"
    assert page.get_by_role("note").inner_text() == (
        f"You recommended case #{case.pk}, so you cannot approve it: four eyes. Another compliance officer "
        "with the approval permission approves it, or returns it to review.")
    assert page.get_by_role("button", name="Approve").count() == 0
    shot(page, "onboarding-2-four-eyes")
    page.context.close()

    page = sign_in(browser, live_server, "officer2")
    page.goto(f"{live_server.url}/compliance/cases/{case.pk}/")
    page.get_by_role("button", name="Approve").click()
    assert page.locator("#case-state").inner_text() == "approved"
    assert page.get_by_role("button").count() == 0  # a decided case offers no action
    shot(page, "onboarding-3-approved")
    page.goto(f"{live_server.url}{reverse('admin:compliance_investor_change', args=[investor.pk])}")
    case.refresh_from_db()
    assert page.locator("#investor-kyc-status").inner_text() == (
        f"KYC approved until {case.refresh_due.isoformat()} (case #{case.pk}, low risk).")
    shot(page, "onboarding-4-investor-approved")
    page.context.close()
    assert (case.state, case.recommended_by, case.decided_by) == ("approved", officer, officer2)


@requires_chain
def test_a_draft_deal_to_issued_and_minted(browser, live_server, rpc, published, ops, officer,  # noqa: F811
                                           draft_deal, investor, other_investor):
    from tests.assets.builders import make_gpu_server

    server = make_gpu_server(actor=ops, spv=draft_deal.spv)
    verified_wallet(investor, DEV[1].address)
    verified_wallet(other_investor, DEV[2].address)
    deal_url = f"{live_server.url}{reverse('admin:issuance_deal_change', args=[draft_deal.pk])}"
    senior, junior = draft_deal.tranches.order_by("seniority")

    page = sign_in(browser, live_server, "ops")
    page.goto(deal_url)
    take(page, "Start structuring")
    take(page, "Submit for review")
    checker = sign_in(browser, live_server, "officer")  # the compliance officer, in their own browser
    checker.goto(deal_url)
    take(checker, "Approve")
    checker.context.close()

    page.goto(deal_url)
    take(page, "Open for subscription")
    page.goto(f"{live_server.url}{reverse('admin:assets_device_change', args=[server.pk])}")
    choose(page, re.compile(r"^Deal:?$"), draft_deal.name, draft_deal.name)
    page.get_by_role("button", name="Save", exact=True).click()
    for who, tranche, amount in ((investor, senior, "7000000"), (other_investor, junior, "3000000")):
        page.goto(f"{live_server.url}{reverse('admin:issuance_subscription_add')}")
        choose(page, "Investor", who.legal_name[:5], who.legal_name)
        choose(page, "Tranche", tranche.class_name, str(tranche))
        page.get_by_label("Requested amount").fill(amount)
        page.get_by_role("button", name="Save", exact=True).click()
        sub = Subscription.objects.get(investor=who)
        page.goto(f"{live_server.url}{reverse('admin:issuance_subscription_change', args=[sub.pk])}")
        take(page, "Accept")
    page.goto(deal_url)
    page.get_by_role("link", name="Close book and allocate", exact=True).click()
    shot(page, "deal-1-close-book-preview")
    page.get_by_role("button", name="Close book and allocate", exact=True).click()
    for sub in Subscription.objects.order_by("id"):
        page.goto(f"{live_server.url}{reverse('admin:issuance_subscription_change', args=[sub.pk])}")
        page.get_by_role("link", name="Record a payment").click()
        page.get_by_label("Reference").fill(f"MT103-{sub.pk}")
        page.get_by_role("button", name="Record the payment").click()
    page.goto(deal_url)
    take(page, "Issue")
    assert f"Deal '{draft_deal}': issue done." in shown(page)
    shot(page, "deal-2-issued")

    page.get_by_role("button", name="Deploy the registry and tranche tokens").click()
    assert (
        f"{draft_deal}: the identity registry and 2 tranche token(s) are deployed.") in shown(page)
    page.get_by_role("button", name="Mint the settled allocations").click()
    assert (f"{draft_deal}: 2 mint(s) sent; each is followed to confirmation "
                            "(Chain transactions).") in shown(page)
    for tx in ChainTransaction.objects.filter(purpose="mint allocation"):
        wait_mined(tx, rpc=rpc)
    page.goto(deal_url)
    steps = page.locator("#token-step-tranches tbody tr")
    assert [steps.nth(i).locator("td").nth(2).inner_text() for i in range(steps.count())] == [
        "Own Investor Ltd", "Other Investor Ltd"]
    assert ("Every settled allocation has its mint") in shown(page)
    shot(page, "deal-3-minted")
    page.context.close()

    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.ISSUED
    assert sorted(Subscription.objects.values_list("state", flat=True)) == ["settled", "settled"]
    assert ChainTransaction.objects.filter(purpose="mint allocation").count() == 2
