"""The outbox: side effects recorded with the change that calls for them, sent after its commit,
sent again until the task says it is done.

A service (or a signal receiver running inside the service's transaction) calls
``enqueue(task, **kwargs)`` instead of ``transaction.on_commit(lambda: task.delay(...))``. The
row is written in the caller's transaction, so a rollback leaves neither the change nor the side
effect; the commit sends it to the broker (``dispatch``) under the Celery task id
``outbox-<row>-<attempt>``. The task marks its row done when it returns
(``core.celery_task.OutboxTask``). Whatever is lost on the way - the process dies between the
commit and the send, the broker is down, the worker is killed mid-task - the sweeper
(``sweep``, Celery beat every minute) sends every row not done by its ``retry_at`` again, the
delay doubling from ``OUTBOX_RETRY_AFTER_SECONDS`` up to ``OUTBOX_RETRY_MAX_SECONDS``; after
``OUTBOX_MAX_ATTEMPTS`` sends the row is flagged failed (logged, audited, listed in the admin)
and only a person sends it again (``outbox_redispatch``). A task may therefore run more than once:
every task queued through here must be idempotent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_transition_rows
from core.authz import require_perm
from core.errors import Refused
from core.models import OutboxMessage

log = logging.getLogger(__name__)
TASK_ID_PREFIX = "outbox-"
ERROR_LENGTH = 2000


def retry_delay(attempt: int) -> timedelta:
    """How long after its ``attempt``-th send a row not done is sent again."""
    seconds = settings.OUTBOX_RETRY_AFTER_SECONDS * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def task_id(message_id: int, attempt: int) -> str:
    return f"{TASK_ID_PREFIX}{message_id}-{attempt}"


def message_id_of(celery_task_id: str | None) -> int | None:
    """The outbox row a Celery task id belongs to, or None for a task not sent from the outbox."""
    if not celery_task_id or not celery_task_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return int(celery_task_id[len(TASK_ID_PREFIX) :].split("-")[0])
    except ValueError:
        return None


def enqueue(task, /, **kwargs) -> OutboxMessage:
    """Record ``task(**kwargs)`` in the current transaction; it is sent once the transaction
    commits (at once when there is none). ``task`` is a Celery task or its name."""
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(
        task=name, kwargs=kwargs, retry_at=timezone.now() + retry_delay(1)
    )
    transaction.on_commit(partial(dispatch, message.pk), robust=True)
    return message


def dispatch(message_id: int, *, now: datetime | None = None) -> bool:
    """Send one row that is neither done nor failed, counting the attempt. False when there was
    nothing to send or the broker refused it (the row then waits for the sweeper)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, done_at__isnull=True, failed_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        message.dispatched_at = now
        message.retry_at = now + retry_delay(message.attempts)
        message.save(update_fields=["attempts", "dispatched_at", "retry_at"])
    return _send(message.pk, message.task, message.kwargs, message.attempts)


def _send(message_id: int, task: str, kwargs: dict, attempt: int) -> bool:
    try:
        _publish(task, kwargs, task_id(message_id, attempt))
    except Exception as exc:  # noqa: BLE001 - the broker down must not undo a committed change
        log.warning("outbox #%s %s not sent (the sweeper sends it again): %s", message_id, task, exc)
        OutboxMessage.objects.filter(pk=message_id).update(
            last_error=f"not sent: {type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        )
        return False
    return True


def _publish(task: str, kwargs: dict, celery_task_id: str) -> None:
    """Hand the message to the broker (a seam for tests that run without a worker)."""
    current_app.send_task(task, kwargs=kwargs, task_id=celery_task_id)


def mark_done(message_id: int) -> None:
    """The task returned: the row is done (a late finish also clears a failure flag)."""
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(
        done_at=timezone.now(), failed_at=None
    )


def record_error(message_id: int, error: BaseException, *, retrying: bool) -> None:
    """The task failed (``retrying``: and will retry by itself, so it is alive - the sweeper
    waits another full delay before sending it again)."""
    text = f"{'retrying after ' if retrying else ''}{type(error).__name__}: {error}"[:ERROR_LENGTH]
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
    if message is None:
        return
    fields = {"last_error": text}
    if retrying:
        fields["retry_at"] = timezone.now() + retry_delay(max(message.attempts, 1))
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(**fields)


@dataclass
class SweepResult:
    dispatched: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def sweep(*, now: datetime | None = None, limit: int = 500) -> SweepResult:
    """Send again every row due (not done, not failed, ``retry_at`` passed); flag failed those
    already sent ``OUTBOX_MAX_ATTEMPTS`` times. Rows are claimed with SKIP LOCKED, so two
    sweepers never send the same row twice in one round."""
    now = now or timezone.now()
    limit_attempts = settings.OUTBOX_MAX_ATTEMPTS
    result = SweepResult()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, failed_at__isnull=True, retry_at__lte=now)
            .order_by("retry_at", "id")
            .values_list("pk", "task", "kwargs", "attempts")[:limit]
        )
        exhausted = [(pk, task) for pk, task, _, attempts in due if attempts >= limit_attempts]
        if exhausted:
            _flag_failed(exhausted, now=now, attempts=limit_attempts)
            result.failed = [pk for pk, _ in exhausted]
        resend = [(pk, task, kwargs, attempts + 1) for pk, task, kwargs, attempts in due
                  if attempts < limit_attempts]
        _mark_sent(resend, now=now)
    for pk, task, kwargs, attempt in resend:
        if _send(pk, task, kwargs, attempt):
            result.dispatched.append(pk)
    if resend:
        log.warning("outbox: %s message(s) not done in time sent again: %s", len(resend),
                    ", ".join(f"#{pk} {task} (attempt {attempt})" for pk, task, _, attempt in resend))
    return result


def _mark_sent(sends: list[tuple[int, str, dict, int]], *, now: datetime) -> None:
    """Count the attempt of each (pk, task, kwargs, attempt) about to be sent: one update per
    attempt number."""
    by_attempt: dict[int, list[int]] = defaultdict(list)
    for pk, _, _, attempt in sends:
        by_attempt[attempt].append(pk)
    for attempt, pks in by_attempt.items():
        OutboxMessage.objects.filter(pk__in=pks).update(
            attempts=attempt, dispatched_at=now, retry_at=now + retry_delay(attempt), failed_at=None
        )


def _flag_failed(rows: list[tuple[int, str]], *, now: datetime, attempts: int) -> None:
    pks = [pk for pk, _ in rows]
    reason = f"not done after {attempts} attempts"
    OutboxMessage.objects.filter(pk__in=pks).update(failed_at=now)
    OutboxMessage.objects.filter(pk__in=pks, last_error="").update(last_error=f"{reason} (no error reported)")
    audit_transition_rows(model=OutboxMessage, actor=None, name="fail", to_state="failed",
                          rows=[(pk, f"{task} #{pk}", "sent", reason, {}) for pk, task in rows])
    log.error("outbox: %s message(s) %s; a person must look at them (admin: Outbox messages, failed): %s",
              len(rows), reason, ", ".join(f"#{pk} {task}" for pk, task in rows))


def outbox_redispatch(*, actor, message_ids: list[int], reason: str = "") -> list[int]:
    """A person sends rows again now (failed ones included; done ones are left alone). The attempt
    count goes on: a row sent again by hand that does not finish is flagged failed again at its
    next due time. Returns the ids sent."""
    require_perm(actor, "core.dispatch_outboxmessage", doing="send outbox messages again")
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=message_ids, done_at__isnull=True)
            .order_by("id")
            .values_list("pk", "task", "kwargs", "attempts", "failed_at")
        )
        if not rows:
            raise Refused("Nothing to send again: the selected outbox messages are done.")
        by_status: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pk, task, _, attempts, failed_at in rows:
            status = "failed" if failed_at else ("sent" if attempts else "waiting")
            by_status[status].append((pk, f"{task} #{pk}"))
        for status, part in by_status.items():
            audit_transition_rows(model=OutboxMessage, actor=actor, name="redispatch", to_state="sent",
                                  rows=[(pk, text, status, reason, {}) for pk, text in part])
        sends = [(pk, task, kwargs, attempts + 1) for pk, task, kwargs, attempts, _ in rows]
        _mark_sent(sends, now=now)
        transaction.on_commit(lambda: [_send(*send) for send in sends], robust=True)
    return [pk for pk, *_ in rows]
