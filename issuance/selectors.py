"""Reads shaped for the API and admin: scoped to what the user may see, without N+1."""

from django.db.models import Q, QuerySet

from core.roles import sees_all
from issuance.models import SPV, Deal, Subscription, Tranche

# Investors see deals being offered and deals they hold or have asked for.
_OFFERED = (Deal.State.OPEN,)


def _investor_deals(user) -> Q:
    return Q(state__in=_OFFERED) | Q(tranches__subscriptions__investor__user=user)


def spvs_visible_to(user) -> QuerySet[SPV]:
    if sees_all(user):
        return SPV.objects.all()
    if not user.is_authenticated:
        return SPV.objects.none()
    deal_ids = Deal.objects.filter(_investor_deals(user)).values("spv_id")
    return SPV.objects.filter(pk__in=deal_ids)


def deals_visible_to(user) -> QuerySet[Deal]:
    qs = Deal.objects.select_related("spv", "submitted_by", "approved_by")
    if sees_all(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(pk__in=Deal.objects.filter(_investor_deals(user)).values("pk"))


def tranches_visible_to(user) -> QuerySet[Tranche]:
    qs = Tranche.objects.select_related("deal")
    if sees_all(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(deal__in=deals_visible_to(user).values("pk"))


def subscriptions_visible_to(user) -> QuerySet[Subscription]:
    qs = Subscription.objects.select_related("investor", "tranche__deal")
    if sees_all(user):
        return qs
    return qs.filter(investor__user=user) if user.is_authenticated else qs.none()


def deal_investor_ids(deal) -> QuerySet:
    """Ids of the investors with a live subscription in ``deal`` (for compliance's investor cap)."""
    return (Subscription.objects.filter(tranche__deal=deal, state__in=Subscription.LIVE_STATES)
            .values("investor_id"))
