"""Reads of servicing rows, scoped to who may see them: staff roles see every deal's periods,
funds, runs and descriptions; investors see none of them (their payments reach them as
distributions)."""

from django.db.models import QuerySet

from core.roles import sees_all
from servicing.models import (
    AvailableFundsLine,
    CollectionPeriod,
    FundsAdjustment,
    ServicingTerms,
    WaterfallAmendment,
    WaterfallDescription,
    WaterfallRun,
)


def _staff(qs: QuerySet, user) -> QuerySet:
    return qs if sees_all(user) else qs.none()


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
