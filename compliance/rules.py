"""Checks the KYC guards and eligibility share: completeness, documents, screening."""

from datetime import date

from compliance import providers
from core import clock

REQUIRED_DOCUMENTS = {
    "individual": ("identity", "proof_of_address"),
    "entity": ("incorporation", "proof_of_address"),
}


def missing_details(investor) -> list[str]:
    missing = []
    if not investor.country_of_residence:
        missing.append("country of residence")
    if investor.is_individual:
        if not investor.nationality:
            missing.append("nationality")
        if investor.date_of_birth is None:
            missing.append("date of birth")
    else:
        if not investor.registration_number:
            missing.append("registration number")
    if not investor.address:
        missing.append("address")
    return missing


def missing_documents(investor, on: date | None = None) -> list[str]:
    """Required document kinds without an accepted document whose evidence is still in force."""
    from compliance.models import Document

    on = on or clock.today()
    accepted = set(
        investor.documents.filter(state=Document.State.ACCEPTED)
        .exclude(evidence_expires_on__lt=on)
        .values_list("kind", flat=True)
    )
    labels = dict(Document.Kind.choices)
    return [labels[k] for k in REQUIRED_DOCUMENTS[investor.kind] if k not in accepted]


def screening_blockers(investor) -> list[str]:
    """Confirmed hits and hits awaiting a decision, as the screening app words them."""
    return providers.screening().blockers(investor)
