"""Exactly-once on-chain writes.

Every write goes through four recorded steps, each in its own database transaction:

1. ``plan``: the intent row (idempotency key, purpose, payload, to/data/value, gas, fees) gets
   the signer's next nonce from the ``Signer`` row locked FOR UPDATE - one nonce sequence per
   signer however many workers plan at once. A call that would revert is refused here, with
   its Solidity custom error named, before anything is stored.
2. ``sign``: the stored fields are signed once; the raw bytes and hash are stored.
3. ``broadcast``: the stored raw bytes are sent (and re-sent verbatim on every retry).
4. ``follow``: the receipt moves the intent to mined, then confirmed past the confirmation
   depth; a reverted receipt to failed; a transaction gone after a reorg back to broadcast.

Nothing is sent to a node whose genesis block is not the one recorded for the chain id
(``chain.genesis``): ``plan``, ``broadcast`` and ``recover`` check it first and refuse with
``ChainReset``, holding the open intents for review.

After a crash anywhere, ``recover`` asks the chain (receipt, transaction by hash, account
nonce) what happened to each open intent and continues from there. It never signs a second,
different transaction for an intent: only ``planned`` intents are signed, and their fields
(nonce included) were fixed when they were planned.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from chain.abi import DecodedError, decode_error
from chain.genesis import check_genesis
from chain.models import ChainTransaction, Signer
from chain.rpc import RPC, RPCError, get_rpc
from chain.signer import signer_account
from core.audit import audit_created
from core.errors import Refused
from core.transitions import record_transition

log = logging.getLogger(__name__)
State = ChainTransaction.State
INTENT_FIELDS = (
    "idempotency_key",
    "purpose",
    "payload",
    "chain_id",
    "to_address",
    "nonce",
    "gas_limit",
    "max_fee_per_gas",
    "max_priority_fee_per_gas",
    "value",
    "state",
)

EXPLAIN = {
    "WalletNotVerified": "wallet {0} is not (or no longer) verified in the identity registry",
    "WalletIsFrozen": "wallet {0} is frozen",
    "EnforcedPause": "the token is paused",
    "InsufficientUnfrozenBalance": "wallet {0} has only {1} unfrozen base units, {2} needed",
    "BatchAlreadyPaid": "distribution {0} batch {1} was already paid",
    "HolderAlreadyPaid": "wallet {1} was already paid {2} base units in distribution {0}",
    "ZeroAmount": "the amount for wallet {0} is zero",
    "RecordDateAlreadyPaid": "token {0} pays its holders of record date {1} as distribution {2} already",
    "SnapshotAlreadyPaid": "snapshot {1} of token {0} is paid as distribution {2} already",
    "InvalidRecordDate": "record date {0} is not a YYYYMMDD date",
    "EmptySnapshotHash": "the snapshot hash is empty",
    "InsufficientFunds": "the payout contract holds {0} base units of its stablecoin, {1} needed",
    "BatchTooLarge": "a batch of {0} exceeds the maximum of {1}",
    "AccessControlUnauthorizedAccount": "signer {0} lacks role {1}",
    "AlreadyRegistered": "wallet {0} is already in the identity registry",
    "ERC20InsufficientBalance": "wallet {0} holds {1} base units, {2} needed",
    "RootAlreadyAnchored": "distribution {0} has Merkle root {1} anchored already",
    "DocumentAlreadyAnchored": "document {0} was anchored already in block {1}",
}


class ChainRevert(Refused):
    """The chain refuses (or refused) the call; ``error`` is the decoded Solidity error."""

    code = "chain_revert"

    def __init__(self, error: DecodedError | None, raw_message: str = ""):
        self.error = error
        if error is None:
            text = f"The chain refuses this transaction: {raw_message or 'reverted without a reason'}."
        else:
            template = EXPLAIN.get(error.name)
            why = template.format(*error.shown()) if template else str(error)
            text = f"The chain refuses this transaction: {why} ({error.name})."
        super().__init__(text)


@dataclass
class Crash(Exception):
    """Raised by tests through :func:`_checkpoint` to stop the flow between two steps."""

    step: str


def _checkpoint(step: str, tx: ChainTransaction) -> None:
    """A seam between steps; tests replace it to simulate a crash right here."""


def _revert_data(exc: RPCError) -> str | None:
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    return data if isinstance(data, str) and data.startswith("0x") else None


def _advance(tx: ChainTransaction, name: str, *, reason: str = "", **fields) -> None:
    """Take a system transition on a locked row, set fields, save and audit."""
    from_state = record_transition(tx, name, actor=None, reason=reason, **fields)
    log.info("chain tx #%s %s: %s -> %s %s", tx.pk, tx.purpose, from_state, tx.state, tx.tx_hash)


def _lock(pk: int) -> ChainTransaction:
    return ChainTransaction.objects.select_for_update().select_related("signer").get(pk=pk)


# ---- 1. plan


def estimate_gas(rpc: RPC, *, sender: str, to: str | None, data: str, value: int = 0) -> int:
    """Gas for the call with 20 % headroom; a revert raises ChainRevert naming the error."""
    call = {"from": sender, "data": data, "value": hex(value)}
    if to:
        call["to"] = to
    try:
        estimate = int(rpc.call("eth_estimateGas", call), 16)
    except RPCError as exc:
        raise ChainRevert(decode_error(_revert_data(exc)), exc.message) from None
    return estimate * 6 // 5 + 10_000


def _fees(rpc: RPC) -> tuple[int, int]:
    latest = rpc.get_block("latest")
    base = int(latest.get("baseFeePerGas", "0x0"), 16)
    try:
        tip = int(rpc.call("eth_maxPriorityFeePerGas"), 16)
    except RPCError:
        tip = 10**9
    return 2 * base + tip, tip


def plan(
    *,
    key: str,
    purpose: str,
    to: str | None,
    data: str,
    value: int = 0,
    payload: dict | None = None,
    gas_limit: int | None = None,
    actor=None,
    rpc: RPC | None = None,
) -> ChainTransaction:
    """Record the intent (idempotent on ``key``) with its nonce. Refuses calls that would revert."""
    existing = ChainTransaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_intent(existing, to=to, data=data, value=value)
    rpc = rpc or get_rpc()
    check_genesis(rpc)
    account = signer_account()
    chain_id = settings.CHAIN_ID
    if gas_limit is None:
        gas_limit = estimate_gas(rpc, sender=account.address, to=to, data=data, value=value)
    max_fee, tip = _fees(rpc)
    chain_nonce = rpc.nonce(account.address, "pending")
    with transaction.atomic():
        Signer.objects.get_or_create(chain_id=chain_id, address=account.address)
        signer = Signer.objects.select_for_update().get(chain_id=chain_id, address=account.address)
        existing = ChainTransaction.objects.filter(idempotency_key=key).first()
        if existing is not None:  # planned by another worker while we estimated
            return _same_intent(existing, to=to, data=data, value=value)
        nonce = max(signer.next_nonce or 0, chain_nonce)
        tx = ChainTransaction.objects.create(
            idempotency_key=key,
            purpose=purpose,
            payload=payload or {},
            signer=signer,
            chain_id=chain_id,
            to_address=to or "",
            data=data,
            value=value,
            nonce=nonce,
            gas_limit=gas_limit,
            max_fee_per_gas=max_fee,
            max_priority_fee_per_gas=tip,
        )
        signer.next_nonce = nonce + 1
        signer.save(update_fields=["next_nonce"])
        audit_created(instance=tx, actor=actor, fields=INTENT_FIELDS)
    _checkpoint("planned", tx)
    return tx


def _same_intent(tx: ChainTransaction, *, to: str | None, data: str, value: int) -> ChainTransaction:
    if (tx.to_address or None) != (to or None) or tx.data != data or int(tx.value) != int(value):
        raise Refused(
            f"Idempotency key '{tx.idempotency_key}' was already used for a different "
            f"transaction (#{tx.pk}, {tx.purpose})."
        )
    return tx


# ---- 2. sign


def sign(tx: ChainTransaction) -> ChainTransaction:
    """Sign a planned intent's stored fields once. Any other state: nothing to do."""
    with transaction.atomic():
        tx = _lock(tx.pk)
        if tx.state != State.PLANNED:
            return tx
        account = signer_account()
        if account.address != tx.signer.address:
            raise ImproperlyConfigured(
                f"Intent #{tx.pk} belongs to signer {tx.signer.address}; "
                f"the configured key is {account.address}."
            )
        fields = {
            "type": 2,
            "chainId": tx.chain_id,
            "nonce": tx.nonce,
            "gas": tx.gas_limit,
            "maxFeePerGas": int(tx.max_fee_per_gas),
            "maxPriorityFeePerGas": int(tx.max_priority_fee_per_gas),
            "value": int(tx.value),
            "data": tx.data,
        }
        if tx.to_address:
            fields["to"] = tx.to_address
        signed = account.sign_transaction(fields)
        _advance(
            tx,
            "sign",
            raw_transaction="0x" + signed.raw_transaction.hex(),
            tx_hash="0x" + signed.hash.hex(),
            signed_at=timezone.now(),
        )
    _checkpoint("signed", tx)
    return tx


# ---- 3. broadcast


_ALREADY_SENT = ("already known", "known transaction", "already imported", "transaction already exists")


def broadcast(tx: ChainTransaction, rpc: RPC | None = None) -> ChainTransaction:
    """Send the stored signed bytes (again, if need be). Never signs anything."""
    rpc = rpc or get_rpc()
    tx.refresh_from_db()
    if tx.state not in (State.SIGNED, State.BROADCAST):
        return tx
    check_genesis(rpc, chain_id=tx.chain_id)
    try:
        rpc.call("eth_sendRawTransaction", tx.raw_transaction)
    except RPCError as exc:
        text = exc.message.lower()
        if any(s in text for s in _ALREADY_SENT):
            pass
        elif "nonce too low" in text:
            return follow(tx, rpc)  # mined already, or the nonce went to another transaction
        else:
            ChainTransaction.objects.filter(pk=tx.pk).update(error=f"broadcast refused: {exc.message}"[:2000])
            raise
    _checkpoint("sent", tx)
    with transaction.atomic():
        tx = _lock(tx.pk)
        if tx.state == State.SIGNED:
            _advance(tx, "broadcast", broadcast_at=timezone.now(), broadcast_count=tx.broadcast_count + 1)
        else:
            ChainTransaction.objects.filter(pk=tx.pk).update(broadcast_count=tx.broadcast_count + 1)
    _checkpoint("broadcast", tx)
    return tx


# ---- 4. follow


def _failure_reason(rpc: RPC, tx: ChainTransaction, block_number: int) -> str:
    """Replay a reverted transaction at its parent block to name the error."""
    call = {"from": tx.signer.address, "data": tx.data, "value": hex(int(tx.value)), "gas": hex(tx.gas_limit)}
    if tx.to_address:
        call["to"] = tx.to_address
    try:
        rpc.call("eth_call", call, hex(max(block_number - 1, 0)))
    except RPCError as exc:
        return ChainRevert(decode_error(_revert_data(exc)), exc.message).message
    return "reverted on chain (replaying it did not reproduce the revert; out of gas?)"


def follow(tx: ChainTransaction, rpc: RPC | None = None) -> ChainTransaction:
    """Ask the chain about a signed/broadcast/mined intent and record what it says."""
    rpc = rpc or get_rpc()
    tx.refresh_from_db()
    if tx.state not in (State.SIGNED, State.BROADCAST, State.MINED):
        return tx
    receipt = rpc.call("eth_getTransactionReceipt", tx.tx_hash)
    if receipt is not None and receipt.get("blockNumber"):
        return _record_receipt(tx, receipt, rpc)
    if tx.state == State.MINED:  # its block was reorged away
        with transaction.atomic():
            tx = _lock(tx.pk)
            _advance(
                tx,
                "reorg_out",
                reason=f"block {tx.block_number} {tx.block_hash} left the chain",
                block_number=None,
                block_hash="",
                mined_at=None,
            )
        return broadcast(tx, rpc)
    if rpc.call("eth_getTransactionByHash", tx.tx_hash) is not None:
        return tx  # pending in the node's pool
    if rpc.nonce(tx.signer.address, "latest") > tx.nonce:
        receipt = rpc.call("eth_getTransactionReceipt", tx.tx_hash)  # mined in the meantime?
        if receipt is not None and receipt.get("blockNumber"):
            return _record_receipt(tx, receipt, rpc)
        with transaction.atomic():
            tx = _lock(tx.pk)
            _advance(
                tx,
                "replace",
                reason=f"nonce {tx.nonce} was used by another transaction",
                error="replaced: another transaction used the nonce; plan a new intent if still needed",
            )
        return tx
    return broadcast(tx, rpc)  # the node lost it (restart, eviction): same bytes again


def _record_receipt(tx: ChainTransaction, receipt: dict, rpc: RPC) -> ChainTransaction:
    block_number = int(receipt["blockNumber"], 16)
    ok = int(receipt["status"], 16) == 1
    reason = "" if ok else _failure_reason(rpc, tx, block_number)
    tip = rpc.block_number()
    with transaction.atomic():
        tx = _lock(tx.pk)
        mined = {
            "block_number": block_number,
            "block_hash": receipt["blockHash"],
            "gas_used": int(receipt["gasUsed"], 16),
            "effective_gas_price": int(receipt.get("effectiveGasPrice", "0x0"), 16),
            "contract_address": _checksum(receipt.get("contractAddress")),
        }
        if tx.state in (State.SIGNED, State.BROADCAST):
            if not ok:
                _advance(tx, "fail", reason=reason, error=reason, mined_at=timezone.now(), **mined)
                return tx
            _advance(tx, "mine", mined_at=timezone.now(), **mined)
        elif tx.block_hash != receipt["blockHash"]:  # re-mined in another block after a reorg
            for field, value in mined.items():
                setattr(tx, field, value)
            tx.save()
        if tx.state == State.MINED and tip - block_number >= settings.CHAIN_CONFIRMATIONS:
            _advance(tx, "confirm", confirmed_at=timezone.now())
    _checkpoint("followed", tx)
    return tx


def _checksum(address: str | None) -> str:
    if not address:
        return ""
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


# ---- the whole way, and recovery


def send(
    *,
    key: str,
    purpose: str,
    to: str | None,
    data: str,
    value: int = 0,
    payload: dict | None = None,
    gas_limit: int | None = None,
    actor=None,
    wait_seconds: float = 10.0,
    rpc: RPC | None = None,
) -> ChainTransaction:
    """Plan, sign, broadcast and follow until mined (or ``wait_seconds``); idempotent on ``key``."""
    rpc = rpc or get_rpc()
    tx = plan(
        key=key,
        purpose=purpose,
        to=to,
        data=data,
        value=value,
        payload=payload,
        gas_limit=gas_limit,
        actor=actor,
        rpc=rpc,
    )
    return drive(tx, rpc=rpc, wait_seconds=wait_seconds)


def drive(tx: ChainTransaction, *, rpc: RPC | None = None, wait_seconds: float = 0.0) -> ChainTransaction:
    """Take one intent as far as it goes now: sign, broadcast, follow (polling up to ``wait_seconds``)."""
    rpc = rpc or get_rpc()
    tx.refresh_from_db()
    if tx.state == State.PLANNED:
        tx = sign(tx)
    if tx.state == State.SIGNED:
        receipt = rpc.call("eth_getTransactionReceipt", tx.tx_hash)
        tx = _record_receipt(tx, receipt, rpc) if receipt else broadcast(tx, rpc)
    deadline = time.monotonic() + wait_seconds
    while True:
        tx = follow(tx, rpc)
        if tx.state not in (State.SIGNED, State.BROADCAST) or time.monotonic() >= deadline:
            return tx
        time.sleep(0.2)


def recover(*, rpc: RPC | None = None, wait_seconds: float = 0.0) -> dict[str, int]:
    """Continue every open intent, lowest nonce first, from what the chain says. Safe to repeat.

    Every intent is first taken as far as it goes now (signed, broadcast, followed once); then,
    with ``wait_seconds``, each still unmined one is followed until its receipt arrives or the
    time is up. Returns how many of the intents end in each state.
    """
    rpc = rpc or get_rpc()
    check_genesis(rpc)
    open_ids = list(
        ChainTransaction.objects.filter(state__in=ChainTransaction.OPEN_STATES, chain_id=settings.CHAIN_ID)
        .order_by("signer_id", "nonce")
        .values_list("id", flat=True)
    )
    states = {pk: drive(ChainTransaction.objects.get(pk=pk), rpc=rpc).state for pk in open_ids}
    deadline = time.monotonic() + wait_seconds
    for pk, state in states.items():
        if state in (State.SIGNED, State.BROADCAST):
            remaining = max(0.0, deadline - time.monotonic())
            states[pk] = drive(ChainTransaction.objects.get(pk=pk), rpc=rpc, wait_seconds=remaining).state
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    return counts


def wait_mined(tx: ChainTransaction, *, rpc: RPC | None = None, timeout: float = 20.0) -> ChainTransaction:
    tx = drive(tx, rpc=rpc, wait_seconds=timeout)
    if tx.state not in (State.MINED, State.CONFIRMED):
        raise Refused(f"Transaction #{tx.pk} ({tx.purpose}) is '{tx.state}', not mined: {tx.error}")
    return tx
