"""Reads of the reconciliation, for staff roles only (investors see nothing of it)."""

from django.db.models import QuerySet

from core.roles import sees_all
from reconciliation.models import LesseeCredit, ManualMatch, MatchRun, ReconException


def _staff(qs: QuerySet, user) -> QuerySet:
    return qs if sees_all(user) else qs.none()


def exceptions_visible_to(user) -> QuerySet[ReconException]:
    return _staff(
        ReconException.objects.select_related("assignee").prefetch_related("links__content_type"), user
    )


def match_runs_visible_to(user) -> QuerySet[MatchRun]:
    return _staff(MatchRun.objects.all(), user)


def manual_matches_visible_to(user) -> QuerySet[ManualMatch]:
    return _staff(ManualMatch.objects.all(), user)


def credits_visible_to(user) -> QuerySet[LesseeCredit]:
    return _staff(LesseeCredit.objects.select_related("lessee"), user)


def periods_visible_to(user) -> QuerySet:
    from servicing.models import CollectionPeriod

    return _staff(CollectionPeriod.objects.select_related("deal").order_by("deal", "number"), user)
