"""Reactions to business events of other apps (connected in ChainConfig.ready). Every signal
here is sent after the sender's transaction committed; the receivers only queue tasks."""

import logging

from django.conf import settings
from django.dispatch import receiver

from compliance.signals import investor_blocked as kyc_blocked
from compliance.signals import investor_cleared
from issuance.signals import deal_issued
from screening.signals import investor_blocked as sanctions_blocked

log = logging.getLogger(__name__)


def _queue(task, *args) -> None:
    if not settings.CHAIN_RPC_URL:
        return
    try:
        task.delay(*args)
    except Exception:  # the broker down must not break the sender's request; follow-up task retries
        log.exception("could not queue %s%s", task.name, args)


@receiver(deal_issued)
def mint_after_issue(sender, *, deal_id: int, **kwargs) -> None:
    """Sent after the issuing transaction committed: queue the mints."""
    from chain.tasks import mint_deal_allocations

    _queue(mint_deal_allocations, deal_id)


@receiver(investor_cleared)
def register_after_clearance(sender, *, investor_id: int, **kwargs) -> None:
    """A wallet verified for a KYC-approved investor, or a KYC approval: add wallets to registries."""
    from chain.tasks import register_investor_wallets

    _queue(register_investor_wallets, investor_id)


@receiver(kyc_blocked)
@receiver(sanctions_blocked)
def freeze_after_block(sender, *, investor_id: int, event: str, **kwargs) -> None:
    """KYC expired or a sanctions hit confirmed: freeze the investor's wallets on every token."""
    from chain.tasks import freeze_investor_wallets

    _queue(freeze_investor_wallets, investor_id, event)
