"""Signals other apps listen to; sent with transaction.on_commit, so only after the fact is durable."""

from django.dispatch import Signal

# A screening hit was confirmed (a true match). kwargs: investor_id, event ("sanctions-hit:<hit id>").
investor_blocked = Signal()
