"""The indexer against a real anvil: rows equal the chain, re-runs change nothing, chunks adapt,
a shallow reorg is rolled back and re-read, a deep one raises an alert and rewrites nothing."""

import pytest
from eth_abi import decode

from chain import abi
from chain.indexer import Indexer, decode_transfer
from chain.models import ChainEvent, IndexedBlock, IndexerCursor, ReorgAlert, TokenTransfer
from tests.chain.conftest import DEV, mine, requires_chain, send_as

pytestmark = requires_chain
ALICE, BOB, CAROL = DEV[1], DEV[2], DEV[3]


@pytest.fixture
def token(deployed):
    for i, who in enumerate((ALICE, BOB, CAROL), start=1):
        deployed.register(who, i)
    deployed.token_tx("batchMint", [ALICE.address, BOB.address], [1000, 2000])
    return deployed


def chain_transfers(rpc, address):
    logs = rpc.call(
        "eth_getLogs",
        {"address": address, "fromBlock": "0x0", "toBlock": "latest", "topics": [abi.TRANSFER_TOPIC]},
    )
    return sorted(
        (lg["transactionHash"], int(lg["logIndex"], 16), lg["blockHash"], *decode_transfer(lg)) for lg in logs
    )


def indexed_transfers():
    return sorted(
        (t.tx_hash, t.log_index, t.block_hash, t.sender, t.recipient, int(t.value))
        for t in TokenTransfer.objects.all()
    )


def transfer(rpc, token, sender, to, amount):
    return send_as(
        rpc, sender, token.token.address, abi.encode_call("TrancheToken", "transfer", to.address, amount)
    )


def test_indexed_transfers_and_events_equal_the_chain_and_a_rerun_changes_nothing(token):
    rpc = token.rpc
    transfer(rpc, token, ALICE, CAROL, 10)
    token.token_tx("freezePartialTokens", BOB.address, 5)

    first = Indexer(rpc=rpc).run()
    again = Indexer(rpc=rpc).run()

    assert indexed_transfers() == chain_transfers(rpc, token.token.address)
    assert first.transfers == 3 and again.transfers == 0
    names = set(ChainEvent.objects.values_list("name", flat=True))
    assert {"Minted", "TokensFrozen", "IdentityRegistered", "RoleGranted"} <= names
    frozen = ChainEvent.objects.get(name="TokensFrozen")
    assert frozen.args == {"wallet": BOB.address.lower(), "amount": 5, "agent": DEV[0].address.lower()}
    cursor = IndexerCursor.objects.get()
    assert cursor.last_block == rpc.block_number()
    assert IndexedBlock.objects.filter(number=cursor.last_block).get().hash == rpc.get_block("latest")["hash"]


def test_rows_become_final_only_past_the_confirmation_depth(token, settings):
    rpc = token.rpc
    Indexer(rpc=rpc).run()
    newest = TokenTransfer.objects.order_by("-block_number").first()
    assert newest.final is (newest.block_number <= rpc.block_number() - settings.CHAIN_CONFIRMATIONS)
    mine(rpc, settings.CHAIN_CONFIRMATIONS)
    Indexer(rpc=rpc).run()
    assert TokenTransfer.objects.filter(final=False).count() == 0


def test_chunks_halve_on_too_many_results_and_the_result_is_the_same(token):
    rpc = token.rpc
    for _ in range(3):
        transfer(rpc, token, ALICE, CAROL, 1)

    result = Indexer(rpc=rpc, max_results=2, max_chunk=64).run()

    assert result.halvings > 0
    assert indexed_transfers() == chain_transfers(rpc, token.token.address)


def test_a_reorg_within_the_confirmation_depth_is_rolled_back_and_read_again(token, settings):
    settings.CHAIN_CONFIRMATIONS = 5
    rpc = token.rpc
    fork = rpc.call("evm_snapshot")
    fork_block = rpc.block_number()
    transfer(rpc, token, ALICE, CAROL, 7)
    transfer(rpc, token, BOB, CAROL, 8)
    Indexer(rpc=rpc).run()
    stale = {t.tx_hash for t in TokenTransfer.objects.filter(block_number__gt=fork_block)}
    assert len(stale) == 2

    rpc.call("evm_revert", fork)  # the other branch: different transfers in the same heights, and longer
    transfer(rpc, token, BOB, ALICE, 9)
    mine(rpc, 2)
    result = Indexer(rpc=rpc).run()

    assert result.reorgs == [fork_block]
    assert indexed_transfers() == chain_transfers(rpc, token.token.address)
    assert not TokenTransfer.objects.filter(tx_hash__in=stale).exists()
    assert ReorgAlert.objects.count() == 0


def test_a_reorg_deeper_than_the_confirmation_depth_raises_an_alert_and_rewrites_nothing(token, settings):
    settings.CHAIN_CONFIRMATIONS = 1
    rpc = token.rpc
    fork = rpc.call("evm_snapshot")
    transfer(rpc, token, ALICE, CAROL, 7)
    transfer(rpc, token, BOB, CAROL, 8)
    mine(rpc, 2)
    Indexer(rpc=rpc).run()
    before = indexed_transfers()

    rpc.call("evm_revert", fork)
    transfer(rpc, token, BOB, ALICE, 9)
    mine(rpc, 4)
    result = Indexer(rpc=rpc).run()

    assert result.halted is True
    assert indexed_transfers() == before
    alert = ReorgAlert.objects.get()
    assert "deeper than 1 confirmations" in alert.message
    assert IndexerCursor.objects.get().halted is True
    assert Indexer(rpc=rpc).run().halted is True  # stays halted until a person resolves it


def test_the_fast_transfer_decoding_equals_eth_abi(token):
    logs = token.rpc.call(
        "eth_getLogs", {"address": token.token.address, "fromBlock": "0x0", "topics": [abi.TRANSFER_TOPIC]}
    )
    for lg in logs:
        sender = decode(["address"], bytes.fromhex(lg["topics"][1][2:]))[0]
        recipient = decode(["address"], bytes.fromhex(lg["topics"][2][2:]))[0]
        value = decode(["uint256"], bytes.fromhex(lg["data"][2:]))[0]
        assert decode_transfer(lg) == (sender, recipient, value)
