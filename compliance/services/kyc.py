"""KYC / KYB cases: open, assign, one service per action (with four eyes), and the scheduled expiry."""

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from compliance import providers, risk
from compliance.models import Investor, KycCase, ReasonCode
from compliance.signals import investor_blocked, investor_cleared
from core import clock
from core.audit import audit_created, audit_created_bulk, audit_event
from core.authz import require_own_or_staff, require_perm
from core.dates import add_years
from core.errors import InvalidInput, Refused, TransitionNotAllowed
from core.models import AuditEvent
from core.transitions import (
    bulk_transition,
    check_transition,
    lock,
    record_transition,
    run_transition,
    transition_custom,
    transition_sources,
)

CASE_FIELDS = ("investor", "kind", "trigger", "previous_case", "state")


def assess_risk(investor: Investor) -> risk.RiskAssessment:
    confirmed, open_hits, cleared = providers.screening().hit_counts(investor)
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
    if actor is not None:  # None: the scheduled periodic review
        require_perm(actor, "compliance.add_kyccase", doing="open KYC cases")
        require_own_or_staff(actor, investor, doing="open a KYC case")
    investor = lock(Investor, investor.pk)
    current = investor.kyc_cases.filter(state__in=KycCase.OPEN_STATES).first()
    if current is not None:
        raise Refused(f"{investor} already has an open case #{current.pk} "
                      f"('{current.get_state_display()}'); finish it first.")
    case = _new_case(investor, trigger=trigger, previous_case=previous_case)
    case.save()
    audit_created(instance=case, actor=actor, fields=CASE_FIELDS)
    return case


def _new_case(investor: Investor, *, trigger: str, previous_case: KycCase | None) -> KycCase:
    """A draft case for ``investor``, not yet saved: KYC for an individual, KYB for an entity."""
    return KycCase(investor=investor, kind=KycCase.Kind.KYC if investor.is_individual else KycCase.Kind.KYB,
                   trigger=trigger, previous_case=previous_case)


@transaction.atomic
def kyc_case_assign(*, case: KycCase, actor, assignee=None) -> KycCase:
    """Take a case (``assignee`` defaults to the actor); only reviewers may work cases."""
    require_perm(actor, "compliance.review_kyccase", doing="work KYC cases")
    assignee = assignee or actor
    if not assignee.has_perm("compliance.review_kyccase"):
        raise InvalidInput(f"{assignee} may not be assigned KYC cases: it needs the permission "
                           "'compliance.review_kyccase'.", field="assignee")
    case = _locked(case)
    if case.state not in KycCase.OPEN_STATES:
        raise Refused(f"Case #{case.pk} is '{case.get_state_display()}'; only open cases are assigned.")
    before = case.assignee.username if case.assignee else None
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    audit_event(instance=case, actor=actor, action=AuditEvent.Action.UPDATE,
                changes={"assignee": [before, assignee.username]})
    return case


def _locked(case: KycCase) -> KycCase:
    """Lock the investor, then the case (the app's lock order), and return the fresh case."""
    lock(Investor, case.investor_id)
    return lock(KycCase, case.pk)


def _run_coded(case: KycCase, name: str, *, actor, reason_code: str, reason: str, **fields) -> None:
    """Run a transition that carries a reason code from the fixed list with the officer's text:
    the actor and the text are checked first, then the code; the audit reason reads "[code] text"."""
    check_transition(case, name, actor=actor, reason=reason)
    if reason_code not in ReasonCode.values:
        raise InvalidInput(
            f"'{reason_code}' is not a reason code; choose one of: {', '.join(ReasonCode.values)}.",
            field="reason_code")
    text = reason.strip()
    record_transition(case, name, actor=actor, reason=f"[{reason_code}] {text}", reason_code=reason_code,
                      reason_text=text, **fields)


@transaction.atomic
def kyc_case_submit(*, case: KycCase, actor, reason: str = "") -> KycCase:
    """Send the case for review (staff, or the case's own investor) and screen the investor and
    its owners now; the screening hits are written in the same transaction."""
    case = _locked(case)
    run_transition(case, "submit", actor=actor, reason=reason, submitted_at=timezone.now())
    providers.screening().screen(investor=case.investor, actor=actor)
    return case


@transaction.atomic
def kyc_case_start_review(*, case: KycCase, actor, reason: str = "") -> KycCase:
    """An officer starts reviewing; an unassigned case becomes theirs."""
    case = _locked(case)
    fields = {} if case.assignee_id else {"assignee": actor}
    run_transition(case, "start_review", actor=actor, reason=reason, **fields)
    return case


@transaction.atomic
def kyc_case_request_information(*, case: KycCase, actor, reason_code: str, reason: str) -> KycCase:
    """Send the case back to the investor, with a reason code and a text saying what is missing."""
    case = _locked(case)
    _run_coded(case, "request_information", actor=actor, reason_code=reason_code, reason=reason)
    return case


@transaction.atomic
def kyc_case_recommend(*, case: KycCase, actor, reason: str = "") -> KycCase:
    """The reviewer (the maker) recommends approval; the risk rating is assessed and stored."""
    case = _locked(case)
    check_transition(case, "recommend", actor=actor, reason=reason)
    assessment = assess_risk(case.investor)
    record_transition(case, "recommend", actor=actor, reason=reason, recommended_by=actor,
                      risk_rating=assessment.rating, risk_reasons=assessment.reasons)
    return case


@transaction.atomic
def kyc_case_return_to_review(*, case: KycCase, actor, reason: str) -> KycCase:
    """The approver sends a recommended case back to review (reason required); the recommendation
    is withdrawn, so the next recommendation may come from anyone."""
    case = _locked(case)
    run_transition(case, "return_to_review", actor=actor, reason=reason, recommended_by=None)
    return case


@transaction.atomic
def kyc_case_approve(*, case: KycCase, actor, reason: str = "") -> KycCase:
    """The checker (never the recommender) approves: the risk is assessed again and sets the refresh
    date, an earlier approval of the investor ends, and ``investor_cleared`` is sent in the transaction."""
    case = _locked(case)
    check_transition(case, "approve", actor=actor, reason=reason)
    assessment = assess_risk(case.investor)
    now = timezone.now()
    _supersede_approved(case=case, actor=actor)
    record_transition(case, "approve", actor=actor, reason=reason, decided_by=actor, decided_at=now,
                      risk_rating=assessment.rating, risk_reasons=assessment.reasons,
                      refresh_due=add_years(clock.today(), assessment.refresh_years))
    investor_pk = case.investor_id
    investor_cleared.send(sender=KycCase, investor_id=investor_pk)  # receivers record outbox rows
    return case


@transaction.atomic
def kyc_case_reject(*, case: KycCase, actor, reason_code: str, reason: str) -> KycCase:
    """Reject the case, with a reason code and a text; the rejection is final."""
    case = _locked(case)
    _run_coded(case, "reject", actor=actor, reason_code=reason_code, reason=reason, decided_by=actor,
               decided_at=timezone.now())
    return case


# The actions a person takes on a case, by transition name: the API, the admin and the review queue
# dispatch through this table. ``expire`` and ``supersede`` are not here: only the scheduled refresh
# (kyc_cases_expire_due) and a newer approval (kyc_case_approve) end an approval.
KYC_CASE_ACTIONS: dict[str, Callable[..., KycCase]] = {
    "submit": kyc_case_submit,
    "start_review": kyc_case_start_review,
    "request_information": kyc_case_request_information,
    "recommend": kyc_case_recommend,
    "return_to_review": kyc_case_return_to_review,
    "approve": kyc_case_approve,
    "reject": kyc_case_reject,
}


def kyc_case_transition(*, case: KycCase, name: str, actor, reason: str = "",
                        reason_code: str = "") -> KycCase:
    """Run the action called ``name`` (a key of ``KYC_CASE_ACTIONS``); ``reason_code`` is passed to
    the actions whose transition declares one (rejection, information request)."""
    action = KYC_CASE_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(
            f"A KYC case has no action '{name}'; its actions are: {', '.join(KYC_CASE_ACTIONS)}.")
    if transition_custom(KycCase, name).get("reason_code"):
        return action(case=case, actor=actor, reason=reason, reason_code=reason_code)
    return action(case=case, actor=actor, reason=reason)


def _supersede_approved(*, case: KycCase, actor) -> None:
    """An earlier approval of the same investor ends when a new case is approved (by its approver)."""
    bulk_transition(
        KycCase, "supersede", actor=actor, reason=f"superseded by the approval of case #{case.pk}",
        queryset=KycCase.objects.select_related("investor").filter(
            investor_id=case.investor_id, state__in=transition_sources(KycCase, "supersede"),
        ).exclude(pk=case.pk),
    )


@transaction.atomic
def kyc_cases_expire_due(*, today: date | None = None) -> list[int]:
    """Expire every approved case whose refresh date has come and open its investor's periodic
    review; returns the ids of the new review cases.

    A system step, in one transaction and a fixed number of statements: the investors are locked
    first (the app's lock order), their due cases take ``expire`` in bulk, ``investor_blocked`` is
    sent for each after the commit, and a draft review case is created, in bulk, for each investor
    without an open case. Running twice, or on two workers at once, expires and reopens each case
    once: a second run waits for the first's locks, then finds the cases no longer approved.
    """
    today = today or clock.today()
    due = KycCase.objects.filter(state__in=transition_sources(KycCase, "expire"), refresh_due__lte=today)
    investors = {i.pk: i for i in Investor.objects.select_for_update()
                 .filter(pk__in=due.values("investor_id")).order_by("pk")}
    due = due.filter(investor_id__in=list(investors))  # their cases hold still while they are locked
    expired = bulk_transition(
        KycCase, "expire", actor=None, queryset=due.select_related("investor"),
        reason={pk: f"refresh date {day.isoformat()} reached"
                for pk, day in due.values_list("pk", "refresh_due")})
    cases = list(KycCase.objects.filter(pk__in=expired.ids).order_by("pk"))
    for case in cases:  # receivers record outbox rows, sent after the commit
        investor_blocked.send(sender=KycCase, investor_id=case.investor_id,
                              event=f"kyc-expired:case:{case.pk}")
    busy = set(KycCase.objects.filter(investor_id__in=[c.investor_id for c in cases],
                                      state__in=KycCase.OPEN_STATES).values_list("investor_id", flat=True))
    reviews = KycCase.objects.bulk_create([
        _new_case(investors[c.investor_id], trigger=KycCase.Trigger.PERIODIC_REVIEW, previous_case=c)
        for c in cases if c.investor_id not in busy
    ])
    audit_created_bulk(instances=reviews, actor=None, fields=CASE_FIELDS)
    return [review.pk for review in reviews]
