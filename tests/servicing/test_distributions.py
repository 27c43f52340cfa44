"""Creating distributions from an approved period, fixing the holders of record, entitlements and
escrow: refusals change nothing; escrow reasons come from compliance, screening and the token."""

from datetime import date
from decimal import Decimal

import pytest

from chain.models import ChainTransaction, HolderSnapshot, TokenTransfer
from core import roles
from core.errors import InvalidInput, MakerCheckerViolation, NotPermitted, Refused
from core.models import AuditEvent, OutboxMessage
from screening.models import ScreeningHit
from screening.services import list_import, screen_investor
from servicing.models import CollectionPeriod, Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.services import distributions as svc
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.factories import make_deal, make_user
from tests.screening.conftest import SAMPLE, person
from tests.servicing import distribution_setup as setup
from tests.servicing.distribution_setup import (
    ALICE,
    CAROL,
    DAVE,
    JUNIOR,
    SENIOR,
    TOKENS,
    approved_period,
)

rpc, issued, period = chain_fixtures.rpc, setup.issued, setup.period  # fixtures


def counts():
    return (
        Distribution.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        HolderSnapshot.objects.count(),
        Entitlement.objects.count(),
        ChainTransaction.objects.count(),
    )


@pytest.fixture
def deal(ops):
    return make_deal(actor=ops)


def test_an_approved_period_gets_one_distribution_per_paid_tranche_and_starts_distributing(deal, ops):
    senior, junior = deal.tranches.order_by("seniority")
    period = approved_period(deal, date(2026, 12, 31))
    made = svc.distributions_create(
        period=period,
        payments={
            senior: {"interest": Decimal("87500.01"), "principal": Decimal("700000")},
            junior: {"interest": Decimal("0"), "residual": Decimal("0")},
        },
        actor=ops,
    )
    assert [
        (d.tranche, d.currency, d.interest, d.principal, d.residual, d.amount, d.state, d.created_by)
        for d in made
    ] == [
        (senior, "USD", Decimal("87500.01"), Decimal("700000"), 0, Decimal("787500.01"), "planned", ops)
    ]  # nothing for the junior
    assert CollectionPeriod.objects.get(pk=period.pk).state == "distributing"
    assert list(OutboxMessage.objects.values_list("task", "kwargs")) == [
        ("servicing.tasks.snapshot_distribution", {"distribution_id": made[0].pk})
    ]
    assert (
        AuditEvent.objects.filter(
            content_type__model="distribution", object_id=made[0].pk, action="create"
        ).count()
        == 1
    )


def test_distributing_twice_or_a_period_not_approved_is_refused_and_nothing_changes(deal, ops):
    senior = deal.tranches.get(seniority=1)
    period = approved_period(deal, date(2026, 12, 31))
    svc.distributions_create(period=period, payments={senior: {"interest": Decimal("1")}}, actor=ops)
    before = counts()
    with pytest.raises(Refused, match=f"Period 1 of {deal.name} has its distributions already"):
        svc.distributions_create(period=period, payments={senior: {"interest": Decimal("1")}}, actor=ops)
    assert counts() == before

    determined = CollectionPeriod.objects.create(
        deal=deal,
        number=2,
        start=date(2027, 1, 1),
        end=date(2027, 3, 31),
        determination_date=date(2027, 4, 1),
        record_date=date(2027, 4, 2),
        payment_date=date(2027, 4, 5),
    )
    before = counts()
    with pytest.raises(Refused, match="Period 2 of .* is 'open', not approved"):
        svc.distributions_create(period=determined, payments={senior: {"interest": Decimal("1")}}, actor=ops)
    assert counts() == before
    assert CollectionPeriod.objects.get(pk=determined.pk).state == "open"


@pytest.mark.parametrize(
    ("parts", "field", "message"),
    [
        ({"interest": Decimal("0.001")}, "payments[Class 1].interest", "0.001"),
        ({"interest": Decimal("-1")}, "payments[Class 1].interest", "interest -1 is negative"),
        ({"coupon": Decimal("1")}, "payments[Class 1]", "unknown payment 'coupon'"),
        ({"principal": Decimal("7000000.01")}, "payments[Class 1].principal", "above its current principal"),
        ({"interest": Decimal("0")}, "payments", "pays nothing to any tranche"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(deal, ops, parts, field, message):
    period = approved_period(deal, date(2026, 12, 31))
    before = counts()
    with pytest.raises(InvalidInput, match=message) as refused:
        svc.distributions_create(period=period, payments={deal.tranches.get(seniority=1): parts}, actor=ops)
    assert refused.value.field == field
    assert counts() == before
    assert CollectionPeriod.objects.get(pk=period.pk).state == "approved"


def test_a_tranche_of_another_deal_and_a_person_without_the_permission_are_refused(deal, ops, trustee):
    period = approved_period(deal, date(2026, 12, 31))
    other = make_deal(actor=ops).tranches.get(seniority=1)
    with pytest.raises(InvalidInput, match=f"{other} is not a tranche of {deal.name}"):
        svc.distributions_create(period=period, payments={other: {"interest": Decimal("1")}}, actor=ops)
    for who in (trustee, make_user(roles.INVESTOR), make_user(roles.COMPLIANCE_OFFICER)):
        with pytest.raises(NotPermitted, match="servicing.distribute_collectionperiod"):
            svc.distributions_create(
                period=period,
                payments={deal.tranches.get(seniority=1): {"interest": Decimal("1")}},
                actor=who,
            )
    assert Distribution.objects.count() == 0


# ---- on the chain


@requires_chain
def test_a_snapshot_disagreeing_with_the_register_is_refused_and_nothing_changes(issued, ops):
    token = issued.tokens[0].address
    issued.helper.agent("TrancheToken", token, "mint", ALICE.address, 1)  # not in the register
    period = approved_period(issued.deal, setup.end_record_date(issued.rpc, issued.settings))
    [senior] = svc.distributions_create(period=period, payments={issued.senior: SENIOR}, actor=ops)
    before = counts()
    with pytest.raises(
        Refused,
        match=r"hold 7000000000001 base units but the register's settled allocations "
        r"are 7000000000000: the snapshot disagrees with the register",
    ):
        svc.distribution_snapshot(distribution=senior, rpc=issued.rpc)
    assert counts() == before
    assert Distribution.objects.get(pk=senior.pk).state == "planned"


@requires_chain
def test_a_snapshot_whose_index_disagrees_with_the_chain_is_refused_and_nothing_changes(issued, period, ops):
    [senior] = svc.distributions_create(period=period, payments={issued.senior: SENIOR}, actor=ops)
    TokenTransfer.objects.filter(recipient=DAVE.address.lower()).delete()  # the index lost a transfer
    before = counts()
    with pytest.raises(Refused, match="Indexed balances differ from balanceOf"):
        svc.distribution_snapshot(distribution=senior, rpc=issued.rpc)
    assert counts() == before
    assert Distribution.objects.get(pk=senior.pk).state == "planned"


@requires_chain
def test_a_record_date_not_ended_in_the_final_blocks_is_refused(issued, ops):
    latest = issued.rpc.get_block("latest")
    from datetime import UTC, datetime

    today = datetime.fromtimestamp(int(latest["timestamp"], 16), tz=UTC).date()
    period = approved_period(issued.deal, today)
    [senior] = svc.distributions_create(period=period, payments={issued.senior: SENIOR}, actor=ops)
    before = counts()
    with pytest.raises(Refused, match=f"The record date {today} has not ended in the final blocks yet"):
        svc.distribution_snapshot(distribution=senior, rpc=issued.rpc)
    assert counts() == before


@requires_chain
def test_frozen_sanctioned_and_ineligible_holders_are_escrowed_with_a_reason_code(issued, ops, officer, ops2):
    issued.helper.agent("TrancheToken", issued.tokens[0].address, "setAddressFrozen", ALICE.address, True)
    list_import(name="demo", version_label="2026-11-01", data=SAMPLE.read_bytes(), actor=officer)
    [hit] = screen_investor(
        investor=person("Boris Zanzibarov", born=date(1961, 7, 4), country="RU"), actor=officer
    )
    ScreeningHit.objects.create(
        run=hit.run,
        investor=issued.third,
        subject_kind="investor",
        subject="x",
        entry=hit.entry,
        entity_id=hit.entity_id,
        score=hit.score,
    )  # pending
    period = approved_period(issued.deal, setup.end_record_date(issued.rpc, issued.settings))
    senior, junior = svc.distributions_create(
        period=period, payments={issued.senior: SENIOR, issued.junior: JUNIOR}, actor=ops
    )
    for d in (senior, junior):
        svc.distribution_snapshot(distribution=d, rpc=issued.rpc)
        svc.distribution_entitle(distribution=d, rpc=issued.rpc)
    reasons = dict(EscrowLine.objects.values_list("entitlement__wallet", "reason_code"))
    assert reasons == {
        ALICE.address.lower(): "frozen",
        CAROL.address.lower(): "sanctions",
        DAVE.address.lower(): "not_eligible",
    }
    senior = Distribution.objects.get(pk=senior.pk)
    assert (senior.state, senior.progress) == (
        "entitled",
        {"step": "entitlements", "holders": 3, "payable": 0, "batches": 0, "escrowed": 3},
    )
    assert list(PayoutBatch.objects.values_list("distribution", "number", "recipients")) == [
        (junior.pk, 1, 1)
    ]

    # maker-checker: whoever created the distributions does not approve them
    with pytest.raises(MakerCheckerViolation):
        svc.distribution_approve(distribution=senior, actor=ops)
    svc.distribution_approve(distribution=senior, actor=ops2)

    # escrow decisions: compliance only, with a reason, audited; a kept line gets no batch
    line = EscrowLine.objects.get(entitlement__wallet=CAROL.address.lower())
    with pytest.raises(NotPermitted, match="servicing.decide_escrowline"):
        svc.escrow_keep(line=line, actor=ops, reason="x")
    with pytest.raises(InvalidInput, match="A reason is required to 'keep'"):
        svc.escrow_keep(line=line, actor=officer)
    svc.escrow_keep(line=line, actor=officer, reason="confirmed match pending legal advice")
    line = EscrowLine.objects.get(pk=line.pk)
    assert (line.state, line.decided_by) == ("kept", officer)
    assert (
        AuditEvent.objects.filter(
            content_type__model="escrowline", object_id=line.pk, name="keep", actor=officer
        ).count()
        == 1
    )
    assert not PayoutBatch.objects.filter(kind="escrow").exists()
    with pytest.raises(Refused, match="possible only from 'held'"):
        svc.escrow_release(line=line, actor=officer, reason="changed my mind")


@requires_chain
def test_re_running_the_steps_changes_nothing(issued, period, ops):
    [senior] = svc.distributions_create(period=period, payments={issued.senior: SENIOR}, actor=ops)
    for _ in range(2):
        svc.distribution_snapshot(distribution=senior, rpc=issued.rpc)
        svc.distribution_entitle(distribution=senior, batch_size=2, rpc=issued.rpc)
    assert (HolderSnapshot.objects.count(), Entitlement.objects.count(), PayoutBatch.objects.count()) == (
        1,
        3,
        1,
    )
    assert OutboxMessage.objects.filter(task="servicing.tasks.entitle_distribution").count() == 1
    snap = Distribution.objects.get(pk=senior.pk).snapshot
    assert (snap.total_supply, snap.holder_count) == (7_000_000 * TOKENS, 3)


def test_a_batch_size_above_the_contracts_cap_is_refused(deal, ops):
    period = approved_period(deal, date(2026, 12, 31))
    [d] = svc.distributions_create(
        period=period, payments={deal.tranches.get(seniority=1): {"interest": Decimal("1")}}, actor=ops
    )
    with pytest.raises(InvalidInput, match="Batch size 201 is outside 1..200") as refused:
        svc.distribution_entitle(distribution=d, batch_size=201)
    assert refused.value.field == "batch_size"
    assert (Entitlement.objects.count(), PayoutBatch.objects.count()) == (0, 0)
