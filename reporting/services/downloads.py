"""Handing a stored report to someone allowed to read it, after checking its hash."""

import hashlib
import logging
from dataclasses import dataclass

from django.db import transaction

from core.audit import audit_event
from core.errors import NotPermitted, Refused
from core.models import AuditEvent
from reporting.models import Report
from reporting.selectors import may_see
from reporting.signals import report_hash_mismatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFile:
    """The bytes of a report as stored, checked against ``sha256``."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_open_for_download(*, actor, report: Report) -> ReportFile:
    """The report's file for ``actor``, after re-hashing it (docs/reporting.md, "Checking a report").

    Refuses (``NotPermitted``) a report ``actor`` may not see, (``Refused``) one not done yet, and
    (``Refused``) one whose stored bytes no longer match ``file_sha256``: that case is also
    written to the audit trail, logged at ERROR and sent as ``report_hash_mismatch``.
    """
    if not may_see(actor, report):
        raise NotPermitted("You may not read this report.")
    if report.state != Report.State.DONE:
        raise Refused(f"Report #{report.pk} is {report.get_state_display()}: there is no file to download "
                      "yet.")
    try:
        with report.file.storage.open(report.file.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        data = None
    found = "missing" if data is None else sha256_of(data)
    if found != report.file_sha256:
        _alert(actor=actor, report=report, found=found)
        raise Refused(f"Report #{report.pk}'s stored file does not match the SHA-256 recorded when it was "
                      "generated; it is withheld and the issuer has been alerted.")
    return ReportFile(filename=report.filename, content_type=report.content_type, data=data,
                      sha256=report.file_sha256)


def _alert(*, actor, report: Report, found: str) -> None:
    with transaction.atomic():  # committed even though the caller is refused
        audit_event(instance=report, actor=actor, action=AuditEvent.Action.TRANSITION, name="hash_mismatch",
                    from_state=report.state, to_state=report.state,
                    reason="stored file does not match its SHA-256; download refused",
                    changes={"file_sha256": [report.file_sha256, found]})
    log.error("report #%s (%s): stored file hashes to %s, recorded %s; download refused",
              report.pk, report.file.name, found, report.file_sha256)
    report_hash_mismatch.send(sender=Report, report=report, actor=actor, expected=report.file_sha256,
                              found=found)
