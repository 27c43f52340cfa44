"""KYC documents: stored privately, each with its own decision and evidence expiry."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from compliance.storage import private_storage
from core import bounds


def _document_path(instance, filename: str) -> str:
    return f"investors/{instance.investor_id}/{uuid.uuid4().hex}.{instance.extension}"


class Document(ConcurrentTransitionMixin, models.Model):
    """An uploaded file, checked by content (PDF, JPEG, PNG), never under a public URL."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", "passport / identity card"
        PROOF_OF_ADDRESS = "proof_of_address", "proof of address"
        INCORPORATION = "incorporation", "incorporation papers"
        ACCREDITATION = "accreditation", "accreditation evidence"

    class State(models.TextChoices):
        PENDING = "pending", "awaiting decision"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"
        NEEDS_REVISION = "needs_revision", "needs revision"

    EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

    investor = models.ForeignKey("compliance.Investor", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to=_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=32, help_text="Detected from the content, not the name.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True, db_index=True)
    decision_reason = models.TextField(blank=True)
    evidence_expires_on = models.DateField(null=True, blank=True, validators=bounds.dates(),
                                           help_text="After this date the document no longer counts.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["investor", "kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="document_content_type_allowed",
            ),
            *bounds.check_dates("document", "evidence_expires_on"),
        ]
        permissions = [("decide_document", "Can accept, reject or ask to revise a document")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.investor} (#{self.pk})"

    @property
    def extension(self) -> str:
        return self.EXTENSIONS[self.content_type]

    @transition(state, source=[State.PENDING, State.NEEDS_REVISION, State.REJECTED, State.ACCEPTED],
                target=State.ACCEPTED, permission="compliance.decide_document")
    def accept(self) -> None:
        pass

    @transition(state, source=[State.PENDING, State.NEEDS_REVISION, State.ACCEPTED], target=State.REJECTED,
                permission="compliance.decide_document", custom={"reason_required": True})
    def reject(self) -> None:
        pass

    @transition(state, source=[State.PENDING, State.ACCEPTED], target=State.NEEDS_REVISION,
                permission="compliance.decide_document",
                custom={"label": "needs revision", "reason_required": True})
    def request_revision(self) -> None:
        pass
