import pytest
from django.contrib.auth.models import Group

from core import roles
from core.errors import MakerCheckerViolation
from core.models import AuditEvent
from core.transitions import available_transitions
from issuance import services
from issuance.models import Deal
from tests.factories import make_user, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_roles(db):
    """Someone who is both issuer operations and compliance officer."""
    user = make_user(roles.ISSUER_OPERATIONS, "dual")
    user.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    return user


def test_the_person_who_submitted_cannot_approve(both_roles, officer, draft_deal):
    deal = to_state(draft_deal, Deal.State.COMPLIANCE_REVIEW, maker=both_roles, checker=officer)
    events = AuditEvent.objects.count()

    with pytest.raises(MakerCheckerViolation) as refused:
        services.deal_transition(deal=deal, name="approve", actor=both_roles)

    assert refused.value.message == (
        "Maker-checker: you are this deal's submitted by, so a different person must 'approve' it."
    )
    deal.refresh_from_db()
    assert (deal.state, deal.approved_by) == ("compliance_review", None)
    assert AuditEvent.objects.count() == events


def test_the_approve_button_is_hidden_from_the_maker(both_roles, officer, draft_deal):
    deal = to_state(draft_deal, Deal.State.COMPLIANCE_REVIEW, maker=both_roles, checker=officer)

    assert [t.name for t in available_transitions(deal, both_roles)] == ["cancel", "return_to_structuring"]
    assert [t.name for t in available_transitions(deal, officer)] == [
        "approve", "return_to_structuring"]


def test_another_officer_can_approve(both_roles, officer, draft_deal):
    deal = to_state(draft_deal, Deal.State.COMPLIANCE_REVIEW, maker=both_roles, checker=officer)

    deal = services.deal_transition(deal=deal, name="approve", actor=officer)

    assert (deal.state, deal.submitted_by, deal.approved_by) == ("approved", both_roles, officer)


def test_returning_to_structuring_clears_the_maker_so_a_resubmission_is_checked_again(
    both_roles, ops, officer, draft_deal
):
    deal = to_state(draft_deal, Deal.State.COMPLIANCE_REVIEW, maker=ops, checker=officer)
    services.deal_transition(deal=deal, name="return_to_structuring", actor=officer,
                             reason="Tranche B coupon above the mandate.")
    services.deal_transition(deal=deal, name="submit_for_review", actor=both_roles)

    with pytest.raises(MakerCheckerViolation):
        services.deal_transition(deal=deal, name="approve", actor=both_roles)
