"""Signals other apps listen to; sent with transaction.on_commit, so only after the fact is durable."""

from django.dispatch import Signal

# Sent after a deal's "issue" transition committed; kwargs: deal_id.
deal_issued = Signal()
