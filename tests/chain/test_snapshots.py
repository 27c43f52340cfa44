"""Holder snapshots at a record block equal balanceOf at that block, sum to totalSupply, and
carry a content hash that the stored rows reproduce."""

import pytest

from chain import abi
from chain.indexer import Indexer
from chain.snapshots import take_snapshot, verify_snapshot
from core.errors import Refused
from tests.chain.conftest import DEV, mine, requires_chain, send_as

pytestmark = requires_chain
ALICE, BOB, CAROL = DEV[1], DEV[2], DEV[3]


def test_snapshot_at_the_record_block_equals_balance_of_and_total_supply(deployed, settings):
    rpc = deployed.rpc
    for i, who in enumerate((ALICE, BOB, CAROL), start=1):
        deployed.register(who, i)
    deployed.token_tx("batchMint", [ALICE.address, BOB.address], [1000, 2000])
    send_as(
        rpc, ALICE, deployed.token.address, abi.encode_call("TrancheToken", "transfer", CAROL.address, 250)
    )
    record_block = rpc.block_number()
    send_as(
        rpc, BOB, deployed.token.address, abi.encode_call("TrancheToken", "transfer", CAROL.address, 2000)
    )
    deployed.token_tx("burn", ALICE.address, 50)
    Indexer(rpc=rpc).run()
    with pytest.raises(Refused, match="not final"):
        take_snapshot(contract=deployed.token, block_number=rpc.block_number(), rpc=rpc)

    mine(rpc, settings.CHAIN_CONFIRMATIONS)
    Indexer(rpc=rpc).run()
    snapshot = take_snapshot(contract=deployed.token, block_number=record_block, rpc=rpc)

    balances = {b.wallet: int(b.balance) for b in snapshot.balances.all()}
    assert balances == {ALICE.address.lower(): 750, BOB.address.lower(): 2000, CAROL.address.lower(): 250}
    for wallet, balance in balances.items():
        assert (
            deployed.rpc.eth_call(
                deployed.token.address, abi.encode_call("TrancheToken", "balanceOf", wallet), record_block
            )
            == "0x" + balance.to_bytes(32, "big").hex()
        )
    assert (int(snapshot.total_supply), snapshot.holder_count) == (3000, 3)
    assert snapshot.block_hash == rpc.get_block(record_block)["hash"]
    assert verify_snapshot(snapshot) is True
    assert take_snapshot(contract=deployed.token, block_number=record_block, rpc=rpc).pk == snapshot.pk
    latest = take_snapshot(contract=deployed.token, block_number=rpc.block_number() - 2, rpc=rpc)
    assert {b.wallet: int(b.balance) for b in latest.balances.all()} == {
        ALICE.address.lower(): 700,
        CAROL.address.lower(): 2250,
    }
    assert latest.content_hash != snapshot.content_hash
