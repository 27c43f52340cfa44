"""Which login an investor is (``Investor.user``) changes only by a compliance officer's request
and another officer's approval, audited. The ordinary edit refuses it: re-linking a login gives
that login the investor's KYC documents."""

import pytest
from django.urls import reverse

from compliance import services
from compliance.models import Investor, InvestorLoginChange
from core import roles
from core.errors import InvalidInput, MakerCheckerViolation, NotPermitted
from core.models import AuditEvent
from tests.factories import make_user, pdf

pytestmark = pytest.mark.django_db

REFUSAL = ("Which login an investor is ('user') is not changed by an edit: a compliance officer "
           "requests a login change and another officer approves it.")


@pytest.fixture
def officer2(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer2")


@pytest.fixture
def newcomer(db):
    return make_user(roles.INVESTOR, "newcomer")


@pytest.fixture
def with_documents(investor, officer):
    services.document_upload(actor=officer, investor=investor, kind="identity", file=pdf("passport.pdf"))
    return investor


def counts() -> tuple[int, int]:
    return AuditEvent.objects.count(), InvestorLoginChange.objects.count()


def test_operations_may_not_relink_a_login_by_editing_the_investor(api, ops, with_documents,
                                                                   investor_user, newcomer):
    before = counts()

    response = api(ops).patch(f"/api/v1/investors/{with_documents.pk}/", {"user": newcomer.pk})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"user": [REFUSAL]}
    with_documents.refresh_from_db()
    assert (with_documents.user, counts()) == (investor_user, before)
    assert api(newcomer).get("/api/v1/documents/").json()["results"] == []


@pytest.mark.parametrize("who", ["ops", "officer"])
def test_the_edit_service_refuses_a_new_login_for_every_role(request, who, investor, newcomer):
    actor = request.getfixturevalue(who)
    before = counts()

    with pytest.raises(InvalidInput) as exc:
        services.investor_update(investor=investor, actor=actor, user=newcomer)
    with pytest.raises(InvalidInput):
        services.investor_update(investor=investor, actor=actor, user=None)

    assert (exc.value.field, exc.value.message) == ("user", REFUSAL)
    investor.refresh_from_db()
    assert (investor.user.username, counts()) == ("investor", before)


def test_an_edit_that_keeps_the_login_goes_through(investor, investor_user, ops):
    services.investor_update(investor=investor, actor=ops, user=investor_user, phone="+65 6000 0000")

    investor.refresh_from_db()
    assert (investor.user, investor.phone) == (investor_user, "+65 6000 0000")


def test_the_admin_shows_the_login_read_only_on_an_existing_investor(client, ops, investor):
    client.force_login(ops)

    page = client.get(reverse("admin:compliance_investor_change", args=[investor.pk])).content.decode()
    add = client.get(reverse("admin:compliance_investor_add")).content.decode()

    assert 'name="user"' not in page and 'name="legal_name"' in page
    assert 'name="user"' in add


def test_a_login_change_takes_two_officers_and_is_audited(api, officer, officer2, with_documents,
                                                          investor_user, newcomer):
    requested = api(officer).post("/api/v1/investor-login-changes/", {
        "investor": with_documents.pk, "to_user": newcomer.pk,
        "reason": "The director's old login was compromised; new login issued after a video call."})
    assert requested.status_code == 201, requested.json()
    change_id = requested.json()["id"]
    assert (requested.json()["state"], requested.json()["from_user"], requested.json()["to_user"],
            requested.json()["requested_by"]) == ("requested", investor_user.pk, newcomer.pk, "officer")
    before = counts()

    same = api(officer).post(f"/api/v1/investor-login-changes/{change_id}/approve/")

    assert (same.status_code, same.json()["error"]["code"]) == (403, "maker_checker")
    with_documents.refresh_from_db()
    assert (with_documents.user, counts()) == (investor_user, before)

    approved = api(officer2).post(f"/api/v1/investor-login-changes/{change_id}/approve/",
                                  {"reason": "Call recording checked."})

    assert (approved.status_code, approved.json()["state"], approved.json()["decided_by"]) == (
        200, "approved", "officer2")
    with_documents.refresh_from_db()
    assert with_documents.user == newcomer
    edit = AuditEvent.objects.get(content_type__model="investor", object_id=with_documents.pk,
                                  changes__has_key="user", action="update")
    assert (edit.actor, edit.changes) == (officer2, {"user": [investor_user.pk, newcomer.pk]})
    assert edit.reason == (f"login change #{change_id} requested by officer, approved by officer2: "
                           "The director's old login was compromised; new login issued after a video call.")
    assert list(AuditEvent.objects.filter(content_type__model="investorloginchange", object_id=change_id)
                .order_by("id").values_list("action", "name", "actor__username")) == [
        ("create", "", "officer"), ("transition", "approve", "officer2")]
    assert sorted(d["id"] for d in api(newcomer).get("/api/v1/documents/").json()["results"]) == sorted(
        with_documents.documents.values_list("id", flat=True))
    assert api(investor_user).get("/api/v1/investors/").json()["results"] == []


@pytest.mark.parametrize("who", ["ops", "trustee", "investor_user"])
def test_only_compliance_requests_a_login_change(request, api, who, investor, newcomer):
    before = counts()

    response = api(request.getfixturevalue(who)).post("/api/v1/investor-login-changes/", {
        "investor": investor.pk, "to_user": newcomer.pk, "reason": "Please."})

    assert response.status_code == 403
    assert counts() == before


def test_operations_may_not_approve_a_login_change(officer, ops, investor, newcomer):
    change = services.investor_login_change_request(actor=officer, investor=investor, to_user=newcomer,
                                                    reason="New login.")
    before = counts()

    with pytest.raises(NotPermitted) as exc:
        services.investor_login_change_approve(change=change, actor=ops)

    assert exc.value.message == ("You may not 'approve' this investor login change: it needs the "
                                 "permission 'compliance.approve_investorloginchange', which you do "
                                 "not have.")
    change.refresh_from_db()
    investor.refresh_from_db()
    assert (change.state, investor.user.username, counts()) == ("requested", "investor", before)


def test_the_requester_never_approves(officer, investor, newcomer):
    change = services.investor_login_change_request(actor=officer, investor=investor, to_user=newcomer,
                                                    reason="New login.")

    with pytest.raises(MakerCheckerViolation):
        services.investor_login_change_approve(change=change, actor=officer)


def test_a_login_already_used_or_a_staff_login_cannot_be_requested(officer, investor, other_investor,
                                                                   ops):
    before = counts()

    with pytest.raises(InvalidInput) as taken:
        services.investor_login_change_request(actor=officer, investor=investor,
                                               to_user=other_investor.user, reason="Merge.")
    with pytest.raises(InvalidInput) as staff:
        services.investor_login_change_request(actor=officer, investor=investor, to_user=ops,
                                               reason="Testing.")
    with pytest.raises(InvalidInput) as same:
        services.investor_login_change_request(actor=officer, investor=investor, to_user=investor.user,
                                               reason="Again.")
    with pytest.raises(InvalidInput) as why:
        services.investor_login_change_request(actor=officer, investor=investor, to_user=None, reason=" ")

    assert (taken.value.field, taken.value.message) == (
        "to_user", "The login 'other-investor' is already the login of another investor.")
    assert (staff.value.field, staff.value.message) == (
        "to_user", "The login 'ops' belongs to a staff role; an investor's login cannot.")
    assert (same.value.field, same.value.message) == (
        "to_user", "The login 'investor' is already this investor's login.")
    assert (why.value.field, why.value.message) == ("reason", "Say why the login changes.")
    assert counts() == before


def test_one_open_request_per_investor(officer, investor, newcomer):
    services.investor_login_change_request(actor=officer, investor=investor, to_user=newcomer,
                                           reason="New login.")
    before = counts()

    with pytest.raises(InvalidInput) as exc:
        services.investor_login_change_request(actor=officer, investor=investor, to_user=None,
                                               reason="Unlink instead.")

    assert exc.value.field == "investor"
    assert exc.value.message.startswith("Own Investor Ltd already has login change #")
    assert counts() == before


def test_approval_is_refused_when_the_login_was_taken_meanwhile(ops, officer, officer2, investor,
                                                                newcomer):
    change = services.investor_login_change_request(actor=officer, investor=investor, to_user=newcomer,
                                                    reason="New login.")
    services.investor_create(actor=ops, kind="entity", legal_name="Quick Ltd", email="q@example.test",
                             country_of_residence="SG", registration_number="202612345K",
                             address="1 Quick Road", user=newcomer)
    before = counts()

    with pytest.raises(InvalidInput) as exc:
        services.investor_login_change_approve(change=change, actor=officer2)

    assert (exc.value.field, exc.value.message) == (
        "to_user", "The login 'newcomer' is already the login of another investor.")
    change.refresh_from_db()
    investor.refresh_from_db()
    assert (change.state, investor.user.username, counts()) == ("requested", "investor", before)


def test_a_rejected_request_changes_nothing(officer, officer2, investor, investor_user, newcomer):
    change = services.investor_login_change_request(actor=officer, investor=investor, to_user=newcomer,
                                                    reason="New login.")

    change = services.investor_login_change_reject(change=change, actor=officer2,
                                                   reason="Identity not confirmed.")

    investor.refresh_from_db()
    assert (change.state, change.decided_by, investor.user) == ("rejected", officer2, investor_user)


def test_unlinking_a_login_also_takes_two_officers(officer, officer2, investor):
    change = services.investor_login_change_request(actor=officer, investor=investor, to_user=None,
                                                    reason="Login reported stolen.")
    services.investor_login_change_approve(change=change, actor=officer2)

    assert Investor.objects.get(pk=investor.pk).user is None


def test_a_second_officer_approves_in_the_admin(client, officer, officer2, investor, newcomer):
    change = services.investor_login_change_request(actor=officer, investor=investor, to_user=newcomer,
                                                    reason="New login.")
    url = reverse("admin:compliance_investorloginchange_transition", args=[change.pk, "approve"])
    page = reverse("admin:compliance_investorloginchange_change", args=[change.pk])

    client.force_login(officer)
    assert "transition-approve" not in client.get(page).content.decode()
    client.force_login(officer2)
    assert "transition-approve" in client.get(page).content.decode()
    response = client.post(url, {"reason": ""})

    assert response.status_code == 302
    investor.refresh_from_db()
    assert investor.user == newcomer


def test_an_officer_requests_in_the_admin(client, officer, investor, newcomer):
    client.force_login(officer)
    inline = "core-auditevent-content_type-object_id"

    response = client.post(reverse("admin:compliance_investorloginchange_add"), {
        "investor": investor.pk, "to_user": newcomer.pk, "reason": "New login after a video call.",
        f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"})

    assert response.status_code == 302, response.content.decode()[:2000]
    change = InvestorLoginChange.objects.get()
    assert (change.investor, change.from_user.username, change.to_user, change.requested_by,
            change.state) == (investor, "investor", newcomer, officer, "requested")
    investor.refresh_from_db()
    assert investor.user.username == "investor"
