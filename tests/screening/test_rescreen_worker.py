"""Importing a list re-screens everyone on a real Celery worker over the real Redis."""

import time
from datetime import date

import pytest

from core import roles
from core.models import AuditEvent
from screening import tasks
from screening.models import ScreeningHit, ScreeningRun
from screening.services import list_import, rescreen_everyone
from tests.factories import make_user
from tests.screening.conftest import SAMPLE, owner, person


def wait_until_finished(run: ScreeningRun, timeout: float = 30) -> ScreeningRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state in (ScreeningRun.State.DONE, ScreeningRun.State.FAILED):
            return run
        time.sleep(0.1)
    raise AssertionError(f"{run} still {run.state} after {timeout}s")


def investors():
    people = [
        person("Boris Zanzibarov", born=date(1961, 7, 4), country="RU"),  # hit
        person("Plain Vanilla Capital Ltd"),
        person("Grimwald Shipping Ltd", country="PA"),  # hit
        person("Solvane Shipping Corp"),
        person("Tao Zee", born=date(1980, 2, 29)),
        person("Lyudmila Fiktivnaya", born=date(1966, 3, 8), nationality="RU"),  # hit
    ]
    quiet = person("Quiet Compute Pte Ltd")
    owner(quiet, "Zoe Fauxbourg", born=date(1975, 6, 1), nationality="FR")  # hit (beneficial owner)
    return [*people, quiet]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_importing_a_list_rescreens_everyone_in_chunks_with_progress(celery_worker, monkeypatch):
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 2)
    officer = make_user(roles.COMPLIANCE_OFFICER)
    people = investors()

    version = list_import(name="demo", version_label="2026-11-01", data=SAMPLE.read_bytes(), actor=officer)
    run = wait_until_finished(ScreeningRun.objects.get(list_version=version, trigger="list_import"))

    assert (run.state, run.total, run.processed, run.hits_created, run.progress_percent) == (
        "done", 7, 7, 4, 100)
    assert run.last_investor_id == people[-1].pk
    assert sorted(run.hits.values_list("subject_kind", "subject", "entity_id")) == [
        ("beneficial_owner", "Zoe Fauxbourg", "gcx-0002"),
        ("investor", "Boris Zanzibarov", "gcx-0001"),
        ("investor", "Grimwald Shipping Ltd", "gcx-0003"),
        ("investor", "Lyudmila Fiktivnaya", "gcx-0012"),
    ]
    # the run's state moved through its transitions, each audited as a system step
    assert list(AuditEvent.objects.filter(content_type__model="screeningrun", object_id=run.pk)
                .order_by("pk").values_list("action", "name", "from_state", "to_state", "actor")) == [
        ("create", "", "", "", officer.pk), ("transition", "start", "queued", "running", None),
        ("transition", "finish", "running", "done", None)]

    # running the same task again does no harm
    assert tasks.rescreen_run.delay(run.pk).get(timeout=20) == {"run": run.pk, "skipped": True}
    # a manual re-screen of everyone raises nothing new: the hits are still open
    [manual] = rescreen_everyone(actor=officer)
    manual = wait_until_finished(manual)
    assert (manual.trigger, manual.state, manual.processed, manual.hits_created) == ("manual", "done", 7, 0)
    assert ScreeningHit.objects.count() == 4


@pytest.mark.django_db
def test_an_interrupted_run_resumes_after_the_last_recorded_investor(officer, sample_list):
    people = investors()
    run = ScreeningRun.objects.get(list_version=sample_list)
    # a worker screened the first three investors, then died
    ScreeningRun.objects.filter(pk=run.pk).update(state="running", processed=3,
                                                  last_investor_id=people[2].pk)

    assert tasks.rescreen_run(run.pk, chunk_size=3) == {"run": run.pk, "processed": 7, "hits_created": 2}
    # only investors after the resume point were screened by this run
    assert sorted(run.hits.values_list("subject", flat=True)) == ["Lyudmila Fiktivnaya", "Zoe Fauxbourg"]


@pytest.mark.django_db
def test_a_run_that_fails_records_the_error_through_its_fail_transition(officer, sample_list, monkeypatch):
    investors()
    run = ScreeningRun.objects.get(list_version=sample_list)

    def broken(**kwargs):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(tasks.services, "find_matches", broken)
    with pytest.raises(RuntimeError):
        tasks.rescreen_run(run.pk)

    run.refresh_from_db()
    assert (run.state, run.error, run.processed, run.hits.count()) == (
        "failed", "RuntimeError: matcher exploded", 0, 0)
    transitions = AuditEvent.objects.filter(content_type__model="screeningrun", object_id=run.pk,
                                            action="transition").order_by("pk")
    assert list(transitions.values_list("name", "from_state", "to_state", "reason", "actor")) == [
        ("start", "queued", "running", "", None),
        ("fail", "running", "failed", "RuntimeError: matcher exploded", None)]
    # a failed run is finished: claiming it again does nothing
    assert tasks.rescreen_run(run.pk) == {"run": run.pk, "skipped": True}


@pytest.mark.django_db
def test_the_run_state_changes_only_through_its_transitions(sample_list):
    run = ScreeningRun.objects.get(list_version=sample_list)
    with pytest.raises(AttributeError):
        run.state = ScreeningRun.State.DONE
    assert ScreeningRun.objects.get(pk=run.pk).state == "queued"
