"""Reads for screening, scoped to who may see them (staff roles only) and free of N+1."""

from django.db.models import QuerySet

from core.roles import sees_all
from screening.models import ListEntry, ListVersion, ScreeningHit, ScreeningRun, WhitelistEntry


def _staff_only(user, qs: QuerySet) -> QuerySet:
    return qs if user.is_authenticated and sees_all(user) else qs.none()


def current_list_versions() -> list[ListVersion]:
    return list(ListVersion.objects.filter(is_current=True).order_by("name"))


BLOCKING_STATES = (ScreeningHit.State.CONFIRMED, ScreeningHit.State.PENDING)


def blocking_hits(*, investor) -> QuerySet[ScreeningHit]:
    """Confirmed hits and hits still pending a decision, oldest first."""
    return (
        ScreeningHit.objects.filter(
            investor=investor,
            state__in=BLOCKING_STATES,
        )
        .select_related("entry__list_version", "alias")
        .order_by("created_at", "pk")
    )


def blocked_investor_ids(investor_ids) -> set[int]:
    """Of ``investor_ids``, those with a blocking hit (as :func:`blocking_hits`), in one query."""
    return set(ScreeningHit.objects.filter(investor_id__in=investor_ids, state__in=BLOCKING_STATES)
               .values_list("investor_id", flat=True).distinct())


def list_versions_visible_to(user) -> QuerySet[ListVersion]:
    return _staff_only(user, ListVersion.objects.select_related("imported_by"))


def entries_visible_to(user) -> QuerySet[ListEntry]:
    return _staff_only(user, ListEntry.objects.select_related("list_version").prefetch_related("aliases"))


def runs_visible_to(user) -> QuerySet[ScreeningRun]:
    return _staff_only(user, ScreeningRun.objects.select_related("list_version", "requested_by"))


def hits_visible_to(user) -> QuerySet[ScreeningHit]:
    return _staff_only(
        user,
        ScreeningHit.objects.select_related(
            "investor", "entry__list_version", "alias", "run", "decided_by"),
    )


def whitelist_visible_to(user) -> QuerySet[WhitelistEntry]:
    return _staff_only(user, WhitelistEntry.objects.select_related("investor", "created_by", "hit"))
