"""Reads scoped to what the user may see, shaped to avoid N+1.

Staff roles (core.roles.sees_all) see every investor's rows; an investor login sees
only rows of its own investor profile.
"""

from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from compliance.models import (
    BeneficialOwner,
    Document,
    Investor,
    InvestorClassification,
    InvestorLoginChange,
    KycCase,
    Wallet,
    WalletChallenge,
)
from core import clock
from core.errors import MakerCheckerViolation, Refused
from core.roles import sees_all
from core.transitions import check_transition


def _scoped(qs: QuerySet, user, field: str = "investor__user") -> QuerySet:
    if sees_all(user):
        return qs
    return qs.filter(**{field: user}) if user.is_authenticated else qs.none()


def investors_visible_to(user) -> QuerySet[Investor]:
    return _scoped(Investor.objects.select_related("user"), user, "user")


def beneficial_owners_visible_to(user) -> QuerySet[BeneficialOwner]:
    return _scoped(BeneficialOwner.objects.select_related("investor"), user)


def kyc_cases_visible_to(user) -> QuerySet[KycCase]:
    qs = KycCase.objects.select_related("investor", "assignee", "recommended_by", "decided_by")
    return _scoped(qs, user)


def documents_visible_to(user) -> QuerySet[Document]:
    return _scoped(Document.objects.select_related("investor"), user)


def classifications_visible_to(user) -> QuerySet[InvestorClassification]:
    return _scoped(InvestorClassification.objects.select_related("investor"), user)


def wallets_visible_to(user) -> QuerySet[Wallet]:
    return _scoped(Wallet.objects.select_related("investor"), user)


def wallet_challenges_visible_to(user) -> QuerySet[WalletChallenge]:
    return _scoped(WalletChallenge.objects.select_related("investor"), user)


def login_changes_visible_to(user) -> QuerySet[InvestorLoginChange]:
    """Staff only: an investor does not see requests to change logins, even its own."""
    qs = InvestorLoginChange.objects.select_related("investor", "requested_by", "decided_by")
    return qs if sees_all(user) else qs.none()


def approved_investor_ids(on: date | None = None) -> QuerySet:
    on = on or clock.today()
    return KycCase.objects.filter(state=KycCase.State.APPROVED, refresh_due__gt=on).values("investor_id")


def allowlistable_wallets(on: date | None = None) -> QuerySet[Wallet]:
    """Verified wallets of investors with an approved, unexpired KYC case: the only ones the
    chain side may put on a token's allowlist."""
    return Wallet.objects.select_related("investor").filter(investor_id__in=approved_investor_ids(on))


def review_queue(*, state: str = "", risk: str = "", assignee: str = "", older_than_days: int | None = None,
                 user=None) -> QuerySet[KycCase]:
    """Cases for the officers' queue, oldest first. ``assignee`` is "me", "none" or a user id."""
    qs = KycCase.objects.select_related("investor", "assignee").order_by("created_at", "id")
    qs = qs.filter(state=state) if state else qs.filter(state__in=KycCase.OPEN_STATES)
    if risk:
        qs = qs.filter(risk_rating=risk)
    if assignee == "me" and user is not None:
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee.isdigit():
        qs = qs.filter(assignee_id=int(assignee))
    if older_than_days is not None:
        qs = qs.filter(created_at__lte=timezone.now() - timedelta(days=older_than_days))
    return qs


def case_page(case_id: int) -> KycCase:
    return (
        KycCase.objects.select_related("investor", "assignee", "recommended_by", "decided_by")
        .prefetch_related(
            Prefetch("investor__documents", queryset=Document.objects.order_by("kind", "-created_at")),
            "investor__beneficial_owners",
            Prefetch("investor__classifications",
                     queryset=InvestorClassification.objects.order_by("-valid_from", "-id")),
            "investor__wallets",
        )
        .get(pk=case_id)
    )


def why_not_approver(case: KycCase, user) -> str:
    """Why ``user``, a compliance officer who may approve cases, may not approve this recommended
    case (four eyes); "" when nothing stops them, or when approving is not theirs anyway."""
    if case.state != KycCase.State.RECOMMENDED or not user.has_perm("compliance.approve_kyccase"):
        return ""
    if case.recommended_by_id == user.pk:
        return (f"You recommended case #{case.pk}, so you cannot approve it: four eyes. Another compliance "
                "officer with the approval permission approves it, or returns it to review.")
    try:
        check_transition(case, "approve", actor=user)
    except MakerCheckerViolation as exc:
        return f"{exc.message} Another compliance officer approves it, or returns it to review."
    except Refused:
        return ""  # a guard (documents, screening): the approval button and its refusal say which
    return ""
