import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core import roles
from tests.factories import make_deal, make_investor, make_user, pledge_collateral, subscribe, to_state
from tests.two_factor import VerifiedClient, api_token_key


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """KYC documents the tests upload go to a temporary folder, never the repository's var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture
def business_day(monkeypatch):
    """Pin the business clock: after ``business_day(date(2024, 2, 29))`` every
    ``core.clock.today()`` (and ``as_of_or_today``) answers that day."""
    from core import clock

    def pin(day):
        monkeypatch.setattr(clock, "today", lambda: day)
        return day

    return pin


@pytest.fixture
def ops(db):
    return make_user(roles.ISSUER_OPERATIONS, "ops")


@pytest.fixture
def ops2(db):
    return make_user(roles.ISSUER_OPERATIONS, "ops2")


@pytest.fixture
def officer(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer")


@pytest.fixture
def trustee(db):
    return make_user(roles.TRUSTEE_AUDITOR, "trustee")


@pytest.fixture
def investor_user(db):
    return make_user(roles.INVESTOR, "investor")


@pytest.fixture
def investor(ops, investor_user):
    return make_investor(actor=ops, user=investor_user, name="Own Investor Ltd")


@pytest.fixture
def other_investor(ops):
    other_user = make_user(roles.INVESTOR, "other-investor")
    return make_investor(actor=ops, user=other_user, name="Other Investor Ltd")


@pytest.fixture
def users(ops, officer, trustee, investor_user):
    """One user per role, by role name."""
    return {
        roles.ISSUER_OPERATIONS: ops,
        roles.COMPLIANCE_OFFICER: officer,
        roles.TRUSTEE_AUDITOR: trustee,
        roles.INVESTOR: investor_user,
    }


@pytest.fixture
def draft_deal(ops):
    return make_deal(actor=ops)


@pytest.fixture
def open_deal(ops, officer):
    return to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)


@pytest.fixture
def closed_deal(ops, officer, open_deal, investor, other_investor):
    """An open deal whose two tranches are fully subscribed and whose book is closed; a device is
    pledged to it as collateral."""
    from issuance import services

    pledge_collateral(actor=ops, deal=open_deal)
    senior, junior = open_deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
    return services.deal_transition(deal=open_deal, name="close_book", actor=ops)


@pytest.fixture
def api():
    """``api(user)``: an API client signed in with a token of ``user`` (one token per user and test);
    ``api(None)``: one without credentials."""
    keys = {}

    def client_for(user) -> APIClient:
        client = APIClient()
        if user is not None:
            if user.pk not in keys:
                keys[user.pk] = api_token_key(user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {keys[user.pk]}")
        return client

    return client_for


@pytest.fixture
def client():
    """pytest-django's ``client``, whose ``force_login`` passes staff's second factor too
    (tests/two_factor.py)."""
    return VerifiedClient()


def _close_the_worker_threads_connection(**_):
    """A test worker runs tasks in its own thread, whose database connection Django never closes:
    left open, it blocks dropping the test database at the end of the session."""
    if threading.current_thread() is not threading.main_thread():
        connection.close()


@pytest.fixture
def celery_worker():
    """A real Celery worker (solo pool, in a thread) on the Redis broker the test command started."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app

    assert app.conf.broker_url.startswith("redis://127.0.0.1:")
    task_postrun.connect(_close_the_worker_threads_connection, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(_close_the_worker_threads_connection)


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker):
    """pytest-django's live server, stopped before the test database is dropped. Its request threads
    are daemon threads that keep a browser's keep-alive connection, and with it their own database
    connection, until the process ends; an open connection makes dropping the database fail, so the
    sessions they leave are ended when the server stops."""
    from django.db import connection as main_connection
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    yield server
    server.stop()
    with django_db_blocker.unblock(), main_connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")


@pytest.fixture
def published(monkeypatch):
    """What the outbox hands to the broker, as (task name, kwargs, Celery task id), instead of
    sending it (core.outbox._publish): for tests that run without a worker."""
    sent = []
    monkeypatch.setattr("core.outbox._publish",
                        lambda task, kwargs, task_id: sent.append((task, kwargs, task_id)))
    return sent
