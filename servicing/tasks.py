"""Celery tasks of servicing: thin, idempotent, each calling a service as a system step
(``actor=None``). Queued through ``core.outbox.enqueue`` by the services; the follow task runs on
beat. A task that finds its distribution past its step does nothing."""

import logging

from celery import shared_task
from django.conf import settings

from chain.rpc import NodeUnavailable
from servicing.services.periods import periods_start_collecting

log = logging.getLogger(__name__)
RETRY = {"autoretry_for": (NodeUnavailable,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 20}


def _distribution(distribution_id: int):
    from servicing.models import Distribution

    return Distribution.objects.get(pk=distribution_id)


@shared_task(**RETRY)
def snapshot_distribution(distribution_id: int) -> str:
    """Fix the holders of record (then queues the entitlements)."""
    from servicing.services.distributions import distribution_snapshot

    return distribution_snapshot(distribution=_distribution(distribution_id)).state


@shared_task(**RETRY)
def entitle_distribution(distribution_id: int) -> str:
    from servicing.services.distributions import distribution_entitle

    return distribution_entitle(distribution=_distribution(distribution_id)).state


@shared_task(**RETRY)
def pay_distribution(distribution_id: int) -> str:
    """Fund and send the approved batches, then follow them."""
    from servicing.services.payouts import payout_submit, payouts_follow

    distribution = _distribution(distribution_id)
    payout_submit(distribution=distribution)
    return payouts_follow(distribution=distribution).state


@shared_task(**RETRY)
def redeem_tranche(distribution_id: int) -> int:
    from servicing.services.payouts import tranche_redeem

    return len(tranche_redeem(distribution=_distribution(distribution_id)))


@shared_task(**RETRY)
def follow_payouts() -> int:
    """Every minute: batches from their intents, entitlements from the indexed Paid events, and
    distributions finished, for every distribution being paid or with a batch still submitted."""
    if not settings.CHAIN_RPC_URL:
        return 0
    from django.db.models import Q

    from servicing.models import Distribution, PayoutBatch
    from servicing.services.payouts import payouts_follow

    ids = list(
        Distribution.objects.filter(
            Q(state=Distribution.State.PAYING) | Q(batches__state=PayoutBatch.State.SUBMITTED)
        )
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    for pk in ids:
        payouts_follow(distribution=_distribution(pk))
    return len(ids)


@shared_task
def start_collecting_periods() -> int:
    """Every open period whose first day has come starts collecting (hourly; a collecting period is
    left alone)."""
    return periods_start_collecting(actor=None)


@shared_task(**RETRY)
def anchor_distribution_root(distribution_id: int) -> str:
    """A distribution was paid: anchor its Merkle root of (holder, amount) on chain."""
    from servicing.services.anchors import distribution_anchor_root

    return distribution_anchor_root(distribution=_distribution(distribution_id)).merkle_root
