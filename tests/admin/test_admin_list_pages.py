"""The admin's main list pages cost the same number of queries for 1 row as for 20, and show
each amount with its currency."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.admin.list_rows import LIST_PAGES, seed_list_rows
from tests.html import element_html

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_list_pages_cost_the_same_queries_for_1_row_and_for_20(client, ops, officer):
    seed_list_rows(n=1, seed=1, tag="one", ops=ops, officer=officer)
    client.force_login(ops)
    for url in LIST_PAGES.values():
        client.get(url)  # content types and the like cached, as on a running server
    one = {name: queries(client, url) for name, url in LIST_PAGES.items()}

    seed_list_rows(n=19, seed=2, tag="more", ops=ops, officer=officer)
    twenty = {name: queries(client, url) for name, url in LIST_PAGES.items()}

    assert twenty == one
    for name, url in LIST_PAGES.items():
        rows = client.get(url).context["cl"].result_count
        assert rows == 20, name


def test_list_pages_show_amounts_with_their_currency(client, ops, officer):
    seed_list_rows(n=3, seed=3, tag="cur", ops=ops, officer=officer)
    client.force_login(ops)
    from assets.models import BankEntry, Invoice
    from issuance.models import Deal

    deal = Deal.objects.order_by("pk").first()
    invoice = Invoice.objects.order_by("pk").first()
    entry = BankEntry.objects.order_by("pk").first()
    for url, shown in ((LIST_PAGES["deals"], deal.money(deal.target_size)),
                       (LIST_PAGES["invoices"], f"{invoice.total:,.2f} USD"),
                       (LIST_PAGES["bank entries"], f"{entry.amount:,.2f} USD")):
        assert shown in element_html(client.get(url).content.decode(), "result_list"), url


def test_the_faster_list_rendering_keeps_the_themes_markup(ops):
    """core/admin_speed.py: the row checkbox, the headers and the choice labels are unfold's own."""
    from django.contrib.admin import helpers
    from unfold.admin import ModelAdmin, checkbox
    from unfold.templatetags import unfold_list

    from compliance.models import Investor

    row = type("Row", (), {"pk": '7"&<'})()
    assert ModelAdmin.action_checkbox(None, row) == checkbox.render(helpers.ACTION_CHECKBOX_NAME, '7"&<')
    field = Investor._meta.get_field("country_of_residence")
    for value in ("SG", "CH", "??"):
        assert unfold_list.display_for_field(value, field, "-") == unfold_list.display_for_field.original(
            value, field, "-")
    assert unfold_list.display_for_field("SG", field, "-") == "Singapore"
