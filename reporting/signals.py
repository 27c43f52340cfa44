"""Signals other apps (the portal, alerting) may connect to.

``report_hash_mismatch(sender=Report, report=..., actor=..., expected=..., found=...)`` is sent
when a stored report file no longer hashes to the SHA-256 recorded when it was generated; the
download was refused, an audit event and an ERROR log line were written.
"""

from django.dispatch import Signal

report_hash_mismatch = Signal()
