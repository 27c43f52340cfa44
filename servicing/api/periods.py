"""REST API for servicing terms, collection periods, available funds, adjustments, waterfall runs and
descriptions: thin viewsets that parse and call the services (docs/servicing.md)."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import bounds
from core.api.idempotency import idempotent
from core.api.money import MoneyField, MoneySerializerMixin, money_value
from core.api.transitions import IDEMPOTENCY_PARAMETER, TransitionRequestSerializer, with_transition_actions
from core.api.viewsets import ServiceBackedViewSet
from issuance.api.serializers import VisibleRelatedField
from issuance.models import Deal
from issuance.selectors import deals_visible_to
from servicing import selectors
from servicing.models import (
    AvailableFundsLine,
    CollectionPeriod,
    FundsAdjustment,
    ServicingTerms,
    WaterfallAmendment,
    WaterfallDescription,
    WaterfallRun,
)
from servicing.services import descriptions, funds, periods

MAX_DESCRIPTION_ITEMS = 10_000


class ServicingTermsSerializer(serializers.ModelSerializer):
    deal = VisibleRelatedField(deals_visible_to, queryset=Deal.objects.all())
    calendar_codes = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=bounds.MAX_LIST_ITEMS
    )
    extra_holidays = serializers.ListField(
        child=serializers.DateField(), required=False, max_length=bounds.MAX_LIST_ITEMS
    )

    class Meta:
        model = ServicingTerms
        fields = [
            "id",
            "deal",
            "calendar_codes",
            "extra_holidays",
            "adjustment",
            "payment_lag_days",
            "determination_lead_business_days",
            "record_lead_business_days",
            "collection_account",
            "trustee_may_approve",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None:
            attrs.pop("deal", None)  # the deal of a row of terms never changes
        return attrs


def _terms_update(*, actor, terms: ServicingTerms, **values) -> ServicingTerms:
    return periods.servicing_terms_set(deal=terms.deal, actor=actor, **values)


class ServicingTermsViewSet(ServiceBackedViewSet):
    """A deal's calendar, date offsets, collection account and who may approve its periods."""

    serializer_class = ServicingTermsSerializer
    filterset_fields = ["deal"]
    create_service = staticmethod(periods.servicing_terms_set)
    update_service = staticmethod(_terms_update)
    update_kwarg = "terms"

    def get_queryset(self):
        return selectors.servicing_terms_visible_to(self.request.user)


class CollectionPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = CollectionPeriod
        fields = [
            "id",
            "deal",
            "number",
            "start",
            "end",
            "determination_date",
            "record_date",
            "payment_date",
            "state",
            "determined_by",
            "approved_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class GenerateSerializer(serializers.Serializer):
    deal = VisibleRelatedField(deals_visible_to, queryset=Deal.objects.all())


class DetermineSerializer(TransitionRequestSerializer):
    pool_balance = MoneyField(min_value=0, help_text="The pool (collateral) balance at the period end.")
    losses = MoneyField(min_value=0, required=False, default=0)
    delinquent = MoneyField(min_value=0, required=False, default=0)


class FundsLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.SerializerMethodField()
    bank_entry = serializers.IntegerField(source="bank_entry_id", allow_null=True)
    adjustment = serializers.IntegerField(source="adjustment_id", allow_null=True)

    def get_amount(self, line) -> str:
        return MoneyField().to_representation(money_value(line.amount, self.context["currency"]))


class AvailableFundsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.SerializerMethodField()
    by_kind = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()

    def _money(self, amount, currency) -> str:
        return MoneyField().to_representation(money_value(amount, currency))

    def get_total(self, f) -> str:
        return self._money(f.total, f.currency)

    def get_by_kind(self, f) -> dict[str, str]:
        return {kind: self._money(amount, f.currency) for kind, amount in f.by_kind().items()}

    def get_lines(self, f) -> list[dict]:
        return FundsLineSerializer(f.lines, many=True, context={"currency": f.currency}).data


def _csv(data: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _period_service(obj, name, actor, reason, **options):
    return periods.period_transition(period=obj, name=name, actor=actor, reason=reason, **options)


@with_transition_actions(CollectionPeriod, _period_service, bodies={"determine": DetermineSerializer})
class CollectionPeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """A deal's collection periods: generate them, see their available funds (JSON or CSV), determine
    (run the waterfall), approve (a second person), close."""

    serializer_class = CollectionPeriodSerializer
    filterset_fields = ["deal", "state"]
    ordering_fields = ["number", "payment_date"]
    service_checked_actions = ("generate",)

    def get_queryset(self):
        return selectors.periods_visible_to(self.request.user)

    @extend_schema(
        request=GenerateSerializer,
        responses=CollectionPeriodSerializer(many=True),
        summary="Generate the deal's periods not yet created",
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def generate(self, request):
        body = GenerateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        created = periods.periods_generate(deal=body.validated_data["deal"], actor=request.user)
        return Response(CollectionPeriodSerializer(created, many=True).data, status=201)

    @extend_schema(responses=AvailableFundsSerializer, summary="Available funds now, line by line")
    @action(detail=True, methods=["get"], url_path="available-funds")
    def available_funds(self, request, pk=None):
        return Response(AvailableFundsSerializer(funds.available_funds(self.get_object())).data)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(description="The breakdown as CSV")},
        summary="Available funds now, as CSV",
    )
    @action(detail=True, methods=["get"], url_path="available-funds/csv")
    def available_funds_csv(self, request, pk=None):
        period = self.get_object()
        return _csv(
            funds.funds_csv(funds.available_funds(period)),
            f"available-funds-deal{period.deal_id}-period{period.number}.csv",
        )


class FundsAdjustmentSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "period.deal.currency"
    period = VisibleRelatedField(selectors.periods_visible_to, queryset=CollectionPeriod.objects.all())
    currency = serializers.CharField(source="period.deal.currency", read_only=True)

    class Meta:
        model = FundsAdjustment
        fields = [
            "id",
            "period",
            "kind",
            "amount",
            "currency",
            "reason",
            "state",
            "proposed_by",
            "decided_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state", "proposed_by", "decided_by", "created_at", "updated_at"]


def _adjustment_service(obj, name, actor, reason, **options):
    return funds.funds_adjustment_transition(adjustment=obj, name=name, actor=actor, reason=reason)


@with_transition_actions(FundsAdjustment, _adjustment_service)
class FundsAdjustmentViewSet(ServiceBackedViewSet):
    """Interest earned on cash and manual adjustments of a period's funds; each counts once a second
    person approves it."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = FundsAdjustmentSerializer
    filterset_fields = ["period", "state", "kind"]
    create_service = staticmethod(funds.funds_adjustment_propose)

    def get_queryset(self):
        return selectors.adjustments_visible_to(self.request.user)


class AvailableFundsLineSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "run.period.deal.currency"

    class Meta:
        model = AvailableFundsLine
        fields = ["id", "run", "position", "kind", "label", "amount", "bank_entry", "adjustment"]
        read_only_fields = fields


class WaterfallRunSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "period.deal.currency"
    currency = serializers.CharField(source="period.deal.currency", read_only=True)

    class Meta:
        model = WaterfallRun
        fields = [
            "id",
            "period",
            "number",
            "description_version",
            "available_funds",
            "currency",
            "inputs",
            "outputs",
            "state",
            "determined_by",
            "determined_at",
        ]
        read_only_fields = fields


class WaterfallRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Every determination of every period, kept: inputs, the step table, balances, triggers, payments."""

    serializer_class = WaterfallRunSerializer
    filterset_fields = ["period"]

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(description="The run's funds lines as CSV")},
        summary="The available funds the run used, as CSV",
    )
    @action(detail=True, methods=["get"], url_path="available-funds/csv")
    def available_funds_csv(self, request, pk=None):
        run = self.get_object()
        return _csv(
            funds.funds_csv(funds.stored_funds(run)),
            f"available-funds-deal{run.period.deal_id}-period{run.period.number}-run{run.number}.csv",
        )


class AvailableFundsLineViewSet(viewsets.ReadOnlyModelViewSet):
    """The funds lines kept with each run."""

    serializer_class = AvailableFundsLineSerializer
    filterset_fields = ["run", "kind"]

    def get_queryset(self):
        return selectors.funds_lines_visible_to(self.request.user)


class DescriptionField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("A waterfall description is a JSON object.")
        return value


class WaterfallDescriptionSerializer(serializers.ModelSerializer):
    deal = VisibleRelatedField(deals_visible_to, queryset=Deal.objects.all())
    description = DescriptionField()

    class Meta:
        model = WaterfallDescription
        fields = ["id", "deal", "description", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None:
            attrs.pop("deal", None)
        return attrs


def _description_update(*, actor, waterfall: WaterfallDescription, **values) -> WaterfallDescription:
    """PUT or PATCH: a new description (a PATCH without one keeps the stored one, as a no-op edit)."""
    return descriptions.waterfall_description_set(
        deal=waterfall.deal, description=values.get("description", waterfall.description), actor=actor
    )


class WaterfallDescriptionViewSet(ServiceBackedViewSet):
    """The deal's waterfall as data (servicing.waterfall.SCHEMA): set freely until the deal is issued,
    then changed only by an approved amendment."""

    serializer_class = WaterfallDescriptionSerializer
    filterset_fields = ["deal"]
    create_service = staticmethod(descriptions.waterfall_description_set)
    update_service = staticmethod(_description_update)
    update_kwarg = "waterfall"

    def get_queryset(self):
        return selectors.descriptions_visible_to(self.request.user)


class WaterfallAmendmentSerializer(serializers.ModelSerializer):
    deal = VisibleRelatedField(deals_visible_to, queryset=Deal.objects.all(), write_only=True)
    description = DescriptionField()

    class Meta:
        model = WaterfallAmendment
        fields = [
            "id",
            "deal",
            "waterfall",
            "base_version",
            "description",
            "reason",
            "state",
            "proposed_by",
            "decided_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "waterfall",
            "base_version",
            "state",
            "proposed_by",
            "decided_by",
            "created_at",
            "updated_at",
        ]


def _amendment_service(obj, name, actor, reason, **options):
    return descriptions.waterfall_amendment_transition(amendment=obj, name=name, actor=actor, reason=reason)


@with_transition_actions(WaterfallAmendment, _amendment_service)
class WaterfallAmendmentViewSet(ServiceBackedViewSet):
    """Amendments of an issued deal's waterfall: proposed with a reason, approved by a second person."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = WaterfallAmendmentSerializer
    filterset_fields = ["waterfall", "state"]
    create_service = staticmethod(descriptions.waterfall_amendment_propose)

    def get_queryset(self):
        return selectors.amendments_visible_to(self.request.user)
