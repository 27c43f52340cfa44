"""The trustee reads the officers' review queue and case pages: no buttons, no forms, no document
downloads (the matrix does not give them compliance.view_document), and every action they post
is refused with nothing changed."""

from datetime import date

import pytest

from compliance import services
from compliance.models import Document, KycCase
from core import roles
from core.errors import NotPermitted
from core.models import AuditEvent
from screening.models import ScreeningHit
from tests.compliance.conftest import accept_required_documents
from tests.factories import make_investor, pdf
from tests.html import page_content

pytestmark = pytest.mark.django_db
HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
          "dataset,first_seen,last_seen,last_change")
ROW = ("gcx-9001,Person,Boris Zanzibarov,,1961-07-04,ru,,,Fictional Programme,,,Test List,"
       "2025-01-10T09:00:00,2026-11-20T09:00:00,2025-06-01T09:00:00")


@pytest.fixture
def case(ops, officer, investor_user):
    """A case in review with a screening hit pending and a document not yet decided."""
    from screening.services import list_import

    list_import(name="test", version_label="v1", data=f"{HEADER}\n{ROW}\n".encode(), actor=officer)
    person = make_investor(actor=ops, user=investor_user, name="Boris Zanzibarov", eligible=False,
                           kind="individual", country_of_residence="CY", nationality="CY",
                           date_of_birth=date(1961, 7, 4), registration_number="")
    accept_required_documents(person, officer)
    services.document_upload(actor=investor_user, investor=person, kind="accreditation", file=pdf("sof.pdf"))
    case = services.kyc_case_open(actor=investor_user, investor=person)
    services.kyc_case_transition(case=case, name="submit", actor=investor_user)
    return services.kyc_case_transition(case=case, name="start_review", actor=officer)


def snapshot(case):
    case.refresh_from_db()
    return (case.state, case.assignee_id, case.recommended_by_id,
            sorted(Document.objects.filter(investor=case.investor).values_list("pk", "state")),
            sorted(ScreeningHit.objects.filter(investor=case.investor).values_list("pk", "state")),
            AuditEvent.objects.count())


def test_the_trustee_reads_the_queue_and_the_case_without_any_action(client, trustee, officer, case):
    assert not trustee.has_perm("compliance.view_document")
    assert "compliance.view_document" not in roles.MATRIX[roles.TRUSTEE_AUDITOR]
    client.force_login(trustee)

    queue = client.get("/compliance/queue/")
    assert queue.status_code == 200
    assert [c.pk for c, _ in queue.context["rows"]] == [case.pk]
    html = queue.content.decode()
    assert 'method="post"' not in page_content(queue) and ">Take<" not in html
    assert 'id="read-only"' in html

    page = client.get(f"/compliance/cases/{case.pk}/")
    assert page.status_code == 200
    html, content = page.content.decode(), page_content(page)
    assert 'method="post"' not in content and "<button" not in content and "<select" not in content
    assert "/compliance/documents/" not in html  # no download links
    assert "sof.pdf" in html and "gcx-9001" in html  # what the officers see, read-only
    assert page.context["transitions"] == []
    assert "Decisions are the compliance officers'." in html

    # The officer's page of the same case has the buttons, the forms and the downloads.
    client.force_login(officer)
    html = client.get(f"/compliance/cases/{case.pk}/").content.decode()
    assert 'data-name="recommend"' in html and "/compliance/documents/" in html
    assert 'id="read-only"' not in html


def test_the_trustee_may_not_download_a_document(client, trustee, case):
    doc = Document.objects.filter(investor=case.investor).first()
    client.force_login(trustee)
    response = client.get(f"/compliance/documents/{doc.pk}/")
    assert response.status_code == 404
    assert not response.has_header("Content-Disposition")


def test_every_action_a_trustee_posts_is_refused_and_changes_nothing(client, trustee, case):
    before = snapshot(case)
    doc = Document.objects.get(investor=case.investor, original_name="sof.pdf")
    hit = ScreeningHit.objects.get(investor=case.investor)
    client.force_login(trustee)
    posts = [
        (f"/compliance/cases/{case.pk}/take/", {}),
        *((f"/compliance/cases/{case.pk}/transition/{name}/", {"reason": "x", "reason_code": "other"})
          for name in ("request_information", "recommend", "approve", "reject", "return_to_review")),
        (f"/compliance/cases/{case.pk}/documents/{doc.pk}/decide/", {"decision": "accept"}),
        (f"/compliance/cases/{case.pk}/hits/{hit.pk}/decide/",
         {"decision": "mark_false_positive", "reason": "not him"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "trustee / auditor" in response.content.decode()  # the 403 page names their role
    assert snapshot(case) == before


def test_the_services_refuse_a_trustee_too(trustee, case):
    before = snapshot(case)
    doc = Document.objects.get(investor=case.investor, original_name="sof.pdf")
    hit = ScreeningHit.objects.get(investor=case.investor)
    from screening.services import hit_decide

    calls = [
        lambda: services.kyc_case_assign(case=case, actor=trustee),
        lambda: services.kyc_case_transition(case=case, name="recommend", actor=trustee),
        lambda: services.document_decide(document=doc, decision="accept", actor=trustee),
        lambda: hit_decide(hit=hit, decision="mark_false_positive", actor=trustee, reason="not him"),
    ]
    for call in calls:
        with pytest.raises(NotPermitted):
            call()
    assert snapshot(case) == before


def test_operations_and_investors_still_do_not_open_the_queue(client, ops, investor_user, case):
    for user in (ops, investor_user):
        client.force_login(user)
        assert client.get("/compliance/queue/").status_code == 403
        assert client.get(f"/compliance/cases/{case.pk}/").status_code == 403
    assert KycCase.objects.get(pk=case.pk).state == "in_review"


def test_an_officer_with_a_bad_filter_is_not_told_the_queue_is_read_only(client, officer):
    client.force_login(officer)
    response = client.get("/compliance/queue/", {"older_than_days": "many"})
    assert response.status_code == 400
    assert 'id="read-only"' not in response.content.decode()
