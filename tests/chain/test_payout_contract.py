"""The Payout contract pays each holder of a distribution once: a holder listed twice, a retry
cut into other batches, the same payment under another distribution id and a zero amount are
all refused on chain, and a refused batch pays nobody."""

import pytest
from eth_abi import encode
from eth_utils import keccak

from chain import services
from chain.txmanager import ChainRevert
from tests.chain.conftest import DEV, requires_chain

pytestmark = requires_chain
ALICE, BOB, CAROL = DEV[1], DEV[2], DEV[3]
RECORD_DATE = 20261231
SNAPSHOT = bytes.fromhex("5a" * 32)
OTHER_SNAPSHOT = bytes.fromhex("5b" * 32)


def balances(deployed):
    return [
        services.call("MockStablecoin", deployed.coin.address, "balanceOf", w.address, rpc=deployed.rpc)
        for w in (ALICE, BOB, CAROL)
    ]


def pay(deployed, batch, holders, amounts, *, record_date=RECORD_DATE, snapshot=SNAPSHOT):
    dist = keccak(encode(["address", "uint32", "bytes32"], [deployed.token.address, record_date, snapshot]))
    return deployed.agent(
        "Payout", deployed.payout.address, "payBatch", dist, batch, [h.address for h in holders], amounts
    )


@pytest.fixture
def funded(deployed):
    deployed.agent("MockStablecoin", deployed.coin.address, "mint", deployed.payout.address, 10_000)
    return deployed


def test_a_holder_listed_twice_in_one_batch_is_refused_and_nobody_is_paid(funded):
    with pytest.raises(ChainRevert, match="HolderAlreadyPaid"):
        pay(funded, 1, [ALICE, BOB, ALICE], [600, 400, 600])
    assert balances(funded) == [0, 0, 0]


def test_a_retry_cut_into_other_batches_pays_nobody_twice(funded):
    pay(funded, 1, [ALICE, BOB], [600, 400])  # batches of two; the run stopped after batch 1
    # The retry cuts batches of one: [ALICE] [BOB] [CAROL].
    with pytest.raises(ChainRevert, match="BatchAlreadyPaid"):
        pay(funded, 1, [ALICE], [600])
    with pytest.raises(ChainRevert, match="HolderAlreadyPaid"):
        pay(funded, 2, [BOB], [400])
    pay(funded, 3, [CAROL], [300])
    assert balances(funded) == [600, 400, 300]


def test_the_same_payment_under_another_distribution_id_is_refused(funded):
    pay(funded, 1, [ALICE, BOB], [600, 400])
    with pytest.raises(ChainRevert, match="RecordDateAlreadyPaid"):
        pay(funded, 1, [ALICE, BOB], [600, 400], snapshot=OTHER_SNAPSHOT)
    with pytest.raises(ChainRevert, match="SnapshotAlreadyPaid"):
        pay(funded, 1, [ALICE, BOB], [600, 400], record_date=RECORD_DATE + 1)
    assert balances(funded) == [600, 400, 0]


def test_a_zero_amount_is_refused_and_nobody_is_paid(funded):
    with pytest.raises(ChainRevert, match="ZeroAmount"):
        pay(funded, 1, [ALICE, CAROL], [600, 0])
    assert balances(funded) == [0, 0, 0]
