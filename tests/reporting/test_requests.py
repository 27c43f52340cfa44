"""Requesting a report: versions, drafts, the audit row, and refusals that leave nothing behind."""

import pytest

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from core.outbox import OutboxMessage
from reporting.models import Kind, Report
from reporting.services import report_request
from tests.factories import make_investor

pytestmark = pytest.mark.django_db


def _counts():
    return Report.objects.count(), AuditEvent.objects.count(), OutboxMessage.objects.count()


def test_each_request_makes_a_new_version_audited_and_queued(closed_deal, period, ops):
    first = report_request(
        actor=ops, kind=Kind.SERVICER_REPORT, deal=closed_deal, period=period, format="pdf"
    )
    second = report_request(
        actor=ops, kind=Kind.SERVICER_REPORT, deal=closed_deal, period=period, format="pdf"
    )
    other_format = report_request(
        actor=ops, kind=Kind.SERVICER_REPORT, deal=closed_deal, period=period, format="xlsx"
    )
    assert [(r.version, r.state, r.draft) for r in (first, second, other_format)] == [
        (1, "queued", False),
        (2, "queued", False),
        (1, "queued", False),
    ]
    event = AuditEvent.objects.get(object_id=second.pk, action="create", content_type__model="report")
    assert (event.actor_id, event.changes["version"]) == (ops.pk, [None, 2])
    assert OutboxMessage.objects.filter(task="reporting.tasks.generate_reports").count() == 3


@pytest.mark.parametrize("who", ["trustee", "officer", "investor_user"])
def test_only_operations_requests(closed_deal, period, request, who):
    before = _counts()
    with pytest.raises(NotPermitted):
        report_request(
            actor=request.getfixturevalue(who),
            kind=Kind.SERVICER_REPORT,
            deal=closed_deal,
            period=period,
            format="pdf",
        )
    assert _counts() == before


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"kind": "investor_statement", "format": "pdf"}, "investor"),
        ({"kind": "servicer_report", "format": "docx"}, "format"),
        ({"kind": "impact_report", "format": "pdf", "year": 1999}, "year"),
        ({"kind": "impact_report", "format": "pdf"}, "year"),
        ({"kind": "payslip", "format": "pdf"}, "kind"),
    ],
)
def test_bad_requests_name_the_field_and_leave_nothing(closed_deal, period, ops, kwargs, field):
    before = _counts()
    kwargs = {"period": None if kwargs["kind"] == "impact_report" else period, **kwargs}
    with pytest.raises(InvalidInput) as err:
        report_request(actor=ops, deal=closed_deal, **kwargs)
    assert err.value.field == field
    assert _counts() == before


def test_a_statement_for_someone_who_held_nothing_is_refused(closed_deal, period, ops):
    stranger = make_investor(actor=ops, name="Never Invested Ltd")
    before = _counts()
    with pytest.raises(InvalidInput, match="held no notes") as err:
        report_request(
            actor=ops,
            kind=Kind.INVESTOR_STATEMENT,
            deal=closed_deal,
            period=period,
            investor=stranger,
            format="pdf",
        )
    assert err.value.field == "investor" and _counts() == before
