"""Reactions to business events of other apps (connected in ChainConfig.ready). Every signal
here is sent inside the sender's transaction; the receivers only record the chain work in the
outbox (core.outbox.enqueue), which sends it once that transaction has committed and sends it
again until the task has run (docs/operations.md, "Outbox")."""

from django.conf import settings
from django.dispatch import receiver

from compliance.signals import investor_blocked as kyc_blocked
from compliance.signals import investor_cleared
from core.outbox import enqueue
from issuance.signals import deal_issued
from screening.signals import investor_blocked as sanctions_blocked


def _enqueue(task, **kwargs) -> None:
    if settings.CHAIN_RPC_URL:  # no chain configured: no chain work
        enqueue(task, **kwargs)


@receiver(deal_issued)
def mint_after_issue(sender, *, deal_id: int, **kwargs) -> None:
    """A deal was issued: mint its settled allocations."""
    from chain.tasks import mint_deal_allocations

    _enqueue(mint_deal_allocations, deal_id=deal_id)


@receiver(investor_cleared)
def register_after_clearance(sender, *, investor_id: int, **kwargs) -> None:
    """A wallet verified for a KYC-approved investor, or a KYC approval: add wallets to registries."""
    from chain.tasks import register_investor_wallets

    _enqueue(register_investor_wallets, investor_id=investor_id)


@receiver(kyc_blocked)
@receiver(sanctions_blocked)
def freeze_after_block(sender, *, investor_id: int, event: str, **kwargs) -> None:
    """KYC expired or a sanctions hit confirmed: freeze the investor's wallets on every token."""
    from chain.tasks import freeze_investor_wallets

    _enqueue(freeze_investor_wallets, investor_id=investor_id, event=event)
