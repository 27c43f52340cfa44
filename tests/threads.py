"""Running jobs at the same moment on threads, each with its own database connection."""

import threading

from django.db import connection

from core.errors import Refused


def together(*jobs) -> list[str]:
    """Start every job at once (a barrier), wait for all; returns the refusals' messages."""
    start = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            start.wait()
            job()
        except Refused as exc:
            errors.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
