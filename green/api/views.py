"""REST API of green attributes: thin viewsets that parse and call the services."""

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core import params
from core.api.filters import BIGINT
from core.api.idempotency import idempotent
from core.api.parsers import JSONParser
from core.api.transitions import IDEMPOTENCY_PARAMETER, with_transition_actions
from core.api.viewsets import ServiceBackedViewSet
from core.errors import InvalidInput
from green import selectors
from green.api import serializers as s
from green.footprint import SCOPES
from green.models import CertificateBlock, IssuanceRequest
from green.services import blocks, carbon, generation

NO_UPDATE = ["get", "post", "head", "options"]


class RegistryViewSet(ServiceBackedViewSet):
    """Registries and standards with their serial formats (docs/green.md)."""

    serializer_class = s.RegistrySerializer
    filterset_fields = ["kind"]
    search_fields = ["code", "name"]
    create_service = staticmethod(blocks.registry_create)
    update_service = staticmethod(blocks.registry_update)
    update_kwarg = "registry"

    def get_queryset(self):
        return selectors.registries_visible_to(self.request.user)


@with_transition_actions(
    CertificateBlock,
    lambda obj, name, actor, reason, **options: blocks.block_transition(
        block=obj, name=name, actor=actor, reason=reason, **options
    ),
    bodies=s.BLOCK_BODIES,
)
class CertificateBlockViewSet(ServiceBackedViewSet):
    """Certificate blocks by serial range; POST records a block bought or received. Selling or retiring
    part of a block splits it; the pieces link to it."""

    http_method_names = NO_UPDATE
    serializer_class = s.CertificateBlockSerializer
    filterset_fields = ["registry", "state", "spv", "device", "parent", "country"]
    search_fields = ["serial", "project"]
    ordering_fields = ["first_serial", "vintage_start", "quantity"]
    create_service = staticmethod(blocks.block_record)
    service_checked_actions = ("history", "inventory")

    def get_queryset(self):
        return selectors.blocks_visible_to(self.request.user)

    @extend_schema(
        responses=s.HistorySerializer(many=True), summary="The block's history with its ancestors'"
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        events = selectors.block_history(self.get_object())
        return Response(s.HistorySerializer(events, many=True).data)

    @extend_schema(
        responses=s.InventoryRowSerializer(many=True),
        summary="Certificates by registry, vintage, state and owner",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def inventory(self, request):
        return Response(s.InventoryRowSerializer(selectors.inventory(request.user), many=True).data)


@with_transition_actions(
    IssuanceRequest,
    lambda obj, name, actor, reason, **options: generation.issuance_request_transition(
        request=obj, name=name, actor=actor, reason=reason, **options
    ),
    bodies={"issue": s.IssueSerializer},
)
class IssuanceRequestViewSet(ServiceBackedViewSet):
    """Issuance requests accrued from a device's metered generation; ``issue`` records the block."""

    http_method_names = NO_UPDATE
    serializer_class = s.IssuanceRequestSerializer
    filterset_fields = ["device", "registry", "state"]
    create_service = staticmethod(generation.issuance_request_create)

    def get_queryset(self):
        return selectors.issuance_requests_visible_to(self.request.user)


class RetirementViewSet(viewsets.ReadOnlyModelViewSet):
    """Retirements: who the certificates were claimed for, why, and for which period. Final."""

    serializer_class = s.RetirementSerializer
    filterset_fields = ["lessee", "beneficiary"]
    search_fields = ["beneficiary", "purpose"]

    def get_queryset(self):
        return selectors.retirements_visible_to(self.request.user)


class CertificateSaleViewSet(viewsets.ReadOnlyModelViewSet):
    """Sales of certificates; ``record-receipt`` matches one with its bank receipt."""

    serializer_class = s.CertificateSaleSerializer
    filterset_fields = ["deal", "buyer"]
    service_checked_actions = ("record_receipt",)

    def get_queryset(self):
        return selectors.sales_visible_to(self.request.user)

    @extend_schema(
        request=s.ReceiptSerializer,
        summary="Match the sale with its certificate-sale bank receipt",
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="record-receipt")
    @idempotent
    def record_receipt(self, request, pk=None):
        sale = self.get_object()
        body = s.ReceiptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        blocks.certificate_sale_record_receipt(
            sale=sale, bank_entry=body.validated_data["bank_entry"], actor=request.user
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=sale.pk)).data)


class GenerationImportViewSet(viewsets.ReadOnlyModelViewSet):
    """Hourly generation files imported; POST a CSV (device,hour,energy_wh) to import one."""

    serializer_class = s.GenerationImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    service_checked_actions = ("upload",)
    throttle_scope = None  # "upload" for upload

    def get_queryset(self):
        return selectors.generation_imports_visible_to(self.request.user)

    @extend_schema(
        request={"multipart/form-data": s.GenerationUploadSerializer},
        responses={201: s.GenerationImportSerializer},
        summary="Import hourly generation; bad rows are all listed in error.reasons",
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"], throttle_scope="upload")
    @idempotent
    def upload(self, request):
        body = s.GenerationUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        batch = generation.generation_import(actor=request.user, content=upload.read(), filename=upload.name)
        return Response(self.get_serializer(batch).data, status=201)


class EmissionFactorImportViewSet(viewsets.ReadOnlyModelViewSet):
    """Hourly grid emission factors imported per site; POST a CSV (hour,g_per_kwh), gap-free."""

    serializer_class = s.EmissionFactorImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    service_checked_actions = ("upload",)
    throttle_scope = None  # "upload" for upload
    filterset_fields = ["site"]

    def get_queryset(self):
        return selectors.emission_factor_imports_visible_to(self.request.user)

    @extend_schema(request={"multipart/form-data": s.EmissionFactorUploadSerializer},
                   responses={201: s.EmissionFactorImportSerializer},
                   summary="Import a site's hourly factors; every bad hour is listed in error.reasons",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=False, methods=["post"], throttle_scope="upload")
    @idempotent
    def upload(self, request):
        body = s.EmissionFactorUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        batch = carbon.emission_factors_import(actor=request.user, site=data["site"], source=data["source"],
                                               content=data["file"].read(), filename=data["file"].name)
        return Response(self.get_serializer(batch).data, status=201)


class EmbodiedEmissionsViewSet(ServiceBackedViewSet):
    """Embodied emissions of GPU servers (kgCO2e over their life); POST records or corrects one."""

    http_method_names = NO_UPDATE
    serializer_class = s.EmbodiedEmissionsSerializer
    filterset_fields = ["device"]
    create_service = staticmethod(carbon.embodied_emissions_set)

    def get_queryset(self):
        return selectors.embodied_emissions_visible_to(self.request.user)


SCOPE = OpenApiParameter("scope", str, enum=list(SCOPES), required=True,
                         description="deal, lease or lessee (with id), or lessees (every lessee).")


class FootprintViewSet(viewsets.ViewSet):
    """Carbon footprint of compute:
    ``GET /green/footprints/?scope=deal&id=7&start=2026-01-01&end=2026-03-31[&by_month=true]``."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_scope = "compute"

    @extend_schema(parameters=[
        SCOPE, OpenApiParameter("id", int, description="The deal, lease or lessee."),
        OpenApiParameter("start", date, required=True), OpenApiParameter("end", date, required=True),
        OpenApiParameter("by_month", bool, description="One row per group and month.")],
        responses=s.FootprintSerializer(many=True),
        summary="Facility energy, location- and market-based emissions, matching, gCO2e per GPU-hour")
    def list(self, request):
        start = params.query_date(request, "start")
        end = params.query_date(request, "end")
        if start is None or end is None:
            raise InvalidInput("start and end are required (YYYY-MM-DD).",
                               field="start" if start is None else "end")
        rows = selectors.footprints(
            request.user, scope=request.query_params.get("scope", ""), start=start, end=end,
            key=params.query_int(request, "id", minimum=1, maximum=BIGINT[1]),
            by_month=request.query_params.get("by_month", "").lower() in ("1", "true", "yes"))
        return Response(s.FootprintSerializer(rows, many=True).data)


ROUTES = [
    ("green/registries", RegistryViewSet, "registry"),
    ("green/blocks", CertificateBlockViewSet, "certificateblock"),
    ("green/issuance-requests", IssuanceRequestViewSet, "issuancerequest"),
    ("green/retirements", RetirementViewSet, "retirement"),
    ("green/sales", CertificateSaleViewSet, "certificatesale"),
    ("green/generation-imports", GenerationImportViewSet, "generationimport"),
    ("green/emission-factor-imports", EmissionFactorImportViewSet, "emissionfactorimport"),
    ("green/embodied-emissions", EmbodiedEmissionsViewSet, "embodiedemissions"),
    ("green/footprints", FootprintViewSet, "footprint"),
]
