"""Reads of servicing, scoped to what the user may see (``core.roles.sees_all`` for staff, the
investor's own rows otherwise), shaped against N+1."""

from django.db.models import Count, Prefetch, Q, QuerySet

from core.roles import sees_all
from servicing.models import Distribution, Entitlement, EscrowLine, PayoutBatch


def _staff_only(user, qs: QuerySet) -> QuerySet:
    return qs if user.is_authenticated and sees_all(user) else qs.none()


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
    return _staff_only(user, qs)


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
    return _staff_only(user, qs)


def payout_batches_visible_to(user) -> QuerySet[PayoutBatch]:
    qs = PayoutBatch.objects.select_related("distribution__tranche", "transaction", "funding").order_by(
        "distribution_id", "number"
    )
    return _staff_only(user, qs)
