"""KYC / KYB cases and their lifecycle (state diagram in docs/compliance.md).

Transition bodies change state only; each action's service in compliance/services/kyc.py
locks the case, checks the transition through core.transitions (permission,
maker-checker, guards with reasons), records it with its audit event and does the
rest of its work in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import bounds
from core.authz import acts_for
from core.transitions import guard


class ReasonCode(models.TextChoices):
    """Why a case was rejected or sent back for more information (a fixed list)."""

    DOCUMENT_MISSING = "document_missing", "a required document is missing"
    DOCUMENT_ILLEGIBLE = "document_illegible", "a document is illegible or incomplete"
    DOCUMENT_EXPIRED = "document_expired", "a document has expired"
    IDENTITY_MISMATCH = "identity_mismatch", "identity details do not match the documents"
    ADDRESS_UNVERIFIED = "address_unverified", "the address could not be verified"
    OWNERSHIP_UNCLEAR = "ownership_unclear", "ownership or control is unclear"
    SOURCE_OF_FUNDS = "source_of_funds", "source of funds or wealth is not evidenced"
    CLASSIFICATION_UNSUPPORTED = "classification_unsupported", "investor classification is not evidenced"
    SANCTIONS_MATCH = "sanctions_match", "confirmed sanctions match"
    PEP_RISK = "pep_risk", "politically exposed person risk not acceptable"
    JURISDICTION = "jurisdiction", "jurisdiction not accepted"
    OTHER = "other", "other (see the text)"


class RiskRating(models.TextChoices):
    LOW = "low", "low"
    MEDIUM = "medium", "medium"
    HIGH = "high", "high"


class KycCase(ConcurrentTransitionMixin, models.Model):
    """One review of an investor (KYC for individuals, KYB for entities).

    An investor has at most one open case (draft to recommended) at a time. An
    approved case is in force until ``refresh_due``; the scheduled task then
    moves it to expired and opens a periodic review case.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        SUBMITTED = "submitted", "submitted"
        IN_REVIEW = "in_review", "in review"
        INFORMATION_REQUESTED = "information_requested", "information requested"
        RECOMMENDED = "recommended", "recommended for approval"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        EXPIRED = "expired", "expired"

    class Kind(models.TextChoices):
        KYC = "kyc", "KYC (individual)"
        KYB = "kyb", "KYB (entity)"

    class Trigger(models.TextChoices):
        ONBOARDING = "onboarding", "onboarding"
        PERIODIC_REVIEW = "periodic_review", "periodic review (previous approval expired)"

    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.INFORMATION_REQUESTED,
                   State.RECOMMENDED)
    FINAL_STATES = (State.REJECTED, State.EXPIRED)

    investor = models.ForeignKey("compliance.Investor", on_delete=models.PROTECT,
                                 related_name="kyc_cases")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.ONBOARDING)
    previous_case = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 help_text="The officer working the case.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The officer who recommended approval (the maker); cannot approve.",
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text="Who approved or rejected (the checker).")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices, blank=True,
                                   help_text="Of the last rejection or information request.")
    reason_text = models.TextField(blank=True)
    risk_rating = models.CharField(max_length=8, choices=RiskRating.choices, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)
    refresh_due = models.DateField(null=True, blank=True, db_index=True, validators=bounds.dates(),
                                   help_text="The approval is in force until this date.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "KYC case"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["investor"],
                condition=Q(state__in=["draft", "submitted", "in_review", "information_requested",
                                       "recommended"]),
                name="kyc_case_one_open_per_investor",
            ),
            models.UniqueConstraint(fields=["investor"], condition=Q(state="approved"),
                                    name="kyc_case_one_approved_per_investor"),
            models.CheckConstraint(condition=~Q(state="approved") | Q(refresh_due__isnull=False),
                                   name="kyc_case_approved_has_refresh_date"),
            *bounds.check_dates("kyc_case", "refresh_due"),
        ]
        permissions = [
            ("submit_kyccase", "Can submit a KYC case for review"),
            ("review_kyccase", "Can review a KYC case (take, request information, recommend)"),
            ("approve_kyccase", "Can approve a KYC case (checker)"),
            ("reject_kyccase", "Can reject a KYC case"),
            ("expire_kyccase", "Can expire a KYC case (scheduled task only)"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display().split(' ')[0]} case #{self.pk} {self.investor}"

    # Guards: each returns None when the transition may go ahead, else the reason.

    @guard
    def _details_complete(self) -> str | None:
        from compliance.rules import missing_details

        missing = missing_details(self.investor)
        return ("Investor details are incomplete: " + "; ".join(missing) + ".") if missing else None

    @guard
    def _documents_accepted(self) -> str | None:
        from compliance.rules import missing_documents

        missing = missing_documents(self.investor)
        return ("Documents not yet accepted: " + ", ".join(missing) + ".") if missing else None

    @guard
    def _no_screening_blockers(self) -> str | None:
        from compliance.rules import screening_blockers

        blockers = screening_blockers(self.investor)
        return ("Screening blocks approval: " + " ".join(blockers)) if blockers else None

    @transition(state, source=[State.DRAFT, State.INFORMATION_REQUESTED], target=State.SUBMITTED,
                permission=lambda case, user: _may_submit(case, user), conditions=[_details_complete],
                custom={"permission_text": "the permission 'compliance.submit_kyccase' "
                                           "(staff, or the case's own investor)"})
    def submit(self) -> None:
        pass

    @transition(state, source=State.SUBMITTED, target=State.IN_REVIEW,
                permission="compliance.review_kyccase", custom={"label": "start review"})
    def start_review(self) -> None:
        pass

    @transition(state, source=State.IN_REVIEW, target=State.INFORMATION_REQUESTED,
                permission="compliance.review_kyccase",
                custom={"label": "request information", "reason_required": True,
                        "reason_code": True})
    def request_information(self) -> None:
        pass

    @transition(state, source=State.IN_REVIEW, target=State.RECOMMENDED,
                permission="compliance.review_kyccase", conditions=[_documents_accepted],
                custom={"label": "recommend approval"})
    def recommend(self) -> None:
        pass

    @transition(state, source=State.RECOMMENDED, target=State.IN_REVIEW,
                permission="compliance.approve_kyccase",
                custom={"label": "return to review", "reason_required": True})
    def return_to_review(self) -> None:
        pass

    @transition(state, source=State.RECOMMENDED, target=State.APPROVED,
                permission="compliance.approve_kyccase",
                conditions=[_documents_accepted, _no_screening_blockers],
                custom={"checker_of": "recommended_by",
                        "makers_from_audit": ("create", "submit", "start_review", "request_information",
                                              "recommend")})
    def approve(self) -> None:
        pass

    @transition(state, source=[State.SUBMITTED, State.IN_REVIEW, State.RECOMMENDED],
                target=State.REJECTED, permission="compliance.reject_kyccase",
                custom={"reason_required": True, "reason_code": True})
    def reject(self) -> None:
        pass

    @transition(state, source=State.APPROVED, target=State.EXPIRED,
                permission="compliance.expire_kyccase", custom={"bulk_only": True})
    def expire(self) -> None:
        """The refresh date has come (the scheduled task, ``kyc_cases_expire_due``)."""

    @transition(state, source=State.APPROVED, target=State.EXPIRED,
                permission="compliance.approve_kyccase", custom={"bulk_only": True})
    def supersede(self) -> None:
        """A newer case of the same investor is approved: its approver ends this approval
        (``kyc_case_approve``)."""


def _may_submit(case: KycCase, user) -> bool:
    return user.has_perm("compliance.submit_kyccase") and acts_for(user, case.investor)
