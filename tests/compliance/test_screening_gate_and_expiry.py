"""Approval waits for screening; approved cases expire on their refresh date and reopen."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import services
from compliance.models import KycCase
from compliance.signals import investor_blocked
from compliance.tasks import expire_due_kyc_cases
from core import clock
from core.dates import add_years
from core.errors import GuardFailed
from core.models import AuditEvent
from tests.compliance.conftest import accept_required_documents, walk
from tests.factories import make_investor

pytestmark = pytest.mark.django_db

HEADER = ("id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
          "dataset,first_seen,last_seen,last_change")
ROW = ("gcx-9001,Person,Boris Zanzibarov,,1961-07-04,ru,,,Fictional Programme,,,Test List,"
       "2025-01-10T09:00:00,2026-11-20T09:00:00,2025-06-01T09:00:00")


@pytest.fixture
def listed_person(ops, officer):
    from screening.services import list_import

    list_import(name="test", version_label="v1", data=f"{HEADER}\n{ROW}\n".encode(), actor=officer)
    inv = make_investor(actor=ops, name="Boris Zanzibarov", eligible=False, kind="individual",
                        country_of_residence="CY", nationality="CY", date_of_birth=date(1961, 7, 4),
                        registration_number="")
    accept_required_documents(inv, officer)
    return inv


def test_a_pending_hit_blocks_approval_until_it_is_cleared(listed_person, officer, officer2):
    from screening.gate import screening_blockers
    from screening.models import ScreeningHit
    from screening.services import hit_decide

    case = walk(services.kyc_case_open(actor=officer, investor=listed_person),
                [("submit", officer), ("start_review", officer), ("recommend", officer)])
    hit = ScreeningHit.objects.get(investor=listed_person)
    assert (hit.state, hit.entity_id) == ("pending", "gcx-9001")
    assert (case.risk_rating, case.risk_reasons) == (
        "medium", ["medium: 1 screening hit(s) awaiting a decision"])

    with pytest.raises(GuardFailed) as exc:
        services.kyc_case_transition(case=case, name="approve", actor=officer2)
    blockers = screening_blockers(listed_person)  # the screening app's own wording
    assert len(blockers) == 1 and "gcx-9001" in blockers[0]
    assert exc.value.reasons == ["Screening blocks approval: " + blockers[0]]
    case.refresh_from_db()
    assert (case.state, case.decided_by) == ("recommended", None)

    hit_decide(hit=hit, decision="mark_false_positive", actor=officer2, reason="Different person: passport.")
    case = services.kyc_case_transition(case=case, name="approve", actor=officer2)

    assert (case.state, case.risk_rating) == ("approved", "medium")
    assert case.risk_reasons == ["medium: 1 screening hit(s) cleared as false positive"]
    assert case.refresh_due == add_years(clock.today(), 2)  # medium risk: refreshed in two years


def test_an_approval_on_29_february_is_refreshed_on_28_february(ops, business_day):
    business_day(date(2024, 2, 29))
    investor = make_investor(actor=ops, name="Leap Day Ltd")  # KYB approved through the services

    case = investor.kyc_cases.get()
    assert (case.state, case.risk_rating) == ("approved", "medium")  # no beneficial owner on file
    assert case.refresh_due == date(2026, 2, 28)  # medium risk: two years, and 2026 has no 29 February


def test_the_expiry_task_expires_due_cases_and_opens_a_review(ops):
    due = make_investor(actor=ops, name="Due Ltd")
    fresh = make_investor(actor=ops, name="Fresh Ltd")
    old_case = due.kyc_cases.get()
    KycCase.objects.filter(pk=old_case.pk).update(refresh_due=timezone.localdate())
    fresh_case = fresh.kyc_cases.get()
    KycCase.objects.filter(pk=fresh_case.pk).update(refresh_due=timezone.localdate() + timedelta(days=1))

    opened = expire_due_kyc_cases.apply().get()

    old_case.refresh_from_db()
    fresh_case.refresh_from_db()
    review = KycCase.objects.get(pk=opened[0])
    assert len(opened) == 1
    assert (old_case.state, fresh_case.state) == ("expired", "approved")
    assert (review.investor, review.state, review.trigger, review.previous_case) == (
        due, "draft", "periodic_review", old_case)
    event = AuditEvent.objects.filter(content_type__model="kyccase", object_id=old_case.pk).latest("id")
    assert (event.name, event.from_state, event.to_state, event.actor, event.reason) == (
        "expire", "approved", "expired", None, f"refresh date {timezone.localdate().isoformat()} reached")


def test_running_the_expiry_twice_expires_and_reopens_once(ops):
    due = make_investor(actor=ops, name="Due Ltd")
    KycCase.objects.filter(investor=due).update(refresh_due=timezone.localdate() - timedelta(days=3))

    first = services.kyc_cases_expire_due()
    second = services.kyc_cases_expire_due()

    assert (len(first), second) == (1, [])
    assert sorted(due.kyc_cases.values_list("state", flat=True)) == ["draft", "expired"]


def _due(investor, days_ago: int = 0) -> KycCase:
    case = investor.kyc_cases.get(state="approved")
    KycCase.objects.filter(pk=case.pk).update(refresh_due=timezone.localdate() - timedelta(days=days_ago))
    return case


def _expire_counting():
    """The statements of one expiry run, leaving out the outbox rows the chain's receivers record
    (one per blocked investor: each investor's wallets are frozen by its own task)."""
    with CaptureQueriesContext(connection) as queries:
        opened = services.kyc_cases_expire_due()
    statements = [q["sql"] for q in queries.captured_queries]
    outbox = [sql for sql in statements if '"core_outboxmessage"' in sql]
    return opened, [sql.split()[0] for sql in statements if sql not in outbox], len(outbox)


def test_many_due_cases_expire_in_the_same_statements_as_one(ops, django_capture_on_commit_callbacks):
    _due(make_investor(actor=ops, name="Single Ltd"))
    one, one_statements, one_outbox = _expire_counting()
    due = [_due(make_investor(actor=ops, name=f"Due {i} Ltd"), days_ago=i) for i in range(4)]
    blocked = []
    investor_blocked.connect(lambda **kw: blocked.append((kw["investor_id"], kw["event"])), weak=False,
                             dispatch_uid="test-expiry")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            many, many_statements, many_outbox = _expire_counting()
    finally:
        investor_blocked.disconnect(dispatch_uid="test-expiry")

    assert (len(one), len(many), many_statements) == (1, 4, one_statements)
    assert many_outbox == 4 * one_outbox
    assert blocked == [(c.investor_id, f"kyc-expired:case:{c.pk}") for c in due]
    reviews = KycCase.objects.filter(pk__in=many).order_by("pk")
    assert [(r.investor_id, r.previous_case_id, r.state, r.trigger) for r in reviews] == [
        (c.investor_id, c.pk, "draft", "periodic_review") for c in due]
    created = AuditEvent.objects.filter(content_type__model="kyccase", action="create", object_id__in=many)
    assert sorted((e.object_id, e.actor, e.changes["previous_case"]) for e in created) == [
        (r.pk, None, [None, r.previous_case_id]) for r in reviews]
    assert [e.reason for e in AuditEvent.objects.filter(name="expire", object_id__in=[c.pk for c in due])
            .order_by("object_id")] == [
        f"refresh date {(timezone.localdate() - timedelta(days=i)).isoformat()} reached" for i in range(4)]


def test_an_investor_with_an_open_case_gets_no_second_one(ops):
    investor = make_investor(actor=ops, name="Busy Ltd")
    old = _due(investor)
    draft = services.kyc_case_open(actor=ops, investor=investor)

    opened = services.kyc_cases_expire_due()

    assert opened == []
    assert dict(investor.kyc_cases.values_list("pk", "state")) == {old.pk: "expired", draft.pk: "draft"}
