"""The transaction manager on a real anvil: a crash between any two steps, then recovery,
lands exactly one transaction; nonces stay one sequence per signer; the key never leaks."""

import threading
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from chain import abi, txmanager
from chain.models import ChainTransaction
from chain.rpc import RPC
from chain.signer import signer_account
from core.errors import Refused
from core.models import AuditEvent
from tests.chain.conftest import DEV, RECEIPT_WAIT, mine, requires_chain, send_raw

pytestmark = requires_chain
ALICE = DEV[1]
STEPS = ["planned", "signed", "sent", "broadcast", "followed"]


@pytest.fixture
def minting(deployed):
    deployed.register(ALICE, 1)
    return deployed


def mint_intent(deployed, amount=5, key="mint:crash-test", gas_limit=None, wait_seconds=0):
    return txmanager.send(
        key=key,
        purpose="mint",
        to=deployed.token.address,
        data=abi.encode_call("TrancheToken", "mint", ALICE.address, amount),
        gas_limit=gas_limit,
        rpc=deployed.rpc,
        wait_seconds=wait_seconds,
    )


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_after_each_step_lands_exactly_one_transaction(minting, monkeypatch, step):
    rpc, signer = minting.rpc, signer_account().address
    nonce_before = rpc.nonce(signer)

    def crash(at, tx):
        if at == step:
            raise txmanager.Crash(at)

    monkeypatch.setattr(txmanager, "_checkpoint", crash)
    with pytest.raises(txmanager.Crash):
        # waits for the receipt (a loaded node may not have mined at the first look), so the crash
        # after "followed" happens as surely as the ones before it
        mint_intent(minting, wait_seconds=RECEIPT_WAIT)
    monkeypatch.setattr(txmanager, "_checkpoint", lambda at, tx: None)

    txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)
    txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)  # recovering twice does no harm
    again = mint_intent(minting)  # nor does the business retrying with the same key

    tx = ChainTransaction.objects.get(idempotency_key="mint:crash-test")
    assert again.pk == tx.pk
    assert tx.state == "mined"
    assert rpc.nonce(signer) == nonce_before + 1
    assert minting.token_call("balanceOf", ALICE.address) == 5
    receipt = rpc.call("eth_getTransactionReceipt", tx.tx_hash)
    assert (int(receipt["blockNumber"], 16), receipt["status"]) == (tx.block_number, "0x1")
    assert ChainTransaction.objects.filter(signer__address=signer, nonce=tx.nonce).count() == 1


def test_a_crash_inside_the_signing_transaction_stores_nothing_and_recovery_signs_the_same_bytes(
    minting, monkeypatch
):
    tx = txmanager.plan(
        key="mint:sign-crash",
        purpose="mint",
        to=minting.token.address,
        data=abi.encode_call("TrancheToken", "mint", ALICE.address, 5),
        rpc=minting.rpc,
    )
    real_advance = txmanager._advance
    seen = {}

    def advance_then_crash(row, name, **fields):
        real_advance(row, name, **fields)
        seen["raw"] = row.raw_transaction
        raise txmanager.Crash("inside sign")

    monkeypatch.setattr(txmanager, "_advance", advance_then_crash)
    with pytest.raises(txmanager.Crash):
        txmanager.sign(tx)
    tx.refresh_from_db()
    assert (tx.state, tx.raw_transaction) == ("planned", "")
    monkeypatch.setattr(txmanager, "_advance", real_advance)

    txmanager.recover(rpc=minting.rpc, wait_seconds=RECEIPT_WAIT)

    tx.refresh_from_db()
    assert tx.raw_transaction == seen["raw"]  # deterministic signature over the stored fields
    assert tx.state == "mined"


def test_a_dropped_transaction_is_rebroadcast_with_the_same_signed_bytes(minting):
    rpc = minting.rpc
    rpc.call("evm_setAutomine", False)
    try:
        tx = mint_intent(minting)
        raw, tx_hash = tx.raw_transaction, tx.tx_hash
        assert tx.state == "broadcast"
        rpc.call("anvil_dropTransaction", tx_hash)  # the node forgets it (restart, eviction)
        assert rpc.call("eth_getTransactionByHash", tx_hash) is None

        txmanager.recover(rpc=rpc)  # automine is off: rebroadcast, nothing to wait for
        mine(rpc)
        txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)
    finally:
        rpc.call("evm_setAutomine", True)
    tx.refresh_from_db()
    assert (tx.state, tx.raw_transaction, tx.tx_hash, tx.broadcast_count) == ("mined", raw, tx_hash, 2)
    assert minting.token_call("balanceOf", ALICE.address) == 5


def test_an_intent_whose_nonce_another_transaction_took_is_marked_replaced(minting):
    rpc = minting.rpc
    tx = txmanager.plan(
        key="mint:replaced",
        purpose="mint",
        to=minting.token.address,
        data=abi.encode_call("TrancheToken", "mint", ALICE.address, 5),
        rpc=rpc,
    )
    tx = txmanager.sign(tx)
    account = signer_account()
    other = account.sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": tx.nonce,
            "gas": 21000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**9,
            "to": DEV[5].address,
            "value": 1,
        }
    )
    assert send_raw(rpc, "0x" + other.raw_transaction.hex())["status"] == "0x1"

    txmanager.recover(rpc=rpc)

    tx.refresh_from_db()
    assert tx.state == "replaced"
    assert minting.token_call("balanceOf", ALICE.address) == 0


def test_confirmed_past_the_depth_and_a_mined_revert_is_failed_with_its_reason(minting, settings):
    rpc = minting.rpc
    tx = txmanager.wait_mined(mint_intent(minting), rpc=rpc, timeout=RECEIPT_WAIT)
    mine(rpc, settings.CHAIN_CONFIRMATIONS)
    assert txmanager.follow(tx, rpc).state == "confirmed"

    bad = txmanager.send(
        key="mint:reverts",
        purpose="mint",
        to=minting.token.address,
        data=abi.encode_call("TrancheToken", "mint", DEV[6].address, 1),
        gas_limit=200_000,
        rpc=rpc,
        wait_seconds=RECEIPT_WAIT,
    )
    assert bad.state == "failed"
    assert "WalletNotVerified" in bad.error and DEV[6].address in bad.error
    assert AuditEvent.objects.filter(object_id=bad.pk, name="fail", to_state="failed").count() == 1


def test_the_same_key_for_a_different_transaction_is_refused(minting):
    mint_intent(minting, amount=5)
    with pytest.raises(Refused, match="already used for a different transaction"):
        mint_intent(minting, amount=6)
    assert ChainTransaction.objects.filter(purpose="mint").count() == 1


def test_a_call_that_would_revert_is_refused_before_anything_is_stored(minting):
    before = ChainTransaction.objects.count()
    with pytest.raises(txmanager.ChainRevert, match="wallet .* is not \\(or no longer\\) verified"):
        txmanager.plan(
            key="mint:nope",
            purpose="mint",
            to=minting.token.address,
            data=abi.encode_call("TrancheToken", "mint", DEV[7].address, 1),
            rpc=minting.rpc,
        )
    assert ChainTransaction.objects.count() == before


def test_the_signing_key_is_never_logged_nor_stored(minting, caplog):
    key_text = Path(__import__("os").environ["CHAIN_SIGNER_KEY_FILE"]).read_text().strip().removeprefix("0x")
    with caplog.at_level("DEBUG"):
        mint_intent(minting)
    assert key_text not in caplog.text
    with connection.cursor() as cur:
        for table in ("chain_chaintransaction", "chain_signer", "core_auditevent"):
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608
            assert key_text not in repr(cur.fetchall()).lower()


@pytest.mark.django_db(transaction=True)
def test_workers_planning_at_once_share_one_nonce_sequence(rpc, settings):
    from chain import services

    registry = services.deploy(
        key="t:conc-registry", kind="IdentityRegistry", args=(DEV[0].address,), name="r", rpc=rpc
    )
    data = abi.encode_call("IdentityRegistry", "hasRole", bytes(32), DEV[0].address)
    errors = []

    def worker(w):
        own = RPC(rpc.url)  # a worker has its own client and its own database connection
        try:
            for i in range(5):
                txmanager.plan(
                    key=f"conc:{w}:{i}",
                    purpose="noop",
                    to=registry.address,
                    data=data,
                    gas_limit=60_000,
                    rpc=own,
                )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            own.close()
            connection.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    nonces = sorted(ChainTransaction.objects.filter(purpose="noop").values_list("nonce", flat=True))
    first = nonces[0]
    assert nonces == list(range(first, first + 20))

    def ended():
        noops = ChainTransaction.objects.filter(purpose="noop")
        return dict(noops.values_list("state").annotate(n=Count("id")).order_by())

    txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)
    # All 20 landed. Which of them already read as confirmed depends on when each receipt was
    # read: one read after CHAIN_CONFIRMATIONS later blocks is confirmed at once (a busy node).
    landed = ended()
    assert set(landed) <= {"mined", "confirmed"} and sum(landed.values()) == 20, landed
    assert rpc.nonce(signer_account().address) == first + 20
    mine(rpc, settings.CHAIN_CONFIRMATIONS)
    txmanager.recover(rpc=rpc)  # follows the mined ones past the confirmation depth
    assert ended() == {"confirmed": 20}
