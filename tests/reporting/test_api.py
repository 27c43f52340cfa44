"""The reports API: list, request, download with its ETag, retry; bulk runs. Another investor's
report is a 404 on every route."""

import hashlib

import pytest

from reporting.models import Kind, Report, StatementRun
from tests.factories import make_deal
from tests.reporting.conftest import make_period, stored_report

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


@pytest.fixture
def reports(closed_deal, period, investor, other_investor, ops):
    other_deal = make_deal(actor=ops)
    common = {"deal": closed_deal, "period": period, "format": "pdf", "version": 1}
    return {
        "own": stored_report(kind=Kind.INVESTOR_STATEMENT, investor=investor, **common),
        "other": stored_report(
            kind=Kind.INVESTOR_STATEMENT, investor=other_investor, data=b"other", **common
        ),
        "servicer": stored_report(kind=Kind.SERVICER_REPORT, **common),
        "not_held": stored_report(
            kind=Kind.SERVICER_REPORT,
            deal=other_deal,
            period=make_period(other_deal),
            format="pdf",
            version=1,
        ),
    }


def test_an_investor_lists_own_statements_and_reports_of_deals_held(reports, investor_user, api):
    response = api(investor_user).get(URL)
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()["results"]) == sorted(
        [reports["own"].pk, reports["servicer"].pk]
    )


def test_the_trustee_lists_every_report(reports, trustee, api):
    response = api(trustee).get(URL, {"kind": "servicer_report"})
    assert sorted(r["id"] for r in response.json()["results"]) == sorted(
        [reports["servicer"].pk, reports["not_held"].pk]
    )


@pytest.mark.parametrize("which", ["other", "not_held"])
@pytest.mark.parametrize("route", ["{id}/", "{id}/download/"])
def test_another_investors_report_is_a_404_on_every_get_route(reports, investor_user, api, which, route):
    response = api(investor_user).get(URL + route.format(id=reports[which].pk))
    assert response.status_code == 404


def test_another_investors_report_is_a_404_on_retry_and_nothing_changes(reports, investor_user, api):
    Report.objects.filter(pk=reports["other"].pk).update(state=Report.State.FAILED)
    response = api(investor_user).post(URL + f"{reports['other'].pk}/retry/", {}, format="json")
    assert response.status_code == 404
    assert Report.objects.get(pk=reports["other"].pk).state == Report.State.FAILED


def test_download_gives_the_file_with_its_hash_as_etag_and_304_when_unchanged(reports, investor_user, api):
    client = api(investor_user)
    response = client.get(URL + f"{reports['own'].pk}/download/")
    body = b"".join(response) if response.streaming else response.content
    assert response.status_code == 200
    assert hashlib.sha256(body).hexdigest() == reports["own"].file_sha256
    assert response["ETag"] == f'"{reports["own"].file_sha256}"'
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    again = client.get(URL + f"{reports['own'].pk}/download/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_tampered_file_is_a_409_not_the_file(reports, trustee, api):
    report = reports["servicer"]
    with report.file.storage.open(report.file.name, "wb") as handle:
        handle.write(b"tampered")
    response = api(trustee).get(URL + f"{report.pk}/download/")
    assert response.status_code == 409
    assert b"tampered" not in response.content
    assert "does not match the SHA-256" in response.json()["error"]["message"]


def test_ops_requests_a_report_and_it_is_queued(closed_deal, period, investor, ops, api, published):
    response = api(ops).post(
        URL,
        {
            "kind": "investor_statement",
            "deal": closed_deal.pk,
            "period": period.pk,
            "investor": investor.pk,
            "format": "csv",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("kind", "version", "state", "draft", "format")} == {
        "kind": "investor_statement",
        "version": 1,
        "state": "queued",
        "draft": False,
        "format": "csv",
    }


@pytest.mark.parametrize("who", ["investor_user", "trustee"])
def test_only_operations_requests_reports(closed_deal, period, request, api, who):
    response = api(request.getfixturevalue(who)).post(
        URL,
        {"kind": "servicer_report", "deal": closed_deal.pk, "period": period.pk, "format": "pdf"},
        format="json",
    )
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_a_request_naming_a_wrong_field_is_a_400_naming_it(closed_deal, period, ops, api):
    response = api(ops).post(
        URL, {"kind": "impact_report", "deal": closed_deal.pk, "year": 1900, "format": "pdf"}, format="json"
    )
    assert response.status_code == 400 and "year" in response.json()["error"]["fields"]
    response = api(ops).post(
        URL, {"kind": "servicer_report", "deal": closed_deal.pk, "format": "pdf"}, format="json"
    )
    assert response.status_code == 400 and "period" in response.json()["error"]["fields"]
    assert Report.objects.count() == 0


def test_download_of_a_report_not_done_is_a_409(closed_deal, period, ops, api):
    report = Report.objects.create(
        kind=Kind.SERVICER_REPORT, deal=closed_deal, period=period, format="pdf", version=1
    )
    assert api(ops).get(URL + f"{report.pk}/download/").status_code == 409


def test_bulk_runs_through_the_api(closed_deal, period, ops, investor_user, api, published):
    response = api(ops).post(
        "/api/v1/statement-runs/",
        {"deal": closed_deal.pk, "period": period.pk, "formats": ["pdf"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["progress"] == {"total": 2, "queued": 2, "running": 0, "done": 0, "failed": 0}
    run = StatementRun.objects.get()
    assert api(ops).get(f"/api/v1/statement-runs/{run.pk}/").status_code == 200
    assert api(investor_user).get(f"/api/v1/statement-runs/{run.pk}/").status_code in (403, 404)
    assert api(ops).post(f"/api/v1/statement-runs/{run.pk}/retry/", {}, format="json").status_code == 409
