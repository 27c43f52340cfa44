"""Holder snapshots at a record block: balances from indexed transfers, cross-checked against
``balanceOf`` at that block (one batched JSON-RPC request) and ``totalSupply``, stored with a
content hash so a distribution or a report can prove which list it used.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import connection, transaction
from django.db.models import Sum

from chain import abi
from chain.models import Contract, HolderBalance, HolderSnapshot, IndexerCursor, TokenTransfer
from chain.rpc import RPC, get_rpc
from core.audit import audit_created
from core.errors import Refused

ZERO = "0x" + "0" * 40


def balances_from_transfers(contract: Contract, block_number: int) -> dict[str, int]:
    """Wallet -> balance after ``block_number``, summed from indexed transfers (zero balances dropped)."""
    table = TokenTransfer._meta.db_table
    sql = (
        f"SELECT wallet, SUM(delta) FROM ("  # noqa: S608
        f" SELECT recipient AS wallet, value AS delta FROM {table}"
        f" WHERE contract_id = %s AND block_number <= %s"
        f" UNION ALL"
        f" SELECT sender AS wallet, -value AS delta FROM {table}"
        f" WHERE contract_id = %s AND block_number <= %s"
        f") AS moves WHERE wallet <> %s GROUP BY wallet"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [contract.pk, block_number, contract.pk, block_number, ZERO])
        rows = cur.fetchall()
    return {wallet: int(total) for wallet, total in rows if int(total) != 0}


def content_hash(
    *,
    chain_id: int,
    token: str,
    block_number: int,
    block_hash: str,
    total_supply: int,
    balances: dict[str, int],
) -> str:
    """sha256 over a canonical text: header line, then one 'wallet balance' line per holder, sorted."""
    lines = [
        f"chain={chain_id} token={token.lower()} block={block_number} hash={block_hash} supply={total_supply}"
    ]
    lines += [f"{wallet.lower()} {balance}" for wallet, balance in sorted(balances.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def take_snapshot(
    *,
    contract: Contract,
    block_number: int,
    record_date: date | None = None,
    actor=None,
    rpc: RPC | None = None,
) -> HolderSnapshot:
    """Snapshot ``contract``'s holders at ``block_number`` (idempotent per contract and block).

    Refuses when the block is not final yet, the indexer has not read that far, or the indexed
    balances disagree with the chain - naming the first wallets that differ.
    """
    existing = HolderSnapshot.objects.filter(contract=contract, block_number=block_number).first()
    if existing:
        return existing
    rpc = rpc or get_rpc()
    cursor = IndexerCursor.objects.filter(chain_id=contract.chain_id).first()
    if cursor is None or cursor.safe_block < block_number or cursor.last_block < block_number:
        have = (
            "nothing" if cursor is None else f"up to block {cursor.last_block} (final to {cursor.safe_block})"
        )
        raise Refused(f"Block {block_number} is not final in the index yet: the indexer has read {have}.")
    header = rpc.get_block(block_number)
    balances = balances_from_transfers(contract, block_number)
    wallets = sorted(balances)
    calls = [
        (
            "eth_call",
            [
                {"to": contract.address, "data": abi.encode_call(contract.kind, "balanceOf", w)},
                hex(block_number),
            ],
        )
        for w in wallets
    ]
    calls.append(
        (
            "eth_call",
            [
                {"to": contract.address, "data": abi.encode_call(contract.kind, "totalSupply")},
                hex(block_number),
            ],
        )
    )
    results = []
    for i in range(0, len(calls), 500):
        results += rpc.batch(calls[i : i + 500])
    on_chain = {w: int(r, 16) for w, r in zip(wallets, results[:-1], strict=True)}
    total_supply = int(results[-1], 16)
    differ = [f"{w}: index {balances[w]}, chain {on_chain[w]}" for w in wallets if balances[w] != on_chain[w]]
    if differ:
        raise Refused(
            f"Indexed balances differ from balanceOf at block {block_number}: " + "; ".join(differ[:5])
        )
    if sum(balances.values()) != total_supply:
        raise Refused(
            f"Indexed balances sum to {sum(balances.values())} but totalSupply at block "
            f"{block_number} is {total_supply}."
        )
    digest = content_hash(
        chain_id=contract.chain_id,
        token=contract.address,
        block_number=block_number,
        block_hash=header["hash"],
        total_supply=total_supply,
        balances=balances,
    )
    with transaction.atomic():
        snapshot = HolderSnapshot.objects.create(
            contract=contract,
            block_number=block_number,
            block_hash=header["hash"],
            record_date=record_date,
            total_supply=total_supply,
            holder_count=len(balances),
            content_hash=digest,
        )
        HolderBalance.objects.bulk_create(
            [HolderBalance(snapshot=snapshot, wallet=w, balance=b) for w, b in sorted(balances.items())],
            batch_size=2000,
        )
        audit_created(
            instance=snapshot,
            actor=actor,
            fields=("block_number", "block_hash", "total_supply", "holder_count", "content_hash"),
        )
    return snapshot


def verify_snapshot(snapshot: HolderSnapshot) -> bool:
    """Recompute the content hash from the stored rows."""
    balances = {b.wallet: int(b.balance) for b in snapshot.balances.all()}
    total = snapshot.balances.aggregate(s=Sum("balance"))["s"] or 0
    return int(total) == int(snapshot.total_supply) and snapshot.content_hash == content_hash(
        chain_id=snapshot.contract.chain_id,
        token=snapshot.contract.address,
        block_number=snapshot.block_number,
        block_hash=snapshot.block_hash,
        total_supply=int(snapshot.total_supply),
        balances=balances,
    )
