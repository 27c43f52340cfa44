"""Checks the KYC guards and eligibility share: completeness, documents, screening."""

from datetime import date

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
    """Confirmed hits and hits awaiting a decision, from the screening app."""
    from screening.gate import screening_blockers as gate

    return gate(investor)


def screen(investor, actor=None) -> None:
    """Screen the investor (and its owners) now."""
    from screening.services import screen_investor

    screen_investor(investor=investor, actor=actor)


def screening_hit_counts(investor) -> tuple[int, int, int]:
    """(confirmed, awaiting decision, cleared as false positive) hits, for the risk rating."""
    from screening.models import ScreeningHit

    counts = dict.fromkeys(ScreeningHit.State.values, 0)
    for state in ScreeningHit.objects.filter(investor=investor).values_list("state", flat=True):
        counts[state] += 1
    return counts["confirmed"], counts["pending"], counts["false_positive"]
