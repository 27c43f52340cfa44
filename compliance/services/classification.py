"""Classification records: the pure classifier decides, the service records and audits."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from compliance.classify import FIGURES, Declared, classify
from compliance.models import Document, Investor, InvestorClassification
from core import clock
from core.audit import audit_created, audit_event
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from core.transitions import lock

CLASSIFICATION_FIELDS = ("investor", "regime", "investor_class", "test_passed", "explanation", "currency",
                         "declared", "opted_in_at", "evidence", "valid_from", "valid_until")


@transaction.atomic
def classification_record(*, actor, investor: Investor, regime: str, figures: dict, valid_until: date,
                          valid_from: date | None = None, opted_in: bool = False,
                          evidence: Document | None = None) -> InvestorClassification:
    require_perm(actor, "compliance.add_investorclassification", doing="record investor classifications")
    investor = lock(Investor, investor.pk)
    if regime not in FIGURES:
        raise InvalidInput(f"'{regime}' is not a regime; use one of {', '.join(FIGURES)}.", field="regime")
    unknown = set(figures) - set(FIGURES[regime])
    if unknown:
        raise InvalidInput(f"Figures not used by the {regime} tests: {', '.join(sorted(unknown))}.",
                           field="figures")
    valid_from = valid_from or clock.today()
    if valid_until < valid_from:
        raise InvalidInput("valid_until must not be before valid_from.", field="valid_until")
    if evidence is not None and evidence.investor_id != investor.pk:
        raise InvalidInput("The evidence document belongs to another investor.", field="evidence")
    outcome = classify(regime, Declared(kind=investor.kind, figures=figures, opted_in=opted_in))
    record = InvestorClassification.objects.create(
        investor=investor, regime=regime, investor_class=outcome.investor_class,
        test_passed=outcome.test_passed, explanation=outcome.explanation, currency=outcome.currency,
        declared={k: str(v) for k, v in figures.items()},
        opted_in_at=timezone.now() if opted_in else None, evidence=evidence,
        valid_from=valid_from, valid_until=valid_until, recorded_by=actor,
    )
    audit_created(instance=record, actor=actor, fields=CLASSIFICATION_FIELDS)
    return record


@transaction.atomic
def classification_revoke(*, actor, classification: InvestorClassification, reason: str
                          ) -> InvestorClassification:
    require_perm(actor, "compliance.change_investorclassification", doing="revoke investor classifications")
    lock(Investor, classification.investor_id)
    record = lock(InvestorClassification, classification.pk)
    if not reason.strip():
        raise InvalidInput("A reason is required to revoke a classification.", field="reason")
    if record.revoked_at is not None:
        raise Refused(f"Classification #{record.pk} was already revoked.")
    record.revoked_at = timezone.now()
    record.save(update_fields=["revoked_at"])
    audit_event(instance=record, actor=actor, action=AuditEvent.Action.UPDATE, reason=reason.strip(),
                changes={"revoked_at": [None, record.revoked_at.isoformat()]})
    return record
