"""Bulk runs: every holder's statement of a period in one job, fanned out in chunks, each report
produced once however often its task runs, failed ones retried on the same rows."""

import time

import pytest
from django.db import IntegrityError, transaction

from core.errors import InvalidInput, NotPermitted, Refused
from core.models import AuditEvent
from reporting.models import Kind, Report, StatementRun
from reporting.services import requests as report_requests
from reporting.services import run_progress, statement_run_request, statement_run_retry
from reporting.tasks import generate_reports
from tests.reporting.helpers import file_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(service, **kwargs)``: call a service and run its after-commit sends (the outbox
    hands its messages to ``published``)."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


def _run_published(published):
    """Run the generation tasks the outbox handed over, as a worker would."""
    for task, kwargs, _ in published:
        assert task == "reporting.tasks.generate_reports"
        generate_reports(**kwargs)


def test_a_run_makes_one_statement_per_holder_and_format_in_chunks(
    distributed, ops, investor, other_investor, published, monkeypatch, committed
):
    monkeypatch.setattr(report_requests, "CHUNK", 3)
    p1, _ = distributed
    run = committed(statement_run_request, actor=ops, deal=p1.deal, period=p1, formats=["pdf", "csv"])
    reports = Report.objects.filter(run=run)
    assert sorted(reports.values_list("investor_id", "format", "version", "state")) == sorted(
        (i.pk, f, 1, "queued") for i in (investor, other_investor) for f in ("pdf", "csv")
    )
    assert [len(kwargs["report_ids"]) for _, kwargs, _ in published] == [3, 1]
    assert run_progress(run) == {"total": 4, "queued": 4, "running": 0, "done": 0, "failed": 0}

    _run_published(published)
    assert run_progress(run) == {"total": 4, "queued": 0, "running": 0, "done": 4, "failed": 0}
    files = {r.pk: (r.file.name, r.file_sha256) for r in reports}
    events = AuditEvent.objects.count()

    _run_published(published)  # delivered again: nothing produced twice
    assert {r.pk: (r.file.name, r.file_sha256) for r in Report.objects.filter(run=run)} == files
    assert (AuditEvent.objects.count(), Report.objects.count()) == (events, 4)


def test_the_database_refuses_a_second_report_of_a_holder_in_a_run(distributed, ops, investor, published):
    p1, _ = distributed
    run = statement_run_request(actor=ops, deal=p1.deal, period=p1, formats=["pdf"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind=Kind.INVESTOR_STATEMENT,
            deal=p1.deal,
            period=p1,
            investor=investor,
            format="pdf",
            version=99,
            run=run,
        )


def test_failed_statements_are_retried_on_the_same_rows(
    distributed, ops, investor, published, monkeypatch, committed
):
    p1, _ = distributed
    run = committed(statement_run_request, actor=ops, deal=p1.deal, period=p1, formats=["pdf"])
    from reporting.content import statement

    real = statement.build

    def broken_for_the_investor(report):
        if report.investor_id == investor.pk:
            raise RuntimeError("disk full")
        return real(report)

    monkeypatch.setattr(statement, "build", broken_for_the_investor)
    _run_published(published)
    failed = Report.objects.get(run=run, investor=investor)
    assert (failed.state, failed.error, failed.file.name) == ("failed", "RuntimeError: disk full", "")
    assert run_progress(run)["failed"] == 1 and run_progress(run)["done"] == 1

    monkeypatch.setattr(statement, "build", real)
    published.clear()
    assert committed(statement_run_retry, actor=ops, run=run, reason="disk replaced") == [failed.pk]
    _run_published(published)
    again = Report.objects.get(pk=failed.pk)
    assert (again.state, again.version, again.attempts) == ("done", 1, 2)
    assert run_progress(run) == {"total": 2, "queued": 0, "running": 0, "done": 2, "failed": 0}
    with pytest.raises(Refused, match="no failed statements"):
        statement_run_retry(actor=ops, run=run)


def test_a_second_run_makes_new_versions_and_keeps_the_old(distributed, ops, investor, published):
    p1, _ = distributed
    statement_run_request(actor=ops, deal=p1.deal, period=p1, formats=["pdf"])
    statement_run_request(actor=ops, deal=p1.deal, period=p1, formats=["pdf"])
    assert sorted(Report.objects.filter(investor=investor).values_list("version", flat=True)) == [1, 2]


def test_who_may_run_and_bad_requests_change_nothing(distributed, ops, trustee, investor_user, published):
    p1, p2 = distributed
    for actor in (trustee, investor_user):
        with pytest.raises(NotPermitted):
            statement_run_request(actor=actor, deal=p1.deal, period=p1, formats=["pdf"])
    with pytest.raises(InvalidInput) as err:
        statement_run_request(actor=ops, deal=p1.deal, period=p1, formats=["docx"])
    assert err.value.field == "format"
    assert (StatementRun.objects.count(), Report.objects.count(), published) == (0, 0, [])


def wait_until_finished(run: StatementRun, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = run_progress(run)
        if progress["done"] + progress["failed"] == progress["total"]:
            return progress
        time.sleep(0.1)
    raise AssertionError(f"run #{run.pk} unfinished after {timeout}s: {run_progress(run)}")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_run_is_generated_on_a_real_worker(celery_worker, distributed, ops, investor):
    p1, _ = distributed
    run = statement_run_request(actor=ops, deal=p1.deal, period=p1, formats=["pdf", "xlsx"])
    assert wait_until_finished(run) == {"total": 4, "queued": 0, "running": 0, "done": 4, "failed": 0}
    report = Report.objects.get(run=run, investor=investor, format="pdf")
    assert file_bytes(report).startswith(b"%PDF")
    assert report.progress == {"step": "done", "done": 1, "total": 1}


def test_a_report_left_running_by_a_dead_worker_is_claimed_again_after_ten_minutes(
    distributed, ops, investor, published
):
    from datetime import timedelta

    from django.utils import timezone

    p1, _ = distributed
    run = statement_run_request(actor=ops, deal=p1.deal, period=p1, formats=["pdf"])
    fresh, stale = Report.objects.filter(run=run).order_by("pk")
    Report.objects.filter(pk=fresh.pk).update(state="running", started_at=timezone.now())
    Report.objects.filter(pk=stale.pk).update(
        state="running", started_at=timezone.now() - timedelta(minutes=11)
    )

    states = generate_reports(report_ids=[fresh.pk, stale.pk])

    assert states == {fresh.pk: "running", stale.pk: "done"}
    assert Report.objects.get(pk=fresh.pk).file.name == ""
