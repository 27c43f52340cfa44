"""The admin reads as a product: amounts with their currency and thousands separators on list and
detail pages alike, rates as percentages, token amounts in units with the base units on hover,
the audit trail as before -> after tables with state labels, currency and country filters that
offer only the values in use, and search instead of id boxes for related rows."""

from decimal import Decimal

import pytest
from django.urls import reverse

from chain.models import Contract, TokenTransfer
from compliance.models import Investor
from core.admin_money import format_percent, format_units
from core.models import AuditEvent
from issuance import services
from issuance.models import Deal
from tests.factories import make_deal, make_investor
from tests.html import element_html

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_percentages_and_units_are_formatted_exactly():
    assert [format_percent(Decimal(r)) for r in ("0.0425", "0.05", "0.123456", "1")] == [
        "4.250 %", "5.000 %", "12.3456 %", "100.000 %"]
    assert format_percent(None) == "-"
    assert str(format_units(1250500000, 6, "GCA")) == (
        '<span class="num" title="1250500000 base units">1,250.5 GCA</span>')
    assert str(format_units(10**24, 18, "")) == (
        '<span class="num" title="1000000000000000000000000 base units">1,000,000</span>')
    assert str(format_units(7, None)) == '<span class="num">7 base units</span>'


def test_money_and_rates_on_the_list_and_the_detail_page(client, ops, trustee):
    deal = make_deal(actor=ops, size="1234567.89", tranches=("1234567.89",), denomination="0.01")
    tranche = deal.tranches.get()
    services.tranche_update(tranche=tranche, actor=ops, coupon_rate=Decimal("0.0425"))

    client.force_login(ops)
    deals = text(client.get(reverse("admin:issuance_deal_changelist")))
    assert "1,234,567.89 USD" in deals
    tranches = element_html(text(client.get(reverse("admin:issuance_tranche_changelist"))), "result_list")
    assert "1,234,567.89 USD" in tranches and "4.250 %" in tranches and "0.042500" not in tranches

    client.force_login(trustee)  # view-only: every field is read-only
    detail = text(client.get(reverse("admin:issuance_tranche_change", args=[tranche.pk])))
    assert "1,234,567.89 USD" in detail and "4.250 %" in detail
    assert "1234567.8900" not in detail and "0.042500" not in detail
    inline = text(client.get(reverse("admin:issuance_deal_change", args=[deal.pk])))
    assert "4.250 %" in inline and "1,234,567.89 USD" in inline


def test_token_amounts_in_units_with_the_base_units_on_hover(client, ops, draft_deal):
    tranche = draft_deal.tranches.order_by("seniority").first()
    contract = Contract.objects.create(chain_id=31337, address="0x" + "a" * 40, kind="TrancheToken",
                                       name="token", tranche=tranche)
    TokenTransfer.objects.create(chain_id=31337, contract=contract, block_number=7, block_hash="0x1",
                                 tx_hash="0x2", log_index=0, sender="0x" + "0" * 40,
                                 recipient="0x" + "b" * 40, value=Decimal("1250500000"))
    client.force_login(ops)
    page = text(client.get(reverse("admin:chain_tokentransfer_changelist")))
    assert f'<span class="num" title="1250500000 base units">1,250.5 {tranche.token_symbol}</span>' in page


def test_the_audit_trail_reads_as_before_and_after_with_state_labels(client, ops, officer, draft_deal):
    from issuance.services import deal_transition

    tranche = draft_deal.tranches.order_by("seniority").first()
    services.tranche_update(tranche=tranche, actor=ops, coupon_rate=Decimal("0.0425"))
    deal_transition(deal=draft_deal, name="start_structuring", actor=ops)
    client.force_login(officer)

    history = text(client.get(reverse("admin:issuance_deal_change", args=[draft_deal.pk])))
    assert 'data-state="draft">draft</span>' in history
    assert 'data-state="structuring">structuring</span>' in history

    edit = AuditEvent.objects.get(object_id=tranche.pk, content_type__model="tranche", action="update")
    page = text(client.get(reverse("admin:core_auditevent_change", args=[edit.pk])))
    changes = element_html(page, "content")
    assert "coupon rate" in changes and "0.05" in changes and "0.0425" in changes
    assert '<table class="audit-changes">' in page
    assert '{"coupon_rate"' not in page and "[&quot;0.05" not in page  # no raw JSON


def test_currency_and_country_filters_offer_only_the_values_in_use(client, ops):
    make_deal(actor=ops, currency="EUR")
    make_deal(actor=ops, currency="JPY", size="100000000", tranches=("100000000",), denomination="1")
    make_investor(actor=ops, name="Alpine AG")
    Investor.objects.filter(legal_name="Alpine AG").update(country_of_residence="CH")
    make_investor(actor=ops, name="Lion Pte Ltd")
    Investor.objects.filter(legal_name="Lion Pte Ltd").update(country_of_residence="SG")
    client.force_login(ops)

    def offered(url, path):
        spec = next(s for s in client.get(url).context["cl"].filter_specs if s.field_path == path)
        return spec.in_use

    assert offered(reverse("admin:issuance_deal_changelist"), "currency") == [
        ("EUR", "EUR - Euro"), ("JPY", "JPY - Yen")]
    assert offered(reverse("admin:compliance_investor_changelist"), "country_of_residence") == [
        ("SG", "Singapore"), ("CH", "Switzerland")]  # by name
    # the filter still filters, with Django's query string (the home pages link to it)
    response = client.get(reverse("admin:issuance_deal_changelist") + "?currency__exact=EUR")
    assert [d.currency for d in response.context["cl"].result_list] == ["EUR"]
    assert Deal.objects.count() == 2


def test_related_rows_are_searched_not_typed_as_ids(client, ops, open_deal):
    client.force_login(ops)
    page = text(client.get(reverse("admin:issuance_subscription_add")))
    form = client.get(reverse("admin:issuance_subscription_add")).context["adminform"].form
    for name in ("investor", "tranche"):
        assert type(form.fields[name].widget.widget).__name__.endswith("AutocompleteSelect"), name
    assert "vForeignKeyRawIdAdminField" not in page
    assert 'data-ajax--url="/admin/autocomplete/"' in page
    investor = make_investor(actor=ops, name="Searchable Capital Ltd")
    found = client.get("/admin/autocomplete/", {"term": "Searchable", "app_label": "issuance",
                                                 "model_name": "subscription", "field_name": "investor"})
    assert found.json()["results"] == [{"id": str(investor.pk), "text": str(investor)}]
