"""Reads of the certificate inventory: staff roles only (investors see green figures in reports)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractYear

from core.authz import require_perm
from core.errors import InvalidInput
from core.models import AuditEvent
from core.roles import sees_all
from green import footprint
from green.models import (
    CertificateBlock,
    CertificateSale,
    EmbodiedEmissions,
    EmissionFactorImport,
    GenerationImport,
    IssuanceRequest,
    Registry,
    Retirement,
)


def _staff(qs: QuerySet, user) -> QuerySet:
    return qs if sees_all(user) else qs.none()


def registries_visible_to(user) -> QuerySet[Registry]:
    return _staff(Registry.objects.all(), user)


def blocks_visible_to(user) -> QuerySet[CertificateBlock]:
    return _staff(CertificateBlock.objects.select_related("registry"), user)


def issuance_requests_visible_to(user) -> QuerySet[IssuanceRequest]:
    return _staff(IssuanceRequest.objects.select_related("device", "registry"), user)


def retirements_visible_to(user) -> QuerySet[Retirement]:
    return _staff(Retirement.objects.select_related("block", "block__registry"), user)


def sales_visible_to(user) -> QuerySet[CertificateSale]:
    return _staff(CertificateSale.objects.select_related("block", "block__registry"), user)


def emission_factor_imports_visible_to(user) -> QuerySet[EmissionFactorImport]:
    return _staff(EmissionFactorImport.objects.all(), user)


def embodied_emissions_visible_to(user) -> QuerySet[EmbodiedEmissions]:
    return _staff(EmbodiedEmissions.objects.all(), user)


def generation_imports_visible_to(user) -> QuerySet[GenerationImport]:
    return _staff(GenerationImport.objects.all(), user)


def inventory(user) -> list[dict]:
    """Certificates by registry, vintage year, state and owner (split parents left out: their pieces
    count), one aggregate query."""
    rows = (blocks_visible_to(user).exclude(state=CertificateBlock.State.SPLIT)
            .values("registry__code", "state", "spv_id", "spv__legal_name")
            .annotate(vintage=ExtractYear("vintage_start"), blocks=Count("id"), quantity=Sum("quantity"))
            .order_by("registry__code", "vintage", "state", "spv_id"))
    return list(rows)


def block_lineage(block: CertificateBlock) -> list[CertificateBlock]:
    """The block and its ancestors, oldest first (a piece's history starts with its parent's)."""
    chain = [block]
    while chain[-1].parent_id:
        chain.append(CertificateBlock.objects.select_related("registry").get(pk=chain[-1].parent_id))
    return chain[::-1]


def block_history(block: CertificateBlock) -> QuerySet[AuditEvent]:
    """Every audit event of the block and of the blocks it was split from, in time order."""
    ids = [b.pk for b in block_lineage(block)]
    return (AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(CertificateBlock),
                                      object_id__in=ids).select_related("actor").order_by("at", "id"))


MAX_FOOTPRINT_DAYS = 366


def footprints(user, *, scope: str, key: int | None, start, end, by_month: bool = False):
    """Footprints for staff: a deal, lease or lessee (``key``), or every lessee; at most a year."""
    require_perm(user, "green.view_retirement", doing="see carbon footprints")
    if scope not in footprint.SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(footprint.SCOPES)}.", field="scope")
    if (key is None) != (scope == "lessees"):
        raise InvalidInput("id names the deal, lease or lessee (and is left out for 'lessees').", field="id")
    if end < start or (end - start).days >= MAX_FOOTPRINT_DAYS:
        raise InvalidInput(f"The period runs from start to end, at most {MAX_FOOTPRINT_DAYS} days.",
                           field="end")
    return footprint.compute(scope, key, start=start, end=end, by_month=by_month)
