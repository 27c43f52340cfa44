from datetime import date
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from screening.models import ListVersion, ScreeningHit
from screening.services import screen_investor
from tests.screening.conftest import SAMPLE, csv_bytes, person

pytestmark = pytest.mark.django_db

LISTS = "/api/v1/screening/lists/"


@pytest.fixture
def hit(sample_list, officer):
    [hit] = screen_investor(investor=person("Boris Zanzibarov", born=date(1961, 7, 4), country="RU"),
                            actor=officer)
    return hit


def upload(client, data: bytes, label="2026-11-22"):
    return client.post(LISTS, {"name": "demo", "version_label": label,
                               "file": SimpleUploadedFile("targets.simple.csv", data)}, format="multipart")


def test_an_officer_imports_a_list_through_the_api(api, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        response = upload(api(officer), SAMPLE.read_bytes())

    assert response.status_code == 201, response.data
    keys = ("name", "version_label", "row_count", "is_current", "imported_by")
    assert {k: response.data[k] for k in keys} == {
        "name": "demo", "version_label": "2026-11-22", "row_count": 20, "is_current": True,
        "imported_by": "officer"}


def test_a_malformed_upload_is_refused_with_the_lines(api, officer, sample_list):
    response = upload(api(officer), csv_bytes("a,Person,,,,,,,,,,d,,,", ",Person,B,,,,,,,,,d,,,"))

    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid"
    assert response.data["error"]["reasons"] == ["line 2: name is empty.", "line 3: id is empty."]
    assert list(ListVersion.objects.values_list("version_label", "is_current")) == [("2026-11-01", True)]


@pytest.mark.parametrize(("who", "status"), [("ops", 403), ("trustee", 403), ("investor_user", 403)])
def test_only_officers_upload(api, request, who, status):
    assert upload(api(request.getfixturevalue(who)), SAMPLE.read_bytes()).status_code == status
    assert ListVersion.objects.count() == 0


@pytest.mark.parametrize(("who", "count"), [("officer", 1), ("ops", 1), ("trustee", 1)])
def test_staff_roles_read_hits(api, request, hit, who, count):
    response = api(request.getfixturevalue(who)).get("/api/v1/screening/hits/", {"state": "pending"})
    assert response.status_code == 200
    assert response.data["count"] == count
    row = response.data["results"][0]
    assert (row["subject"], row["entity_id"], row["score"], row["list_version"], row["algorithm_version"],
            row["threshold"]) == ("Boris Zanzibarov", "gcx-0001", "1.0000", "demo 2026-11-01", "gc-name-3.0",
                                  "0.8500")


def test_entries_show_their_aliases_and_a_hit_names_the_alias_that_matched(api, officer, sample_list):
    client = api(officer)
    with CaptureQueriesContext(connection) as few:
        small = client.get("/api/v1/screening/entries/", {"page_size": 2})
    with CaptureQueriesContext(connection) as many:
        page = client.get("/api/v1/screening/entries/", {"page_size": 20})
    assert (small.status_code, page.status_code) == (200, 200)
    assert len(few.captured_queries) == len(many.captured_queries)  # aliases prefetched, not per row
    boris = next(row for row in page.data["results"] if row["entity_id"] == "gcx-0001")
    assert [(a["position"], a["name"], a["quality"], a["screened"]) for a in boris["aliases"]] == [
        (1, "Борис Занзибаров", "", True), (2, "Boris Z. Zanzibarov", "", True)]
    found = client.get("/api/v1/screening/entries/", {"search": "Z. Zanzibarov"}).data
    assert [row["entity_id"] for row in found["results"]] == ["gcx-0001"]

    [hit] = screen_investor(investor=person("Boris Z. Zanzibarov", country="RU"), actor=officer)
    row = client.get(f"/api/v1/screening/hits/{hit.pk}/").data
    assert (row["entry_name"], row["alias"], row["matched_name"], row["features"]["matched_as"]) == (
        "Boris Zanzibarov", hit.alias_id, "Boris Z. Zanzibarov", "alias")
    assert hit.alias.position == 2


def test_investors_see_no_screening_data(api, investor_user, hit):
    for path in ("hits", "lists", "runs", "entries", "whitelist"):
        assert api(investor_user).get(f"/api/v1/screening/{path}/").status_code == 403


def test_an_officer_decides_through_the_api_and_ops_may_not(api, officer, ops, hit):
    url = f"/api/v1/screening/hits/{hit.pk}/mark-false-positive/"
    refused = api(ops).post(url, {"reason": "not him"})
    assert refused.status_code == 403
    assert refused.data["error"]["code"] == "permission_denied"
    hit.refresh_from_db()
    assert hit.state == "pending"

    missing_reason = api(officer).post(url, {})
    assert (missing_reason.status_code, missing_reason.data["error"]["fields"]) == (
        400, {"reason": ["A reason is required to 'mark false positive'."]})

    done = api(officer).post(url, {"reason": "Different birth date on passport."})
    assert (done.status_code, done.data["state"], done.data["decided_by"]) == (
        200, "false_positive", "officer")

    whitelist = api(officer).post("/api/v1/screening/whitelist/", {
        "investor": hit.investor_id, "entity_id": "gcx-0001", "valid_until": "2099-12-31",
        "reason": "Passport checked.", "hit": hit.pk})
    assert whitelist.status_code == 201, whitelist.data
    assert (whitelist.data["valid_until"], whitelist.data["created_by"]) == ("2099-12-31", "officer")


def test_run_progress_is_visible(api, trustee, hit):
    response = api(trustee).get(f"/api/v1/screening/runs/{hit.run_id}/")
    keys = ("state", "total", "processed", "progress_percent", "hits_created")
    assert {k: response.data[k] for k in keys} == {
        "state": "done", "total": 1, "processed": 1, "progress_percent": 100, "hits_created": 1}


def test_admin_lists_hits_and_decides_through_the_service(client, officer, hit):
    client.force_login(officer)
    changelist = client.get(reverse("admin:screening_screeninghit_changelist"), {"state": "pending"})
    assert changelist.status_code == 200
    page = client.get(reverse("admin:screening_screeninghit_change", args=[hit.pk])).content.decode()
    assert "transition-confirm" in page

    url = reverse("admin:screening_screeninghit_transition", args=[hit.pk, "confirm"])
    assert client.post(url, {"reason": "Same person."}).status_code == 302

    hit.refresh_from_db()
    assert (hit.state, hit.decided_by, hit.decision_reason) == ("confirmed", officer, "Same person.")
    assert AuditEvent.objects.filter(content_type__model="screeninghit", name="confirm").count() == 1


def test_admin_upload_imports_or_lists_the_bad_lines(client, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    url = reverse("admin:screening_listversion_add")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": "demo", "version_label": "v1",
                            "file": SimpleUploadedFile("x.csv", csv_bytes(",Person,,,,,,,,,,d,,,"))},
                      follow=True)
    messages = [str(m) for m in bad.context["messages"]]
    assert messages[1:] == ["line 2: id is empty.", "line 2: name is empty."]
    assert ListVersion.objects.count() == 0

    with django_capture_on_commit_callbacks():
        good = client.post(url, {"name": "demo", "version_label": "v1",
                                 "file": SimpleUploadedFile("x.csv", SAMPLE.read_bytes())})
    assert good.status_code == 302
    assert ListVersion.objects.get().row_count == 20


def test_management_command_imports(officer, django_capture_on_commit_callbacks, tmp_path):
    out = StringIO()
    with django_capture_on_commit_callbacks():
        call_command("import_sanctions_list", str(SAMPLE), "--name", "demo", "--version", "v1",
                     "--as-user", "officer", stdout=out)
    assert "Imported demo v1 (20 entries" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("x,Person,X,,1970-02-30,,,,,,,d,,,"))
    with pytest.raises(CommandError) as refused:
        call_command("import_sanctions_list", str(bad), "--name", "demo", "--version", "v2",
                     "--as-user", "officer")
    assert "line 2: birth_date '1970-02-30' is not a date" in str(refused.value)
    assert ListVersion.objects.count() == 1
    assert ScreeningHit.objects.count() == 0


def test_admin_shows_an_entry_with_its_aliases(client, officer, sample_list):
    client.force_login(officer)
    entry = sample_list.entries.get(entity_id="gcx-0001")
    page = client.get(reverse("admin:screening_listentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert "Борис Занзибаров" in page.content.decode() and "Boris Z. Zanzibarov" in page.content.decode()
    found = client.get(reverse("admin:screening_listentry_changelist"), {"q": "Z. Zanzibarov"})
    assert [e.entity_id for e in found.context["cl"].result_list] == ["gcx-0001"]
