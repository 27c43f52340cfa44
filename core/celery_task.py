"""The base class of every Celery task of the project (``task_cls`` in config/celery.py).

A task sent from the outbox runs under the id ``outbox-<row>-<attempt>`` (``core.outbox``): when
its body returns, it marks its row done - before the worker acknowledges the message, so a worker
killed in between runs it again rather than losing it; when it fails or schedules a retry, it
records the error on its row. Any other call (beat, ``.delay``, a direct call) is untouched.
Nothing here imports models at module level: Celery loads this class before Django is set up.
"""

from celery import Task


class OutboxTask(Task):
    def __call__(self, *args, **kwargs):
        from core import outbox

        message_id = outbox.message_id_of(self.request.id)
        result = super().__call__(*args, **kwargs)
        if message_id is not None:
            outbox.mark_done(message_id)
        return result

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        _record(task_id, exc, retrying=True)

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        _record(task_id, exc, retrying=False)


def _record(task_id: str, exc: BaseException, *, retrying: bool) -> None:
    from core import outbox

    message_id = outbox.message_id_of(task_id)
    if message_id is not None:
        outbox.record_error(message_id, exc, retrying=retrying)
