"""Documents: upload (checked by content, stored privately) and one decision per document."""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from compliance.models import Document, Investor
from compliance.uploads import check_upload
from core import clock
from core.audit import audit_created
from core.authz import require_own_or_staff, require_perm
from core.errors import InvalidInput
from core.transitions import lock, run_transition

DOCUMENT_FIELDS = ("investor", "kind", "original_name", "content_type", "size", "sha256", "state")


def document_upload(*, actor, investor: Investor, kind: str, file, evidence_expires_on: date | None = None
                    ) -> Document:
    """Check ``file`` by content and store it privately; nothing is written if it is refused."""
    require_perm(actor, "compliance.add_document", doing="upload documents")
    require_own_or_staff(actor, investor, doing="upload documents")
    if kind not in Document.Kind.values:
        raise InvalidInput(f"'{kind}' is not a document kind; choose one of: "
                           f"{', '.join(Document.Kind.values)}.", field="kind")
    checked = check_upload(file)  # refuses before anything is written
    with transaction.atomic():
        investor = lock(Investor, investor.pk)
        doc = Document(investor=investor, kind=kind, original_name=checked.original_name,
                       content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                       evidence_expires_on=evidence_expires_on, uploaded_by=actor)
        doc.file.save("upload", ContentFile(checked.content), save=False)
        stored = doc.file.name
        try:
            doc.save()
            audit_created(instance=doc, actor=actor, fields=DOCUMENT_FIELDS)
        except BaseException:
            doc.file.storage.delete(stored)
            raise
    return doc


@transaction.atomic
def document_decide(*, document: Document, decision: str, actor, reason: str = "",
                    evidence_expires_on: date | None = None) -> Document:
    """``decision`` is accept, reject or request_revision (the last two need a reason)."""
    if decision not in ("accept", "reject", "request_revision"):
        raise InvalidInput(f"'{decision}' is not a decision; use accept, reject or request_revision.",
                           field="decision")
    lock(Investor, document.investor_id)
    doc = lock(Document, document.pk)
    fields = {"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason.strip()}
    if evidence_expires_on is not None:
        if evidence_expires_on <= clock.today():
            raise InvalidInput("The evidence expiry date must be in the future.", field="evidence_expires_on")
        fields["evidence_expires_on"] = evidence_expires_on
    run_transition(doc, decision, actor=actor, reason=reason, **fields)
    return doc
