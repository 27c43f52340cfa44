"""After issue the deal page shows the token step - contracts, what was minted to whom, who has no
verified wallet - with buttons to deploy and mint, and says what is missing when something is."""

import re
from html import unescape

import pytest
from django.urls import reverse

from chain import services
from chain.models import ChainTransaction, Contract
from chain.txmanager import wait_mined
from compliance.models import Wallet
from core.models import AuditEvent
from issuance import services as issuance
from issuance.models import Subscription
from tests.chain.conftest import DEV, requires_chain
from tests.chain.test_wiring import verified_wallet

ALICE, BOB = DEV[1], DEV[2]
pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def issued(ops, closed_deal, published):
    for sub in Subscription.objects.filter(tranche__deal=closed_deal):
        issuance.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                             reference=f"WIRE-{sub.pk}")
    return issuance.deal_issue(deal=closed_deal, actor=ops)


def page(client, deal) -> str:
    return text(client.get(reverse("admin:issuance_deal_change", args=[deal.pk])))


def post(client, deal, action: str) -> list[str]:
    response = client.post(reverse(f"admin:chain_deal_tokens_{action}", args=[deal.pk]), follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


@requires_chain
def test_deploy_then_mint_from_the_deal_page(client, ops, issued, investor, other_investor, rpc):
    client.force_login(ops)
    first = page(client, issued)
    assert f"Identity registry of {issued.spv}: not deployed." in first
    assert "Class 1 T" in first and "not deployed not minted (1 settled subscription to mint)" in first
    assert ("No verified wallet yet, so their notes cannot be minted: Other Investor Ltd, "
            "Own Investor Ltd.") in first
    assert "Deploy the registry and tranche tokens" in first

    assert post(client, issued, "deploy") == [
        f"{issued}: the identity registry and 2 tranche token(s) are deployed."]
    senior, junior = issued.tranches.order_by("seniority")
    tokens = {c.tranche_id: c.address for c in Contract.objects.filter(tranche__deal=issued)}
    after_deploy = page(client, issued)
    assert f"{senior.token_symbol} {tokens[senior.pk]} not minted" in after_deploy
    assert "Mint the settled allocations" in after_deploy

    # Minting waits for every wallet: nothing is sent while one is missing.
    verified_wallet(investor, ALICE.address)
    assert post(client, issued, "mint") == [
        f"Cannot mint deal '{issued}': investor Other Investor Ltd has no verified wallet."]
    assert not ChainTransaction.objects.filter(purpose="mint allocation").exists()

    verified_wallet(other_investor, BOB.address)
    assert post(client, issued, "mint") == [
        f"{issued}: 2 mint(s) sent; each is followed to confirmation (Chain transactions)."]
    for tx in ChainTransaction.objects.filter(purpose="mint allocation"):
        wait_mined(tx, rpc=rpc)
    assert [services.call("TrancheToken", tokens[t.pk], "balanceOf", w.address, rpc=rpc)
            for t, w in ((senior, ALICE), (junior, BOB))] == [7_000_000 * 10**6, 3_000_000 * 10**6]

    done = page(client, issued)
    assert (f"Own Investor Ltd {ALICE.address} 7,000,000.000000 {senior.token_symbol}") in done
    assert (f"Other Investor Ltd {BOB.address} 3,000,000.000000 {junior.token_symbol}") in done
    assert "No verified wallet yet" not in done
    assert "Every settled allocation has its mint" in done
    assert 'title="7000000000000 base units"' in client.get(
        reverse("admin:issuance_deal_change", args=[issued.pk])).content.decode()


def test_without_a_chain_the_page_and_the_buttons_say_so_and_nothing_changes(client, ops, issued,
                                                                              settings):
    settings.CHAIN_RPC_URL = ""
    client.force_login(ops)
    events = AuditEvent.objects.count()

    assert "No chain is configured (CHAIN_RPC_URL is empty)" in page(client, issued)
    assert post(client, issued, "deploy") == [
        "No chain is configured (CHAIN_RPC_URL is empty), so nothing can be deployed. Set "
        "CHAIN_RPC_URL to the node's address and restart the back office."]

    assert (Contract.objects.count(), ChainTransaction.objects.count(), AuditEvent.objects.count()) == (
        0, 0, events)


def test_an_unreachable_node_is_named_and_nothing_is_sent(client, ops, issued, settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    client.force_login(ops)

    messages = post(client, issued, "deploy")

    assert len(messages) == 1 and messages[0].startswith("The chain node does not answer (")
    assert messages[0].endswith("nothing more was sent. Try again once it is reachable.")
    assert (Contract.objects.count(), ChainTransaction.objects.count()) == (0, 0)


def test_roles_that_may_not_issue_see_no_buttons_and_are_refused(client, trustee, issued, settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    client.force_login(trustee)

    assert "Deploy the registry" not in page(client, issued)
    response = client.post(reverse("admin:chain_deal_tokens_deploy", args=[issued.pk]))

    assert response.status_code == 403
    assert (Contract.objects.count(), ChainTransaction.objects.count()) == (0, 0)


def test_before_issue_the_deal_page_has_no_token_step(client, ops, closed_deal):
    client.force_login(ops)
    assert "Token step" not in page(client, closed_deal)


def test_the_demo_proves_a_dev_wallet_for_each_holder_without_one(ops, investor, other_investor):
    from chain.management.commands.chain_demo import Command

    verified_wallet(other_investor, BOB.address)

    Command()._prove_demo_wallets([investor.pk, other_investor.pk])
    Command()._prove_demo_wallets([investor.pk, other_investor.pk])  # again: nothing new

    assert sorted(Wallet.objects.values_list("investor__legal_name", "address")) == [
        ("Other Investor Ltd", BOB.address), ("Own Investor Ltd", ALICE.address)]
