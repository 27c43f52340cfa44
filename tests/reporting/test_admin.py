"""The reports admin: lists, downloads through the hash check, retries failed reports."""

import pytest

from reporting.models import Kind, Report
from tests.reporting.conftest import stored_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(closed_deal, period):
    return stored_report(kind=Kind.SERVICER_REPORT, deal=closed_deal, period=period, format="pdf", version=1)


@pytest.mark.parametrize("who", ["ops", "trustee"])
def test_staff_list_reports_and_download_them(report, client, request, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get("/admin/reporting/report/")
    assert page.status_code == 200 and b"download" in page.content
    file = client.get(f"/admin/reporting/report/{report.pk}/download/")
    assert (file.status_code, file.content) == (200, b"%PDF-1.4 test")
    assert client.get(f"/admin/reporting/report/{report.pk}/change/").status_code == 200
    assert client.get("/admin/reporting/statementrun/").status_code == 200


def test_a_tampered_file_is_refused_in_the_admin_too(report, client, ops):
    with report.file.storage.open(report.file.name, "wb") as handle:
        handle.write(b"changed")
    client.force_login(ops)
    response = client.get(f"/admin/reporting/report/{report.pk}/download/")
    assert response.status_code == 409 and b"changed" not in response.content


def test_ops_retries_a_failed_report(report, client, ops, published, django_capture_on_commit_callbacks):
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED)
    client.force_login(ops)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/reporting/report/", {"action": "retry", "_selected_action": [report.pk]})
    assert Report.objects.get(pk=report.pk).state == Report.State.QUEUED
    assert [task for task, _, _ in published] == ["reporting.tasks.generate_reports"]
