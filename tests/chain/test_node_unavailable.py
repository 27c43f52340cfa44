"""The node down: nothing is lost, the task retries with backoff, and once the node is back the
intent lands exactly once."""

import pytest
from celery.exceptions import Retry

from chain import txmanager
from chain.models import ChainTransaction
from chain.rpc import RPC, NodeUnavailable
from chain.signer import signer_account
from chain.tasks import follow_transactions
from tests.chain.conftest import RECEIPT_WAIT, requires_chain
from tests.chain.test_txmanager import ALICE, mint_intent

pytestmark = requires_chain
DEAD_NODE = "http://127.0.0.1:9"  # discard port: nothing listens there


@pytest.fixture
def signed_intent(deployed, monkeypatch):
    """An intent signed and stored, whose broadcast never happened (the node went away)."""
    deployed.register(ALICE, 1)

    def stop_after_signing(at, tx):
        if at == "signed":
            raise txmanager.Crash(at)

    monkeypatch.setattr(txmanager, "_checkpoint", stop_after_signing)
    with pytest.raises(txmanager.Crash):
        mint_intent(deployed)
    monkeypatch.setattr(txmanager, "_checkpoint", lambda at, tx: None)
    return ChainTransaction.objects.get(idempotency_key="mint:crash-test")


def test_recovery_with_the_node_down_keeps_the_signed_intent(deployed, signed_intent):
    raw = signed_intent.raw_transaction

    with pytest.raises(NodeUnavailable):
        txmanager.recover(rpc=RPC(DEAD_NODE, timeout=2))

    signed_intent.refresh_from_db()
    assert (signed_intent.state, signed_intent.raw_transaction, signed_intent.broadcast_count) == (
        "signed", raw, 0)


def test_the_follow_task_retries_with_backoff_while_the_node_is_down(deployed, signed_intent, settings):
    settings.CHAIN_RPC_URL = DEAD_NODE
    settings.CHAIN_RPC_TIMEOUT_SECONDS = 2

    with pytest.raises(Retry):
        follow_transactions.apply(throw=True)

    assert follow_transactions.autoretry_for == (NodeUnavailable,)
    assert (follow_transactions.retry_backoff, follow_transactions.retry_backoff_max) == (5, 300)
    signed_intent.refresh_from_db()
    assert signed_intent.state == "signed"


def test_once_the_node_is_back_the_intent_lands_exactly_once(deployed, signed_intent):
    rpc, signer = deployed.rpc, signer_account().address
    nonce_before = rpc.nonce(signer)
    with pytest.raises(NodeUnavailable):
        txmanager.recover(rpc=RPC(DEAD_NODE, timeout=2))

    txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)
    txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)

    signed_intent.refresh_from_db()
    assert (signed_intent.state, signed_intent.broadcast_count) == ("mined", 1)
    assert rpc.nonce(signer) == nonce_before + 1
    assert deployed.token_call("balanceOf", ALICE.address) == 5
