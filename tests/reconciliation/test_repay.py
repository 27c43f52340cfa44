"""Re-paying a holder the payouts missed (on anvil): a batch of its own through the servicing flow,
for that holder only, never twice."""

import pytest
from eth_abi import encode
from eth_utils import keccak

from chain import txmanager
from core.errors import NotPermitted, Refused
from core.models import AuditEvent
from reconciliation.models import ReconException
from reconciliation.services import exceptions as xsvc
from reconciliation.services.chain_matching import chain_matching_run
from servicing.models import Distribution, PayoutBatch
from servicing.services import payouts
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.reconciliation import chain_setup
from tests.servicing.distribution_setup import ALICE, CAROL, JUNIOR_UNITS, SENIOR_UNITS, fund_treasury
from tests.servicing.test_payout_end_to_end import distribute

pytestmark = requires_chain
rpc, issued, period = chain_fixtures.rpc, chain_setup.issued, chain_setup.period  # fixtures


def _carol_missed(issued, period, ops, ops2, monkeypatch):
    """Batch 2 (CAROL) reverts on chain (the Payout contract lost its funds); ALICE is paid."""
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
    slot = keccak(encode(["address", "uint256"], [issued.payout.address, 0]))
    rpc.call("anvil_setStorageAt", issued.coin.address, "0x" + slot.hex(), "0x" + "00" * 32)
    payouts.payout_submit(distribution=senior, rpc=rpc)
    issued.index()
    payouts.payouts_follow(distribution=senior, rpc=rpc)
    assert senior.batches.get(number=2).state == "failed"
    return senior


def test_a_missing_holder_is_re_paid_once_in_a_batch_of_its_own(
    issued, period, ops, ops2, trustee, monkeypatch
):
    rpc = issued.rpc
    senior = _carol_missed(issued, period, ops, ops2, monkeypatch)
    assert chain_matching_run(distribution=senior)["opened"] == 1
    x = ReconException.objects.get(type="missing_payout")
    assert (x.key, int(x.base_units)) == (
        f"chain:dist:{senior.pk}:holder:{CAROL.address.lower()}",
        225_000_002_857,
    )

    before = (PayoutBatch.objects.count(), AuditEvent.objects.count())
    with pytest.raises(NotPermitted):
        xsvc.exception_repay(exception=x, actor=trustee, reason="re-pay")
    assert (PayoutBatch.objects.count(), AuditEvent.objects.count()) == before

    xsvc.exception_repay(exception=x, actor=ops, reason="batch 2 reverted")
    batch = PayoutBatch.objects.get(distribution=senior, kind="repay")
    assert (batch.number, batch.recipients, batch.total, batch.state) == (3, 1, 225_000_002_857, "planned")
    assert list(batch.entitlements.values_list("wallet", flat=True)) == [CAROL.address.lower()]
    assert x.links.get(role="repay_batch").object_id == batch.pk
    # asking again while that batch may still pay: refused, nothing changes
    before = (PayoutBatch.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Refused, match="is in batch 3, planned"):
        xsvc.exception_repay(exception=x, actor=ops, reason="again")
    with pytest.raises(Refused, match="has no holders left"):
        payouts.payout_batch_retry(batch=senior.batches.get(number=2), actor=ops, reason="retry")
    assert (PayoutBatch.objects.count(), AuditEvent.objects.count()) == before

    payouts.payout_batch_approve(batch=batch, actor=ops)
    payouts.payout_submit(distribution=senior, rpc=rpc)
    issued.index()
    payouts.payouts_follow(distribution=senior, rpc=rpc)
    assert [issued.coin_balance(w.address) for w in (ALICE, CAROL)] == [450_000_005_714, 225_000_002_857]
    assert Distribution.objects.get(pk=senior.pk).state == "paid"
    assert PayoutBatch.objects.get(pk=batch.pk).state == "confirmed"
    assert chain_matching_run(distribution=senior)["resolved"] == 1
    x.refresh_from_db()
    assert x.state == "resolved"
    with pytest.raises(Refused, match="only an open one is re-paid"):
        xsvc.exception_repay(exception=x, actor=ops, reason="again")
    # the servicing service itself refuses a holder already paid
    with pytest.raises(Refused, match="was paid 225000002857 base units"):
        payouts.payout_repay(distribution=senior, wallets=[CAROL.address], actor=ops, reason="again")
    assert issued.coin_balance(CAROL.address) == 225_000_002_857
    assert AuditEvent.objects.filter(name="repay").count() == 2  # the exception's and the distribution's
