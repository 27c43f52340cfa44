"""REST API of the reconciliation: the exceptions queue with its resolutions, matching runs (ask
for one on demand, follow its progress), manual matches and their approval, lessee credits."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.idempotency import idempotent
from core.api.transitions import IDEMPOTENCY_PARAMETER, TransitionRequestSerializer, with_transition_actions
from core.errors import InvalidInput
from reconciliation import exports, selectors
from reconciliation.api import serializers as s
from reconciliation.models import ManualMatch, ReconException
from reconciliation.periods import period_view
from reconciliation.services import exceptions, manual
from reconciliation.services.chain_matching import chain_matching_request_period
from reconciliation.services.matching import cash_matching_request

FILTERS = ["scope", "type", "state", "currency", "assignee"]


@with_transition_actions(
    ReconException,
    lambda obj, name, actor, reason: exceptions.exception_transition(
        exception=obj, name=name, actor=actor, reason=reason
    ),
)
class ExceptionViewSet(viewsets.ReadOnlyModelViewSet):
    """The exceptions queue: type, amount, age, assignee, the rows involved (``links``); resolve by
    matching (``manual-matches``), write off (a second person approves) or waive."""

    serializer_class = s.ExceptionSerializer
    filterset_fields = FILTERS
    ordering_fields = ["opened_at", "amount"]
    service_checked_actions = ("assign",)

    def get_queryset(self):
        return selectors.exceptions_visible_to(self.request.user)

    @extend_schema(request=s.AssignSerializer, parameters=[IDEMPOTENCY_PARAMETER], summary="Assign")
    @action(detail=True, methods=["post"])
    @idempotent
    def assign(self, request, pk=None):
        body = s.AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        x = exceptions.exception_assign(
            exception=self.get_object(), actor=request.user, **body.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=x.pk)).data)

    @extend_schema(request=TransitionRequestSerializer, parameters=[IDEMPOTENCY_PARAMETER], summary="Re-pay")
    @action(detail=True, methods=["post"])
    @idempotent
    def repay(self, request, pk=None):
        """A missing holder: a new payout batch of its own through the servicing flow."""
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        x = exceptions.exception_repay(exception=self.get_object(), actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=x.pk)).data)


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """One collection period from bank to chain: each hop's total, its difference to the previous
    hop, whether it ties out, and the period's exceptions (the same figures as the admin page).
    ``export`` gives one side of one scope as CSV in the layout of ``reconcile_files``;
    ``match-chain`` queues the chain matching of the period's distributions."""

    serializer_class = s.PeriodSummarySerializer
    filterset_fields = ["deal", "state"]
    service_checked_actions = ("match_chain",)

    def get_queryset(self):
        return selectors.periods_visible_to(self.request.user)

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The period from bank to chain")
    def retrieve(self, request, *args, **kwargs):
        return Response(s.period_view_data(period_view(self.get_object())))

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=list(exports.SCOPES)),
            OpenApiParameter("side", str, enum=list(exports.SIDES)),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        scope, side = request.query_params.get("scope", "chain"), request.query_params.get("side", "expected")
        if scope not in exports.SCOPES:
            raise InvalidInput(
                f"scope must be one of {', '.join(exports.SCOPES)}, not {scope!r}.", field="scope"
            )
        if side not in exports.SIDES:
            raise InvalidInput(f"side must be one of {', '.join(exports.SIDES)}, not {side!r}.", field="side")
        period = self.get_object()
        response = HttpResponse(
            exports.export_side(period=period, scope=scope, side=side), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(period, scope, side)}"'
        return response

    @extend_schema(request=None, parameters=[IDEMPOTENCY_PARAMETER], summary="Match the chain")
    @action(detail=True, methods=["post"], url_path="match-chain")
    @idempotent
    def match_chain(self, request, pk=None):
        period = self.get_object()
        queued = chain_matching_request_period(period=period, actor=request.user)
        return Response({"queued": queued}, status=202)


class MatchRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Automatic cash matching runs with their progress; POST (no body) asks for one now."""

    serializer_class = s.MatchRunSerializer
    filterset_fields = ["status", "trigger"]
    service_checked_actions = ("create",)

    def get_queryset(self):
        return selectors.match_runs_visible_to(self.request.user)

    @extend_schema(request=None, responses={201: s.MatchRunSerializer}, parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        run = cash_matching_request(actor=request.user)
        return Response(self.get_serializer(run).data, status=201)


@with_transition_actions(
    ManualMatch,
    lambda obj, name, actor, reason: manual.manual_match_transition(
        manual_match=obj, name=name, actor=actor, reason=reason
    ),
)
class ManualMatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Match or unmatch by hand; above the threshold a second person approves."""

    serializer_class = s.ManualMatchSerializer
    filterset_fields = ["kind", "state", "entry", "invoice"]

    def get_queryset(self):
        return selectors.manual_matches_visible_to(self.request.user)

    @extend_schema(
        request=s.ManualMatchRequestSerializer,
        responses={201: s.ManualMatchSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        body = s.ManualMatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        if d["kind"] == ManualMatch.Kind.MATCH:
            m = manual.manual_match_request(
                entry=d["entry"],
                invoice=d["invoice"],
                amount=d["amount"],
                reason=d["reason"],
                actor=request.user,
            )
        else:
            m = manual.manual_unmatch_request(match=d["match"], reason=d["reason"], actor=request.user)
        return Response(self.get_serializer(m).data, status=201)


class CreditViewSet(viewsets.ReadOnlyModelViewSet):
    """Credits on lessees' accounts from over-payments."""

    serializer_class = s.CreditSerializer
    filterset_fields = ["lessee", "currency"]

    def get_queryset(self):
        return selectors.credits_visible_to(self.request.user)


ROUTES = [
    ("reconciliation/exceptions", ExceptionViewSet, "reconexception"),
    ("reconciliation/match-runs", MatchRunViewSet, "matchrun"),
    ("reconciliation/manual-matches", ManualMatchViewSet, "manualmatch"),
    ("reconciliation/credits", CreditViewSet, "lesseecredit"),
    ("reconciliation/periods", PeriodViewSet, "reconperiod"),
]
