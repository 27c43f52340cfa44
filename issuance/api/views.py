from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from compliance.api.serializers import for_reader
from compliance.models import Investor
from core.api.idempotency import idempotent
from core.api.pagination import CursorPagination
from core.api.rows import RowListMixin
from core.api.transitions import IDEMPOTENCY_PARAMETER, with_transition_actions
from core.api.viewsets import ServiceBackedViewSet
from core.errors import InvalidInput, NotPermitted
from core.roles import sees_all
from issuance import selectors, services
from issuance.api.filters import DealFilter, SPVFilter, SubscriptionFilter, TrancheFilter
from issuance.api.serializers import (
    CloseBookPreviewSerializer,
    DealSerializer,
    FundingReceiptSerializer,
    FundingSerializer,
    InvestorDealSerializer,
    ReceiptsFileSerializer,
    ReleaseAllocationSerializer,
    SPVSerializer,
    SubscriptionSerializer,
    TrancheSerializer,
)
from issuance.models import SPV, Deal, FundingReceipt, Subscription


@with_transition_actions(
    SPV, lambda obj, name, actor, reason: services.spv_transition(
        spv=obj, name=name, actor=actor, reason=reason)
)
class SPVViewSet(ServiceBackedViewSet):
    """Special purpose vehicles."""

    serializer_class = SPVSerializer
    filterset_class = SPVFilter
    search_fields = ["legal_name", "lei", "registration_number"]
    ordering_fields = ["legal_name", "created_at"]
    create_service = staticmethod(services.spv_create)
    update_service = staticmethod(services.spv_update)
    update_kwarg = "spv"

    def get_queryset(self):
        return selectors.spvs_visible_to(self.request.user)


@with_transition_actions(
    Deal, lambda obj, name, actor, reason: services.deal_transition(
        deal=obj, name=name, actor=actor, reason=reason)
)
class DealViewSet(ServiceBackedViewSet):
    """Deals (securitisations) and their lifecycle."""

    serializer_class = DealSerializer
    filterset_class = DealFilter
    search_fields = ["name", "spv__legal_name"]
    ordering_fields = ["name", "closing_date", "target_size", "created_at"]
    create_service = staticmethod(services.deal_create)
    update_service = staticmethod(services.deal_update)
    update_kwarg = "deal"

    def get_queryset(self):
        return selectors.deals_visible_to(self.request.user)

    def get_serializer_class(self):
        return for_reader(self, DealSerializer, InvestorDealSerializer)

    @extend_schema(responses=CloseBookPreviewSerializer, summary="Preview the close-book allocation")
    @action(detail=True, methods=["get"], url_path="close-book-preview")
    def close_book_preview(self, request, pk=None):
        """Per tranche: accepted demand against the size, the oversubscription ratio and the
        pro-rata allocation close-book would save now. Nothing is saved. Staff only: it shows
        every investor's order."""
        deal = self.get_object()
        if not sees_all(request.user):
            raise NotPermitted("The close-book preview shows every investor's order; it is for staff.")
        return Response(CloseBookPreviewSerializer(selectors.close_book_preview(deal)).data)


class TrancheViewSet(ServiceBackedViewSet):
    """Classes of notes; editable while their deal is draft or structuring."""

    serializer_class = TrancheSerializer
    filterset_class = TrancheFilter
    search_fields = ["class_name", "token_symbol", "deal__name"]
    ordering_fields = ["seniority", "original_principal"]
    create_service = staticmethod(services.tranche_create)
    update_service = staticmethod(services.tranche_update)
    update_kwarg = "tranche"

    def get_queryset(self):
        return selectors.tranches_visible_to(self.request.user)


@with_transition_actions(
    Subscription, lambda obj, name, actor, reason, **options: services.subscription_transition(
        subscription=obj, name=name, actor=actor, reason=reason, **options),
    bodies={"cancel_allocation": ReleaseAllocationSerializer,
            "default_allocation": ReleaseAllocationSerializer},
)
class SubscriptionViewSet(RowListMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Subscriptions: investors see and cancel only their own."""

    serializer_class = SubscriptionSerializer
    filterset_class = SubscriptionFilter
    ordering_fields = ["created_at", "requested_amount", "allocated_amount"]
    pagination_class = CursorPagination  # 400,000 rows in the benchmark: no COUNT, no OFFSET
    cursor_ordering = ("created_at", "id")  # the subscription_default_order index
    service_checked_actions = ("record_funding", "funding_import")
    throttle_scope = None  # "upload" for funding-import

    def get_queryset(self):
        return selectors.subscriptions_visible_to(self.request.user)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        investor = data.get("investor")
        if investor is None:
            investor = Investor.objects.filter(user=self.request.user).first()
            if investor is None:
                raise InvalidInput("Name the investor this subscription is for.", field="investor")
        tranche = data["tranche"]
        if not selectors.tranches_visible_to(self.request.user).filter(pk=tranche.pk).exists():
            raise InvalidInput(f"Tranche {tranche.pk} is not open to you.", field="tranche")
        serializer.instance = services.subscription_request(
            actor=self.request.user, investor=investor, tranche=tranche,
            requested_amount=data["requested_amount"],
        )

    @extend_schema(request=FundingSerializer, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Record cash received for an allocation")
    @action(detail=True, methods=["post"], url_path="record-funding")
    @idempotent
    def record_funding(self, request, pk=None):
        sub = self.get_object()
        body = FundingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.subscription_record_funding(
            subscription=sub, actor=request.user, amount=body.validated_data["amount"],
            reference=body.validated_data["reference"], value_date=body.validated_data.get("value_date"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=sub.pk)).data)

    @extend_schema(request={"multipart/form-data": ReceiptsFileSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER], responses={201: FundingReceiptSerializer(many=True)},
                   summary="Record the payments of a receipts CSV, all or none (bad cells in error.reasons)")
    @action(detail=False, methods=["post"], url_path="funding-import", pagination_class=None,
            parser_classes=[MultiPartParser, FormParser], throttle_scope="upload")
    @idempotent
    def funding_import(self, request):
        body = ReceiptsFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        receipts = services.subscription_funding_import(data=body.validated_data["file"].read(),
                                                        actor=request.user)
        rows = FundingReceipt.objects.filter(pk__in=[r.pk for r in receipts]).select_related(
            "subscription__tranche__deal").order_by("id")
        return Response(FundingReceiptSerializer(rows, many=True).data, status=201)
