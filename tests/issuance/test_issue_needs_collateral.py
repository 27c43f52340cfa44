"""Issuing an asset-backed deal without pledged collateral is refused, naming the deal and what is
missing, and changes nothing. Issuance asks the assets app through issuance.providers."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from assets.services import fleet
from core.errors import GuardFailed
from core.models import AuditEvent, OutboxMessage
from issuance import providers, services
from issuance.models import Deal, Subscription
from tests.factories import make_deal, pledge_collateral, subscribe, to_state

pytestmark = pytest.mark.django_db


def closed_and_funded(ops, officer, investor, other_investor, *, asset_class=None) -> Deal:
    deal = make_deal(actor=ops)
    if asset_class:
        services.deal_update(deal=deal, actor=ops, asset_class=asset_class)
    deal = to_state(deal, "open", maker=ops, checker=officer)
    senior, junior = deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
    services.deal_close_book(deal=deal, actor=ops)
    for sub in Subscription.objects.filter(tranche__deal=deal):
        services.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                             reference=f"REF-{sub.pk}")
    return deal


def unchanged(deal):
    """What a refused issue must leave as it was."""
    return (Deal.objects.get(pk=deal.pk).state,
            sorted(Subscription.objects.filter(tranche__deal=deal).values_list("state", flat=True)),
            AuditEvent.objects.count(), OutboxMessage.objects.count())


@pytest.fixture
def deal(ops, officer, investor, other_investor):
    return closed_and_funded(ops, officer, investor, other_investor)


def test_an_abs_deal_without_pledged_devices_is_not_issued(ops, deal):
    before = unchanged(deal)
    assert before[:2] == ("closed", ["funded", "funded"])

    with pytest.raises(GuardFailed) as refused:
        services.deal_issue(deal=deal, actor=ops)

    assert refused.value.message == (
        f"Cannot 'issue': {deal.name} is a green-compute ABS deal with no collateral pledged: no device "
        "is assigned to it. Pledge its devices (Devices, field 'deal') before issuing.")
    assert unchanged(deal) == before


def test_devices_decommissioned_do_not_count_and_the_refusal_says_so(ops, deal):
    device, = pledge_collateral(actor=ops, deal=deal)
    for name in ("commission", "activate"):
        fleet.device_transition(device=device, name=name, actor=ops)
    fleet.device_transition(device=device, name="decommission", actor=ops, reason="Burnt out")
    before = unchanged(deal)

    with pytest.raises(GuardFailed, match=r"no device is assigned to it \(1 assigned to it are "
                                          r"decommissioned, sold or impaired and do not count\)"):
        services.deal_issue(deal=deal, actor=ops)
    assert unchanged(deal) == before


def test_with_a_device_pledged_the_deal_issues(ops, deal):
    pledge_collateral(actor=ops, deal=deal)

    services.deal_issue(deal=deal, actor=ops)

    assert Deal.objects.get(pk=deal.pk).state == "issued"
    assert list(Subscription.objects.filter(tranche__deal=deal).values_list("state", flat=True)) == [
        "settled", "settled"]


def test_a_deal_that_is_not_asset_backed_issues_without_collateral(ops, officer, investor, other_investor):
    deal = closed_and_funded(ops, officer, investor, other_investor, asset_class="green_bond")

    services.deal_issue(deal=deal, actor=ops)

    assert Deal.objects.get(pk=deal.pk).state == "issued"


def test_the_admin_shows_the_refusal_and_changes_nothing(client, ops, deal):
    client.force_login(ops)
    before = unchanged(deal)

    response = client.post(reverse("admin:issuance_deal_transition", args=[deal.pk, "issue"]),
                           {"reason": ""}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        f"Cannot 'issue': {deal.name} is a green-compute ABS deal with no collateral pledged: no device "
        "is assigned to it. Pledge its devices (Devices, field 'deal') before issuing."]
    assert unchanged(deal) == before


def test_without_the_assets_app_answering_issuance_refuses_to_guess(ops, deal, monkeypatch):
    monkeypatch.setattr(providers, "_registered", {})
    before = unchanged(deal)

    with pytest.raises(ImproperlyConfigured, match="No collateral provider is registered"):
        services.deal_issue(deal=deal, actor=ops)
    assert unchanged(deal) == before
