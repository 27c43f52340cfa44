"""Signals other apps listen to; sent with transaction.on_commit, so only after the fact is durable."""

from django.dispatch import Signal

# An investor may now hold tokens with a (newly) verified wallet: a wallet was verified while the
# investor's KYC is approved and unexpired, or a KYC case was approved. kwargs: investor_id.
investor_cleared = Signal()

# An investor's KYC approval expired. kwargs: investor_id, event (a stable name of the fact,
# e.g. "kyc-expired:case:12", so receivers can act once per fact).
investor_blocked = Signal()
