"""Reads of the certificate inventory: staff roles only (investors see green figures in reports)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractYear

from core.models import AuditEvent
from core.roles import sees_all
from green.models import (
    CertificateBlock,
    CertificateSale,
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
