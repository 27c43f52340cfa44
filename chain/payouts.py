"""Stablecoin payouts to a tranche token's holders of record, through the Payout contract.

A distribution is identified by what it pays: the tranche token, the record date and the content
hash of the holder snapshot taken at that date. :func:`distribution_id` is the one place the
back office computes the id; the contract computes the same value from the same three inputs
(``Payout.distributionId``) and binds each record date of a token to one snapshot, so the same
payment cannot be sent again under another id. On chain each holder is paid at most once per
distribution (docs/chain.md, "Payouts").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from eth_abi import encode
from eth_utils import is_address, keccak, to_checksum_address

from chain import abi
from chain.models import ChainEvent, ChainTransaction, Contract, HolderSnapshot
from chain.rpc import RPC, get_rpc
from chain.services import call
from chain.txmanager import send as tx_send
from core.authz import require_system_or_perm
from core.errors import InvalidInput, Refused

log = logging.getLogger(__name__)
MAX_BATCH = 200  # Payout.MAX_BATCH


def record_date_number(record_date: date) -> int:
    """The record date as the contract takes it: YYYYMMDD (2026-12-31 -> 20261231)."""
    return record_date.year * 10_000 + record_date.month * 100 + record_date.day


def snapshot_hash_bytes(content_hash: str | bytes) -> bytes:
    """A snapshot's sha256 content hash (64 hex digits, with or without 0x) as 32 bytes."""
    if isinstance(content_hash, bytes):
        raw = content_hash
    else:
        try:
            raw = bytes.fromhex(content_hash.removeprefix("0x"))
        except ValueError:
            raw = b""
    if len(raw) != 32:
        raise InvalidInput(f"'{content_hash!r}' is not a 32-byte snapshot hash.", field="snapshot_hash")
    return raw


def distribution_id(*, token: str, record_date: date, snapshot_hash: str | bytes) -> bytes:
    """keccak256(abi.encode(address token, uint32 YYYYMMDD, bytes32 snapshot hash)), as the
    Payout contract's ``distributionId`` computes it."""
    return keccak(
        encode(
            ["address", "uint32", "bytes32"],
            [to_checksum_address(token), record_date_number(record_date), snapshot_hash_bytes(snapshot_hash)],
        )
    )


@dataclass(frozen=True)
class PayoutPlan:
    """What one distribution pays, cut into batches by wallet order (the same input always gives
    the same batches, so a re-run finds the same intents)."""

    payout: Contract
    token: Contract
    record_date: date
    snapshot_hash: bytes
    distribution_id: bytes
    batches: tuple[tuple[tuple[str, int], ...], ...]  # ((wallet, base units), ...) per batch

    @property
    def total(self) -> int:
        return sum(amount for batch in self.batches for _, amount in batch)

    def key(self, batch_number: int) -> str:
        payout = self.payout
        return f"payout:{payout.chain_id}:{payout.address}:0x{self.distribution_id.hex()}:{batch_number}"

    def calldata(self, batch_number: int) -> str:
        batch = self.batches[batch_number - 1]
        return abi.encode_call(
            "Payout",
            "payBatch",
            self.token.address,
            record_date_number(self.record_date),
            self.snapshot_hash,
            batch_number,
            [to_checksum_address(wallet) for wallet, _ in batch],
            [amount for _, amount in batch],
        )


def plan_payout(
    *, snapshot: HolderSnapshot, amounts: dict[str, int], payout: Contract | None = None,
    batch_size: int = MAX_BATCH,
) -> PayoutPlan:
    """Check ``amounts`` (wallet -> stablecoin base units) against ``snapshot`` and cut the batches.

    Refused: a snapshot without a record date or not of a tranche token, a wallet given twice
    (in any letter case), a wallet that is not a holder in the snapshot, an amount that is not a
    positive integer, a batch size outside 1..200.
    """
    token = snapshot.contract
    if token.kind != Contract.Kind.TRANCHE_TOKEN:
        raise InvalidInput(
            f"Snapshot #{snapshot.pk} is of {token.name}, not of a tranche token.", field="snapshot"
        )
    if snapshot.record_date is None:
        raise InvalidInput(
            f"Snapshot #{snapshot.pk} has no record date; a payout needs one.", field="snapshot"
        )
    if not 1 <= batch_size <= MAX_BATCH:
        raise InvalidInput(f"Batch size {batch_size} is outside 1..{MAX_BATCH}.", field="batch_size")
    if not amounts:
        raise InvalidInput("A payout needs at least one holder and amount.", field="amounts")
    normalised: dict[str, int] = {}
    for wallet, amount in amounts.items():
        if not isinstance(wallet, str) or not is_address(wallet):
            raise InvalidInput(f"'{wallet}' is not a wallet address.", field="amounts")
        key = wallet.lower()
        if key in normalised:
            raise InvalidInput(f"Wallet {wallet} is listed twice.", field="amounts")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidInput(
                f"Wallet {wallet}: the amount must be a positive whole number of base units, not {amount!r}.",
                field="amounts",
            )
        normalised[key] = amount
    holders = set(snapshot.balances.filter(wallet__in=list(normalised)).values_list("wallet", flat=True))
    strangers = sorted(set(normalised) - holders)
    if strangers:
        raise InvalidInput(
            f"Not holders in snapshot #{snapshot.pk} (block {snapshot.block_number}): {_some(strangers)}.",
            field="amounts",
        )
    ordered = sorted(normalised.items())
    batches = tuple(tuple(ordered[i : i + batch_size]) for i in range(0, len(ordered), batch_size))
    payout = payout or _the_payout_contract(token.chain_id)
    digest = snapshot_hash_bytes(snapshot.content_hash)
    return PayoutPlan(
        payout=payout,
        token=token,
        record_date=snapshot.record_date,
        snapshot_hash=digest,
        distribution_id=distribution_id(
            token=token.address, record_date=snapshot.record_date, snapshot_hash=digest
        ),
        batches=batches,
    )


def _some(items: list[str], shown: int = 5) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _the_payout_contract(chain_id: int) -> Contract:
    found = list(Contract.objects.filter(chain_id=chain_id, kind=Contract.Kind.PAYOUT).order_by("id")[:2])
    if len(found) != 1:
        raise Refused(f"Chain {chain_id} has {len(found)} payout contracts; name the one to pay from.")
    return found[0]


def pay_distribution(
    *,
    snapshot: HolderSnapshot,
    amounts: dict[str, int],
    payout: Contract | None = None,
    batch_size: int = MAX_BATCH,
    actor=None,
    rpc: RPC | None = None,
) -> list[ChainTransaction]:
    """Pay ``amounts`` to the holders of ``snapshot`` from the Payout contract, one intent per batch.

    Everything is checked before anything is sent: the plan (:func:`plan_payout`), that the
    contract holds enough stablecoin for the batches not sent yet, and that none of their holders
    was already paid in this distribution on chain. Intents are keyed by (payout contract,
    distribution id, batch number): running it again with the same input sends nothing twice; with
    another batch size it is refused by the key, and on chain by the per-holder guard.
    """
    require_system_or_perm(actor, "chain.pay_distribution_chaintransaction",
                           doing="pay a distribution on chain")
    plan = plan_payout(snapshot=snapshot, amounts=amounts, payout=payout, batch_size=batch_size)
    rpc = rpc or get_rpc()
    numbers = range(1, len(plan.batches) + 1)
    existing = dict(
        ChainTransaction.objects.filter(idempotency_key__in=[plan.key(n) for n in numbers]).values_list(
            "idempotency_key", "data"
        )
    )
    other_cut = [n for n in numbers if plan.key(n) in existing and existing[plan.key(n)] != plan.calldata(n)]
    if other_cut:
        raise Refused(
            f"Distribution 0x{plan.distribution_id.hex()} was sent before in other batches (batch "
            f"{other_cut[0]} held other holders or amounts); nothing was sent."
        )
    to_send = [n for n in numbers if plan.key(n) not in existing]
    _check_unpaid_and_funded(plan, to_send, rpc)
    sent = []
    for n in numbers:
        batch = plan.batches[n - 1]
        sent.append(
            tx_send(
                key=plan.key(n),
                purpose="pay batch",
                to=plan.payout.address,
                data=plan.calldata(n),
                payload={
                    "distribution_id": "0x" + plan.distribution_id.hex(),
                    "token": plan.token.address,
                    "record_date": plan.record_date.isoformat(),
                    "snapshot": snapshot.pk,
                    "snapshot_hash": snapshot.content_hash,
                    "batch": n,
                    "recipients": len(batch),
                    "total": str(sum(amount for _, amount in batch)),
                },
                actor=actor,
                rpc=rpc,
            )
        )
    log.info(
        "distribution 0x%s: %s batches, %s base units",
        plan.distribution_id.hex(),
        len(plan.batches),
        plan.total,
    )
    return sent


def _check_unpaid_and_funded(plan: PayoutPlan, batch_numbers: list[int], rpc: RPC) -> None:
    wallets = [wallet for n in batch_numbers for wallet, _ in plan.batches[n - 1]]
    if not wallets:
        return
    calls = [
        ("eth_call", [{"to": plan.payout.address, "data": abi.encode_call(
            "Payout", "paidAmount", plan.distribution_id, to_checksum_address(w))}, "latest"])
        for w in wallets
    ]
    paid = []
    for i in range(0, len(calls), 500):
        paid += [int(r, 16) for r in rpc.batch(calls[i : i + 500])]
    already = [f"{w} ({p} base units)" for w, p in zip(wallets, paid, strict=True) if p]
    if already:
        raise Refused(
            f"Distribution 0x{plan.distribution_id.hex()} already paid {_some(already)}; nothing was sent.",
            reasons=already,
        )
    needed = sum(amount for n in batch_numbers for _, amount in plan.batches[n - 1])
    coin = call("Payout", plan.payout.address, "stablecoin", rpc=rpc)
    available = call("MockStablecoin", coin, "balanceOf", plan.payout.address, rpc=rpc)  # any ERC-20
    if available < needed:
        raise Refused(
            f"{plan.payout.name} holds {available} base units of its stablecoin; the batches to send "
            f"need {needed}. Nothing was sent."
        )


# ---- reads


def paid_in_distribution(*, payout: Contract, distribution: bytes) -> dict[str, int]:
    """Wallet -> base units paid in ``distribution``, from the indexed ``Paid`` events."""
    rows = ChainEvent.objects.filter(
        contract=payout, name="Paid", args__distributionId="0x" + distribution.hex()
    ).values_list("args", flat=True)
    return {args["holder"]: int(args["amount"]) for args in rows}
