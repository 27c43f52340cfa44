"""The outbox without a worker (what it hands to the broker is captured): recorded in the
caller's transaction, sent after the commit, sent again by the sweeper with a doubling delay,
flagged failed after the last attempt, marked done by the task, sent again by a person."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.errors import NotPermitted, Refused
from core.models import AuditEvent, IdempotencyRecord, OutboxMessage
from core.tasks import purge_idempotency_keys
from tests.factories import make_user

PURGE = "core.tasks.purge_idempotency_keys"


def fields(message: OutboxMessage) -> tuple:
    message.refresh_from_db()
    return (message.attempts, message.done_at is not None, message.failed_at is not None, message.last_error)


def test_a_message_is_sent_only_after_its_transaction_commits(
    db, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = outbox.enqueue(purge_idempotency_keys, older_than=3)
            assert published == []
            assert (message.task, message.kwargs, message.attempts) == (PURGE, {"older_than": 3}, 0)
    assert published == [(PURGE, {"older_than": 3}, f"outbox-{message.pk}-1")]
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.retry_at - message.dispatched_at == timedelta(seconds=600)
    assert (message.done_at, message.failed_at, message.last_error) == (None, None, "")


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(
    db, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox.enqueue(purge_idempotency_keys)
            raise RuntimeError("the business change failed")
    assert (OutboxMessage.objects.count(), published) == (0, [])


def test_a_broker_down_at_commit_keeps_the_commit_and_the_sweeper_sends_it_later(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(task, kwargs, task_id):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("core.outbox._publish", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(purge_idempotency_keys)
    refused = "Error 111 connecting to 127.0.0.1:6379. Connection refused."
    assert fields(message) == (1, False, False, f"not sent: ConnectionError: {refused}")

    sent = []
    monkeypatch.setattr("core.outbox._publish", lambda task, kwargs, task_id: sent.append(task_id))
    assert outbox.sweep().dispatched == []  # not due yet
    later = message.retry_at + timedelta(seconds=1)
    assert outbox.sweep(now=later).dispatched == [message.pk]
    assert sent == [f"outbox-{message.pk}-2"]
    message.refresh_from_db()
    assert (message.attempts, message.dispatched_at, message.retry_at) == (
        2, later, later + timedelta(seconds=1200))


def test_the_sweeper_doubles_the_delay_then_flags_the_message_failed(db, published, settings, caplog):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_RETRY_MAX_SECONDS = 1800
    message = outbox.enqueue(purge_idempotency_keys)  # its commit never came (the test's transaction)
    done = outbox.enqueue(purge_idempotency_keys)
    outbox.mark_done(done.pk)
    delays, now = [], message.retry_at
    for _ in range(4):
        now += timedelta(seconds=1)
        assert outbox.sweep(now=now).dispatched == [message.pk]
        message.refresh_from_db()
        delays.append((message.attempts, (message.retry_at - now).total_seconds()))
        now = message.retry_at
    assert delays == [(1, 600.0), (2, 1200.0), (3, 1800.0), (4, 1800.0)]  # doubling, capped at 1800 s

    with caplog.at_level(logging.ERROR, logger="core.outbox"):
        result = outbox.sweep(now=now + timedelta(seconds=1))
    assert (result.dispatched, result.failed) == ([], [message.pk])
    assert fields(message) == (4, False, True, "not done after 4 attempts (no error reported)")
    assert f"#{message.pk} {PURGE}" in caplog.text
    event = AuditEvent.objects.get(object_id=message.pk, content_type__model="outboxmessage")
    assert (event.actor, event.name, event.from_state, event.to_state, event.reason) == (
        None, "fail", "sent", "failed", "not done after 4 attempts")
    assert [p[2] for p in published] == [f"outbox-{message.pk}-{n}" for n in (1, 2, 3, 4)]
    assert outbox.sweep(now=now + timedelta(days=30)) == outbox.SweepResult([], [])  # failed: never again


def test_the_task_marks_its_row_done_and_records_a_failure(db, published):
    user = make_user(None)
    IdempotencyRecord.objects.create(user=user, key="k", request_fingerprint="f")
    message = outbox.enqueue(purge_idempotency_keys)
    assert purge_idempotency_keys.apply(task_id=f"outbox-{message.pk}-1").get() == 0
    assert fields(message)[:3] == (0, True, False)
    assert IdempotencyRecord.objects.count() == 1

    broken = outbox.enqueue(purge_idempotency_keys, unknown=1)
    result = purge_idempotency_keys.apply(kwargs={"unknown": 1}, task_id=f"outbox-{broken.pk}-1")
    assert result.failed()
    assert fields(broken) == (
        0, False, False, "TypeError: purge_idempotency_keys() got an unexpected keyword argument 'unknown'")
    # a task run outside the outbox touches no row
    assert purge_idempotency_keys.apply().get() == 0
    assert OutboxMessage.objects.filter(done_at__isnull=False).count() == 1


def test_a_retrying_task_pushes_its_next_send_back(db, published):
    message = outbox.enqueue(purge_idempotency_keys)
    before = timezone.now()
    outbox.record_error(message.pk, TimeoutError("node slow"), retrying=True)
    message.refresh_from_db()
    assert message.last_error == "retrying after TimeoutError: node slow"
    assert message.retry_at >= before + timedelta(seconds=600)


def test_operations_send_a_failed_message_again_and_it_is_audited(
    db, published, ops, trustee, django_capture_on_commit_callbacks
):
    message = outbox.enqueue(purge_idempotency_keys)
    OutboxMessage.objects.filter(pk=message.pk).update(failed_at=timezone.now(), attempts=6)
    done = outbox.enqueue(purge_idempotency_keys)
    outbox.mark_done(done.pk)
    published.clear()

    with pytest.raises(NotPermitted, match="dispatch_outboxmessage"):
        outbox.outbox_redispatch(actor=trustee, message_ids=[message.pk])
    with pytest.raises(Refused, match="are done"):
        outbox.outbox_redispatch(actor=ops, message_ids=[done.pk])
    assert (published, AuditEvent.objects.filter(content_type__model="outboxmessage").count()) == ([], 0)

    with django_capture_on_commit_callbacks(execute=True):
        sent = outbox.outbox_redispatch(actor=ops, message_ids=[message.pk, done.pk], reason="node back")
    assert sent == [message.pk]
    assert published == [(PURGE, {}, f"outbox-{message.pk}-7")]
    assert fields(message)[:3] == (7, False, False)
    event = AuditEvent.objects.get(content_type__model="outboxmessage")
    assert (event.actor, event.name, event.from_state, event.to_state, event.reason) == (
        ops, "redispatch", "failed", "sent", "node back")


def test_the_admin_shows_the_backlog_filters_it_and_operations_send_again(
    db, client, published, ops, trustee, django_capture_on_commit_callbacks
):
    pending = outbox.enqueue(purge_idempotency_keys)
    failed = outbox.enqueue(purge_idempotency_keys)
    OutboxMessage.objects.filter(pk=failed.pk).update(failed_at=timezone.now(), last_error="boom")
    done = outbox.enqueue(purge_idempotency_keys)
    outbox.mark_done(done.pk)
    published.clear()
    url = "/admin/core/outboxmessage/"

    client.force_login(trustee)
    page = client.get(url)
    assert page.status_code == 200
    assert "Outbox: 1 pending, 1 failed (oldest pending since" in page.content.decode()
    assert [m.pk for m in client.get(url, {"status": "pending"}).context["cl"].result_list] == [pending.pk]
    assert [m.pk for m in client.get(url, {"status": "failed"}).context["cl"].result_list] == [failed.pk]
    assert [m.pk for m in client.get(url, {"status": "done"}).context["cl"].result_list] == [done.pk]
    offered = [name for name, _ in page.context["action_form"].fields["action"].choices if name]
    assert offered == ["export_csv"]  # the trustee may export, not re-dispatch
    client.post(url, {"action": "redispatch", "_selected_action": [failed.pk]})
    assert (published, fields(failed)[2]) == ([], True)

    client.force_login(ops)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "redispatch", "_selected_action": [failed.pk]}, follow=True)
    assert "1 outbox message(s) sent again." in response.content.decode()
    assert published == [(PURGE, {}, f"outbox-{failed.pk}-1")]
    assert fields(failed)[:3] == (1, False, False)
