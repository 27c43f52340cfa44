"""Signals other apps listen to. Sent inside the transaction that makes the fact, so a receiver
only records work in the outbox (core.outbox.enqueue): it is sent after the commit and vanishes
with a rollback. A receiver never acts on the world from here."""

from django.dispatch import Signal

# An investor may now hold tokens with a (newly) verified wallet: a wallet was verified while the
# investor's KYC is approved and unexpired, or a KYC case was approved. kwargs: investor_id.
investor_cleared = Signal()

# An investor's KYC approval expired. kwargs: investor_id, event (a stable name of the fact,
# e.g. "kyc-expired:case:12", so receivers can act once per fact).
investor_blocked = Signal()
