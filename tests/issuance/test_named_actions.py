"""Each business action on an SPV, a deal or a subscription is its own service; the generic
``*_transition(name)`` is only a table from a name to that service, for the API and the admin."""

import pytest

from core.errors import TransitionNotAllowed
from core.models import AuditEvent
from core.transitions import transition_names
from issuance import services
from issuance.models import SPV, Deal, Subscription
from tests.factories import subscribe

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "table"), [
    (SPV, services.SPV_ACTIONS), (Deal, services.DEAL_ACTIONS),
    (Subscription, services.SUBSCRIPTION_ACTIONS),
])
def test_every_transition_a_person_can_ask_for_has_a_named_service(model, table):
    assert sorted(table) == sorted(transition_names(model))
    prefix = model._meta.model_name
    for name, action in table.items():
        assert action.__name__ == f"{prefix}_{name}"
        assert getattr(services, action.__name__) is action


def test_the_table_dispatches_to_the_named_service(ops, officer, draft_deal):
    services.deal_start_structuring(deal=draft_deal, actor=ops)
    deal = services.deal_transition(deal=draft_deal, name="submit_for_review", actor=ops)

    assert (deal.state, deal.submitted_by) == ("compliance_review", ops)
    deal = services.deal_approve(deal=deal, actor=officer)
    assert (deal.state, deal.approved_by) == ("approved", officer)
    deal = services.deal_open_subscriptions(deal=deal, actor=ops)
    assert deal.state == "open"
    assert list(AuditEvent.objects.filter(content_type__model="deal", object_id=deal.pk,
                                          action="transition").order_by("id")
                .values_list("name", flat=True)) == [
        "start_structuring", "submit_for_review", "approve", "open_subscriptions"]


def test_returning_to_structuring_forgets_the_maker(ops, officer, draft_deal):
    services.deal_start_structuring(deal=draft_deal, actor=ops)
    services.deal_submit_for_review(deal=draft_deal, actor=ops)

    deal = services.deal_return_to_structuring(deal=draft_deal, actor=officer, reason="Fix the coupon.")

    assert (deal.state, deal.submitted_by) == ("structuring", None)


def test_cancelling_a_deal_through_its_service_cancels_its_subscriptions(ops, open_deal, investor):
    sub = subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1),
                    amount="1000000")

    deal = services.deal_cancel(deal=open_deal, actor=ops, reason="Market closed.")

    sub.refresh_from_db()
    assert (deal.state, sub.state) == ("cancelled", "cancelled")


@pytest.mark.parametrize("name", ["allocate", "settle", "cancel_with_deal", "no_such_thing"])
def test_a_name_outside_the_table_is_refused_and_changes_nothing(ops, closed_deal, name):
    sub = Subscription.objects.filter(tranche__deal=closed_deal).order_by("id").first()
    events = AuditEvent.objects.count()

    with pytest.raises(TransitionNotAllowed) as refused:
        services.subscription_transition(subscription=sub, name=name, actor=ops, reason="x")

    assert refused.value.message == (
        f"'{name}' is not an action on subscriptions; the actions are: accept, reject, cancel, "
        "cancel allocation, default allocation.")
    sub.refresh_from_db()
    assert sub.state == "allocated"
    assert AuditEvent.objects.count() == events


def test_the_deal_table_refuses_bulk_and_unknown_names(ops, draft_deal):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.deal_transition(deal=draft_deal, name="explode", actor=ops)

    assert refused.value.message == (
        "'explode' is not an action on deals; the actions are: start structuring, submit for "
        "review, approve, return to structuring, open for subscription, close book and allocate, "
        "issue, start servicing, mature, redeem, cancel, declare default.")
