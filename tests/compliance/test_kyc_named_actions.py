"""Each KYC case action is its own service; kyc_case_transition only dispatches a name to one."""

import pytest
from django.contrib.auth.models import User

from compliance import services
from compliance.models import KycCase
from core.errors import TransitionNotAllowed
from core.models import AuditEvent
from tests.compliance.conftest import accept_required_documents, walk

pytestmark = pytest.mark.django_db

ACTIONS = "submit, start_review, request_information, recommend, return_to_review, approve, reject"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-for-tests-only")  # noqa: S106


@pytest.fixture
def approved_case(person, officer, officer2):
    accept_required_documents(person, officer)
    return walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer), ("recommend", officer),
                 ("approve", officer2)])


@pytest.mark.parametrize("name", ["delete", "save", "refresh_from_db", "expire", "cancel"])
def test_a_name_that_is_no_case_action_is_refused_and_changes_nothing(approved_case, superuser, name):
    events = AuditEvent.objects.count()

    with pytest.raises(TransitionNotAllowed) as exc:
        services.kyc_case_transition(case=approved_case, name=name, actor=superuser, reason="Because.")

    assert exc.value.message == f"A KYC case has no action '{name}'; its actions are: {ACTIONS}."
    approved_case.refresh_from_db()
    assert (approved_case.state, KycCase.objects.filter(pk=approved_case.pk).exists()) == ("approved", True)
    assert AuditEvent.objects.count() == events


def test_the_queue_page_reports_an_unknown_action_instead_of_failing(approved_case, officer, client):
    client.force_login(officer)

    response = client.post(f"/compliance/cases/{approved_case.pk}/transition/delete/", follow=True)

    assert response.status_code == 200
    assert (f"A KYC case has no action &#x27;delete&#x27;; its actions are: {ACTIONS}."
            in response.content.decode())
    approved_case.refresh_from_db()
    assert approved_case.state == "approved"


def test_the_action_table_has_one_service_per_transition_a_person_takes():
    from compliance.services import KYC_CASE_ACTIONS
    from core.transitions import transition_names

    assert sorted(KYC_CASE_ACTIONS) == sorted(transition_names(KycCase))
    assert {name: f.__name__ for name, f in KYC_CASE_ACTIONS.items()} == {
        "submit": "kyc_case_submit", "start_review": "kyc_case_start_review",
        "request_information": "kyc_case_request_information", "recommend": "kyc_case_recommend",
        "return_to_review": "kyc_case_return_to_review", "approve": "kyc_case_approve",
        "reject": "kyc_case_reject"}


def test_each_action_does_its_own_work(person, officer, officer2, investor_user,
                                       django_capture_on_commit_callbacks):
    from compliance.signals import investor_cleared
    from core import roles
    from tests.factories import make_user

    officer3 = make_user(roles.COMPLIANCE_OFFICER, "officer3")

    accept_required_documents(person, officer)
    case = services.kyc_case_open(actor=investor_user, investor=person)

    case = services.kyc_case_submit(case=case, actor=investor_user)
    assert (case.state, case.submitted_at is not None, case.assignee) == ("submitted", True, None)
    case = services.kyc_case_start_review(case=case, actor=officer)
    assert (case.state, case.assignee) == ("in_review", officer)
    case = services.kyc_case_request_information(case=case, actor=officer, reason_code="document_expired",
                                                 reason="The passport expired in May.")
    assert (case.state, case.reason_code, case.reason_text) == (
        "information_requested", "document_expired", "The passport expired in May.")
    case = services.kyc_case_submit(case=case, actor=investor_user)
    case = services.kyc_case_start_review(case=case, actor=officer2)
    assert case.assignee == officer  # still the officer who took it first
    case = services.kyc_case_recommend(case=case, actor=officer)
    assert (case.state, case.recommended_by, case.risk_rating) == ("recommended", officer, "low")
    case = services.kyc_case_return_to_review(case=case, actor=officer2, reason="Check the address again.")
    assert (case.state, case.recommended_by) == ("in_review", None)
    case = services.kyc_case_recommend(case=case, actor=officer2)
    # Both officers reviewed and recommended: the checker is a third (every maker is refused).
    cleared = []
    investor_cleared.connect(receiver := lambda **kw: cleared.append(kw["investor_id"]), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = services.kyc_case_approve(case=case, actor=officer3)
    finally:
        investor_cleared.disconnect(receiver)

    case.refresh_from_db()
    assert (case.state, case.decided_by, case.risk_rating) == ("approved", officer3, "low")
    assert cleared == [person.pk]
    assert case.refresh_due == case.decided_at.date().replace(year=case.decided_at.year + 3)
    assert list(AuditEvent.objects.filter(content_type__model="kyccase", object_id=case.pk).order_by("id")
                .values_list("name", "actor__username", "reason")) == [
        ("", "investor", ""),
        ("submit", "investor", ""),
        ("start_review", "officer", ""),
        ("request_information", "officer", "[document_expired] The passport expired in May."),
        ("submit", "investor", ""),
        ("start_review", "officer2", ""),
        ("recommend", "officer", ""),
        ("return_to_review", "officer2", "Check the address again."),
        ("recommend", "officer2", ""),
        ("approve", "officer3", ""),
    ]


def test_a_rejection_by_someone_without_the_permission_is_refused_before_its_reason_code(
        person, officer, ops):
    from core.errors import NotPermitted

    case = walk(services.kyc_case_open(actor=officer, investor=person),
                [("submit", officer), ("start_review", officer)])
    events = AuditEvent.objects.count()

    with pytest.raises(NotPermitted) as exc:
        services.kyc_case_reject(case=case, actor=ops, reason_code="not-a-code", reason="No.")

    assert exc.value.message == ("You may not 'reject' this KYC case: it needs the permission "
                                 "'compliance.reject_kyccase', which you do not have.")
    case.refresh_from_db()
    assert (case.state, case.reason_code, AuditEvent.objects.count()) == ("in_review", "", events)


def test_the_admin_names_the_case_as_its_model_is_spelled_after_an_action(person, officer, client):
    accept_required_documents(person, officer)
    case = services.kyc_case_open(actor=officer, investor=person)
    client.force_login(officer)

    url = f"/admin/compliance/kyccase/{case.pk}/transition/submit/"
    response = client.post(url, {"reason": ""}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [f"KYC case '{case}': submit done."]


def test_a_refused_action_names_the_case_as_its_model_is_spelled(approved_case, officer):
    with pytest.raises(TransitionNotAllowed) as exc:
        services.kyc_case_transition(case=approved_case, name="submit", actor=officer)

    assert exc.value.message == (
        f"KYC case '{approved_case}' is 'approved'; 'submit' is possible only from 'draft', "
        "'information requested'. From 'approved' the possible transitions are: expire, supersede."
    )
