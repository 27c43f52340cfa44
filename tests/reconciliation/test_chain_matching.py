"""Chain matching on anvil: a paid period ties out; each planted break (duplicate, amount,
missing, unknown recipient, paid late, snapshot, supply) is exactly one exception linked to its rows;
re-runs open nothing twice and resolve what no longer breaks; the close gate; re-payment of a
missing holder through a batch of its own, never paying twice."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max

from chain.models import ChainEvent, ChainTransaction, HolderBalance, IndexedBlock
from core.errors import MakerCheckerViolation, Refused
from core.models import AuditEvent, OutboxMessage
from reconciliation.models import ExceptionLink, ReconException
from reconciliation.services import exceptions as xsvc
from reconciliation.services.chain_matching import chain_matching_run
from servicing.models import CollectionPeriod, Entitlement
from servicing.services.periods import period_close
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.reconciliation import chain_setup
from tests.reconciliation.chain_setup import paid_events, pay_period, plant_paid
from tests.servicing.distribution_setup import ALICE, BOB, CAROL, DEV

pytestmark = requires_chain
rpc, issued, period = chain_fixtures.rpc, chain_setup.issued, chain_setup.period  # fixtures
EVE = DEV[5].address.lower()


def pay_late(event, period) -> None:
    """Move ``event`` into a block of its own, made three days after the period's payment date."""
    number = IndexedBlock.objects.aggregate(n=Max("number"))["n"] + 1000
    made = datetime.combine(period.payment_date + timedelta(days=3), time(12), tzinfo=UTC)
    IndexedBlock.objects.create(chain_id=event.chain_id, number=number, hash="0x" + "ab" * 32,
                                parent_hash="0x" + "cd" * 32, timestamp=made)
    ChainEvent.objects.filter(pk=event.pk).update(block_number=number)


def _live(distribution=None):
    qs = ReconException.objects.filter(
        scope="chain", state__in=("open", "waive_requested", "write_off_requested")
    )
    if distribution is not None:
        qs = qs.filter(distribution=distribution)
    return sorted((x.type, x.key.rsplit(":", 1)[-1], int(x.base_units)) for x in qs)


def test_a_paid_period_ties_out_and_each_planted_break_is_one_exception(issued, period, ops, ops2):
    senior, junior, period = pay_period(issued, period, ops, ops2)
    assert period.state == "distributed"
    assert OutboxMessage.objects.filter(task="reconciliation.tasks.match_chain").count() >= 2
    assert chain_matching_run(distribution=senior) == {
        "opened": 0,
        "resolved": 0,
        "changed": 0,
        "findings": 0,
    }
    assert chain_matching_run(distribution=junior)["findings"] == 0

    alice, carol = (e for e in paid_events(senior) if e.args["holder"].lower() != BOB.address.lower())
    (bob,) = paid_events(junior)
    duplicate = plant_paid(senior, like=alice)  # ALICE paid twice
    plant_paid(senior, like=carol, holder=DEV[5].address)  # EVE: no entitlement
    ChainEvent.objects.filter(pk=carol.pk).update(
        args={**carol.args, "amount": int(carol.args["amount"]) - 7}
    )
    ChainEvent.objects.filter(pk=bob.pk).update(final=False)  # BOB not final: missing for now
    pay_late(alice, period)  # ALICE's payout in a block made after the payment date
    HolderBalance.objects.filter(snapshot=senior.snapshot, wallet=CAROL.address.lower()).update(balance=1)

    assert chain_matching_run(distribution=senior)["opened"] == 4
    assert chain_matching_run(distribution=junior)["opened"] == 1
    a, c, b = ALICE.address.lower(), CAROL.address.lower(), BOB.address.lower()
    assert _live() == sorted(
        [
            ("duplicate_payout", a, 450_000_005_714),
            ("amount_mismatch", c, 7),
            ("unknown_recipient", EVE, 225_000_002_857),
            ("snapshot_mismatch", c, 2_000_000 * 10**6 - 1),
            ("missing_payout", b, 3_045_000 * 10**6),
        ]
    )
    dup = ReconException.objects.get(type="duplicate_payout")
    event_type = ContentType.objects.get_for_model(ChainEvent)
    assert sorted(dup.links.filter(content_type=event_type).values_list("object_id", flat=True)) == [
        alice.pk,
        duplicate.pk,
    ]
    assert (
        dup.links.get(role="expected").object_id == Entitlement.objects.get(distribution=senior, wallet=a).pk
    )
    assert (dup.period_id, dup.distribution_id, dup.currency, str(dup.amount.normalize())) == (
        period.pk,
        senior.pk,
        "USD",
        "450000.01",
    )
    # a re-run opens nothing twice
    before = (ReconException.objects.count(), ExceptionLink.objects.count(), AuditEvent.objects.count())
    assert chain_matching_run(distribution=senior) == {
        "opened": 0,
        "resolved": 0,
        "changed": 0,
        "findings": 4,
    }
    assert (ReconException.objects.count(), ExceptionLink.objects.count()) == before[:2]

    # the duplicate went away (the indexer dropped it): ALICE is then matched but paid late
    duplicate.delete()
    assert chain_matching_run(distribution=senior)["resolved"] == 1
    assert ("paid_late", a, 450_000_005_714) in _live(senior)
    # BOB's event becomes final: his exception is resolved
    ChainEvent.objects.filter(pk=bob.pk).update(final=True)
    assert chain_matching_run(distribution=junior) == {
        "opened": 0,
        "resolved": 1,
        "changed": 0,
        "findings": 0,
    }


def test_supply_against_the_register(issued, period, ops, ops2):
    senior, _, _ = pay_period(issued, period, ops, ops2)
    type(senior.snapshot).objects.filter(pk=senior.snapshot_id).update(total_supply=7_000_001 * 10**6)
    chain_matching_run(distribution=senior)
    assert _live() == [("supply_mismatch", "supply", 10**6)]


def test_the_period_closes_only_when_every_exception_is_resolved_or_waived_by_a_second_person(
    issued, period, ops, ops2
):
    senior, junior, period = pay_period(issued, period, ops, ops2)
    (bob,) = paid_events(junior)
    plant_paid(junior, like=bob)  # BOB paid twice
    chain_matching_run(distribution=junior)
    x = ReconException.objects.get(type="duplicate_payout")

    def refused():
        before = (CollectionPeriod.objects.get(pk=period.pk).state, AuditEvent.objects.count())
        with pytest.raises(Refused, match=rf"has 1 open reconciliation exception\(s\) \(#{x.pk}\)"):
            period_close(period=period, actor=ops)
        assert (CollectionPeriod.objects.get(pk=period.pk).state, AuditEvent.objects.count()) == before

    refused()
    with pytest.raises(Refused, match="A reason is required"):
        xsvc.exception_waive(exception=x, actor=ops)
    xsvc.exception_waive(exception=x, actor=ops, reason="BOB returned the second payment")
    refused()  # a waiver waits for its second person
    with pytest.raises(MakerCheckerViolation):
        xsvc.exception_approve_waive(exception=x, actor=ops)
    xsvc.exception_approve_waive(exception=x, actor=ops2)
    x.refresh_from_db()
    assert (x.state, x.waive_requested_by, x.closed_at is not None) == ("waived", ops, True)
    assert chain_matching_run(distribution=junior)["opened"] == 0  # not raised again
    closed = period_close(period=period, actor=ops)
    assert closed.state == "closed"
    assert list(
        AuditEvent.objects.filter(object_id=x.pk, name__in=["waive", "approve_waive"])
        .values_list("name", "actor_id")
        .order_by("id")
    ) == [("waive", ops.pk), ("approve_waive", ops2.pk)]
    with pytest.raises(Refused, match="is closed"):
        chain_matching_run(distribution=junior)


def test_a_payout_noticed_after_the_payment_date_is_judged_by_its_blocks_time(issued, period, ops, ops2):
    senior, junior, period = pay_period(issued, period, ops, ops2)
    # the back office noticed every payout a month late (a tracker catching up after an outage);
    # the blocks themselves were made before the payment date
    later = datetime.combine(period.payment_date + timedelta(days=30), time(12), tzinfo=UTC)
    ChainTransaction.objects.update(mined_at=later)

    assert [chain_matching_run(distribution=d)["findings"] for d in (senior, junior)] == [0, 0]
    assert _live() == []
