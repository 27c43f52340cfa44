"""KYC / KYB cases: open, assign, transitions (with four eyes), and the scheduled expiry."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from compliance import risk
from compliance.models import Investor, KycCase, ReasonCode
from compliance.rules import screen, screening_hit_counts
from compliance.signals import investor_blocked, investor_cleared
from core import clock
from core.audit import audit_created, audit_event, audit_transitions_bulk
from core.dates import add_years
from core.errors import InvalidInput, NotPermitted, Refused
from core.models import AuditEvent
from core.roles import sees_all
from core.transitions import lock, run_transition, transition_custom

CASE_FIELDS = ("investor", "kind", "trigger", "previous_case", "state")


def assess_risk(investor: Investor) -> risk.RiskAssessment:
    confirmed, open_hits, cleared = screening_hit_counts(investor)
    owners = tuple(
        risk.Owner(o.full_name, o.nationality, o.country_of_residence)
        for o in investor.beneficial_owners.all()
    )
    return risk.assess(risk.RiskInputs(
        kind=investor.kind, residence=investor.country_of_residence, nationality=investor.nationality,
        is_pep=investor.is_pep, owners=owners, confirmed_hits=confirmed, open_hits=open_hits,
        cleared_hits=cleared,
    ))


@transaction.atomic
def kyc_case_open(*, actor, investor: Investor, trigger: str = KycCase.Trigger.ONBOARDING,
                  previous_case: KycCase | None = None) -> KycCase:
    """Open a draft case for ``investor``; refused while another case is open."""
    investor = lock(Investor, investor.pk)
    if actor is not None and not sees_all(actor) and investor.user_id != actor.pk:
        raise NotPermitted("Investors may open a KYC case only for themselves.")
    current = investor.kyc_cases.filter(state__in=KycCase.OPEN_STATES).first()
    if current is not None:
        raise Refused(f"{investor} already has an open case #{current.pk} "
                      f"('{current.get_state_display()}'); finish it first.")
    case = KycCase.objects.create(
        investor=investor, kind=KycCase.Kind.KYC if investor.is_individual else KycCase.Kind.KYB,
        trigger=trigger, previous_case=previous_case,
    )
    audit_created(instance=case, actor=actor, fields=CASE_FIELDS)
    return case


@transaction.atomic
def kyc_case_assign(*, case: KycCase, actor, assignee=None) -> KycCase:
    """Take a case (``assignee`` defaults to the actor); only reviewers may work cases."""
    Investor.objects.select_for_update().get(pk=case.investor_id)
    case = lock(KycCase, case.pk)
    assignee = assignee or actor
    for who in {actor, assignee}:
        if not who.has_perm("compliance.review_kyccase"):
            raise NotPermitted(f"{who} may not work KYC cases: it needs the permission "
                               "'compliance.review_kyccase'.")
    if case.state not in KycCase.OPEN_STATES:
        raise Refused(f"Case #{case.pk} is '{case.get_state_display()}'; only open cases are assigned.")
    before = case.assignee.username if case.assignee else None
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    audit_event(instance=case, actor=actor, action=AuditEvent.Action.UPDATE,
                changes={"assignee": [before, assignee.username]})
    return case


@transaction.atomic
def kyc_case_transition(*, case: KycCase, name: str, actor, reason: str = "",
                        reason_code: str = "") -> KycCase:
    """Take transition ``name``; rejections and information requests carry a reason code."""
    Investor.objects.select_for_update().get(pk=case.investor_id)
    case = lock(KycCase, case.pk)
    now = timezone.now()
    extra: dict = {}
    custom = transition_custom(KycCase, name) if hasattr(case, name) else {}
    if custom.get("reason_code"):
        if reason_code not in ReasonCode.values:
            raise InvalidInput(
                f"'{reason_code}' is not a reason code; choose one of: {', '.join(ReasonCode.values)}.",
                field="reason_code")
        extra = {"reason_code": reason_code, "reason_text": reason.strip()}
        if reason.strip():  # an empty text is refused by run_transition (reason_required)
            reason = f"[{reason_code}] {reason.strip()}"
    if name == "submit":
        extra["submitted_at"] = now
    elif name == "start_review" and case.assignee_id is None:
        extra["assignee"] = actor
    elif name == "recommend":
        assessment = assess_risk(case.investor)
        extra.update(recommended_by=actor, risk_rating=assessment.rating, risk_reasons=assessment.reasons)
    elif name == "return_to_review":
        extra["recommended_by"] = None
    elif name == "approve":
        assessment = assess_risk(case.investor)
        extra.update(decided_by=actor, decided_at=now, risk_rating=assessment.rating,
                     risk_reasons=assessment.reasons,
                     refresh_due=add_years(clock.today(), assessment.refresh_years))
    elif name == "reject":
        extra.update(decided_by=actor, decided_at=now)
    if name == "approve":
        _supersede_approved(case=case, actor=actor)
    run_transition(case, name, actor=actor, reason=reason, **extra)
    if name == "submit":
        screen(case.investor, actor=actor)
    elif name == "approve":
        investor_pk = case.investor_id
        transaction.on_commit(lambda: investor_cleared.send(sender=KycCase, investor_id=investor_pk))
    return case


def _supersede_approved(*, case: KycCase, actor) -> None:
    """An earlier approval of the same investor ends when a new case is approved."""
    older = KycCase.objects.select_for_update().filter(
        investor_id=case.investor_id, state=KycCase.State.APPROVED).exclude(pk=case.pk)
    rows = [(c.pk, str(c)) for c in older]
    if rows:
        older.update(state=KycCase.State.EXPIRED, updated_at=timezone.now())
        audit_transitions_bulk(model=KycCase, rows=rows, actor=actor, name="expire",
                               from_state=KycCase.State.APPROVED, to_state=KycCase.State.EXPIRED,
                               reason=f"superseded by the approval of case #{case.pk}")


def kyc_cases_expire_due(*, today: date | None = None) -> list[int]:
    """Expire every approved case whose refresh date has come and open its periodic review.

    Each case is claimed with a conditional update (state still approved), so running
    twice, or on two workers at once, expires and reopens each case once. Returns the
    ids of the new review cases.
    """
    today = today or clock.today()
    due = list(KycCase.objects.filter(state=KycCase.State.APPROVED, refresh_due__lte=today)
               .values_list("pk", flat=True))
    opened = []
    for pk in due:
        with transaction.atomic():
            claimed = KycCase.objects.filter(pk=pk, state=KycCase.State.APPROVED).update(
                state=KycCase.State.EXPIRED, updated_at=timezone.now())
            if not claimed:
                continue
            case = KycCase.objects.select_related("investor").get(pk=pk)
            audit_transitions_bulk(model=KycCase, rows=[(pk, str(case))], actor=None, name="expire",
                                   from_state=KycCase.State.APPROVED, to_state=KycCase.State.EXPIRED,
                                   reason=f"refresh date {case.refresh_due.isoformat()} reached")
            transaction.on_commit(lambda c=case: investor_blocked.send(
                sender=KycCase, investor_id=c.investor_id, event=f"kyc-expired:case:{c.pk}"))
            if case.investor.kyc_cases.filter(state__in=KycCase.OPEN_STATES).exists():
                continue
            review = kyc_case_open(actor=None, investor=case.investor,
                                   trigger=KycCase.Trigger.PERIODIC_REVIEW, previous_case=case)
            opened.append(review.pk)
    return opened
