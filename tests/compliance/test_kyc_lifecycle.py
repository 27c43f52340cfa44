"""KYC cases: the lifecycle, four eyes, reason codes, guards with reasons; refusals change nothing."""

from datetime import date

import pytest

from compliance import services
from compliance.models import KycCase
from core.errors import GuardFailed, InvalidInput, MakerCheckerViolation, NotPermitted, Refused
from core.models import AuditEvent
from tests.compliance.conftest import accept_required_documents, walk

pytestmark = pytest.mark.django_db


def case_events(case):
    return list(AuditEvent.objects.filter(content_type__model="kyccase", object_id=case.pk)
                .order_by("id").values_list("name", "from_state", "to_state", "actor__username", "reason"))


def test_a_case_goes_from_draft_to_approved_with_four_eyes(person, officer, officer2, investor_user):
    accept_required_documents(person, officer)
    case = services.kyc_case_open(actor=investor_user, investor=person)
    case = walk(case, [("submit", investor_user), ("start_review", officer), ("recommend", officer),
                       ("approve", officer2)])

    case.refresh_from_db()
    assert (case.state, case.kind, case.assignee, case.recommended_by, case.decided_by) == (
        "approved", "kyc", officer, officer, officer2)
    assert (case.risk_rating, case.risk_reasons) == ("low", ["no risk factor found"])
    assert case.refresh_due == date(case.decided_at.year + 3, case.decided_at.month, case.decided_at.day)
    assert case_events(case) == [
        ("", "", "", "investor", ""),
        ("submit", "draft", "submitted", "investor", ""),
        ("start_review", "submitted", "in_review", "officer", ""),
        ("recommend", "in_review", "recommended", "officer", ""),
        ("approve", "recommended", "approved", "officer2", ""),
    ]


def test_the_officer_who_recommended_cannot_approve(person, officer):
    accept_required_documents(person, officer)
    case = walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer), ("recommend", officer)])
    events = AuditEvent.objects.count()

    with pytest.raises(MakerCheckerViolation) as exc:
        services.kyc_case_transition(case=case, name="approve", actor=officer)

    assert exc.value.message == ("Maker-checker: you are this KYC case's recommended by, so a different "
                                 "person must 'approve' it.")
    case.refresh_from_db()
    assert (case.state, case.decided_by, case.refresh_due) == ("recommended", None, None)
    assert AuditEvent.objects.count() == events


def test_operations_and_investors_cannot_review_or_approve(person, officer, ops, investor_user):
    accept_required_documents(person, officer)
    case = walk(services.kyc_case_open(actor=ops, investor=person), [("submit", ops)])

    for actor in (ops, investor_user):
        with pytest.raises(NotPermitted) as exc:
            services.kyc_case_transition(case=case, name="start_review", actor=actor)
        assert exc.value.message == ("You may not 'start review' this KYC case: it needs the permission "
                                     "'compliance.review_kyccase', which you do not have.")
    case.refresh_from_db()
    assert case.state == "submitted"


def test_an_information_request_needs_a_listed_reason_code_and_text(person, officer):
    case = walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer)])

    with pytest.raises(InvalidInput) as bad_code:
        services.kyc_case_transition(case=case, name="request_information", actor=officer,
                                     reason="Send a clearer scan.", reason_code="blurry")
    with pytest.raises(InvalidInput) as no_text:
        services.kyc_case_transition(case=case, name="request_information", actor=officer,
                                     reason_code="document_illegible")

    assert bad_code.value.field == "reason_code"
    assert bad_code.value.message.startswith(
        "'blurry' is not a reason code; choose one of: document_missing,")
    assert (no_text.value.field, no_text.value.message) == ("reason", "A reason is required to 'request "
                                                            "information'.")
    case.refresh_from_db()
    assert (case.state, case.reason_code) == ("in_review", "")


def test_information_requested_goes_back_to_submitted(person, officer, investor_user):
    case = walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer)])

    case = services.kyc_case_transition(case=case, name="request_information", actor=officer,
                                        reason="The passport scan is cut off.",
                                        reason_code="document_illegible")
    assert (case.state, case.reason_code, case.reason_text) == (
        "information_requested", "document_illegible", "The passport scan is cut off.")
    case = services.kyc_case_transition(case=case, name="submit", actor=investor_user)

    assert case.state == "submitted"
    assert case_events(case)[-2:] == [
        ("request_information", "in_review", "information_requested", "officer",
         "[document_illegible] The passport scan is cut off."),
        ("submit", "information_requested", "submitted", "investor", ""),
    ]


def test_a_rejection_carries_its_reason_code(person, officer):
    case = walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer)])

    case = services.kyc_case_transition(case=case, name="reject", actor=officer, reason="Declined.",
                                        reason_code="source_of_funds")

    assert (case.state, case.reason_code, case.reason_text, case.decided_by) == (
        "rejected", "source_of_funds", "Declined.", officer)


def test_submit_names_the_missing_details(ops, officer):
    from tests.factories import make_investor

    bare = make_investor(actor=ops, eligible=False, kind="individual", nationality="", address="",
                         registration_number="")
    case = services.kyc_case_open(actor=officer, investor=bare)

    with pytest.raises(GuardFailed) as exc:
        services.kyc_case_transition(case=case, name="submit", actor=officer)

    assert exc.value.reasons == ["Investor details are incomplete: nationality; date of birth; address."]
    case.refresh_from_db()
    assert (case.state, case.submitted_at) == ("draft", None)


def test_recommend_needs_the_required_documents_accepted(person, officer):
    case = walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer)])

    with pytest.raises(GuardFailed) as exc:
        services.kyc_case_transition(case=case, name="recommend", actor=officer)

    assert exc.value.reasons == [
        "Documents not yet accepted: passport / identity card, proof of address."]
    case.refresh_from_db()
    assert (case.state, case.recommended_by) == ("in_review", None)


def test_an_investor_has_one_open_case_at_a_time(person, officer):
    first = services.kyc_case_open(actor=officer, investor=person)

    with pytest.raises(Refused) as exc:
        services.kyc_case_open(actor=officer, investor=person)

    assert exc.value.message == (f"Chan Tai Man already has an open case #{first.pk} ('draft'); "
                                 "finish it first.")
    assert KycCase.objects.filter(investor=person).count() == 1


def test_an_investor_cannot_open_a_case_for_someone_else(person, other_investor, investor_user):
    with pytest.raises(NotPermitted):
        services.kyc_case_open(actor=investor_user, investor=other_investor)
    assert KycCase.objects.filter(investor=other_investor, state="draft").count() == 0


def test_taking_a_case_assigns_it(person, officer, officer2):
    case = services.kyc_case_open(actor=officer, investor=person)

    case = services.kyc_case_assign(case=case, actor=officer2)

    assert case.assignee == officer2
    event = AuditEvent.objects.filter(content_type__model="kyccase", object_id=case.pk).latest("id")
    assert (event.action, event.changes) == ("update", {"assignee": [None, "officer2"]})


def test_a_new_approval_supersedes_the_previous_one(officer, officer2, ops):
    from tests.factories import approve_kyc, make_investor

    inv = make_investor(actor=ops)
    first = inv.kyc_cases.get()
    second = approve_kyc(inv)

    first.refresh_from_db()
    assert (first.state, second.state) == ("expired", "approved")
    # the approver ends the older approval, through the approver's own permission
    assert case_events(first)[-1] == (
        "supersede", "approved", "expired", "kyc-checker", f"superseded by the approval of case #{second.pk}")
