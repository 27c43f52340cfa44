"""Reactions to business events of other apps (connected in ChainConfig.ready)."""

import logging

from django.conf import settings
from django.dispatch import receiver

from issuance.signals import deal_issued

log = logging.getLogger(__name__)


@receiver(deal_issued)
def mint_after_issue(sender, *, deal_id: int, **kwargs) -> None:
    """Sent after the issuing transaction committed: queue the mints."""
    if not settings.CHAIN_RPC_URL:
        return
    from chain.tasks import mint_deal_allocations

    try:
        mint_deal_allocations.delay(deal_id)
    except Exception:  # the broker down must not break the issuer's request; follow-up task retries
        log.exception("could not queue the mints of deal %s", deal_id)
