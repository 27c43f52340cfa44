"""Reactions to facts of the apps below, each only recording a task in the outbox (sent after the
commit of the fact, sent again until done)."""

from django.dispatch import receiver

from assets.signals import bank_statements_imported
from core.outbox import enqueue
from servicing.signals import payouts_followed


@receiver(bank_statements_imported, dispatch_uid="reconciliation.match_after_import")
def match_after_import(sender, statement_ids, actor_id=None, **kwargs) -> None:
    from reconciliation.tasks import match_cash

    enqueue(match_cash, statement_ids=statement_ids)


@receiver(payouts_followed, dispatch_uid="reconciliation.match_chain_after_payouts")
def match_chain_after_payouts(sender, distribution_id, **kwargs) -> None:
    """New Paid events recorded (the payouts confirmed, the indexer caught up): match the chain."""
    enqueue("reconciliation.tasks.match_chain", distribution_id=distribution_id)
