"""Facts of servicing other apps react to (reconciliation queues its chain matching on them)."""

from django.dispatch import Signal

# Sent in the transaction that recorded new Paid events against a distribution's entitlements or
# finished it: ``distribution_id``.
payouts_followed = Signal()
