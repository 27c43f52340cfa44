"""Paying a distribution from a holder snapshot: everything is checked before anything is sent,
batches are keyed so a re-run sends nothing twice, and the indexed Paid events say who got what."""

from datetime import date

import pytest

from chain import services
from chain.indexer import Indexer
from chain.models import ChainTransaction
from chain.payouts import distribution_id, paid_in_distribution, pay_distribution, plan_payout
from chain.snapshots import take_snapshot
from core import roles
from core.errors import InvalidInput, NotPermitted, Refused
from core.models import AuditEvent
from tests.chain.conftest import DEV, mine, requires_chain
from tests.factories import make_user

pytestmark = requires_chain
ALICE, BOB, CAROL, DAVE = DEV[1], DEV[2], DEV[3], DEV[4]
RECORD_DATE = date(2026, 12, 31)


@pytest.fixture
def snapshot(deployed, settings):
    rpc = deployed.rpc
    for i, who in enumerate((ALICE, BOB, CAROL), start=1):
        deployed.register(who, i)
    deployed.token_tx("batchMint", [ALICE.address, BOB.address, CAROL.address], [1000, 2000, 3000])
    record_block = rpc.block_number()
    mine(rpc, settings.CHAIN_CONFIRMATIONS)
    Indexer(rpc=rpc).run()
    deployed.agent("MockStablecoin", deployed.coin.address, "mint", deployed.payout.address, 60_000)
    return take_snapshot(contract=deployed.token, block_number=record_block, record_date=RECORD_DATE, rpc=rpc)


AMOUNTS = {ALICE.address: 10_000, BOB.address: 20_000, CAROL.address: 30_000}


def stablecoin(deployed, who):
    return services.call("MockStablecoin", deployed.coin.address, "balanceOf", who, rpc=deployed.rpc)


def payouts():
    return ChainTransaction.objects.filter(purpose="pay batch")


def test_a_distribution_is_paid_in_keyed_batches_once_however_often_it_runs(deployed, snapshot):
    rpc = deployed.rpc
    sent = pay_distribution(snapshot=snapshot, amounts=AMOUNTS, batch_size=2, rpc=rpc)

    dist = distribution_id(
        token=deployed.token.address, record_date=RECORD_DATE, snapshot_hash=snapshot.content_hash
    )
    assert [(tx.idempotency_key, tx.state) for tx in sent] == [
        (f"payout:31337:{deployed.payout.address}:0x{dist.hex()}:1", "mined"),
        (f"payout:31337:{deployed.payout.address}:0x{dist.hex()}:2", "mined"),
    ]
    assert sent[0].payload == {
        "distribution_id": "0x" + dist.hex(),
        "token": deployed.token.address,
        "record_date": "2026-12-31",
        "snapshot": snapshot.pk,
        "snapshot_hash": snapshot.content_hash,
        "batch": 1,
        "recipients": 2,
        "total": "30000",
    }
    assert [stablecoin(deployed, w.address) for w in (ALICE, BOB, CAROL)] == [10_000, 20_000, 30_000]
    assert stablecoin(deployed, deployed.payout.address) == 0

    nonce = rpc.nonce(DEV[0].address)
    again = pay_distribution(snapshot=snapshot, amounts=AMOUNTS, batch_size=2, rpc=rpc)
    assert [tx.pk for tx in again] == [tx.pk for tx in sent]
    assert rpc.nonce(DEV[0].address) == nonce

    with pytest.raises(Refused, match="was sent before in other batches \\(batch 1 held other holders"):
        pay_distribution(snapshot=snapshot, amounts=AMOUNTS, batch_size=1, rpc=rpc)
    assert (payouts().count(), rpc.nonce(DEV[0].address)) == (2, nonce)

    mine(rpc, 2)
    Indexer(rpc=rpc).run()
    assert paid_in_distribution(payout=deployed.payout, distribution=dist) == {
        ALICE.address.lower(): 10_000,
        BOB.address.lower(): 20_000,
        CAROL.address.lower(): 30_000,
    }


def test_holders_already_paid_on_chain_are_named_and_nothing_is_sent(deployed, snapshot):
    rpc = deployed.rpc
    plan = plan_payout(snapshot=snapshot, amounts={BOB.address: 20_000})
    deployed.agent(  # another cut of the same distribution, sent outside the service
        "Payout", deployed.payout.address, "payBatch",
        deployed.token.address, 20261231, plan.snapshot_hash, 9, [BOB.address], [20_000],
    )
    before = (payouts().count(), rpc.nonce(DEV[0].address))

    already = f"already paid {BOB.address.lower()} \\(20000 base units\\); nothing was sent"
    with pytest.raises(Refused, match=already):
        pay_distribution(snapshot=snapshot, amounts=AMOUNTS, rpc=rpc)
    assert (payouts().count(), rpc.nonce(DEV[0].address)) == before
    assert stablecoin(deployed, ALICE.address) == 0


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ({ALICE.address: 1, ALICE.address.lower(): 1}, f"Wallet {ALICE.address.lower()} is listed twice"),
        ({ALICE.address: 0}, f"Wallet {ALICE.address}: the amount must be a positive whole number"),
        ({ALICE.address: -5}, "not -5"),
        ({ALICE.address: 1.5}, "not 1.5"),
        ({ALICE.address: True}, "not True"),
        ({DAVE.address: 1}, f"Not holders in snapshot #\\d+ \\(block \\d+\\): {DAVE.address.lower()}\\."),
        ({"0x1234": 1}, "'0x1234' is not a wallet address"),
        ({}, "at least one holder"),
    ],
)
def test_bad_amounts_are_refused_naming_the_wallet_and_nothing_is_stored(
    deployed, snapshot, amounts, message
):
    audits = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match=message) as refused:
        pay_distribution(snapshot=snapshot, amounts=amounts, rpc=deployed.rpc)
    assert refused.value.field == "amounts"
    assert (payouts().count(), AuditEvent.objects.count()) == (0, audits)


def test_a_snapshot_without_a_record_date_or_an_underfunded_payout_is_refused_before_sending(
    deployed, snapshot
):
    rpc = deployed.rpc
    short = "holds 60000 base units of its stablecoin; the batches to send need 60001"
    with pytest.raises(Refused, match=short):
        pay_distribution(snapshot=snapshot, amounts={**AMOUNTS, CAROL.address: 30_001}, rpc=rpc)
    with pytest.raises(InvalidInput, match="Batch size 201 is outside 1..200"):
        plan_payout(snapshot=snapshot, amounts=AMOUNTS, batch_size=201)
    snapshot.record_date = None
    with pytest.raises(InvalidInput, match="has no record date") as refused:
        pay_distribution(snapshot=snapshot, amounts=AMOUNTS, rpc=rpc)
    assert refused.value.field == "snapshot"
    assert payouts().count() == 0
    assert [stablecoin(deployed, w.address) for w in (ALICE, BOB, CAROL)] == [0, 0, 0]


def test_a_person_needs_the_permission_to_pay(deployed, snapshot):
    for role in (roles.TRUSTEE_AUDITOR, roles.COMPLIANCE_OFFICER):  # operations holds it, nobody else
        with pytest.raises(NotPermitted, match="pay a distribution on chain.*pay_distribution_chaintr"):
            pay_distribution(snapshot=snapshot, amounts=AMOUNTS, actor=make_user(role), rpc=deployed.rpc)
    assert payouts().count() == 0
