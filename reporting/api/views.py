"""REST API of reports (docs/reporting.md, "API"): list, request, follow, download, retry; bulk
statement runs. Scoped by ``reporting.selectors.reports_visible_to``: a report outside the caller's
scope is a 404 on every route."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.idempotency import idempotent
from core.api.transitions import IDEMPOTENCY_PARAMETER, TransitionRequestSerializer
from core.roles import sees_all
from reporting.api import serializers as s
from reporting.models import StatementRun
from reporting.selectors import reports_visible_to
from reporting.services import (
    report_open_for_download,
    report_request,
    report_retry,
    statement_run_request,
    statement_run_retry,
)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag (the file's SHA-256, quoted) you hold: 304 if unchanged.",
)


def _etag(sha256: str) -> str:
    return f'"{sha256}"'


class ReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reports you may read (staff: all; an investor: their own final statements and the final
    reports of deals they hold). POST asks for a new version, generated on a worker."""

    serializer_class = s.ReportSerializer
    filterset_fields = ["kind", "deal", "period", "year", "investor", "format", "state", "draft", "run"]
    ordering_fields = ["created_at", "version"]
    service_checked_actions = ("create", "retry")

    def get_queryset(self):
        return reports_visible_to(self.request.user)

    @extend_schema(
        request=s.ReportRequestSerializer,
        responses={201: s.ReportSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        body = s.ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = report_request(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[IF_NONE_MATCH],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            304: OpenApiResponse(description="Not modified: the ETag matches."),
            409: OpenApiResponse(description="Not generated yet, or the stored file fails its hash check."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, checked against its SHA-256 first; ``ETag`` is that hash."""
        report = self.get_object()
        etag = _etag(report.file_sha256)
        if report.file_sha256 and request.headers.get("If-None-Match") == etag:
            return HttpResponse(status=304, headers={"ETag": etag})
        file = report_open_for_download(actor=request.user, report=report)
        return HttpResponse(
            file.data,
            content_type=file.content_type,
            headers={
                "ETag": _etag(file.sha256),
                "Content-Disposition": f'attachment; filename="{file.filename}"',
                "X-Data-SHA256": report.data_sha256,
                "Cache-Control": "private, no-cache",
            },
        )

    @extend_schema(
        request=TransitionRequestSerializer,
        responses={200: s.ReportSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def retry(self, request, pk=None):
        """Queue a failed report again."""
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = report_retry(actor=request.user, report=self.get_object(), **body.validated_data)
        return Response(self.get_serializer(report).data)


class StatementRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bulk runs: every holder's statement of a period; ``progress`` counts them by state."""

    serializer_class = s.StatementRunSerializer
    filterset_fields = ["deal", "period"]
    service_checked_actions = ("create", "retry")

    def get_queryset(self):
        user = self.request.user
        qs = StatementRun.objects.select_related("deal", "period")
        return qs if sees_all(user) else qs.none()

    @extend_schema(
        request=s.StatementRunRequestSerializer,
        responses={201: s.StatementRunSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        body = s.StatementRunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = statement_run_request(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TransitionRequestSerializer,
        responses={200: s.StatementRunSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def retry(self, request, pk=None):
        """Queue the run's failed statements again."""
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = self.get_object()
        statement_run_retry(actor=request.user, run=run, **body.validated_data)
        return Response(self.get_serializer(run).data)


ROUTES = [
    ("reports", ReportViewSet, "report"),
    ("statement-runs", StatementRunViewSet, "statementrun"),
]
