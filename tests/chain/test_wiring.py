"""Issuing a deal records the mints in the outbox, sent after the commit; the service mints each
settled allocation, in base units, to the investor's verified wallet (compliance) - once, however
often it runs."""

from decimal import Decimal

import pytest
from django.utils import timezone

from chain import services
from chain.models import ChainTransaction
from compliance.models import Wallet, WalletChallenge
from core.errors import InvalidInput, Refused
from issuance import services as issuance
from issuance.models import Subscription
from tests.chain.conftest import DEV, requires_chain

ALICE, BOB = DEV[1], DEV[2]


def test_base_units_are_exact_integer_arithmetic():
    assert services.to_base_units(Decimal("7000000.00"), 6) == 7_000_000_000_000
    assert services.to_base_units(Decimal("0.000001"), 6) == 1
    with pytest.raises(InvalidInput, match="not a whole number of base units"):
        services.to_base_units(Decimal("12.5"), 0)
    assert services.to_base_units(Decimal("123456789.123456789123456789"), 18) == 123456789123456789123456789


def verified_wallet(investor, address):
    challenge = WalletChallenge.objects.create(
        investor=investor, address=address, nonce=address, message="test", expires_at=timezone.now()
    )
    return Wallet.objects.create(
        investor=investor, address=address, verified_at=timezone.now(), challenge=challenge
    )


@pytest.fixture
def issued_deal(ops, closed_deal, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("core.outbox._publish", lambda task, kwargs, task_id: queued.append((task, kwargs)))
    for sub in Subscription.objects.filter(tranche__deal=closed_deal):
        issuance.subscription_record_funding(subscription=sub, actor=ops, amount=sub.allocated_amount,
                                             reference=f"W{sub.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        deal = issuance.deal_transition(deal=closed_deal, name="issue", actor=ops)
    deal.queued = queued
    return deal


@requires_chain
def test_issuing_queues_the_mints_after_commit_and_they_land_once(issued_deal, rpc, investor, other_investor):
    assert issued_deal.queued == [("chain.tasks.mint_deal_allocations", {"deal_id": issued_deal.pk})]
    registry = services.deploy_registry(spv=issued_deal.spv, rpc=rpc)
    senior, junior = issued_deal.tranches.order_by("seniority")
    tokens = [services.deploy_tranche_token(tranche=t, registry=registry, rpc=rpc) for t in (senior, junior)]
    verified_wallet(investor, ALICE.address)

    with pytest.raises(Refused, match="Other Investor Ltd has no verified wallet"):
        services.mint_deal_allocations(deal=issued_deal, rpc=rpc)
    assert not ChainTransaction.objects.filter(purpose="mint allocation").exists()

    from chain.tasks import mint_deal_allocations

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            "chain.services.verified_wallet",
            lambda inv: {investor.pk: ALICE.address, other_investor.pk: BOB.address}[inv.pk],
        )
        assert mint_deal_allocations.run(issued_deal.pk) == 2
        assert mint_deal_allocations.run(issued_deal.pk) == 2  # same intents, nothing sent twice

    balances = [
        services.call("TrancheToken", t.address, "balanceOf", w.address, rpc=rpc)
        for t, w in zip(tokens, (ALICE, BOB), strict=True)
    ]
    assert balances == [7_000_000 * 10**6, 3_000_000 * 10**6]
    assert (
        ChainTransaction.objects.filter(purpose="mint allocation", state__in=["mined", "confirmed"]).count()
        == 2
    )
    assert services.call(
        "IdentityRegistry", registry.address, "investorOf", ALICE.address, rpc=rpc
    ) == investor.pk.to_bytes(32, "big")
