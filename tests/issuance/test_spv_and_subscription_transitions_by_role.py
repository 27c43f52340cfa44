"""SPV and subscription transitions by role: allowed for the permission holder, refused
(with nothing changed) for everyone else."""

from decimal import Decimal

import pytest

from core import roles
from core.errors import NotPermitted
from core.models import AuditEvent
from issuance import services
from issuance.models import SPV, Subscription
from tests.factories import make_spv, subscribe

pytestmark = pytest.mark.django_db

SPV_TRANSITIONS = {  # name -> (from, to)
    "activate": ("forming", "active"),
    "wind_down": ("active", "winding_down"),
    "dissolve": ("winding_down", "dissolved"),
}


def _spv_in(state: str, ops) -> SPV:
    spv = make_spv(actor=ops, active=False)
    for name, (source, _) in SPV_TRANSITIONS.items():
        if source == state:
            return spv
        services.spv_transition(spv=spv, name=name, actor=ops, reason="setup")
    raise AssertionError(state)


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("name", SPV_TRANSITIONS)
def test_spv_transitions_belong_to_issuer_operations(name, role, users, ops):
    source, target = SPV_TRANSITIONS[name]
    spv = _spv_in(source, ops)
    events = AuditEvent.objects.count()

    if role == roles.ISSUER_OPERATIONS:
        spv = services.spv_transition(spv=spv, name=name, actor=users[role], reason="board resolution")
        assert spv.state == target
        assert AuditEvent.objects.count() == events + 1
    else:
        with pytest.raises(NotPermitted):
            services.spv_transition(spv=spv, name=name, actor=users[role], reason="board resolution")
        spv.refresh_from_db()
        assert spv.state == source
        assert AuditEvent.objects.count() == events


def test_an_spv_with_live_deals_cannot_dissolve(ops, draft_deal):
    spv = draft_deal.spv
    services.spv_transition(spv=spv, name="wind_down", actor=ops, reason="portfolio sold")

    with pytest.raises(Exception) as refused:
        services.spv_transition(spv=spv, name="dissolve", actor=ops, reason="done")

    assert refused.value.reasons == [
        "1 deal(s) are not yet matured, redeemed, cancelled or defaulted."]
    spv.refresh_from_db()
    assert spv.state == "winding_down"


# name -> (from, to, roles allowed)
SUBSCRIPTION_TRANSITIONS = {
    "accept": ("requested", "accepted", {roles.ISSUER_OPERATIONS}),
    "reject": ("requested", "rejected", {roles.ISSUER_OPERATIONS, roles.COMPLIANCE_OFFICER}),
    "cancel": ("requested", "cancelled", {roles.ISSUER_OPERATIONS, roles.INVESTOR}),
}


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("name", SUBSCRIPTION_TRANSITIONS)
def test_subscription_transitions_by_role(name, role, users, ops, open_deal, investor):
    source, target, allowed = SUBSCRIPTION_TRANSITIONS[name]
    sub = subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1),
                    amount="500000", accept=False)
    events = AuditEvent.objects.count()

    if role in allowed:
        sub = services.subscription_transition(subscription=sub, name=name, actor=users[role],
                                               reason="for the test")
        assert sub.state == target
        assert AuditEvent.objects.count() == events + 1
    else:
        with pytest.raises(NotPermitted):
            services.subscription_transition(subscription=sub, name=name, actor=users[role],
                                             reason="for the test")
        sub.refresh_from_db()
        assert sub.state == source
        assert AuditEvent.objects.count() == events


def test_an_investor_cannot_cancel_someone_elses_subscription(ops, open_deal, other_investor,
                                                             investor_user):
    sub = subscribe(actor=ops, investor=other_investor, tranche=open_deal.tranches.get(seniority=1),
                    amount="500000", accept=False)

    with pytest.raises(NotPermitted) as refused:
        services.subscription_transition(subscription=sub, name="cancel", actor=investor_user,
                                         reason="not mine")

    assert refused.value.message == "Investors may cancel subscriptions only for themselves."
    sub.refresh_from_db()
    assert sub.state == "requested"


def test_an_investor_subscribes_only_for_themselves(open_deal, investor_user, other_investor):
    with pytest.raises(NotPermitted):
        services.subscription_request(actor=investor_user, investor=other_investor,
                                      tranche=open_deal.tranches.get(seniority=1),
                                      requested_amount=Decimal("500000"))

    assert not Subscription.objects.exists()


def test_a_request_must_be_whole_denominations(ops, open_deal, investor):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.subscription_request(actor=ops, investor=investor,
                                      tranche=open_deal.tranches.get(seniority=1),
                                      requested_amount=Decimal("150000"))

    assert refused.value.field == "requested_amount"
    assert refused.value.message == (
        "The requested amount 150,000.00 USD must be a whole multiple of the minimum "
        "denomination 100,000.00 USD.")
    assert not Subscription.objects.exists()


def test_subscriptions_are_taken_only_while_the_deal_is_open(ops, draft_deal, investor):
    from core.errors import Refused

    with pytest.raises(Refused) as refused:
        services.subscription_request(actor=ops, investor=investor,
                                      tranche=draft_deal.tranches.get(seniority=1),
                                      requested_amount=Decimal("500000"))

    assert refused.value.message == (
        f"Deal '{draft_deal}' is 'draft'; subscriptions are taken only while it is open for "
        "subscription.")
    assert not Subscription.objects.exists()
