from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.idempotency import idempotent
from core.api.transitions import IDEMPOTENCY_PARAMETER, with_transition_actions
from screening import selectors, services
from screening.api.serializers import (
    ListEntrySerializer,
    ListImportSerializer,
    ListVersionSerializer,
    ScreeningHitSerializer,
    ScreeningRunSerializer,
    WhitelistEntrySerializer,
)
from screening.models import ScreeningHit


class ListVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Imported sanctions / PEP list versions; POST a file (multipart) to import a new version."""

    serializer_class = ListVersionSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["name", "is_current"]
    ordering_fields = ["imported_at", "name"]

    def get_queryset(self):
        return selectors.list_versions_visible_to(self.request.user)

    @extend_schema(request={"multipart/form-data": ListImportSerializer},
                   responses={201: ListVersionSerializer})
    def create(self, request, *args, **kwargs):
        body = ListImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.list_import(
            name=body.validated_data["name"], version_label=body.validated_data["version_label"],
            data=body.validated_data["file"].read(), actor=request.user,
            shrink_reason=body.validated_data.get("shrink_reason", ""),
        )
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)


class ListEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Entries of the imported list versions."""

    serializer_class = ListEntrySerializer
    filterset_fields = ["list_version", "schema", "entity_id"]
    search_fields = ["name", "entity_id", "aliases__name"]

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user)


class ScreeningRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Screening runs with their progress; POST .../rescreen/ re-screens everyone in the background."""

    serializer_class = ScreeningRunSerializer
    filterset_fields = ["state", "trigger", "list_version"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    @extend_schema(request=None, responses={202: ScreeningRunSerializer(many=True)},
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=False, methods=["post"])
    @idempotent
    def rescreen(self, request):
        runs = services.rescreen_everyone(actor=request.user)
        return Response(self.get_serializer(runs, many=True).data, status=status.HTTP_202_ACCEPTED)


class ScreeningHitFilter(filters.FilterSet):
    list_version = filters.NumberFilter(field_name="entry__list_version")
    score_min = filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = ScreeningHit
        fields = ["state", "subject_kind", "investor", "run", "entity_id"]


@with_transition_actions(
    ScreeningHit, lambda obj, name, actor, reason: services.hit_transition(
        hit=obj, name=name, actor=actor, reason=reason)
)
class ScreeningHitViewSet(viewsets.ReadOnlyModelViewSet):
    """Possible matches; officers POST .../confirm/ or .../mark-false-positive/ with a reason."""

    serializer_class = ScreeningHitSerializer
    filterset_class = ScreeningHitFilter
    search_fields = ["subject", "entity_id", "investor__legal_name"]
    ordering_fields = ["created_at", "score"]

    def get_queryset(self):
        return selectors.hits_visible_to(self.request.user)


class WhitelistEntryViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Investor and list entity pairs that raise no new hit until ``valid_until``."""

    serializer_class = WhitelistEntrySerializer
    filterset_fields = ["investor", "entity_id"]

    def get_queryset(self):
        return selectors.whitelist_visible_to(self.request.user)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.whitelist_add(actor=self.request.user, **serializer.validated_data)
