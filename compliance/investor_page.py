"""The investor's admin page, compliance's part: KYC status and cases, classification, wallets and
documents, read-only, in a fixed number of queries; the sections higher apps register
(``compliance.providers.investor_sections``: issuance adds eligibility per open deal and the
subscriptions) follow. Also the two onboarding steps operations take from the page."""

from dataclasses import dataclass

from django import forms
from django.urls import reverse

from compliance import providers
from compliance.models import Document, InvestorClassification, KycCase, Wallet
from core import bounds, clock
from core.roles import oversees


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "choose the kind of document"), *Document.Kind.choices])
    file = forms.FileField(help_text="PDF, JPEG or PNG; checked by its content.")
    evidence_expires_on = forms.DateField(required=False, validators=bounds.dates(),
                                          widget=forms.DateInput(attrs={"type": "date"}),
                                          help_text="When the evidence stops being valid, if it does.")


@dataclass(frozen=True)
class KycStatus:
    text: str
    open_case: KycCase | None


def kyc_status(cases: list[KycCase], *, staff: bool = True) -> KycStatus:
    """One sentence: approved until when, the open case's state, or nothing yet (``cases``: newest
    first); the risk rating only for ``staff``."""
    today = clock.today()
    open_case = next((c for c in cases if c.state in KycCase.OPEN_STATES), None)
    approved = next((c for c in cases if c.state == KycCase.State.APPROVED), None)
    parts = []
    if approved is not None:
        if approved.refresh_due > today:
            risk = f", {approved.get_risk_rating_display()} risk" if staff else ""
            parts.append(f"KYC approved until {approved.refresh_due.isoformat()} "
                         f"(case #{approved.pk}{risk}).")
        else:
            parts.append(f"KYC approval of case #{approved.pk} expired on "
                         f"{approved.refresh_due.isoformat()}.")
    if open_case is not None:
        parts.append(f"Case #{open_case.pk} is {open_case.get_state_display()}.")
    if not parts:
        latest = cases[0] if cases else None
        parts.append(f"Not approved: the latest case #{latest.pk} is {latest.get_state_display()}."
                     if latest else "No KYC case yet.")
    return KycStatus(text=" ".join(parts), open_case=open_case)


def investor_panels(request, investor) -> dict:
    """What the page shows below the investor's details."""
    user = request.user
    cases = list(KycCase.objects.filter(investor=investor).select_related("assignee")
                 .order_by("-created_at", "-id"))
    officer_pages = user.has_perm("compliance.review_kyccase") or oversees(user)  # the review queue's readers
    may_documents = user.has_perm("compliance.view_document")
    documents = list(Document.objects.filter(investor=investor).order_by("kind", "-created_at"))
    status = kyc_status(cases)
    return {
        "kyc_status": status.text,
        "kyc_cases": [(c, reverse("compliance:case", args=[c.pk]) if officer_pages
                       else reverse("admin:compliance_kyccase_change", args=[c.pk])) for c in cases],
        "may_open_case": user.has_perm("compliance.add_kyccase") and status.open_case is None,
        "open_case_url": reverse("admin:compliance_investor_kyc_open", args=[investor.pk]),
        "may_upload": user.has_perm("compliance.add_document"),
        "upload_url": reverse("admin:compliance_investor_upload", args=[investor.pk]),
        "classifications": list(InvestorClassification.objects.filter(investor=investor)
                                .order_by("-valid_from", "-id")),
        "wallets": list(Wallet.objects.filter(investor=investor).order_by("verified_at", "id")),
        "documents": documents if may_documents else [],
        "documents_hidden": 0 if may_documents else len(documents),
        "investor_sections": [html for s in providers.investor_sections()
                              if (html := s.render(request, investor))],
    }
