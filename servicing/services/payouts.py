"""Paying distributions on chain through the Payout contract (docs/servicing.md, "Payout").

Every approved batch is funded from the SPV's treasury wallet first (a stablecoin transfer to the
Payout contract, an intent of the transaction manager), then sent as one ``payBatch`` intent keyed
like ``chain.payouts`` keys them, so a crash or a retry never pays twice: the keys stop a second
intent, the contract's per-holder guard a second payment. Everything is checked before anything
is signed: the holders against the snapshot, none already paid on chain, the treasury and the
contract holding enough stablecoin together. The indexer's final ``Paid`` events then mark each
entitlement paid, set-based; a distribution whose regular batches are all paid is finished:
principal reduces the tranche's current principal, the factor is published, and at the final
payment the tranche's tokens are burned.

The treasury wallet is the back office signer (``CHAIN_SIGNER_KEY``/``CHAIN_SIGNER_KEY_FILE``): the
transaction manager signs with that one key, so the stablecoin the SPV pays out must sit there.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max
from eth_utils import to_checksum_address

from chain import abi, txmanager
from chain.models import ChainTransaction, IndexerCursor
from chain.payouts import MAX_BATCH, plan_payout, record_date_number, snapshot_hash_bytes
from chain.rpc import RPC, get_rpc
from chain.services import call
from chain.signer import signer_address
from chain.snapshots import balances_from_transfers
from core.audit import audit_created, audit_event
from core.authz import require_perm, require_system_or_perm
from core.errors import InvalidInput, Refused, TransitionNotAllowed
from core.models import AuditEvent
from core.outbox import enqueue
from core.transitions import bulk_transition, run_transition
from issuance.models import Tranche
from servicing.models import CollectionPeriod, Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.signals import payouts_followed

log = logging.getLogger(__name__)
# Measured on anvil (bench/payout_gas.py, figures in bench/README.md): a payBatch of 200 new
# recipients used 10,524,059 gas when it opened the distribution and 10,407,898 after: about 52,040
# per holder (stablecoin balance slot, paidAmount slot, a Transfer and a Paid event) and about
# 116,000 for the first batch's opening. Rounded up here so a batch never exceeds its budget.
GAS_PER_HOLDER = 52_100
BATCH_BASE_GAS = 120_000
FACTOR = Decimal("0.000001")
Batch = PayoutBatch.State
OPEN = (ChainTransaction.State.PLANNED, ChainTransaction.State.SIGNED, ChainTransaction.State.BROADCAST)
DONE = (ChainTransaction.State.MINED, ChainTransaction.State.CONFIRMED)
FAILED = (ChainTransaction.State.FAILED, ChainTransaction.State.REPLACED)


def default_batch_size() -> int:
    """Holders per batch: as many as ``SERVICING_PAYOUT_BATCH_GAS`` (default 12,000,000, below the
    16,777,216 per-transaction cap of EIP-7825) allows, at most the contract's 200."""
    budget = settings.SERVICING_PAYOUT_BATCH_GAS
    return max(1, min(MAX_BATCH, (budget - BATCH_BASE_GAS) // GAS_PER_HOLDER))


def treasury_address() -> str:
    """The SPV's treasury wallet that funds the Payout contract: the back office signer."""
    return signer_address()


def _key(distribution: Distribution, batch: PayoutBatch) -> str:
    """As ``chain.payouts.PayoutPlan.key``; a retry of a failed batch adds its attempt."""
    payout = distribution.payout
    base = f"payout:{payout.chain_id}:{payout.address}:{distribution.distribution_id}:{batch.number}"
    return base if batch.attempt == 1 else f"{base}:attempt{batch.attempt}"


def _fund_key(distribution: Distribution, batch: PayoutBatch) -> str:
    payout = distribution.payout
    dist = distribution.distribution_id
    return f"fund:{payout.chain_id}:{payout.address}:{dist}:{batch.number}:{batch.attempt}"


def _amounts(batch_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    found: dict[int, list[tuple[str, int]]] = {pk: [] for pk in batch_ids}
    for batch_id, wallet, amount in (
        Entitlement.objects.filter(batch_id__in=batch_ids)
        .order_by("batch_id", "wallet")
        .values_list("batch_id", "wallet", "amount")
    ):
        found[batch_id].append((wallet, int(amount)))
    return found


def _check_before_signing(
    distribution: Distribution,
    batches: list[PayoutBatch],
    amounts: dict[int, list[tuple[str, int]]],
    rpc: RPC,
) -> None:
    """Holders of the snapshot, none paid already on chain, and stablecoin enough in the treasury and
    the Payout contract together for the batches not sent yet; refused otherwise, nothing signed."""
    snapshot, payout = distribution.snapshot, distribution.payout
    every = {to_checksum_address(w): a for b in batches for w, a in amounts[b.pk]}
    plan = plan_payout(snapshot=snapshot, amounts=every, payout=payout)  # the holders and amounts
    if "0x" + plan.distribution_id.hex() != distribution.distribution_id:
        raise Refused(
            f"{distribution} is distribution {distribution.distribution_id}, but its snapshot "
            f"gives 0x{plan.distribution_id.hex()}; nothing was sent."
        )
    unsent = [
        b
        for b in batches
        if not ChainTransaction.objects.filter(idempotency_key=_key(distribution, b)).exists()
    ]
    wallets = [w for b in unsent for w, _ in amounts[b.pk]]
    if wallets:
        calls = [
            (
                "eth_call",
                [
                    {
                        "to": payout.address,
                        "data": abi.encode_call(
                            "Payout", "paidAmount", plan.distribution_id, to_checksum_address(w)
                        ),
                    },
                    "latest",
                ],
            )
            for w in wallets
        ]
        paid = []
        for i in range(0, len(calls), 500):
            paid += [int(r, 16) for r in rpc.batch(calls[i : i + 500])]
        already = [f"{w} ({p} base units)" for w, p in zip(wallets, paid, strict=True) if p]
        if already:
            raise Refused(
                f"Distribution {distribution.distribution_id} already paid {', '.join(already[:5])} on "
                "chain; nothing was sent.",
                reasons=already,
            )
    needed = sum(int(b.total) for b in unsent)
    held = call("MockStablecoin", distribution.stablecoin, "balanceOf", payout.address, rpc=rpc)
    treasury = call("MockStablecoin", distribution.stablecoin, "balanceOf", treasury_address(), rpc=rpc)
    if needed > held + treasury:
        raise Refused(
            f"The batches to send of {distribution} need {needed} base units of stablecoin; the Payout "
            f"contract holds {held} and the treasury wallet {treasury_address()} {treasury}, "
            f"{needed - held - treasury} short. Nothing was signed."
        )


def payout_submit(
    *, distribution: Distribution, actor=None, rpc: RPC | None = None, wait_seconds: float = 10.0
) -> list[PayoutBatch]:
    """Fund and send every approved batch of a paying (or paid, for escrow batches) distribution,
    lowest number first; each batch is submitted with its intent and taken as far as it goes.
    Running it again sends nothing twice."""
    require_system_or_perm(actor, "servicing.pay_distribution", doing="pay a distribution")
    rpc = rpc or get_rpc()
    distribution = Distribution.objects.select_related("snapshot__contract", "payout").get(pk=distribution.pk)
    if distribution.state not in (Distribution.State.PAYING, Distribution.State.PAID):
        raise Refused(
            f"{distribution} is '{distribution.get_state_display()}': only a distribution being "
            "paid (or paid, for its escrow batches) sends batches."
        )
    batches = list(distribution.batches.filter(state=Batch.APPROVED).order_by("number"))
    if not batches:
        return []
    amounts = _amounts([b.pk for b in batches])
    _check_before_signing(distribution, batches, amounts, rpc)
    token = distribution.snapshot.contract
    payout = distribution.payout
    for done, batch in enumerate(batches, start=1):
        key = _key(distribution, batch)
        tx = ChainTransaction.objects.filter(idempotency_key=key).first()
        if tx is None:
            _fund(distribution, batch, actor=actor, rpc=rpc)
            recipients = amounts[batch.pk]
            tx = txmanager.plan(
                key=key,
                purpose="pay batch",
                to=payout.address,
                data=abi.encode_call(
                    "Payout",
                    "payBatch",
                    token.address,
                    record_date_number(distribution.snapshot.record_date),
                    snapshot_hash_bytes(distribution.snapshot.content_hash),
                    batch.number,
                    [to_checksum_address(w) for w, _ in recipients],
                    [a for _, a in recipients],
                ),
                payload={
                    "distribution_id": distribution.distribution_id,
                    "token": token.address,
                    "record_date": distribution.snapshot.record_date.isoformat(),
                    "snapshot": distribution.snapshot_id,
                    "snapshot_hash": distribution.snapshot.content_hash,
                    "batch": batch.number,
                    "recipients": len(recipients),
                    "total": str(batch.total),
                    "servicing_batch": batch.pk,
                },
                actor=actor,
                rpc=rpc,
            )
        with transaction.atomic():
            bulk_transition(
                PayoutBatch,
                "submit",
                actor=None,
                ids=[batch.pk],
                fields={"transaction": tx},
                reason=f"intent #{tx.pk} nonce {tx.nonce}",
            )
            Distribution.objects.filter(pk=distribution.pk).update(
                progress={"step": "payout", "submitted": done, "of": len(batches)}
            )
        txmanager.drive(tx, rpc=rpc, wait_seconds=wait_seconds)
    return list(distribution.batches.filter(pk__in=[b.pk for b in batches]).order_by("number"))


def _fund(distribution: Distribution, batch: PayoutBatch, *, actor, rpc: RPC) -> None:
    """Move what the Payout contract lacks for ``batch`` from the treasury (keyed per batch and
    attempt: a re-run after a crash finds the same transfer)."""
    key = _fund_key(distribution, batch)
    tx = ChainTransaction.objects.filter(idempotency_key=key).first()
    if tx is None:
        held = call(
            "MockStablecoin", distribution.stablecoin, "balanceOf", distribution.payout.address, rpc=rpc
        )
        short = int(batch.total) - held
        if short <= 0:
            return
        tx = txmanager.plan(
            key=key,
            purpose="fund payout",
            to=distribution.stablecoin,
            data=abi.encode_call("MockStablecoin", "transfer", distribution.payout.address, short),
            payload={
                "distribution_id": distribution.distribution_id,
                "batch": batch.number,
                "from": treasury_address(),
                "amount": str(short),
            },
            actor=actor,
            rpc=rpc,
        )
    PayoutBatch.objects.filter(pk=batch.pk).update(funding=tx)
    txmanager.wait_mined(tx, rpc=rpc)


# ---- following what the chain did


def entitlements_mark_paid(*, distribution: Distribution) -> int:
    """Mark paid, in one UPDATE, every entitlement of ``distribution`` that a final indexed ``Paid``
    event of its Payout contract pays. Returns how many were marked now."""
    entitlement, event = Entitlement._meta.db_table, "chain_chainevent"
    sql = (
        f"UPDATE {entitlement} AS e SET paid_amount = (ev.args->>'amount')::numeric, "  # noqa: S608
        f"paid_tx_hash = ev.tx_hash, paid_block = ev.block_number "
        f"FROM {event} AS ev WHERE e.distribution_id = %s AND e.paid_block IS NULL "
        f"AND ev.contract_id = %s AND ev.name = 'Paid' AND ev.final "
        f"AND lower(ev.args->>'distributionId') = %s AND lower(ev.args->>'holder') = e.wallet"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [distribution.pk, distribution.payout_id, distribution.distribution_id.lower()])
        return cur.rowcount


def payouts_follow(*, distribution: Distribution, rpc: RPC | None = None) -> Distribution:
    """Batches from their intents (mined: confirmed; reverted or replaced: failed, to be retried
    alone), entitlements from the indexed ``Paid`` events, and the distribution finished once every
    regular batch is confirmed and every holder in it marked paid. Safe to repeat."""
    rpc = rpc or get_rpc()
    distribution = Distribution.objects.select_related("payout").get(pk=distribution.pk)
    submitted = list(distribution.batches.filter(state=Batch.SUBMITTED).select_related("transaction"))
    for batch in submitted:
        if batch.transaction.state in OPEN or batch.transaction.state == ChainTransaction.State.MINED:
            txmanager.drive(batch.transaction, rpc=rpc)
    states = dict(
        ChainTransaction.objects.filter(pk__in=[b.transaction_id for b in submitted]).values_list(
            "pk", "state"
        )
    )
    errors = dict(
        ChainTransaction.objects.filter(pk__in=[b.transaction_id for b in submitted]).values_list(
            "pk", "error"
        )
    )
    with transaction.atomic():
        bulk_transition(
            PayoutBatch,
            "confirm",
            actor=None,
            ids=[b.pk for b in submitted if states[b.transaction_id] in DONE],
            reason="payBatch mined",
        )
        failed = [b for b in submitted if states[b.transaction_id] in FAILED]
        bulk_transition(
            PayoutBatch,
            "fail",
            actor=None,
            ids=[b.pk for b in failed],
            values={b.pk: {"error": errors[b.transaction_id][:2000]} for b in failed},
            reason={b.pk: errors[b.transaction_id][:2000] for b in failed},
        )
    with transaction.atomic():
        marked = entitlements_mark_paid(distribution=distribution)
        finished = _finish_if_paid(distribution)
        if marked or finished.state != distribution.state:
            payouts_followed.send(sender=Distribution, distribution_id=distribution.pk)
    return finished


def _finish_if_paid(distribution: Distribution) -> Distribution:
    # Regular and re-payment batches still holding holders (a failed batch whose holders were
    # re-paid in a batch of their own holds none).
    regular = distribution.batches.filter(
        kind__in=[PayoutBatch.Kind.REGULAR, PayoutBatch.Kind.REPAY], entitlements__isnull=False
    ).distinct()
    with transaction.atomic():
        locked = (
            Distribution.objects.select_for_update()
            .select_related("tranche", "period")
            .get(pk=distribution.pk)
        )
        if locked.state != Distribution.State.PAYING:
            return locked
        if (
            regular.exclude(state=Batch.CONFIRMED).exists()
            or Entitlement.objects.filter(
                distribution=locked,
                batch__kind__in=[PayoutBatch.Kind.REGULAR, PayoutBatch.Kind.REPAY],
                paid_block__isnull=True,
            ).exists()
        ):
            return locked
        tranche = Tranche.objects.select_for_update().get(pk=locked.tranche_id)
        before = tranche.current_principal
        after = before - locked.principal
        factor = (after / tranche.original_principal).quantize(FACTOR, rounding=ROUND_HALF_EVEN)
        if locked.principal:
            Tranche.objects.filter(pk=tranche.pk).update(
                current_principal=F("current_principal") - locked.principal
            )
            audit_event(
                instance=tranche,
                actor=None,
                action=AuditEvent.Action.UPDATE,
                reason=f"principal paid by distribution #{locked.pk}",
                changes={"current_principal": [str(before), str(after)]},
            )
        paid = Entitlement.objects.filter(distribution=locked, paid_block__isnull=False).count()
        bulk_transition(
            Distribution,
            "finish",
            actor=None,
            ids=[locked.pk],
            fields={
                "principal_before": before,
                "principal_after": after,
                "factor": factor,
                "progress": {"step": "paid", "holders_paid": paid},
            },
            reason=f"every regular batch paid; factor {factor}",
        )
        enqueue("servicing.tasks.anchor_distribution_root", distribution_id=locked.pk)
        if after == 0:
            enqueue("servicing.tasks.redeem_tranche", distribution_id=locked.pk)
        period = CollectionPeriod.objects.select_for_update().get(pk=locked.period_id)
        if not period.distributions.exclude(state=Distribution.State.PAID).exclude(pk=locked.pk).exists():
            bulk_transition(
                CollectionPeriod,
                "finish_distributing",
                actor=None,
                ids=[period.pk],
                reason="every distribution paid",
            )
    return Distribution.objects.get(pk=locked.pk)


# ---- the final payment: redeem the tokens


def tranche_redeem(
    *, distribution: Distribution, actor=None, rpc: RPC | None = None
) -> list[ChainTransaction]:
    """After the final principal payment (current principal 0), burn every holder's tokens through
    the transaction manager: ``TrancheToken.burn(wallet, balance)`` (BURNER_ROLE; the token has no
    batch burn), one intent per wallet keyed ``redeem:<chain>:<token>:<distribution>:<wallet>``."""
    require_system_or_perm(actor, "servicing.pay_distribution", doing="redeem a tranche's tokens")
    rpc = rpc or get_rpc()
    distribution = Distribution.objects.select_related("tranche", "snapshot__contract").get(
        pk=distribution.pk
    )
    if distribution.state != Distribution.State.PAID or distribution.principal_after != 0:
        raise Refused(
            f"{distribution} is not the final payment of {distribution.tranche}; nothing is burned."
        )
    token = distribution.snapshot.contract
    cursor = IndexerCursor.objects.get(chain_id=token.chain_id)
    wallets = sorted(
        set(balances_from_transfers(token, cursor.last_block))
        | set(distribution.snapshot.balances.values_list("wallet", flat=True))
    )
    calls = [
        (
            "eth_call",
            [
                {
                    "to": token.address,
                    "data": abi.encode_call("TrancheToken", "balanceOf", to_checksum_address(w)),
                },
                "latest",
            ],
        )
        for w in wallets
    ]
    balances = [int(r, 16) for i in range(0, len(calls), 500) for r in rpc.batch(calls[i : i + 500])]
    sent = []
    for wallet, balance in zip(wallets, balances, strict=True):
        key = f"redeem:{token.chain_id}:{token.address}:{distribution.pk}:{wallet}"
        if balance == 0 and not ChainTransaction.objects.filter(idempotency_key=key).exists():
            continue
        existing = ChainTransaction.objects.filter(idempotency_key=key).first()
        sent.append(
            existing
            and txmanager.drive(existing, rpc=rpc)
            or txmanager.send(
                key=key,
                purpose="redeem tokens",
                to=token.address,
                data=abi.encode_call("TrancheToken", "burn", to_checksum_address(wallet), balance),
                payload={"distribution": distribution.pk, "wallet": wallet, "amount": str(balance)},
                actor=actor,
                rpc=rpc,
            )
        )
    log.info("%s: %s burn intents", distribution, len(sent))
    return sent


# ---- batch actions (buttons)


@transaction.atomic
def payout_batch_approve(*, batch: PayoutBatch, actor, reason: str = "") -> PayoutBatch:
    """Operations approve a planned batch (an escrow release) for payment; it is paid by the task."""
    locked = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    run_transition(locked, "approve", actor=actor, reason=reason)
    _queue_payment(locked)
    return locked


@transaction.atomic
def payout_batch_retry(*, batch: PayoutBatch, actor, reason: str = "") -> PayoutBatch:
    """Send a failed batch again, alone, as a new attempt (a new intent; the contract still refuses
    any holder already paid)."""
    locked = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.state == Batch.FAILED and not locked.entitlements.exists():
        raise Refused(
            f"{locked} has no holders left: they were re-paid in a batch of their own; it is not sent again."
        )
    run_transition(
        locked,
        "retry",
        actor=actor,
        reason=reason,
        attempt=locked.attempt + 1,
        transaction=None,
        funding=None,
        error="",
    )
    _queue_payment(locked)
    return locked


def _queue_payment(batch: PayoutBatch) -> None:
    if Distribution.objects.filter(
        pk=batch.distribution_id, state__in=[Distribution.State.PAYING, Distribution.State.PAID]
    ).exists():
        enqueue("servicing.tasks.pay_distribution", distribution_id=batch.distribution_id)


# ---- re-paying holders the payouts missed


@transaction.atomic
def payout_repay(*, distribution: Distribution, wallets: list[str], actor, reason: str = "") -> PayoutBatch:
    """A batch of its own (kind ``repay``, planned; operations approve it as any batch) for holders of
    ``distribution`` whom no ``Paid`` event paid. Refused, changing nothing, for a holder with no
    entitlement, already paid, held in escrow, or still in a batch that may pay it (planned,
    approved, submitted, or confirmed and waiting for the indexer): only a holder whose batch failed
    (or who is in none) is re-paid, so nobody is paid twice; on chain the Payout contract refuses a
    second payment to a holder too."""
    require_perm(actor, "servicing.pay_distribution", doing="re-pay holders of a distribution")
    if not reason.strip():
        raise InvalidInput("A reason is required to re-pay holders.", field="reason")
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if locked.state not in (Distribution.State.PAYING, Distribution.State.PAID):
        raise Refused(
            f"{locked} is '{locked.get_state_display()}': only a distribution being paid or paid is re-paid."
        )
    wanted = sorted({w.lower() for w in wallets})
    rows = {
        e.wallet: e
        for e in Entitlement.objects.select_for_update(of=("self",))
        .filter(distribution=locked, wallet__in=wanted)
        .select_related("batch")
        .order_by("pk")
    }
    problems = []
    for wallet in wanted:
        e = rows.get(wallet)
        if e is None:
            problems.append(f"{wallet} has no entitlement in {locked}")
        elif e.paid_block is not None:
            problems.append(f"{wallet} was paid {e.paid_amount} base units in block {e.paid_block}")
        elif EscrowLine.objects.filter(
            entitlement=e, state__in=[EscrowLine.State.HELD, EscrowLine.State.KEPT]
        ).exists():
            problems.append(f"{wallet} is held in escrow (a compliance decision releases it)")
        elif e.batch is not None and e.batch.state != Batch.FAILED:
            problems.append(f"{wallet} is in batch {e.batch.number}, {e.batch.get_state_display()}")
    if problems:
        raise Refused(f"Nothing re-paid: {'; '.join(problems)}.", reasons=problems)
    number = (locked.batches.aggregate(n=Max("number"))["n"] or 0) + 1
    batch = PayoutBatch.objects.create(
        distribution=locked,
        number=number,
        kind=PayoutBatch.Kind.REPAY,
        recipients=len(wanted),
        total=sum(int(rows[w].amount) for w in wanted),
    )
    Entitlement.objects.filter(pk__in=[rows[w].pk for w in wanted]).update(batch=batch)
    audit_created(instance=batch, actor=actor, fields=("number", "kind", "recipients", "total"))
    audit_event(
        instance=locked,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        name="repay",
        reason=reason.strip(),
        changes={"repaid": [None, wanted], "batch": [None, number]},
    )
    return batch


BATCH_ACTIONS = {"approve": payout_batch_approve, "retry": payout_batch_retry}


def payoutbatch_transition(*, batch: PayoutBatch, name: str, actor, reason: str = "") -> PayoutBatch:
    action = BATCH_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"A payout batch has no action '{name}'.")
    return action(batch=batch, actor=actor, reason=reason)
