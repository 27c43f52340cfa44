"""Documents: checked by content, stored privately, each with its own decision."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.models import Document
from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from tests.factories import PDF_BYTES, pdf

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + b"IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"\xff\xd9"
EXE = b"MZ\x90\x00" + b"\x00" * 64


def stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_pdf_is_stored_privately(investor, investor_user, settings):
    doc = services.document_upload(actor=investor_user, investor=investor, kind="identity",
                                   file=pdf("passport.pdf"))

    assert (doc.content_type, doc.size, doc.original_name, doc.state) == (
        "application/pdf", len(PDF_BYTES), "passport.pdf", "pending")
    path = settings.PRIVATE_MEDIA_ROOT / doc.file.name
    assert path.read_bytes() == PDF_BYTES
    assert doc.file.name.startswith(f"investors/{investor.pk}/") and doc.file.name.endswith(".pdf")
    with pytest.raises(ValueError, match="Private documents have no URL"):
        doc.file.url  # noqa: B018


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("scan.png", PNG, "image/png"), ("scan.JPG", JPEG, "image/jpeg"), ("scan.jpeg", JPEG, "image/jpeg"),
])
def test_images_are_accepted(investor, ops, name, content, kind):
    doc = services.document_upload(actor=ops, investor=investor, kind="proof_of_address",
                                   file=SimpleUploadedFile(name, content))
    assert doc.content_type == kind


@pytest.mark.parametrize(("name", "content", "message"), [
    ("passport.pdf", EXE, "'passport.pdf' is a Windows executable by its content; only PDF, JPEG and PNG "
                          "files are accepted."),
    ("passport.pdf", b"\x7fELF\x02\x01", "'passport.pdf' is a Linux executable by its content; only PDF, "
                                         "JPEG and PNG files are accepted."),
    ("passport.pdf", PDF_BYTES[:20], "'passport.pdf' is corrupt or truncated: its application/pdf end marker "
                                     "is missing."),
    ("passport.pdf", PNG, "'passport.pdf' is named .pdf but its content is image/png; the name and the "
                          "content must agree."),
    ("passport.pdf", b"", "The file is empty."),
])
def test_disguised_corrupt_or_empty_files_are_refused_and_not_stored(investor, ops, settings, name, content,
                                                                     message):
    events, files = AuditEvent.objects.count(), stored_files(settings)

    with pytest.raises(InvalidInput) as exc:
        services.document_upload(actor=ops, investor=investor, kind="identity",
                                 file=SimpleUploadedFile(name, content))

    assert (exc.value.field, exc.value.message) == ("file", message)
    assert Document.objects.filter(investor=investor, kind="identity").count() == 0
    assert AuditEvent.objects.count() == events
    assert stored_files(settings) == files


def test_an_oversized_file_is_refused(investor, ops, settings):
    settings.COMPLIANCE_MAX_UPLOAD_BYTES = 1024
    files = stored_files(settings)
    big = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"

    with pytest.raises(InvalidInput) as exc:
        services.document_upload(actor=ops, investor=investor, kind="identity",
                                 file=SimpleUploadedFile("big.pdf", big))

    assert exc.value.message == "The file is 2,016 bytes; the limit is 1,024 bytes."
    assert stored_files(settings) == files


def test_each_document_has_its_own_decision(investor, officer):
    doc = services.document_upload(actor=officer, investor=investor, kind="identity", file=pdf())

    doc = services.document_decide(document=doc, decision="request_revision", actor=officer,
                                   reason="The photo page is cut off.")

    assert (doc.state, doc.decision_reason, doc.decided_by) == ("needs_revision",
                                                                "The photo page is cut off.",
                                                                 officer)
    with pytest.raises(InvalidInput):
        services.document_decide(document=doc, decision="reject", actor=officer)
    doc.refresh_from_db()
    assert doc.state == "needs_revision"


def test_only_officers_decide_documents(investor, ops):
    doc = services.document_upload(actor=ops, investor=investor, kind="identity", file=pdf())

    with pytest.raises(NotPermitted):
        services.document_decide(document=doc, decision="accept", actor=ops)
    doc.refresh_from_db()
    assert (doc.state, doc.decided_by) == ("pending", None)


def test_an_investor_uploads_only_to_their_own_profile(other_investor, investor_user, settings):
    files = stored_files(settings)
    with pytest.raises(NotPermitted):
        services.document_upload(actor=investor_user, investor=other_investor, kind="identity", file=pdf())
    assert stored_files(settings) == files
