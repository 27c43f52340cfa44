"""Reads of servicing rows, scoped to who may see them (``core.roles.sees_all`` for staff), shaped
against N+1. Investors see no periods, funds, runs or descriptions; of the distributions they see
their own entitlements only."""

from django.db.models import Count, Prefetch, Q, QuerySet

from core.roles import sees_all
from servicing.models import (
    AvailableFundsLine,
    CollectionPeriod,
    Distribution,
    Entitlement,
    EscrowLine,
    FundsAdjustment,
    PayoutBatch,
    ServicingTerms,
    WaterfallAmendment,
    WaterfallDescription,
    WaterfallRun,
)


def _staff(qs: QuerySet, user) -> QuerySet:
    return qs if user.is_authenticated and sees_all(user) else qs.none()


def servicing_terms_visible_to(user) -> QuerySet[ServicingTerms]:
    return _staff(ServicingTerms.objects.select_related("deal"), user)


def periods_visible_to(user) -> QuerySet[CollectionPeriod]:
    return _staff(CollectionPeriod.objects.select_related("deal"), user)


def adjustments_visible_to(user) -> QuerySet[FundsAdjustment]:
    return _staff(FundsAdjustment.objects.select_related("period__deal"), user)


def runs_visible_to(user) -> QuerySet[WaterfallRun]:
    return _staff(WaterfallRun.objects.select_related("period__deal"), user)


def funds_lines_visible_to(user) -> QuerySet[AvailableFundsLine]:
    return _staff(AvailableFundsLine.objects.select_related("run__period__deal"), user)


def descriptions_visible_to(user) -> QuerySet[WaterfallDescription]:
    return _staff(WaterfallDescription.objects.select_related("deal"), user)


def amendments_visible_to(user) -> QuerySet[WaterfallAmendment]:
    return _staff(WaterfallAmendment.objects.select_related("waterfall__deal"), user)


def distributions_visible_to(user) -> QuerySet[Distribution]:
    """Staff: every distribution, with its batches and escrow lines and counts of its holders."""
    qs = (
        Distribution.objects.select_related("period__deal", "tranche", "snapshot")
        .annotate(
            holders=Count("entitlements", distinct=True),
            holders_paid=Count(
                "entitlements", filter=Q(entitlements__paid_block__isnull=False), distinct=True
            ),
        )
        .prefetch_related(
            Prefetch(
                "batches", queryset=PayoutBatch.objects.select_related("transaction").order_by("number")
            ),
            Prefetch(
                "entitlements",
                to_attr="escrowed",
                queryset=Entitlement.objects.filter(escrow__isnull=False)
                .select_related("escrow")
                .order_by("wallet"),
            ),
        )
        .order_by("-period__payment_date", "tranche__seniority", "id")
    )
    return _staff(qs, user)


def entitlements_visible_to(user) -> QuerySet[Entitlement]:
    """Staff: every entitlement; an investor: its own (matched by its verified wallets when the
    entitlements were computed)."""
    qs = Entitlement.objects.select_related(
        "distribution__tranche", "distribution__period", "escrow"
    ).order_by("distribution_id", "wallet")
    if sees_all(user):
        return qs
    return qs.filter(investor__user=user) if user.is_authenticated else qs.none()


def escrow_lines_visible_to(user) -> QuerySet[EscrowLine]:
    qs = EscrowLine.objects.select_related(
        "entitlement__distribution__tranche", "entitlement__investor", "decided_by"
    ).order_by("-id")
    return _staff(qs, user)


def payout_batches_visible_to(user) -> QuerySet[PayoutBatch]:
    qs = PayoutBatch.objects.select_related("distribution__tranche", "transaction", "funding").order_by(
        "distribution_id", "number"
    )
    return _staff(qs, user)
