"""Distributions of an approved period: create them, fix the holders of record, compute the
entitlements (escrowing those not to be paid), approve, and decide escrow lines
(docs/servicing.md, "Distributions"). Paying them is servicing.services.payouts.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Lower
from django.utils import timezone
from eth_utils import to_checksum_address

from chain import abi
from chain.models import Contract, HolderSnapshot, IndexerCursor
from chain.payouts import MAX_BATCH
from chain.payouts import distribution_id as chain_distribution_id
from chain.rpc import RPC, get_rpc
from chain.services import call, to_base_units
from chain.snapshots import take_snapshot
from compliance.models import Wallet
from compliance.selectors import approved_investor_ids
from core import clock
from core.audit import audit_created, audit_created_bulk
from core.authz import require_system_or_perm
from core.errors import InvalidInput, Refused, TransitionNotAllowed
from core.money import check_minor_units
from core.outbox import enqueue
from core.transitions import bulk_transition, record_transition, run_transition
from issuance.models import Subscription, Tranche
from screening.selectors import blocked_investor_ids
from servicing.entitlements import entitlements
from servicing.models import CollectionPeriod, Distribution, Entitlement, EscrowLine, PayoutBatch

log = logging.getLogger(__name__)
PARTS = ("interest", "principal", "residual")
_WALLET = re.compile(r"0x[0-9a-f]{40}")
FIELDS = ("period", "tranche", "currency", "interest", "principal", "residual", "amount", "state")
State = Distribution.State


# ---- 1. create


@transaction.atomic
def distributions_create(
    *, period: CollectionPeriod, payments: dict[Tranche, dict[str, Decimal]], actor
) -> list[Distribution]:
    """One distribution per tranche with a non-zero amount, from the approved period's waterfall
    (``payments[tranche] = {"interest": ..., "principal": ..., "residual": ...}`` in the deal
    currency); the period moves to distributing and the record-date snapshot is queued.

    Refused, nothing changed: a period whose distributions exist already, a period not approved,
    a tranche of another deal, an unknown part, a negative amount or one finer than the currency's
    minor unit, principal above the tranche's current principal, nothing to distribute.
    """
    require_system_or_perm(
        actor, "servicing.distribute_collectionperiod", doing="distribute a collection period"
    )
    period = CollectionPeriod.objects.select_for_update().select_related("deal").get(pk=period.pk)
    if Distribution.objects.filter(period=period).exists():
        raise Refused(
            f"Period {period.number} of {period.deal.name} has its distributions already; "
            "a period is distributed once."
        )
    if period.state != CollectionPeriod.State.APPROVED:
        raise Refused(
            f"Period {period.number} of {period.deal.name} is '{period.get_state_display()}', "
            "not approved: only an approved period is distributed."
        )
    currency = period.deal.currency
    rows = []
    for tranche, parts in sorted(payments.items(), key=lambda item: item[0].seniority):
        field = f"payments[{tranche.class_name}]"
        if tranche.deal_id != period.deal_id:
            raise InvalidInput(f"{tranche} is not a tranche of {period.deal.name}.", field=field)
        unknown = sorted(set(parts) - set(PARTS))
        if unknown:
            raise InvalidInput(
                f"{tranche}: unknown payment '{unknown[0]}' (interest, principal, residual).", field=field
            )
        values = {}
        for part in PARTS:
            value = Decimal(parts.get(part, 0))
            if value < 0:
                raise InvalidInput(f"{tranche}: {part} {value} is negative.", field=f"{field}.{part}")
            values[part] = check_minor_units(value, currency, field=f"{field}.{part}")
        if values["principal"] > tranche.current_principal:
            raise InvalidInput(
                f"{tranche}: principal {values['principal']} is above its current principal "
                f"{tranche.current_principal}.",
                field=f"{field}.principal",
            )
        total = sum(values.values(), Decimal(0))
        if total:
            rows.append(
                Distribution(
                    period=period,
                    tranche=tranche,
                    currency=currency,
                    amount=total,
                    created_by=actor if getattr(actor, "pk", None) else None,
                    **values,
                )
            )
    if not rows:
        raise InvalidInput(f"Period {period.number} pays nothing to any tranche.", field="payments")
    created = Distribution.objects.bulk_create(rows)
    audit_created_bulk(instances=created, actor=actor, fields=FIELDS)
    bulk_transition(
        CollectionPeriod,
        "start_distributing",
        actor=None,
        ids=[period.pk],
        reason=f"{len(created)} distributions created",
    )
    for distribution in created:
        enqueue("servicing.tasks.snapshot_distribution", distribution_id=distribution.pk)
    return created


# ---- 2. the holders of record


def _block_time(rpc: RPC, number: int) -> int:
    return int(rpc.get_block(number)["timestamp"], 16)


def record_block(*, record_date: date, chain_id: int, rpc: RPC) -> int:
    """The last final block on or before ``record_date`` (its end, 24:00 UTC). Refused while the
    final blocks do not yet reach past the record date (a later block could still be on it)."""
    end = int(datetime.combine(record_date + timedelta(days=1), time(0), tzinfo=UTC).timestamp())
    cursor = IndexerCursor.objects.filter(chain_id=chain_id).first()
    safe = cursor.safe_block if cursor else -1
    if safe < 0 or _block_time(rpc, safe) < end:
        raise Refused(
            f"The record date {record_date} has not ended in the final blocks yet (final up to "
            f"block {safe}); the holders of record are fixed once a final block is after it."
        )
    low, high = 0, safe  # invariant: time(high) >= end; find the last block with time < end
    if _block_time(rpc, 0) >= end:
        raise Refused(f"Chain {chain_id} starts after the record date {record_date}.")
    while high - low > 1:
        middle = (low + high) // 2
        if _block_time(rpc, middle) < end:
            low = middle
        else:
            high = middle
    return low


def _token_of(tranche: Tranche) -> Contract:
    token = Contract.objects.filter(
        tranche=tranche, kind=Contract.Kind.TRANCHE_TOKEN, chain_id=settings.CHAIN_ID
    ).first()
    if token is None:
        raise Refused(f"{tranche} has no token contract on chain {settings.CHAIN_ID}.")
    return token


def _payout_contract() -> Contract:
    found = list(
        Contract.objects.filter(chain_id=settings.CHAIN_ID, kind=Contract.Kind.PAYOUT).order_by("id")[:2]
    )
    if len(found) != 1:
        raise Refused(f"Chain {settings.CHAIN_ID} has {len(found)} payout contracts; one is needed.")
    return found[0]


def registered_supply(tranche: Tranche) -> int:
    """The tranche's token supply according to the register: settled allocations in base units."""
    total = Subscription.objects.filter(tranche=tranche, state=Subscription.State.SETTLED).aggregate(
        s=Sum("allocated_amount")
    )["s"] or Decimal(0)
    return to_base_units(total, tranche.token_decimals)


def distribution_snapshot(*, distribution: Distribution, actor=None, rpc: RPC | None = None) -> Distribution:
    """Fix the holders of record: the tranche token's snapshot at the last final block on or before
    the period's record date, checked against the chain (``chain.snapshots.take_snapshot``) and
    against the register (token supply = settled allocations). Refused, nothing changed, when they
    disagree. Then queues the entitlements. A distribution past this step: nothing to do."""
    require_system_or_perm(
        actor, "servicing.pay_distribution", doing="fix a distribution's holders of record"
    )
    rpc = rpc or get_rpc()
    distribution = Distribution.objects.select_related("period", "tranche").get(pk=distribution.pk)
    if distribution.state != State.PLANNED:
        return distribution
    token = _token_of(distribution.tranche)
    payout = _payout_contract()
    coin = to_checksum_address(call("Payout", payout.address, "stablecoin", rpc=rpc))
    decimals = call("MockStablecoin", coin, "decimals", rpc=rpc)  # any ERC-20
    amount_units = to_base_units(distribution.amount, decimals)
    block = record_block(record_date=distribution.period.record_date, chain_id=token.chain_id, rpc=rpc)
    with transaction.atomic():
        locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
        if locked.state != State.PLANNED:
            return locked
        snapshot = take_snapshot(
            contract=token, block_number=block, record_date=locked.period.record_date, actor=actor, rpc=rpc
        )
        if snapshot.record_date != locked.period.record_date:
            raise Refused(
                f"Snapshot #{snapshot.pk} of block {block} was taken for record date "
                f"{snapshot.record_date}, not {locked.period.record_date}."
            )
        register = registered_supply(locked.tranche)
        if int(snapshot.total_supply) != register:
            raise Refused(
                f"The holders of record of {locked.tranche} at block {block} hold {snapshot.total_supply} "
                f"base units but the register's settled allocations are {register}: the snapshot "
                "disagrees with the register; nothing was changed."
            )
        record_transition(
            locked,
            "fix_holders",
            actor=actor,
            reason=f"record block {block}",
            snapshot=snapshot,
            payout=payout,
            stablecoin=coin,
            stablecoin_decimals=decimals,
            amount_base_units=amount_units,
            distribution_id="0x"
            + chain_distribution_id(
                token=token.address, record_date=snapshot.record_date, snapshot_hash=snapshot.content_hash
            ).hex(),
            progress={"step": "snapshot", "holders": snapshot.holder_count, "block": block},
        )
        enqueue("servicing.tasks.entitle_distribution", distribution_id=locked.pk)
    return locked


# ---- 3. entitlements and escrow


def escrow_reasons(*, wallets: list[str], token: Contract, on: date, rpc: RPC) -> dict[str, str]:
    """Wallet -> reason code for the holders not to be paid now, asked of compliance (approved,
    unexpired KYC; a wallet no investor verified is not eligible), screening (a confirmed or
    pending hit) and the token (frozen wallet, one batched ``isFrozen`` read). The first that
    applies: sanctions, frozen, not eligible."""
    owners = dict(
        Wallet.objects.annotate(lower=Lower("address"))
        .filter(lower__in=wallets)
        .values_list("lower", "investor_id")
    )
    investor_ids = set(owners.values())
    eligible = set(
        approved_investor_ids(on).filter(investor_id__in=investor_ids).values_list("investor_id", flat=True)
    )
    blocked = blocked_investor_ids(investor_ids)
    calls = [
        (
            "eth_call",
            [
                {
                    "to": token.address,
                    "data": abi.encode_call("TrancheToken", "isFrozen", to_checksum_address(w)),
                },
                "latest",
            ],
        )
        for w in wallets
    ]
    frozen = set()
    for i in range(0, len(calls), 500):
        chunk = wallets[i : i + 500]
        frozen |= {w for w, r in zip(chunk, rpc.batch(calls[i : i + 500]), strict=True) if int(r, 16)}
    reasons = {}
    for wallet in wallets:
        investor = owners.get(wallet)
        if investor in blocked:
            reasons[wallet] = EscrowLine.Reason.SANCTIONS
        elif wallet in frozen:
            reasons[wallet] = EscrowLine.Reason.FROZEN
        elif investor not in eligible:
            reasons[wallet] = EscrowLine.Reason.NOT_ELIGIBLE
    return reasons


def cut_batches(wallets: list[str], size: int) -> list[list[str]]:
    """Batches of at most ``size`` wallets in address order (the same input, the same batches)."""
    ordered = sorted(wallets)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def insert_entitlements(*, distribution: Distribution, rows: list[tuple]) -> None:
    """COPY ``(wallet, investor id or None, balance, amount, batch id or None)`` rows into the
    entitlements of ``distribution``: one round trip for 100,000 holders (bench/entitlements.py)."""
    columns = ("distribution_id", "wallet", "investor_id", "balance", "amount", "batch_id", "paid_tx_hash")
    buffer = io.StringIO()
    for wallet, investor, balance, amount, batch in rows:
        if not _WALLET.fullmatch(wallet):
            raise InvalidInput(f"'{wallet}' is not a lower-case wallet address.", field="wallet")
        buffer.write(
            f"{distribution.pk}\t{wallet}\t{_null(investor)}\t{int(balance)}\t{int(amount)}"
            f"\t{_null(batch)}\t\n"
        )
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY {Entitlement._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(buffer.getvalue())


def _null(value) -> str:
    return "\\N" if value is None else str(int(value))


def distribution_entitle(
    *, distribution: Distribution, actor=None, batch_size: int | None = None, rpc: RPC | None = None
) -> Distribution:
    """Each holder's entitlement (``servicing.entitlements``: amount x balance / supply in the
    stablecoin's base units, largest remainder, ties to the lower address), bulk inserted; the
    holders compliance, screening or the token say not to pay get an escrow line with the reason
    code; the others are cut into payout batches (``batch_size`` holders, by default what the gas
    budget allows). A distribution past this step: nothing to do."""
    from servicing.services.payouts import default_batch_size

    require_system_or_perm(actor, "servicing.pay_distribution", doing="compute a distribution's entitlements")
    size = batch_size or default_batch_size()
    if not 1 <= size <= MAX_BATCH:
        raise InvalidInput(f"Batch size {size} is outside 1..{MAX_BATCH}.", field="batch_size")
    rpc = rpc or get_rpc()
    distribution = Distribution.objects.select_related("snapshot__contract").get(pk=distribution.pk)
    if distribution.state != State.SNAPSHOTTED:
        return distribution
    snapshot: HolderSnapshot = distribution.snapshot
    balances = {w: int(b) for w, b in snapshot.balances.values_list("wallet", "balance")}
    shares = entitlements(int(distribution.amount_base_units), balances)
    reasons = escrow_reasons(wallets=sorted(shares), token=snapshot.contract, on=clock.today(), rpc=rpc)
    owners = dict(
        Wallet.objects.annotate(lower=Lower("address"))
        .filter(lower__in=list(shares))
        .values_list("lower", "investor_id")
    )
    payable = [w for w, amount in shares.items() if amount > 0 and w not in reasons]
    with transaction.atomic():
        locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
        if locked.state != State.SNAPSHOTTED:
            return locked
        batches = PayoutBatch.objects.bulk_create(
            [
                PayoutBatch(
                    distribution=locked, number=n, recipients=len(chunk), total=sum(shares[w] for w in chunk)
                )
                for n, chunk in enumerate(cut_batches(payable, size), start=1)
            ]
        )
        batch_of = {
            w: batch for batch, chunk in zip(batches, cut_batches(payable, size), strict=True) for w in chunk
        }
        insert_entitlements(
            distribution=locked,
            rows=[
                (w, owners.get(w), balances[w], shares[w], batch_of[w].pk if w in batch_of else None)
                for w in sorted(shares)
            ],
        )
        held = Entitlement.objects.filter(distribution=locked, wallet__in=list(reasons)).order_by("wallet")
        lines = EscrowLine.objects.bulk_create(
            [EscrowLine(entitlement=e, reason_code=reasons[e.wallet]) for e in held]
        )
        audit_created_bulk(instances=batches, actor=actor, fields=("number", "recipients", "total", "state"))
        audit_created_bulk(instances=lines, actor=actor, fields=("reason_code", "state"))
        escrowed = sum(shares[w] for w in reasons)
        record_transition(
            locked,
            "entitle",
            actor=actor,
            reason=f"{len(shares)} holders, {len(payable)} payable in {len(batches)} batches, "
            f"{len(lines)} escrowed ({escrowed} base units)",
            progress={
                "step": "entitlements",
                "holders": len(shares),
                "payable": len(payable),
                "batches": len(batches),
                "escrowed": len(lines),
            },
        )
    return locked


# ---- 4. approval and the named actions


@transaction.atomic
def distribution_approve(*, distribution: Distribution, actor, reason: str = "") -> Distribution:
    """A second person approves the entitlements for payment (not whoever created the distributions);
    its regular batches are approved with it."""
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    run_transition(locked, "approve", actor=actor, reason=reason, approved_by=actor)
    bulk_transition(
        PayoutBatch,
        "approve",
        actor=actor,
        reason="distribution approved",
        queryset=PayoutBatch.objects.filter(
            distribution=locked, state=PayoutBatch.State.PLANNED, kind=PayoutBatch.Kind.REGULAR
        ),
    )
    return locked


@transaction.atomic
def distribution_pay(*, distribution: Distribution, actor, reason: str = "") -> Distribution:
    """Start paying an approved distribution: the payout runs as a task (queued here)."""
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    run_transition(locked, "pay", actor=actor, reason=reason, progress={"step": "payout queued"})
    enqueue("servicing.tasks.pay_distribution", distribution_id=locked.pk)
    return locked


DISTRIBUTION_ACTIONS = {"approve": distribution_approve, "pay": distribution_pay}


def distribution_transition(
    *, distribution: Distribution, name: str, actor, reason: str = ""
) -> Distribution:
    """The action called ``name`` (for the API's and the admin's transition buttons)."""
    action = DISTRIBUTION_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"A distribution has no action '{name}'.")
    return action(distribution=distribution, actor=actor, reason=reason)


# ---- 5. escrow decisions


@transaction.atomic
def escrow_release(*, line: EscrowLine, actor, reason: str = "") -> EscrowLine:
    """Compliance releases an escrowed entitlement: it is paid in a batch of its own (planned,
    approved for payment by operations, then paid like any batch)."""
    locked = (
        EscrowLine.objects.select_for_update().select_related("entitlement__distribution").get(pk=line.pk)
    )
    run_transition(locked, "release", actor=actor, reason=reason, decided_by=actor, decided_at=timezone.now())
    entitlement = locked.entitlement
    distribution = Distribution.objects.select_for_update().get(pk=entitlement.distribution_id)
    if entitlement.amount > 0:
        number = (distribution.batches.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        batch = PayoutBatch.objects.create(
            distribution=distribution,
            number=number,
            kind=PayoutBatch.Kind.ESCROW,
            recipients=1,
            total=entitlement.amount,
        )
        audit_created(instance=batch, actor=actor, fields=("number", "kind", "recipients", "total", "state"))
        Entitlement.objects.filter(pk=entitlement.pk).update(batch=batch)
    return locked


@transaction.atomic
def escrow_keep(*, line: EscrowLine, actor, reason: str = "") -> EscrowLine:
    """Compliance keeps an escrowed entitlement unpaid (for example a confirmed sanctions match)."""
    locked = EscrowLine.objects.select_for_update().get(pk=line.pk)
    run_transition(locked, "keep", actor=actor, reason=reason, decided_by=actor, decided_at=timezone.now())
    return locked


ESCROW_ACTIONS = {"release": escrow_release, "keep": escrow_keep}


def escrowline_transition(*, line: EscrowLine, name: str, actor, reason: str = "") -> EscrowLine:
    action = ESCROW_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"An escrow line has no action '{name}'.")
    return action(line=line, actor=actor, reason=reason)
