"""Maker-checker refuses the approval to everyone who made the object, not only the person in its
``submitted_by`` / ``recommended_by``: whoever the audit trail shows created, edited or submitted a
deal, and whoever opened, submitted, reviewed or recommended a KYC case."""

import pytest
from django.contrib.auth.models import Group

from compliance import services as compliance
from core import roles
from core.errors import MakerCheckerViolation
from core.models import AuditEvent
from issuance import services as issuance
from tests.factories import make_investor, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops2_also_officer(db):
    """An operations user who also holds the compliance officer role (both groups)."""
    user = make_user(roles.ISSUER_OPERATIONS, "ops2")
    user.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    return user


@pytest.fixture
def officer2(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer2")


@pytest.fixture
def officer3(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer3")


def trail(obj) -> int:
    return AuditEvent.objects.filter(object_id=obj.pk, content_type__model=obj._meta.model_name).count()


def test_a_deal_edited_by_ops2_cannot_be_approved_by_ops2(ops, ops2_also_officer, officer, draft_deal):
    deal = issuance.deal_transition(deal=draft_deal, name="start_structuring", actor=ops)
    deal = issuance.deal_transition(deal=deal, name="submit_for_review", actor=ops)
    deal = issuance.deal_transition(deal=deal, name="return_to_structuring", actor=officer,
                                    reason="Closing date too early.")
    issuance.deal_update(deal=deal, actor=ops2_also_officer, name="Test Deal, closing moved")
    deal = issuance.deal_transition(deal=deal, name="submit_for_review", actor=ops)
    assert deal.submitted_by == ops
    before = trail(deal)

    with pytest.raises(MakerCheckerViolation) as exc:
        issuance.deal_transition(deal=deal, name="approve", actor=ops2_also_officer)

    assert exc.value.message == ("Maker-checker: the audit trail shows you took part in making this "
                                 "deal (edit), so a different person must 'approve' it.")
    deal.refresh_from_db()
    assert (deal.state, deal.approved_by, trail(deal)) == ("compliance_review", None, before)
    deal = issuance.deal_transition(deal=deal, name="approve", actor=officer)
    assert (deal.state, deal.approved_by) == ("approved", officer)


def test_the_creator_of_a_deal_cannot_approve_it_over_the_api(api, ops, ops2_also_officer):
    from tests.factories import make_deal

    deal = make_deal(actor=ops2_also_officer)
    issuance.deal_transition(deal=deal, name="start_structuring", actor=ops)
    issuance.deal_transition(deal=deal, name="submit_for_review", actor=ops)
    before = trail(deal)

    response = api(ops2_also_officer).post(f"/api/v1/deals/{deal.pk}/approve/")

    assert (response.status_code, response.json()["error"]["code"]) == (403, "maker_checker")
    assert "(create)" in response.json()["error"]["message"]
    deal.refresh_from_db()
    assert (deal.state, trail(deal)) == ("compliance_review", before)


def test_the_admin_offers_no_approve_button_to_a_maker(client, ops, ops2_also_officer, draft_deal):
    from django.urls import reverse

    issuance.deal_update(deal=draft_deal, actor=ops2_also_officer, name="Renamed by ops2")
    issuance.deal_transition(deal=draft_deal, name="start_structuring", actor=ops)
    issuance.deal_transition(deal=draft_deal, name="submit_for_review", actor=ops)
    client.force_login(ops2_also_officer)

    page = client.get(reverse("admin:issuance_deal_change", args=[draft_deal.pk])).content.decode()

    assert "transition-approve" not in page


@pytest.fixture
def case_made_by_officer(ops, officer, officer2):
    """Opened and submitted by ``officer``, reviewed and recommended by ``officer2``."""
    investor = make_investor(actor=ops, name="Four Eyes Ltd", eligible=False)
    accept_required_documents_for_entity(investor, officer)
    case = compliance.kyc_case_open(actor=officer, investor=investor)
    case = compliance.kyc_case_transition(case=case, name="submit", actor=officer)
    for name in ("start_review", "recommend"):
        case = compliance.kyc_case_transition(case=case, name=name, actor=officer2)
    return case


def accept_required_documents_for_entity(investor, officer):
    from tests.factories import pdf

    for kind in ("incorporation", "proof_of_address"):
        doc = compliance.document_upload(actor=officer, investor=investor, kind=kind, file=pdf())
        compliance.document_decide(document=doc, decision="accept", actor=officer)


def test_the_officer_who_opened_and_submitted_a_case_cannot_approve_it(case_made_by_officer, officer,
                                                                       officer3):
    case = case_made_by_officer
    assert case.recommended_by.username == "officer2"
    before = trail(case)

    with pytest.raises(MakerCheckerViolation) as exc:
        compliance.kyc_case_transition(case=case, name="approve", actor=officer)

    assert exc.value.message == ("Maker-checker: the audit trail shows you took part in making this "
                                 "KYC case (create, submit), so a different person must 'approve' it.")
    case.refresh_from_db()
    assert (case.state, case.decided_by, trail(case)) == ("recommended", None, before)
    # Taking the case (an assignment) is not making it: the third officer takes it and approves.
    compliance.kyc_case_assign(case=case, actor=officer3)
    case = compliance.kyc_case_transition(case=case, name="approve", actor=officer3)
    assert (case.state, case.decided_by) == ("approved", officer3)


def test_a_reviewer_whose_recommendation_was_withdrawn_still_cannot_approve(case_made_by_officer, officer,
                                                                            officer2, officer3):
    case = compliance.kyc_case_transition(case=case_made_by_officer, name="return_to_review",
                                          actor=officer3, reason="Check the second owner.")
    case = compliance.kyc_case_transition(case=case, name="recommend", actor=officer3)

    with pytest.raises(MakerCheckerViolation) as exc:
        compliance.kyc_case_transition(case=case, name="approve", actor=officer2)

    assert "(start review, recommend approval)" in exc.value.message
    case.refresh_from_db()
    assert case.state == "recommended"

