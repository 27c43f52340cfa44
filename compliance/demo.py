"""Clear demo investors through the real services: details, documents, four-eyes KYC approval."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.models import Investor
from compliance.rules import REQUIRED_DOCUMENTS

DEMO_PDF = b"%PDF-1.4\n% demo document, not a real scan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def clear_for_demo(investor: Investor, *, maker, checker) -> None:
    """Complete the investor's details, accept demo documents and approve a KYC case (maker recommends,
    checker approves)."""
    details = {"address": f"Demo address of {investor.legal_name}"}
    if investor.is_individual:
        details.update(nationality=investor.country_of_residence, date_of_birth=date(1980, 1, 1))
    else:
        details["registration_number"] = f"DEMO-{investor.pk:05d}"
    investor = services.investor_update(investor=investor, actor=maker, **details)
    for kind in REQUIRED_DOCUMENTS[investor.kind]:
        doc = services.document_upload(actor=maker, investor=investor, kind=kind,
                                       file=SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF))
        services.document_decide(document=doc, decision="accept", actor=maker)
    case = services.kyc_case_open(actor=maker, investor=investor)
    case = services.kyc_case_submit(case=case, actor=maker)
    case = services.kyc_case_start_review(case=case, actor=maker)
    case = services.kyc_case_recommend(case=case, actor=maker)
    services.kyc_case_approve(case=case, actor=checker)
