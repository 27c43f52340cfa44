"""Every deal transition, taken by each role: the holder of the permission succeeds,
everyone else is refused and nothing changes."""

import pytest

from core import roles
from core.errors import NotPermitted
from core.models import AuditEvent
from issuance import services
from issuance.models import Deal, Subscription
from tests.factories import make_deal, pledge_collateral, subscribe, to_state

pytestmark = pytest.mark.django_db

# transition -> (state it starts from, state it ends in, the role allowed). "open+book" is an
# open deal whose tranches are fully subscribed; "closed+funded" a closed one fully funded.
DEAL_TRANSITIONS = {
    "start_structuring": ("draft", "structuring", roles.ISSUER_OPERATIONS),
    "submit_for_review": ("structuring", "compliance_review", roles.ISSUER_OPERATIONS),
    "approve": ("compliance_review", "approved", roles.COMPLIANCE_OFFICER),
    "return_to_structuring": ("compliance_review", "structuring", roles.COMPLIANCE_OFFICER),
    "open_subscriptions": ("approved", "open", roles.ISSUER_OPERATIONS),
    "close_book": ("open+book", "closed", roles.ISSUER_OPERATIONS),
    "issue": ("closed+funded", "issued", roles.ISSUER_OPERATIONS),
    "start_servicing": ("issued", "servicing", roles.ISSUER_OPERATIONS),
    "mature": ("servicing", "matured", roles.ISSUER_OPERATIONS),
    "redeem": ("servicing", "redeemed", roles.ISSUER_OPERATIONS),
    "cancel": ("draft", "cancelled", roles.ISSUER_OPERATIONS),
    "declare_default": ("servicing", "defaulted", roles.ISSUER_OPERATIONS),
}
ORDER = ["draft", "structuring", "compliance_review", "approved", "open", "open+book", "closed",
         "closed+funded", "issued", "servicing"]


@pytest.fixture
def deal_in(ops, officer, investor, other_investor):
    def build(stage: str) -> Deal:
        if ORDER.index(stage) <= ORDER.index("open"):
            return to_state(make_deal(actor=ops), stage, maker=ops, checker=officer)
        deal = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
        pledge_collateral(actor=ops, deal=deal)
        senior, junior = deal.tranches.order_by("seniority")
        subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
        subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
        steps = [
            ("closed", lambda: services.deal_transition(deal=deal, name="close_book", actor=ops)),
            ("closed+funded", lambda: [
                services.subscription_record_funding(subscription=s, actor=ops, amount=s.allocated_amount,
                                                     reference=f"W{s.pk}")
                for s in Subscription.objects.filter(tranche__deal=deal)]),
            ("issued", lambda: services.deal_transition(deal=deal, name="issue", actor=ops)),
            ("servicing", lambda: services.deal_transition(deal=deal, name="start_servicing", actor=ops)),
        ]
        for reached, step in steps:
            if ORDER.index(reached) > ORDER.index(stage):
                break
            step()
        deal.refresh_from_db()
        return deal

    return build


@pytest.mark.parametrize("name", DEAL_TRANSITIONS)
def test_the_permitted_role_takes_the_transition(name, deal_in, users):
    source, target, role = DEAL_TRANSITIONS[name]
    deal = deal_in(source)
    before = AuditEvent.objects.count()

    deal = services.deal_transition(deal=deal, name=name, actor=users[role], reason="for the test")

    assert deal.state == target
    source = source.split("+")[0]
    event = AuditEvent.objects.filter(name=name, object_id=deal.pk).latest("id")
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        users[role], source, target, "for the test")
    assert AuditEvent.objects.count() > before


@pytest.mark.parametrize(
    ("name", "role"),
    [(name, role) for name, (_, _, allowed) in DEAL_TRANSITIONS.items()
     for role in roles.ROLES if role != allowed],
)
def test_other_roles_are_refused_and_nothing_changes(name, role, deal_in, users):
    source, _, _ = DEAL_TRANSITIONS[name]
    deal = deal_in(source)
    events = AuditEvent.objects.count()

    with pytest.raises(NotPermitted) as refused:
        services.deal_transition(deal=deal, name=name, actor=users[role], reason="for the test")

    assert "which you do not have" in refused.value.message
    deal.refresh_from_db()
    assert deal.state == source.split("+")[0]
    assert AuditEvent.objects.count() == events


def test_submitting_records_the_maker_and_approving_the_checker(ops, officer, draft_deal):
    deal = to_state(draft_deal, Deal.State.APPROVED, maker=ops, checker=officer)

    assert (deal.submitted_by, deal.approved_by) == (ops, officer)
