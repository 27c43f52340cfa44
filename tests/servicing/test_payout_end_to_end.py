"""End to end on PostgreSQL + anvil: an approved period -> distributions -> record-date snapshot ->
entitlements (one holder escrowed) -> approval -> batches funded from the treasury and paid -> the
indexer's Paid events mark them paid -> principal, factor, final payment burned; the escrow paid
later in a batch of its own. A crash between batches or after signing resumes and pays each holder
exactly once."""

import re
from decimal import Decimal

import pytest
from eth_abi import encode
from eth_utils import keccak

from chain import txmanager
from chain.models import ChainTransaction
from chain.signer import signer_address
from core.errors import Refused
from core.models import AuditEvent, OutboxMessage
from servicing.models import Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.services import distributions as svc
from servicing.services import payouts
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import RECEIPT_WAIT, requires_chain
from tests.servicing import distribution_setup as setup
from tests.servicing.distribution_setup import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    JUNIOR,
    JUNIOR_UNITS,
    SENIOR,
    SENIOR_UNITS,
    TOKENS,
    fund_treasury,
)

pytestmark = requires_chain
rpc, issued, period = chain_fixtures.rpc, setup.issued, setup.period  # fixtures


def distribute(issued, period, ops, ops2, batch_size=1):
    """Create, snapshot, entitle (batches of ``batch_size``) and approve both distributions."""
    senior, junior = svc.distributions_create(
        period=period, payments={issued.senior: SENIOR, issued.junior: JUNIOR}, actor=ops
    )
    for d in (senior, junior):
        svc.distribution_snapshot(distribution=d, rpc=issued.rpc)
        svc.distribution_entitle(distribution=d, batch_size=batch_size, rpc=issued.rpc)
        svc.distribution_approve(distribution=d, actor=ops2)
        svc.distribution_pay(distribution=d, actor=ops)
    senior = type(senior).objects.get(pk=senior.pk)
    junior = type(junior).objects.get(pk=junior.pk)
    return senior, junior


def test_an_approved_period_is_paid_to_its_holders_of_record_once(issued, period, ops, ops2, officer):
    rpc = issued.rpc
    fund_treasury(issued, SENIOR_UNITS + JUNIOR_UNITS)
    nonce = rpc.nonce(signer_address())
    senior, junior = distribute(issued, period, ops, ops2)
    period = type(period).objects.get(pk=period.pk)
    assert period.state == "distributing"
    queued = list(OutboxMessage.objects.values_list("task", flat=True))
    assert queued.count("servicing.tasks.snapshot_distribution") == 2
    assert queued.count("servicing.tasks.entitle_distribution") == 2
    assert queued.count("servicing.tasks.pay_distribution") == 2

    assert (senior.state, senior.amount_base_units, senior.snapshot.holder_count) == (
        "paying",
        SENIOR_UNITS,
        3,
    )
    rows = list(
        Entitlement.objects.filter(distribution=senior)
        .order_by("wallet")
        .values_list("wallet", "balance", "amount")
    )
    expected = {
        ALICE.address.lower(): (4_000_000 * TOKENS, 450_000_005_714),
        CAROL.address.lower(): (2_000_000 * TOKENS, 225_000_002_857),
        DAVE.address.lower(): (1_000_000 * TOKENS, 112_500_001_429),
    }  # the largest remainder
    assert rows == sorted((w, b, a) for w, (b, a) in expected.items())
    assert sum(a for _, _, a in rows) == SENIOR_UNITS
    line = EscrowLine.objects.get(entitlement__distribution=senior)
    assert (line.entitlement.wallet, line.reason_code, line.state) == (
        DAVE.address.lower(),
        "not_eligible",
        "held",
    )
    assert list(senior.batches.values_list("number", "recipients", "total", "state")) == [
        (1, 1, 450_000_005_714, "approved"),
        (2, 1, 225_000_002_857, "approved"),
    ]

    for d in (senior, junior):
        payouts.payout_submit(distribution=d, rpc=rpc)
    issued.index()
    for d in (senior, junior):
        payouts.payouts_follow(distribution=d, rpc=rpc)
    senior = type(senior).objects.get(pk=senior.pk)
    junior = type(junior).objects.get(pk=junior.pk)
    assert [issued.coin_balance(w.address) for w in (ALICE, CAROL, DAVE, BOB)] == [
        450_000_005_714,
        225_000_002_857,
        0,
        JUNIOR_UNITS,
    ]
    assert issued.coin_balance(issued.payout.address) == 0
    assert issued.coin_balance(signer_address()) == 112_500_001_429  # DAVE's share stays in the treasury
    assert (senior.state, senior.principal_before, senior.principal_after, senior.factor) == (
        "paid",
        7_000_000,
        6_300_000,
        Decimal("0.900000"),
    )
    assert str(senior.factor) == "0.900000"
    assert (junior.state, str(junior.factor)) == ("paid", "0.000000")
    issued.senior.refresh_from_db()
    assert issued.senior.current_principal == 6_300_000
    period = type(period).objects.get(pk=period.pk)
    assert period.state == "distributed"
    paid = dict(Entitlement.objects.filter(paid_block__isnull=False).values_list("wallet", "paid_amount"))
    assert paid == {
        ALICE.address.lower(): 450_000_005_714,
        CAROL.address.lower(): 225_000_002_857,
        BOB.address.lower(): JUNIOR_UNITS,
    }
    # fund + pay per batch: senior 2 batches, junior 1 batch
    assert rpc.nonce(signer_address()) == nonce + 6
    assert ChainTransaction.objects.filter(purpose__in=["fund payout", "pay batch"]).count() == 6

    # the junior's final payment: its tokens are redeemed (burned) through the transaction manager
    redeem = OutboxMessage.objects.filter(
        task="servicing.tasks.redeem_tranche", kwargs={"distribution_id": junior.pk}
    )
    assert redeem.count() == 1
    burns = payouts.tranche_redeem(distribution=junior, rpc=rpc)
    assert [(tx.purpose, tx.state, tx.payload["amount"]) for tx in burns] == [
        ("redeem tokens", "mined", str(3_000_000 * TOKENS))
    ]
    assert issued.token_balance(issued.junior, BOB.address) == 0
    assert payouts.tranche_redeem(distribution=junior, rpc=rpc) == burns  # nothing twice

    # escrow: compliance releases DAVE's entitlement; operations approve its own batch; it is paid
    svc.escrow_release(line=line, actor=officer, reason="wallet verified for Third Investor Ltd")
    batch = PayoutBatch.objects.get(distribution=senior, kind="escrow")
    assert (batch.number, batch.recipients, batch.total, batch.state) == (3, 1, 112_500_001_429, "planned")
    payouts.payout_batch_approve(batch=batch, actor=ops)
    payouts.payout_submit(distribution=senior, rpc=rpc)
    issued.index()
    payouts.payouts_follow(distribution=senior, rpc=rpc)
    assert issued.coin_balance(DAVE.address) == 112_500_001_429
    assert (
        Entitlement.objects.get(distribution=senior, wallet=DAVE.address.lower()).paid_amount
        == 112_500_001_429
    )
    assert issued.coin_balance(signer_address()) == 0
    assert PayoutBatch.objects.get(pk=batch.pk).state == "confirmed"


CRASHES = [("followed", 1), ("planned", 2), ("signed", 2), ("sent", 2)]


@pytest.mark.parametrize(("step", "batch"), CRASHES)
def test_a_crash_between_batches_or_after_signing_resumes_and_pays_each_holder_once(
    issued, period, ops, ops2, monkeypatch, step, batch
):
    rpc = issued.rpc
    fund_treasury(issued, SENIOR_UNITS + JUNIOR_UNITS)
    nonce = rpc.nonce(signer_address())
    senior, _ = distribute(issued, period, ops, ops2)

    def crash(at, tx):
        if at == step and tx.purpose == "pay batch" and tx.payload["batch"] == batch:
            raise txmanager.Crash(at)

    monkeypatch.setattr(txmanager, "_checkpoint", crash)
    with pytest.raises(txmanager.Crash):
        payouts.payout_submit(distribution=senior, rpc=rpc)
    monkeypatch.setattr(txmanager, "_checkpoint", lambda at, tx: None)

    txmanager.recover(rpc=rpc, wait_seconds=RECEIPT_WAIT)  # the follow task
    payouts.payout_submit(distribution=senior, rpc=rpc)  # the pay task again
    payouts.payout_submit(distribution=senior, rpc=rpc)
    issued.index()
    payouts.payouts_follow(distribution=senior, rpc=rpc)

    senior = type(senior).objects.get(pk=senior.pk)
    assert senior.state == "paid"
    assert [issued.coin_balance(w.address) for w in (ALICE, CAROL, DAVE)] == [
        450_000_005_714,
        225_000_002_857,
        0,
    ]
    assert list(senior.batches.values_list("number", "state", "attempt")) == [
        (1, "confirmed", 1),
        (2, "confirmed", 1),
    ]
    intents = ChainTransaction.objects.filter(purpose__in=["fund payout", "pay batch"])
    assert intents.count() == 4
    assert rpc.nonce(signer_address()) == nonce + 4
    assert set(intents.values_list("state", flat=True)) <= {"mined", "confirmed"}


def test_a_failed_batch_is_retried_alone(issued, period, ops, ops2, monkeypatch):
    """Batch 2's transaction reverts on chain (the Payout contract lost its funds between its planning
    and its sending): it fails alone, batch 1 stays paid; a retry sends it as a new attempt."""
    rpc = issued.rpc
    fund_treasury(issued, SENIOR_UNITS + JUNIOR_UNITS)
    senior, _ = distribute(issued, period, ops, ops2)

    def crash(at, tx):
        if at == "planned" and tx.purpose == "pay batch" and tx.payload["batch"] == 2:
            raise txmanager.Crash(at)

    monkeypatch.setattr(txmanager, "_checkpoint", crash)
    with pytest.raises(txmanager.Crash):
        payouts.payout_submit(distribution=senior, rpc=rpc)
    monkeypatch.setattr(txmanager, "_checkpoint", lambda at, tx: None)
    # the Payout contract's stablecoin balance vanishes (ERC20 _balances is slot 0 of MockStablecoin)
    slot = keccak(encode(["address", "uint256"], [issued.payout.address, 0]))
    rpc.call("anvil_setStorageAt", issued.coin.address, "0x" + slot.hex(), "0x" + "00" * 32)
    assert issued.coin_balance(issued.payout.address) == 0
    payouts.payout_submit(distribution=senior, rpc=rpc)  # batch 2 is sent: it reverts
    payouts.payouts_follow(distribution=senior, rpc=rpc)
    failed = senior.batches.get(number=2)
    assert failed.state == "failed"
    assert "InsufficientFunds" in failed.error
    assert senior.batches.get(number=1).state == "confirmed"

    with pytest.raises(Refused, match="A reason is required to 'retry'"):
        payouts.payout_batch_retry(batch=failed, actor=ops)
    payouts.payout_batch_retry(batch=failed, actor=ops, reason="contract refunded")
    payouts.payout_submit(distribution=senior, rpc=rpc)
    issued.index()
    payouts.payouts_follow(distribution=senior, rpc=rpc)
    failed = type(failed).objects.get(pk=failed.pk)
    assert (failed.state, failed.attempt) == ("confirmed", 2)
    assert failed.transaction.idempotency_key.endswith(":2:attempt2")
    assert [issued.coin_balance(w.address) for w in (ALICE, CAROL)] == [450_000_005_714, 225_000_002_857]
    assert Distribution.objects.get(pk=senior.pk).state == "paid"
    assert AuditEvent.objects.filter(name="retry", reason="contract refunded").count() == 1


def test_an_underfunded_treasury_refuses_the_payout_before_anything_is_signed(issued, period, ops, ops2):
    rpc = issued.rpc
    fund_treasury(issued, 675_000_008_570)  # ALICE's and CAROL's batches need one base unit more
    senior, _ = distribute(issued, period, ops, ops2)
    before = (rpc.nonce(signer_address()), ChainTransaction.objects.count(), AuditEvent.objects.count())
    short = (
        f"need 675000008571 base units of stablecoin; the Payout contract holds 0 and the treasury "
        f"wallet {signer_address()} 675000008570, 1 short. Nothing was signed."
    )
    with pytest.raises(Refused, match=re.escape(short)):
        payouts.payout_submit(distribution=senior, rpc=rpc)
    after = (rpc.nonce(signer_address()), ChainTransaction.objects.count(), AuditEvent.objects.count())
    assert after == before
    assert list(senior.batches.values_list("state", flat=True)) == ["approved", "approved"]
    assert issued.coin_balance(issued.payout.address) == 0
