"""In a browser 1,366 px wide (a common office laptop), the admin's main list pages fit the screen
without scrolling sideways; the home page and a deal page are saved as screenshots (the README
shows them: docs/img/)."""

import shutil

import pytest
from django.contrib.auth.models import User

from issuance.models import Deal
from tests.admin.list_rows import LIST_PAGES, seed_list_rows
from tests.admin.test_browser_home_pages import output_dir, sign_in
from tests.admin.test_home_pages import _today, book, both  # noqa: F401  (fixtures)
from tests.compliance.test_browser_queue import CHROMIUM, browser  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]

OVERFLOW = """() => {
  const table = document.querySelector('#result_list');
  const box = table.closest('.overflow-x-auto');
  return [table.scrollWidth, box.clientWidth, document.documentElement.scrollWidth, window.innerWidth];
}"""


def test_main_list_pages_fit_a_1366_px_screen(browser, live_server, ops, officer):  # noqa: F811
    seed_list_rows(n=12, seed=7, tag="fit", ops=User.objects.get(pk=ops.pk), officer=officer)
    page = sign_in(browser, live_server, ops.username)
    assert page.viewport_size["width"] == 1366
    wide = {}
    for name, url in LIST_PAGES.items():
        page.goto(f"{live_server.url}{url}")
        assert page.locator("#result_list tbody tr").count() == 12, name
        table, box, document, window = page.evaluate(OVERFLOW)
        if table > box or document > window:
            wide[name] = (table, box, document, window)
    assert wide == {}
    page.context.close()


def test_screenshots_of_the_home_page_and_a_deal_page(browser, live_server, ops, book):  # noqa: F811
    """``readme-home.png`` and ``readme-deal.png`` in the run's screenshots: the README's pictures
    (docs/img/, copied from a run and made smaller: docs/admin.md, "Screenshots")."""
    page = sign_in(browser, live_server, ops.username)
    page.screenshot(path=str(output_dir() / "readme-home.png"))
    deal = Deal.objects.filter(state="issued", currency="USD").get()
    page.set_viewport_size({"width": 1366, "height": 1500})
    page.goto(f"{live_server.url}/admin/issuance/deal/{deal.pk}/change/")
    assert page.locator("#book-totals").count() == 1
    page.screenshot(path=str(output_dir() / "readme-deal.png"))
    page.context.close()
    assert (output_dir() / "readme-home.png").stat().st_size > 10_000
