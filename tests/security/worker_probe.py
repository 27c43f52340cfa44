"""Loaded into the Celery workers that tests/security/test_outbox.py starts (``celery worker -I``):
gates the test opens and closes through Redis, so it can kill a worker at a known point of a task
without sleeping.

- ``gated_side_effect(key)``: says it started, waits at its gate, then records its side effect
  idempotently (``SET key:effect <pid> NX``).
- The chain transaction manager's ``_checkpoint`` seam waits at the gate ``probe:chain`` when the
  Redis key ``probe:chain:step`` names the step it reaches (``planned``, ``signed``, ...).
"""

import os

import redis
from celery import shared_task
from django.conf import settings

from chain import txmanager

GATE_SECONDS = 120  # a gate nobody opens gives up after this, so a forgotten worker never hangs


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=GATE_SECONDS + 10)


def gate(name: str) -> None:
    """Push this worker's pid on ``<name>:started``, then wait until ``<name>:open`` is set."""
    client = _redis()
    client.rpush(f"{name}:started", os.getpid())
    if not client.exists(f"{name}:open"):
        client.blpop([f"{name}:gate"], timeout=GATE_SECONDS)


@shared_task
def gated_side_effect(key: str) -> str:
    gate(key)
    client = _redis()
    client.set(f"{key}:effect", os.getpid(), nx=True)
    return client.get(f"{key}:effect").decode()


def _gated_checkpoint(step: str, tx) -> None:
    wanted = _redis().get("probe:chain:step")
    if wanted is not None and wanted.decode() == step:
        gate("probe:chain")


txmanager._checkpoint = _gated_checkpoint
