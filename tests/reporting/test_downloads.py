"""Who may download which report, and a stored file that no longer matches its hash."""

import logging

import pytest

from core import roles
from core.errors import NotPermitted, Refused
from core.models import AuditEvent
from reporting.models import Kind, Report
from reporting.selectors import reports_visible_to
from reporting.services import report_open_for_download
from reporting.signals import report_hash_mismatch
from tests.factories import make_deal
from tests.reporting.conftest import make_period, stored_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(closed_deal, period, investor, other_investor, ops):
    other_deal = make_deal(actor=ops)
    other_period = make_period(other_deal)
    common = {"deal": closed_deal, "period": period, "format": "pdf", "version": 1}
    return {
        "own": stored_report(kind=Kind.INVESTOR_STATEMENT, investor=investor, **common),
        "other": stored_report(kind=Kind.INVESTOR_STATEMENT, investor=other_investor, **common),
        "servicer": stored_report(kind=Kind.SERVICER_REPORT, **common),
        "draft": stored_report(kind=Kind.SERVICER_REPORT, **{**common, "version": 2}, draft=True),
        "not_held": stored_report(kind=Kind.SERVICER_REPORT, deal=other_deal, period=other_period,
                                  format="pdf", version=1),
    }


def test_an_investor_sees_own_statements_and_final_reports_of_deals_held(reports, investor_user):
    visible = set(reports_visible_to(investor_user).values_list("pk", flat=True))
    assert visible == {reports["own"].pk, reports["servicer"].pk}


@pytest.mark.parametrize("role", [roles.ISSUER_OPERATIONS, roles.COMPLIANCE_OFFICER, roles.TRUSTEE_AUDITOR])
def test_staff_see_every_report(reports, users, role):
    assert reports_visible_to(users[role]).count() == 5


def test_the_investor_downloads_their_statement_with_its_hash(reports, investor_user):
    got = report_open_for_download(actor=investor_user, report=reports["own"])
    assert got.data == b"%PDF-1.4 test"
    assert got.sha256 == reports["own"].file_sha256
    assert got.content_type == "application/pdf"


@pytest.mark.parametrize("which", ["other", "draft", "not_held"])
def test_an_investor_is_refused_what_is_not_theirs(reports, investor_user, which):
    with pytest.raises(NotPermitted):
        report_open_for_download(actor=investor_user, report=reports[which])


def test_a_tampered_file_is_refused_audited_logged_and_signalled(reports, trustee, caplog):
    report = reports["servicer"]
    with report.file.storage.open(report.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 changed")
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    report_hash_mismatch.connect(receiver)
    before = AuditEvent.objects.count()
    try:
        with caplog.at_level(logging.ERROR), pytest.raises(Refused) as err:
            report_open_for_download(actor=trustee, report=report)
    finally:
        report_hash_mismatch.disconnect(receiver)
    assert "does not match the SHA-256" in err.value.message
    event = AuditEvent.objects.get(name="hash_mismatch")
    assert AuditEvent.objects.count() == before + 1
    assert (event.object_id, event.actor_id) == (report.pk, trustee.pk)
    assert event.changes["file_sha256"][0] == report.file_sha256
    assert [(r["report"].pk, r["expected"]) for r in received] == [(report.pk, report.file_sha256)]
    assert "download refused" in caplog.text
    assert Report.objects.get(pk=report.pk).state == Report.State.DONE


def test_a_missing_file_is_refused_like_a_tampered_one(reports, ops):
    report = reports["servicer"]
    report.file.storage.delete(report.file.name)
    with pytest.raises(Refused):
        report_open_for_download(actor=ops, report=report)
    assert AuditEvent.objects.get(name="hash_mismatch").changes["file_sha256"][1] == "missing"

