"""The Payout contract pays each holder of a distribution once: a holder listed twice, a retry
cut into other batches, the same payment under another distribution id and a zero amount are
all refused on chain, and a refused batch pays nobody. The id is computed from what it pays."""

from datetime import date

import pytest

from chain import abi, services
from chain.payouts import distribution_id
from chain.txmanager import ChainRevert
from tests.chain.conftest import DEV, requires_chain, revert_name

pytestmark = requires_chain
ALICE, BOB, CAROL = DEV[1], DEV[2], DEV[3]
RECORD_DATE = 20261231
NEXT_RECORD_DATE = 20270331
SNAPSHOT = bytes.fromhex("5a" * 32)
OTHER_SNAPSHOT = bytes.fromhex("5b" * 32)


def balances(deployed):
    return [
        services.call("MockStablecoin", deployed.coin.address, "balanceOf", w.address, rpc=deployed.rpc)
        for w in (ALICE, BOB, CAROL)
    ]


def payout_call(deployed, function, *args):
    return services.call("Payout", deployed.payout.address, function, *args, rpc=deployed.rpc)


def pay_data(token, batch, holders, amounts, *, record_date=RECORD_DATE, snapshot=SNAPSHOT):
    return abi.encode_call(
        "Payout", "payBatch", token, record_date, snapshot, batch, [h.address for h in holders], amounts
    )


def pay(deployed, batch, holders, amounts, **kwargs):
    return deployed.agent(
        "Payout",
        deployed.payout.address,
        "payBatch",
        deployed.token.address,
        kwargs.get("record_date", RECORD_DATE),
        kwargs.get("snapshot", SNAPSHOT),
        batch,
        [h.address for h in holders],
        amounts,
    )


def paid(deployed, dist):
    return [payout_call(deployed, "paidAmount", dist, w.address) for w in (ALICE, BOB, CAROL)]


@pytest.fixture
def funded(deployed):
    deployed.agent("MockStablecoin", deployed.coin.address, "mint", deployed.payout.address, 10_000)
    deployed.dist = payout_call(deployed, "distributionId", deployed.token.address, RECORD_DATE, SNAPSHOT)
    return deployed


def test_a_holder_listed_twice_in_one_batch_is_refused_and_nobody_is_paid(funded):
    with pytest.raises(ChainRevert, match=f"wallet {ALICE.address} was already paid 600 .*HolderAlreadyPaid"):
        pay(funded, 1, [ALICE, BOB, ALICE], [600, 400, 600])
    assert balances(funded) == [0, 0, 0]
    assert paid(funded, funded.dist) == [0, 0, 0]
    assert payout_call(funded, "batchPaid", funded.dist, 1) is False
    assert payout_call(funded, "distributionOfRecordDate", funded.token.address, RECORD_DATE) == bytes(32)


def test_a_retry_cut_into_other_batches_pays_nobody_twice(funded):
    pay(funded, 1, [ALICE, BOB], [600, 400])  # batches of two; the run stopped after batch 1
    # The retry cuts batches of one: [ALICE] [BOB] [CAROL].
    with pytest.raises(ChainRevert, match="BatchAlreadyPaid"):
        pay(funded, 1, [ALICE], [600])
    with pytest.raises(ChainRevert, match="HolderAlreadyPaid"):
        pay(funded, 2, [BOB], [400])
    pay(funded, 3, [CAROL], [300])
    assert balances(funded) == [600, 400, 300]
    assert paid(funded, funded.dist) == [600, 400, 300]
    assert payout_call(funded, "batchPaid", funded.dist, 2) is False
    token, record_date, batches, snapshot, recipients, total = payout_call(
        funded, "distributions", funded.dist
    )
    assert (token, record_date, batches, snapshot, recipients, total) == (
        funded.token.address.lower(), RECORD_DATE, 2, SNAPSHOT, 3, 1300
    )


def test_the_same_payment_under_another_distribution_id_is_refused(funded):
    pay(funded, 1, [ALICE, BOB], [600, 400])
    with pytest.raises(ChainRevert, match=f"record date {RECORD_DATE} as distribution 0x{funded.dist.hex()}"):
        pay(funded, 1, [ALICE, BOB], [600, 400], snapshot=OTHER_SNAPSHOT)
    with pytest.raises(ChainRevert, match=f"snapshot 0x{SNAPSHOT.hex()} .*SnapshotAlreadyPaid"):
        pay(funded, 1, [ALICE, BOB], [600, 400], record_date=NEXT_RECORD_DATE)
    assert balances(funded) == [600, 400, 0]
    token = funded.token.address
    assert payout_call(funded, "distributionOfSnapshot", token, OTHER_SNAPSHOT) == bytes(32)
    assert payout_call(funded, "distributionOfRecordDate", token, NEXT_RECORD_DATE) == bytes(32)


def test_a_zero_amount_is_refused_and_nobody_is_paid(funded):
    with pytest.raises(ChainRevert, match=f"the amount for wallet {CAROL.address} is zero"):
        pay(funded, 1, [ALICE, CAROL], [600, 0])
    assert balances(funded) == [0, 0, 0]
    assert paid(funded, funded.dist) == [0, 0, 0]


def test_the_id_is_the_one_the_back_office_computes_and_the_events_carry_it(funded):
    rpc = funded.rpc
    assert funded.dist == distribution_id(
        token=funded.token.address, record_date=date(2026, 12, 31), snapshot_hash=SNAPSHOT.hex()
    )
    tx = pay(funded, 7, [BOB, ALICE], [400, 600])

    logs = rpc.call("eth_getTransactionReceipt", tx.tx_hash)["logs"]
    ours = [abi.decode_log(lg) for lg in logs if lg["address"].lower() == funded.payout.address.lower()]
    dist = "0x" + funded.dist.hex()
    assert ours == [
        ("DistributionOpened", {"distributionId": dist, "token": funded.token.address.lower(),
                                "recordDate": RECORD_DATE, "snapshotHash": "0x" + SNAPSHOT.hex()}),
        ("Paid", {"distributionId": dist, "batchNumber": 7, "holder": BOB.address.lower(), "amount": 400}),
        ("Paid", {"distributionId": dist, "batchNumber": 7, "holder": ALICE.address.lower(), "amount": 600}),
        ("BatchPaid", {"distributionId": dist, "batchNumber": 7, "recipients": 2, "total": 1000,
                       "agent": DEV[0].address.lower()}),
    ]
    assert balances(funded) == [600, 400, 0]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"holders": [ALICE], "amounts": [20_000]}, "InsufficientFunds"),
        ({"holders": [ALICE], "amounts": [1], "record_date": 20261301}, "InvalidRecordDate"),
        ({"holders": [ALICE], "amounts": [1], "record_date": 0}, "InvalidRecordDate"),
        ({"holders": [ALICE], "amounts": [1], "snapshot": bytes(32)}, "EmptySnapshotHash"),
        ({"holders": [], "amounts": []}, "EmptyBatch"),
        ({"holders": [ALICE, BOB], "amounts": [1]}, "LengthMismatch"),
        ({"holders": [ALICE] * 201, "amounts": [1] * 201}, "BatchTooLarge"),
    ],
)
def test_malformed_batches_are_refused(funded, args, error):
    data = pay_data(funded.token.address, 1, **args)
    assert revert_name(funded.rpc, DEV[0].address, funded.payout.address, data) == error
    assert balances(funded) == [0, 0, 0]


def test_the_zero_address_and_a_caller_without_the_payer_role_are_refused(funded):
    rpc, payout = funded.rpc, funded.payout.address
    zero = abi.encode_call(
        "Payout", "payBatch", funded.token.address, RECORD_DATE, SNAPSHOT, 1, ["0x" + "00" * 20], [1]
    )
    assert revert_name(rpc, DEV[0].address, payout, zero) == "ZeroAddress"
    data = pay_data(funded.token.address, 1, [ALICE], [1])
    assert revert_name(rpc, ALICE.address, payout, data) == "AccessControlUnauthorizedAccount"
