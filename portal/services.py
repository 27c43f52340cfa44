"""Anchoring each published report's SHA-256 on chain (docs/reporting.md, "Portal and verification").

A report is published when it is done and not a draft. Its file's SHA-256 goes to the Anchor
contract with the reference keccak256("report:<id>:v<version>"), through the transaction manager
(``chain.anchors.anchor_document``): once per hash, however often this runs. Two reports whose files
are byte for byte the same share one anchor: the chain records the hash, which is what a reader
checks. ``reports_anchor_published`` is the beat task's sweep: every published report whose hash is
not anchored yet, in one query.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat

from chain.anchors import anchor_contract, anchor_document
from chain.models import Anchor
from chain.rpc import RPC
from core.authz import require_system_or_perm
from core.errors import Refused
from portal.selectors import anchor_contract_or_none
from reporting.models import Report

log = logging.getLogger(__name__)


def published_reports():
    return Report.objects.filter(state=Report.State.DONE, draft=False).exclude(file_sha256="")


def report_anchor(*, report: Report, actor=None, rpc: RPC | None = None) -> Anchor:
    """Anchor a published report's file SHA-256 (idempotent: an anchored hash is returned as it is)."""
    require_system_or_perm(actor, "reporting.add_report", doing="anchor a report's hash")
    report = Report.objects.select_related("deal", "period", "investor").get(pk=report.pk)
    if report.state != Report.State.DONE or report.draft or not report.file_sha256:
        raise Refused(f"Report #{report.pk} is not published (done and final); its hash is not anchored.")
    found = Anchor.objects.filter(kind=Anchor.Kind.DOCUMENT, key="0x" + report.file_sha256,
                                  contract=anchor_contract()).first()
    if found is not None:
        return found
    return anchor_document(sha256=report.file_sha256, reference=f"report:{report.pk}:v{report.version}",
                           subject=f"report #{report.pk}: {report}", actor=actor, rpc=rpc)


def reports_anchor_published(*, rpc: RPC | None = None) -> int:
    """Anchor every published report whose hash is not on chain yet; returns how many were sent."""
    contract = anchor_contract_or_none()
    if not settings.CHAIN_RPC_URL or contract is None:
        return 0  # no chain, or no anchor registry deployed yet (chain_demo deploys one)
    anchored = Anchor.objects.filter(kind=Anchor.Kind.DOCUMENT, contract=contract,
                                     key=Concat(Value("0x"), OuterRef("file_sha256")))
    todo = list(published_reports().filter(~Exists(anchored)).order_by("id"))
    for report in todo:
        report_anchor(report=report, rpc=rpc)
    log.info("%s published reports anchored", len(todo))
    return len(todo)
