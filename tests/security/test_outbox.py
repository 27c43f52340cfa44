"""Issue 9, finding 6: side effects lost when a worker dies.

With the whole Celery worker killed, a queued ``register_investor_wallets`` stayed unacknowledged
and never ran: a verified wallet never reached the chain. Now every after-commit side effect is an
outbox row written with the change; the sweeper sends again what is not done. These tests start
real workers (``celery worker`` processes on the real Redis and the test database), kill one with
SIGKILL in the middle of a task, start another, run the sweeper and check that the side effect
happened exactly once.
"""

import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from chain.models import ChainTransaction
from config.celery import app
from core import outbox
from core.models import OutboxMessage
from tests.chain.conftest import requires_chain, rpc  # noqa: F401  (fixture)
from tests.chain.test_compliance_wiring import ALICE, SIGNER, chain_state, is_verified, prove, spv_contracts  # noqa: F401
from tests.factories import approve_kyc, subscribe

ROOT = Path(__file__).resolve().parents[2]
PROBE = "tests.security.worker_probe"
WAIT = 60  # seconds at most for a worker to report; the wait ends when it does


class Worker:
    """One ``celery worker`` process (solo pool: the task runs in the worker's own process, so
    SIGKILL kills the whole worker mid-task) on the test database and the test Redis."""

    def __init__(self, name: str, log: Path):
        self.name, self.log = name, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        }
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own celery, our own arguments
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-n", f"{self.name}@%h", "-I", PROBE,
                 "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=WAIT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT)


@pytest.fixture
def broker():
    """The test Redis, with the default queue emptied first (messages other tests left there)
    and the killed worker's unacknowledged message forgotten afterwards."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=WAIT + 10)  # blocking pops
    app.control.purge()
    yield client
    client.delete("unacked", "unacked_index")


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(name: str) -> Worker:
        worker = Worker(name, tmp_path / f"{name}.log").start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def started_pid(client, gate: str) -> int:
    """Wait until a worker reports it reached ``gate``; its pid."""
    popped = client.blpop([f"{gate}:started"], timeout=WAIT)
    assert popped is not None, f"no worker reached {gate} within {WAIT} s"
    return int(popped[1])


def past_retry(message: OutboxMessage):
    message.refresh_from_db()
    return message.retry_at + timedelta(seconds=1)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_loses_nothing_and_the_effect_happens_once(broker, workers):
    key = f"probe:{uuid.uuid4().hex}"
    first = workers("first")
    with transaction.atomic():
        message = outbox.enqueue(f"{PROBE}.gated_side_effect", key=key)
    first_pid = started_pid(broker, key)  # the task is running, held at its gate

    assert first.kill() == -signal.SIGKILL
    message.refresh_from_db()
    assert (message.attempts, message.done_at, message.failed_at) == (1, None, None)
    assert broker.get(f"{key}:effect") is None

    broker.set(f"{key}:open", 1)
    workers("second")
    assert outbox.sweep(now=past_retry(message)).dispatched == [message.pk]
    effect = AsyncResult(outbox.task_id(message.pk, 2), app=app).get(timeout=WAIT)

    message.refresh_from_db()
    assert (message.attempts, message.done_at is not None, message.failed_at) == (2, True, None)
    second_pid = int(effect)
    assert second_pid != first_pid
    assert [int(pid) for pid in broker.lrange(f"{key}:started", 0, -1)] == [second_pid]
    assert int(broker.get(f"{key}:effect")) == second_pid
    assert outbox.sweep(now=timezone.now() + timedelta(days=30)) == outbox.SweepResult([], [])


@requires_chain
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_wallet_verified_while_the_worker_dies_reaches_the_chain_once(
    broker, workers, rpc, ops, investor, open_deal, spv_contracts  # noqa: F811
):
    registry, _ = spv_contracts
    subscribe(actor=ops, investor=investor, tranche=open_deal.tranches.get(seniority=1), amount="100000")
    OutboxMessage.objects.all().delete()  # the fixture's KYC approval queued a registration: forget it
    app.control.purge()
    before = chain_state(rpc, "register identity")
    broker.set("probe:chain:step", "signed")  # hold the worker once the intent is signed
    first = workers("first")

    prove(investor, ALICE, ops)  # KYC approved: the commit sends the registration to the worker
    [message] = OutboxMessage.objects.all()
    assert (message.task, message.kwargs) == (
        "chain.tasks.register_investor_wallets", {"investor_id": investor.pk})
    started_pid(broker, "probe:chain")
    assert first.kill() == -signal.SIGKILL

    [intent] = ChainTransaction.objects.filter(purpose="register identity")
    assert intent.state == "signed"  # signed, never sent
    assert is_verified(rpc, registry, ALICE) is False
    message.refresh_from_db()
    assert (message.attempts, message.done_at) == (1, None)

    broker.delete("probe:chain:step")
    workers("second")
    assert outbox.sweep(now=past_retry(message)).dispatched == [message.pk]
    assert AsyncResult(outbox.task_id(message.pk, 2), app=app).get(timeout=WAIT) == 1

    message.refresh_from_db()
    assert (message.attempts, message.done_at is not None) == (2, True)
    assert is_verified(rpc, registry, ALICE) is True
    assert chain_state(rpc, "register identity") == (before[0] + 1, before[1] + 1, before[2] + 1)
    intent.refresh_from_db()
    assert (intent.state, intent.broadcast_count) == ("mined", 1)
    assert ChainTransaction.objects.filter(purpose="register identity").count() == 1
    assert outbox.sweep(now=timezone.now() + timedelta(days=30)) == outbox.SweepResult([], [])


@pytest.mark.django_db
def test_the_registration_is_recorded_with_the_approval_and_vanishes_with_its_rollback(
    settings, ops, investor, published, django_capture_on_commit_callbacks
):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # a chain is configured (never called here)
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            approve_kyc(investor)
            [message] = OutboxMessage.objects.all()
            assert (message.task, message.kwargs) == (
                "chain.tasks.register_investor_wallets", {"investor_id": investor.pk})
            raise RuntimeError("something later in the same transaction failed")
    assert (OutboxMessage.objects.count(), published) == (0, [])

    with django_capture_on_commit_callbacks(execute=True):
        approve_kyc(investor)
    [message] = OutboxMessage.objects.all()
    assert published == [("chain.tasks.register_investor_wallets", {"investor_id": investor.pk},
                          f"outbox-{message.pk}-1")]


def test_an_unacknowledged_message_comes_back_within_minutes_not_hours():
    """Late acknowledgement, and a Redis visibility timeout of 15 minutes (kombu's default is an
    hour): longer than the chain tasks' longest retry countdown, so no waiting task is delivered twice."""
    from chain.tasks import RETRY

    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (
        True, True, 1)
    assert conf.broker_transport_options["visibility_timeout"] == 900
    assert RETRY["retry_backoff_max"] < conf.broker_transport_options["visibility_timeout"]
    assert settings.CELERY_BEAT_SCHEDULE["sweep-outbox"] == {
        "task": "core.tasks.sweep_outbox", "schedule": 60.0}
