"""Signals other apps listen to. Sent inside the transaction that makes the fact, so a receiver
only records work in the outbox (core.outbox.enqueue): it is sent after the commit and vanishes
with a rollback. A receiver never acts on the world from here."""

from django.dispatch import Signal

# Sent after a deal's "issue" transition committed; kwargs: deal_id.
deal_issued = Signal()
