"""Deal amounts use their currency's ISO 4217 minor unit: whole yen, fils (KWD, 3 decimals)."""

from decimal import Decimal

import pytest

from compliance import services as compliance_services
from compliance.models import DealEligibility
from core.errors import InvalidInput
from core.models import AuditEvent
from issuance import services
from issuance.models import Subscription, Tranche
from tests.factories import make_deal, make_tranche, subscribe, to_state

pytestmark = pytest.mark.django_db


def tranche_body(deal, **overrides):
    return {"deal": deal.pk, "class_name": "Class A", "seniority": 1, "original_principal": "1000",
            "coupon_rate": "0.05", "day_count": "30/360", "minimum_denomination": "100",
            "token_symbol": "MINOR", "token_decimals": 3, **overrides}


def test_the_api_shows_each_amount_with_exactly_its_currency_decimals(api, ops):
    usd = make_deal(actor=ops)
    yen = make_deal(actor=ops, currency="JPY", size="1000000000", tranches=("700000000", "300000000"),
                    denomination="1000000")
    client = api(ops)

    assert client.get(f"/api/v1/deals/{usd.pk}/").json()["target_size"] == "10000000.00"
    assert client.get(f"/api/v1/deals/{yen.pk}/").json()["target_size"] == "1000000000"
    rows = client.get("/api/v1/tranches/", {"deal": yen.pk}).json()["results"]
    shown = sorted((t["original_principal"], t["current_principal"], t["minimum_denomination"]) for t in rows)
    assert shown == [("300000000", "300000000", "1000000"), ("700000000", "700000000", "1000000")]


def test_a_kwd_tranche_takes_three_decimals(api, ops):
    deal = make_deal(actor=ops, currency="KWD", size="1000", tranches=())

    response = api(ops).post("/api/v1/tranches/", tranche_body(deal, original_principal="1000.000",
                                                                minimum_denomination="0.125"))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["original_principal"], body["current_principal"], body["minimum_denomination"]) == (
        "1000.000", "1000.000", "0.125")
    assert Tranche.objects.get(pk=body["id"]).minimum_denomination == Decimal("0.125")


def test_yen_with_decimals_is_refused_naming_the_field_and_nothing_is_written(api, ops):
    deal = make_deal(actor=ops, currency="JPY", size="1000000", tranches=())
    tranches, events = Tranche.objects.count(), AuditEvent.objects.count()

    response = api(ops).post("/api/v1/tranches/", tranche_body(deal, minimum_denomination="333.50"))

    message = "minimum_denomination 333.50 JPY has more decimals than JPY allows (no decimals)."
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid", "message": message, "reasons": [message],
                                         "fields": {"minimum_denomination": [message]}}}
    assert (Tranche.objects.count(), AuditEvent.objects.count()) == (tranches, events)


def test_a_deal_size_with_more_decimals_than_its_currency_is_refused(ops):
    deal = make_deal(actor=ops, currency="JPY", size="1000000", tranches=())
    with pytest.raises(InvalidInput) as refused:
        services.deal_update(deal=deal, actor=ops, target_size=Decimal("1000000.5"))
    assert (refused.value.field, refused.value.message) == (
        "target_size", "target_size 1000000.5 JPY has more decimals than JPY allows (no decimals).")
    deal.refresh_from_db()
    assert deal.target_size == Decimal("1000000")


def test_a_minimum_subscription_is_checked_against_the_deal_currency(ops):
    deal = make_deal(actor=ops, currency="JPY", size="1000000", tranches=())
    with pytest.raises(InvalidInput) as refused:
        compliance_services.deal_eligibility_set(actor=ops, deal=deal, minimum_subscription="1000.5")
    assert refused.value.field == "minimum_subscription"
    assert not DealEligibility.objects.filter(deal=deal).exists()


@pytest.fixture
def kwd_allocation(ops, officer, investor):
    deal = make_deal(actor=ops, currency="KWD", size="1000", tranches=())
    tranche = make_tranche(actor=ops, deal=deal, seniority=1, principal="1000.000", denomination="0.125")
    deal = to_state(deal, "open", maker=ops, checker=officer)
    sub = subscribe(actor=ops, investor=investor, tranche=tranche, amount="1000.000")
    services.deal_transition(deal=deal, name="close_book", actor=ops)
    sub.refresh_from_db()
    assert (sub.state, sub.allocated_amount) == ("allocated", Decimal("1000.000"))
    return sub


def test_kwd_funding_in_fils_through_the_api(api, ops, kwd_allocation):
    client = api(ops)
    url = f"/api/v1/subscriptions/{kwd_allocation.pk}/record-funding/"

    response = client.post(url, {"amount": "250.125", "reference": "KNET-1"})

    assert response.status_code == 200, response.json()
    assert (response.json()["funded_amount"], response.json()["allocated_amount"]) == ("250.125", "1000.000")
    events = AuditEvent.objects.count()
    refused = client.post(url, {"amount": "0.0005", "reference": "KNET-2"})
    message = "amount 0.0005 KWD has more decimals than KWD allows (at most 3 decimals)."
    assert (refused.status_code, refused.json()["error"]["fields"]) == (400, {"amount": [message]})
    kwd_allocation.refresh_from_db()
    assert (kwd_allocation.funded_amount, kwd_allocation.state) == (Decimal("250.125"), "allocated")
    assert AuditEvent.objects.count() == events
    assert Subscription.objects.filter(funded_amount=Decimal("250.125")).count() == 1


def test_the_admin_shows_deal_amounts_with_their_currency_decimals(ops, client, investor, officer):
    yen = make_deal(actor=ops, currency="JPY", size="1000000000", tranches=("700000000", "300000000"),
                    denomination="1000000")
    senior = yen.tranches.get(seniority=1)
    client.force_login(ops)

    deal_page = client.get(f"/admin/issuance/deal/{yen.pk}/change/").content.decode()
    tranche_page = client.get(f"/admin/issuance/tranche/{senior.pk}/change/").content.decode()
    tranches = client.get("/admin/issuance/tranche/").content.decode()

    assert 'name="target_size" value="1000000000"' in deal_page  # the input starts in whole yen
    assert "700,000,000 JPY" in deal_page  # the read-only tranche rows
    assert 'name="original_principal" value="700000000"' in tranche_page
    assert "700,000,000 JPY" in tranche_page  # current principal, read-only
    assert "1000000.0000" not in deal_page + tranche_page + tranches

    sub = subscribe(actor=ops, investor=investor, tranche=to_state(yen, "open", maker=ops, checker=officer)
                    .tranches.get(seniority=1), amount="7000000")
    sub_page = client.get(f"/admin/issuance/subscription/{sub.pk}/change/").content.decode()
    assert "7,000,000 JPY" in sub_page and "7000000.0000" not in sub_page  # a view-only page
