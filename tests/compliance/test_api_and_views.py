"""Onboarding over the API, object-level permissions, the queue pages and private downloads."""

from datetime import date

import pytest
from django.test import Client

from compliance import services
from compliance.models import Document, KycCase
from core.models import AuditEvent
from tests.factories import PDF_BYTES, pdf
from tests.two_factor import VerifiedClient

pytestmark = pytest.mark.django_db


def test_onboarding_over_the_api(api, ops, officer, officer2, investor_user, open_deal):
    client = api(ops)
    created = client.post("/api/v1/investors/", {
        "kind": "individual", "legal_name": "Lee Mei Ling", "email": "lee@example.test",
        "country_of_residence": "SG", "nationality": "SG", "date_of_birth": "1985-03-02",
        "address": "1 Orchard Road", "user": investor_user.pk})
    assert created.status_code == 201, created.json()
    investor_id = created.json()["id"]
    for kind in ("identity", "proof_of_address"):
        up = client.post("/api/v1/documents/", {"investor": investor_id, "kind": kind, "file": pdf("id.pdf")},
                         format="multipart")
        assert up.status_code == 201, up.json()
        assert (up.json()["content_type"], up.json()["size"], up.json()["state"]) == (
            "application/pdf", len(PDF_BYTES), "pending")
        assert api(officer).post(f"/api/v1/documents/{up.json()['id']}/decide/",
                                 {"decision": "accept"}).status_code == 200
    case = client.post("/api/v1/kyc-cases/", {"investor": investor_id})
    assert (case.status_code, case.json()["state"], case.json()["kind"]) == (201, "draft", "kyc")
    case_id = case.json()["id"]
    assert api(investor_user).post(f"/api/v1/kyc-cases/{case_id}/submit/").json()["state"] == "submitted"
    assert api(officer).post(f"/api/v1/kyc-cases/{case_id}/start-review/").status_code == 200
    assert api(officer).post(f"/api/v1/kyc-cases/{case_id}/recommend/").json()["recommended_by"] == "officer"

    same = api(officer).post(f"/api/v1/kyc-cases/{case_id}/approve/")
    assert (same.status_code, same.json()["error"]["code"]) == (403, "maker_checker")
    approved = api(officer2).post(f"/api/v1/kyc-cases/{case_id}/approve/")
    assert (approved.status_code, approved.json()["state"], approved.json()["decided_by"]) == (
        200, "approved", "officer2")

    status = api(investor_user).get(f"/api/v1/investors/{investor_id}/status/").json()
    assert (status["latest_case"]["state"], status["approved_until"]) == (
        "approved", approved.json()["refresh_due"])
    eligibility = api(investor_user).get(f"/api/v1/investors/{investor_id}/eligibility/",
                                         {"deal": open_deal.pk})
    assert eligibility.json() == {"investor": investor_id, "deal": open_deal.pk, "ok": True, "reasons": []}


def test_a_reason_code_is_required_over_the_api(api, officer, person):
    case = services.kyc_case_open(actor=officer, investor=person)
    services.kyc_case_transition(case=case, name="submit", actor=officer)
    services.kyc_case_transition(case=case, name="start_review", actor=officer)

    response = api(officer).post(f"/api/v1/kyc-cases/{case.pk}/reject/",
                                 {"reason": "No.", "reason_code": "nope"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason_code": ['"nope" is not a valid choice.']}
    case.refresh_from_db()
    assert case.state == "in_review"


def test_an_ineligible_investor_is_told_why(api, investor, investor_user, open_deal):
    case = KycCase.objects.get(investor=investor)
    KycCase.objects.filter(pk=case.pk).update(state="rejected", refresh_due=None)

    response = api(investor_user).get(f"/api/v1/investors/{investor.pk}/eligibility/", {"deal": open_deal.pk})

    assert response.json() == {"investor": investor.pk, "deal": open_deal.pk, "ok": False,
                               "reasons": [f"KYC is not approved: the latest case #{case.pk} is 'rejected'."]}


@pytest.mark.parametrize("endpoint", ["kyc-cases", "documents", "classifications", "wallet-challenges",
                                      "beneficial-owners"])
def test_investors_see_only_their_own_rows(api, investor, other_investor, investor_user, officer, endpoint):
    services.classification_record(actor=officer, investor=investor, regime="hk", figures={"portfolio": 1},
                                   valid_until=date(2030, 1, 1))
    services.classification_record(actor=officer, investor=other_investor, regime="hk",
                                   figures={"portfolio": 1}, valid_until=date(2030, 1, 1))
    for inv in (investor, other_investor):
        services.wallet_challenge_issue(actor=officer, investor=inv,
                                        address=f"0x{inv.pk:040x}")
    mine = {"kyc-cases": investor.kyc_cases, "documents": investor.documents,
            "classifications": investor.classifications, "wallet-challenges": investor.wallet_challenges,
            "beneficial-owners": investor.beneficial_owners}[endpoint]

    rows = api(investor_user).get(f"/api/v1/{endpoint}/", {"page_size": 500}).json()["results"]

    assert {r["id"] for r in rows} == set(mine.values_list("pk", flat=True))
    other_row = {"kyc-cases": other_investor.kyc_cases, "documents": other_investor.documents,
                 "classifications": other_investor.classifications,
                 "wallet-challenges": other_investor.wallet_challenges}.get(endpoint)
    if other_row is not None:
        response = api(investor_user).get(f"/api/v1/{endpoint}/{other_row.first().pk}/")
        assert response.status_code == 404


def test_an_investor_cannot_upload_to_another_profile(api, other_investor, investor_user):
    files = Document.objects.count()
    body = {"investor": other_investor.pk, "kind": "identity", "file": pdf()}
    response = api(investor_user).post("/api/v1/documents/", body, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["investor"] == [
        f'Invalid pk "{other_investor.pk}" - object does not exist.']
    assert Document.objects.count() == files


def test_a_disguised_upload_is_refused_over_the_api(api, ops, investor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files, events = Document.objects.count(), AuditEvent.objects.count()
    response = api(ops).post("/api/v1/documents/", {
        "investor": investor.pk, "kind": "identity",
        "file": SimpleUploadedFile("passport.pdf", b"MZ\x90\x00" + b"\x00" * 64)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "'passport.pdf' is a Windows executable by its content; only PDF, JPEG and PNG files are accepted.")
    assert (Document.objects.count(), AuditEvent.objects.count()) == (files, events)


def login(user) -> Client:
    client = VerifiedClient()
    client.force_login(user)
    return client


def test_documents_are_served_to_officers_and_their_investor_only(investor, investor_user, officer, ops,
                                                                  trustee, other_investor):
    doc = investor.documents.first()
    url = f"/compliance/documents/{doc.pk}/"

    for user in (officer, investor_user):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Disposition"] == 'attachment; filename="doc.pdf"'
    for user in (ops, trustee, other_investor.user):
        assert login(user).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_queue_is_for_officers(officer, ops, investor_user, person):
    services.kyc_case_open(actor=officer, investor=person)
    assert login(ops).get("/compliance/queue/").status_code == 403
    assert login(investor_user).get("/compliance/queue/").status_code == 403
    page = login(officer).get("/compliance/queue/", {"assignee": "none"})
    assert page.status_code == 200
    assert "Chan Tai Man" in page.content.decode()


def test_the_queue_filters_by_state_and_assignee(officer, officer2, person, ops):
    from tests.factories import make_investor

    mine = services.kyc_case_open(actor=officer, investor=person)
    services.kyc_case_assign(case=mine, actor=officer)
    other = services.kyc_case_open(actor=officer, investor=make_investor(actor=ops, eligible=False,
                                                                         name="Other Co Ltd"))
    client = login(officer)

    def ids(**params):
        return [c.pk for c, _ in client.get("/compliance/queue/", params).context["rows"]]

    assert ids() == [mine.pk, other.pk]
    assert ids(assignee="me") == [mine.pk]
    assert ids(assignee="none") == [other.pk]
    approved = KycCase.objects.filter(state="approved").order_by("created_at", "id")
    assert ids(state="approved") == [c.pk for c in approved]
    assert ids(older_than_days=1) == []


def test_an_officer_decides_from_the_case_page(officer, officer2, person):
    from tests.compliance.conftest import accept_required_documents

    accept_required_documents(person, officer)
    case = services.kyc_case_open(actor=officer, investor=person)
    services.kyc_case_transition(case=case, name="submit", actor=officer)
    client = login(officer)

    client.post(f"/compliance/cases/{case.pk}/transition/start_review/")
    client.post(f"/compliance/cases/{case.pk}/transition/recommend/")
    refused = client.post(f"/compliance/cases/{case.pk}/transition/approve/", follow=True)
    assert "a different person must" in refused.content.decode()
    login(officer2).post(f"/compliance/cases/{case.pk}/transition/approve/")

    case.refresh_from_db()
    assert (case.state, case.recommended_by, case.decided_by) == ("approved", officer, officer2)
    page = login(officer2).get(f"/compliance/cases/{case.pk}/").content.decode()
    assert "approve" in page and "officer2" in page
