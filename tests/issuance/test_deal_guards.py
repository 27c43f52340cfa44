from decimal import Decimal

import pytest

from core.errors import GuardFailed, InvalidInput, Refused, TransitionNotAllowed
from core.models import AuditEvent
from issuance import services
from issuance.models import Deal, Subscription
from tests.factories import make_deal, to_state

pytestmark = pytest.mark.django_db


def test_review_needs_tranches_that_add_up_to_the_deal_size(ops):
    deal = to_state(make_deal(actor=ops, tranches=("7000000", "2000000")), "structuring",
                    maker=ops, checker=None)
    events = AuditEvent.objects.count()

    with pytest.raises(GuardFailed) as refused:
        services.deal_transition(deal=deal, name="submit_for_review", actor=ops)

    assert refused.value.message == (
        "Cannot 'submit for review': Tranches add up to 9,000,000.00 USD but the deal size is "
        "10,000,000.00 USD."
    )
    deal.refresh_from_db()
    assert (deal.state, deal.submitted_by) == ("structuring", None)
    assert AuditEvent.objects.count() == events


def test_review_needs_at_least_one_tranche(ops):
    deal = to_state(make_deal(actor=ops, tranches=()), "structuring", maker=ops, checker=None)

    with pytest.raises(GuardFailed) as refused:
        services.deal_transition(deal=deal, name="submit_for_review", actor=ops)

    assert refused.value.reasons == ["The deal has no tranches."]


def test_a_transition_from_the_wrong_state_names_the_state_and_what_is_possible(ops, officer, draft_deal):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.deal_transition(deal=draft_deal, name="approve", actor=officer)

    assert refused.value.message == (
        "Deal 'Test Deal 1' is 'draft'; 'approve' is possible only from 'compliance review'. "
        "From 'draft' the possible transitions are: cancel, start structuring."
    ).replace("Test Deal 1", draft_deal.name)
    draft_deal.refresh_from_db()
    assert draft_deal.state == "draft"


def test_issue_needs_every_allocation_funded(ops, closed_deal):
    first = Subscription.objects.filter(tranche__deal=closed_deal).order_by("id").first()
    services.subscription_record_funding(subscription=first, actor=ops, amount=first.allocated_amount,
                                         reference=f"W{first.pk}")

    with pytest.raises(GuardFailed) as refused:
        services.deal_transition(deal=closed_deal, name="issue", actor=ops)

    assert refused.value.reasons == ["1 allocated subscription(s) are not yet fully funded."]
    closed_deal.refresh_from_db()
    assert closed_deal.state == "closed"
    assert set(Subscription.objects.values_list("state", flat=True)) == {"funded", "allocated"}


def test_partial_funding_keeps_the_allocation_open_until_paid_in_full(ops, closed_deal):
    sub = Subscription.objects.filter(tranche__deal=closed_deal).order_by("id").first()  # 7m

    sub = services.subscription_record_funding(subscription=sub, actor=ops,
                                               amount=Decimal("2500000.00"), reference="MT103 1")
    assert (sub.state, sub.funded_amount) == ("allocated", Decimal("2500000.00"))

    sub = services.subscription_record_funding(subscription=sub, actor=ops,
                                               amount=Decimal("4500000.00"), reference="MT103 2")
    assert (sub.state, sub.funded_amount) == ("funded", Decimal("7000000.00"))


def test_funding_above_the_allocation_is_refused(ops, closed_deal):
    sub = Subscription.objects.filter(tranche__deal=closed_deal).order_by("id").first()

    with pytest.raises(InvalidInput) as refused:
        services.subscription_record_funding(subscription=sub, actor=ops,
                                             amount=Decimal("7000000.01"), reference=f"W{sub.pk}")

    assert refused.value.field == "amount"
    assert refused.value.message == (
        "The amount must be above zero and at most the 7,000,000.00 USD still due.")
    sub.refresh_from_db()
    assert (sub.state, sub.funded_amount) == ("allocated", Decimal("0.00"))


def test_cancel_needs_a_reason(ops, draft_deal):
    with pytest.raises(InvalidInput) as refused:
        services.deal_transition(deal=draft_deal, name="cancel", actor=ops, reason="  ")

    assert (refused.value.field, refused.value.message) == ("reason", "A reason is required to 'cancel'.")
    draft_deal.refresh_from_db()
    assert draft_deal.state == "draft"


def test_cancelling_an_open_deal_cancels_its_live_subscriptions(ops, open_deal, investor):
    from tests.factories import subscribe

    senior = open_deal.tranches.get(seniority=1)
    sub = subscribe(actor=ops, investor=investor, tranche=senior, amount="1000000")

    services.deal_transition(deal=open_deal, name="cancel", actor=ops, reason="Market closed.")

    sub.refresh_from_db()
    assert sub.state == "cancelled"
    event = AuditEvent.objects.get(object_id=sub.pk, name="cancel_with_deal")
    assert (event.from_state, event.reason, event.object_repr) == (
        "accepted", "Deal cancelled: Market closed.", str(sub))


def test_tranches_cannot_change_after_submission(ops, officer, draft_deal):
    deal = to_state(draft_deal, Deal.State.COMPLIANCE_REVIEW, maker=ops, checker=officer)
    tranche = deal.tranches.get(seniority=1)

    with pytest.raises(Refused) as refused:
        services.tranche_update(tranche=tranche, actor=ops, coupon_rate=Decimal("0.09"))

    assert refused.value.message == (
        "Tranches can change only while the deal is draft or structuring; "
        f"deal '{deal}' is 'compliance review'."
    )
    tranche.refresh_from_db()
    assert tranche.coupon_rate == Decimal("0.050000")


def test_editing_a_deal_is_audited_with_old_and_new_values(ops, draft_deal):
    services.deal_update(deal=draft_deal, actor=ops, target_size=Decimal("12000000"))

    event = AuditEvent.objects.filter(object_id=draft_deal.pk, action="update").latest("id")
    assert event.changes == {"target_size": ["10000000.00", "12000000"]}
    assert event.actor == ops
