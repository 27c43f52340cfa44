"""Reads shaped for the API and admin: scoped to what the user may see, without N+1;
typed data (Decimals, ints) where a read is more than a queryset."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.errors import Refused
from core.roles import sees_all
from issuance.allocation import allocate_lots
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


# The close-book preview: what close_book would allocate now, without saving anything.

RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PreviewLine:
    """One accepted subscription and the amount close_book would allocate it now."""

    subscription_id: int
    investor_id: int
    investor: str
    currency: str
    requested_amount: Decimal
    allocated_amount: Decimal


@dataclass(frozen=True)
class TranchePreview:
    """A tranche's book: accepted demand against its size, and the pro-rata result."""

    tranche_id: int
    class_name: str
    seniority: int
    currency: str
    size: Decimal
    minimum_denomination: Decimal
    demand: Decimal  # accepted requests
    pending: int  # requests still awaiting accept or reject
    oversubscription: Decimal  # demand / size, 4 places, half-even
    shortfall: Decimal  # size - demand when short, else 0
    allocated: Decimal  # what the lines would receive in total
    lines: tuple[PreviewLine, ...]


@dataclass(frozen=True)
class CloseBookPreview:
    deal_id: int
    currency: str
    can_close: bool
    reasons: tuple[str, ...]  # why close_book would be refused now (its guards), if it would
    tranches: tuple[TranchePreview, ...]


def pro_rata(*, size: Decimal, lot: Decimal, requested: Sequence[Decimal]) -> list[Decimal]:
    """``size`` split over ``requested`` in whole lots of ``lot`` (largest remainder, ties to the
    earlier request): what close_book allocates. See docs/allocation.md."""
    lots = allocate_lots(int(size / lot), [int(amount / lot) for amount in requested])
    return [n * lot for n in lots]


def _close_book_refusals(deal: Deal) -> tuple[str, ...]:
    close_book = next(t for t in deal.get_all_state_transitions() if t.name == "close_book")
    return tuple(reason for condition in close_book.conditions
                 if (reason := condition.explain(deal)) is not None)


def close_book_preview(deal: Deal) -> CloseBookPreview:
    """Per tranche: accepted demand against the size, the oversubscription ratio, and the
    allocation close_book would save now (the same ``pro_rata``); nothing is written."""
    if deal.state != Deal.State.OPEN:
        raise Refused(f"Deal '{deal}' is '{deal.get_state_display()}'; the close-book preview is "
                      "for deals open for subscription.")
    tranches = deal.tranches.annotate(
        pending=Count("subscriptions", filter=Q(subscriptions__state=Subscription.State.REQUESTED))
    ).order_by("seniority")
    accepted: dict[int, list[tuple]] = defaultdict(list)
    rows = (Subscription.objects.filter(tranche__deal=deal, state=Subscription.State.ACCEPTED)
            .order_by("created_at", "id")
            .values_list("tranche_id", "id", "investor_id", "investor__legal_name", "requested_amount"))
    for tranche_id, *row in rows:
        accepted[tranche_id].append(row)
    previews = []
    zero = Decimal("0.00")
    for t in tranches:
        subs = accepted[t.pk]
        requested = [amount for *_, amount in subs]
        allocated = pro_rata(size=t.original_principal, lot=t.minimum_denomination, requested=requested)
        demand = sum(requested, zero)
        previews.append(TranchePreview(
            tranche_id=t.pk, class_name=t.class_name, seniority=t.seniority, currency=deal.currency,
            size=t.original_principal,
            minimum_denomination=t.minimum_denomination, demand=demand, pending=t.pending,
            oversubscription=(demand / t.original_principal).quantize(RATIO_PLACES, ROUND_HALF_EVEN),
            shortfall=max(t.original_principal - demand, zero),
            allocated=sum(allocated, zero),
            lines=tuple(
                PreviewLine(subscription_id=pk, investor_id=investor_id, investor=name,
                            currency=deal.currency, requested_amount=amount, allocated_amount=share)
                for (pk, investor_id, name, amount), share in zip(subs, allocated, strict=True)
            ),
        ))
    reasons = _close_book_refusals(deal)
    return CloseBookPreview(deal_id=deal.pk, currency=deal.currency, can_close=not reasons,
                            reasons=reasons, tranches=tuple(previews))


# The book totals on the deal page: what was asked, accepted, allocated, paid and settled.


@dataclass(frozen=True)
class TrancheBook:
    tranche_id: int
    class_name: str
    currency: str
    size: Decimal  # the tranche's original principal
    requested: Decimal  # every live request (requested, accepted, allocated, funded, settled)
    accepted: Decimal  # requests taken into the book (accepted and after)
    allocated: Decimal  # allocations (allocated, funded, settled)
    funded: Decimal  # cash received on live allocations
    settled: Decimal  # what settled at issue


_ACCEPTED_ON = (Subscription.State.ACCEPTED, Subscription.State.ALLOCATED, Subscription.State.FUNDED,
                Subscription.State.SETTLED)
_ALLOCATED_ON = (Subscription.State.ALLOCATED, Subscription.State.FUNDED, Subscription.State.SETTLED)


def book_totals(deal: Deal) -> tuple[TrancheBook, ...]:
    """Per tranche in seniority order, in one query: size, requested, accepted, allocated, funded
    and settled amounts (Decimals in the deal's currency)."""
    def total(field: str, states) -> Sum:
        return Coalesce(Sum(f"subscriptions__{field}", filter=Q(subscriptions__state__in=states)),
                        Decimal("0.00"), output_field=DecimalField())

    rows = deal.tranches.order_by("seniority").annotate(
        requested=total("requested_amount", Subscription.LIVE_STATES),
        accepted=total("requested_amount", _ACCEPTED_ON),
        allocated=total("allocated_amount", _ALLOCATED_ON),
        funded=total("funded_amount", _ALLOCATED_ON),
        settled=total("funded_amount", (Subscription.State.SETTLED,)),
    )
    return tuple(TrancheBook(tranche_id=t.pk, class_name=t.class_name, currency=deal.currency,
                             size=t.original_principal, requested=t.requested, accepted=t.accepted,
                             allocated=t.allocated, funded=t.funded, settled=t.settled) for t in rows)
