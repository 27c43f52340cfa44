"""The demo's local chain (anvil, chain id 31337) kept consistent with the database.

The demo keeps its database between runs and anvil keeps its state in a file (``--state``).
Before the demo uses them, :func:`align_local_chain` checks that they agree: every transaction
the database records as mined is on the chain in the same block, and the chain holds no
transaction of our signer that the database does not know. When they disagree (the state file
was lost, is older than the database because anvil was killed between two dumps, or belongs to
another database) the database wins: anvil is reset to its genesis (``anvil_reset``) and the
local chain's rows (its recorded genesis included) are forgotten, so the demo deploys and mints
again on an empty chain.
Never used for any other chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from chain.models import (
    Anchor,
    ChainEvent,
    ChainIdentity,
    ChainResetAlert,
    ChainTransaction,
    Contract,
    HolderSnapshot,
    IndexedBlock,
    IndexerCursor,
    Signer,
    TokenTransfer,
)
from chain.rpc import RPC, get_rpc

LOCAL_CHAIN_ID = 31337
State = ChainTransaction.State


@dataclass(frozen=True)
class Alignment:
    outcome: str  # "empty", "kept" or "reset"
    reason: str


def align_local_chain(*, rpc: RPC | None = None) -> Alignment:
    """Compare the local chain with the database; reset the chain and forget its rows when they differ."""
    if settings.CHAIN_ID != LOCAL_CHAIN_ID:
        raise ImproperlyConfigured(
            f"Only the local chain ({LOCAL_CHAIN_ID}) is aligned, not chain {settings.CHAIN_ID}."
        )
    rpc = rpc or get_rpc()
    if int(rpc.call("eth_chainId"), 16) != LOCAL_CHAIN_ID:
        raise ImproperlyConfigured(f"The node at {rpc.url} is not the local chain {LOCAL_CHAIN_ID}.")
    recorded = (
        ChainTransaction.objects.filter(chain_id=LOCAL_CHAIN_ID).exists()
        or Contract.objects.filter(chain_id=LOCAL_CHAIN_ID).exists()
    )
    if not recorded:
        forget_local_chain()  # a genesis recorded from an earlier chain, if any
        height = rpc.block_number()
        if height == 0:
            return Alignment("empty", "the database records nothing on the local chain and the chain is new")
        rpc.call("anvil_reset")
        return Alignment(
            "reset", f"the local chain had {height} blocks the database does not know; it was reset"
        )
    why = _disagreement(rpc)
    if why is None:
        return Alignment("kept", "every transaction the database records as mined is on the local chain")
    rpc.call("anvil_reset")
    forget_local_chain()
    return Alignment("reset", f"{why}; the chain was reset and its rows forgotten")


def _disagreement(rpc: RPC) -> str | None:
    mined = list(
        ChainTransaction.objects.filter(chain_id=LOCAL_CHAIN_ID, state__in=[State.MINED, State.CONFIRMED])
        .order_by("nonce")
        .values_list("tx_hash", "block_hash")
    )
    for i in range(0, len(mined), 200):
        part = mined[i : i + 200]
        receipts = rpc.batch([("eth_getTransactionReceipt", [tx_hash]) for tx_hash, _ in part])
        for (tx_hash, block_hash), receipt in zip(part, receipts, strict=True):
            if receipt is None or receipt.get("blockHash") != block_hash:
                return f"the chain lacks transaction {tx_hash} (mined in block {block_hash} per the database)"
    for signer in Signer.objects.filter(chain_id=LOCAL_CHAIN_ID):
        on_chain = rpc.nonce(signer.address, "latest")
        if on_chain > (signer.next_nonce or 0):
            return (
                f"signer {signer.address} sent {on_chain} transactions on the chain but the database "
                f"knows {signer.next_nonce or 0}"
            )
    return None


def forget_local_chain() -> None:
    """Delete every row of the local chain, dependants first (contracts and logs are protected)."""
    with transaction.atomic():
        HolderSnapshot.objects.filter(contract__chain_id=LOCAL_CHAIN_ID).delete()
        Anchor.objects.filter(contract__chain_id=LOCAL_CHAIN_ID).delete()
        for model in (TokenTransfer, ChainEvent, IndexedBlock, IndexerCursor, ChainIdentity, ChainResetAlert):
            model.objects.filter(chain_id=LOCAL_CHAIN_ID).delete()
        Contract.objects.filter(chain_id=LOCAL_CHAIN_ID, registry__isnull=False).delete()  # tokens first
        Contract.objects.filter(chain_id=LOCAL_CHAIN_ID).delete()
        ChainTransaction.objects.filter(chain_id=LOCAL_CHAIN_ID).delete()
        Signer.objects.filter(chain_id=LOCAL_CHAIN_ID).delete()
