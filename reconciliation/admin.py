"""Admin: the exceptions queue with its resolution buttons, manual matches with approve / reject,
matching runs with their progress (and "Run the cash matching now"), lessee credits. Everything
saves through the services; nothing is deleted."""

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.admin_base import ReadOnlyAdmin
from core.admin_filters import in_use
from core.admin_transitions import TransitionAdmin
from core.errors import Refused
from reconciliation import exports, selectors
from reconciliation.models import LesseeCredit, ManualMatch, MatchRun, ReconException
from reconciliation.periods import period_view
from reconciliation.services import exceptions, manual
from reconciliation.services.chain_matching import chain_matching_request_period
from reconciliation.services.matching import cash_matching_request


class _NoEdit:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReconException)
class ReconExceptionAdmin(_NoEdit, TransitionAdmin):
    list_display = [
        "id",
        "scope",
        "type",
        "amount",
        "currency",
        "state",
        "assignee",
        "opened_at",
        "key",
        "period_link",
    ]
    list_filter = ["scope", "type", "state", *in_use("currency"), "assignee"]
    readonly_fields = ["period_link"]

    @admin.display(description="period from bank to chain")
    def period_link(self, obj) -> str:
        if obj is None or obj.period_id is None:
            return "-"
        url = reverse("admin:reconciliation_period_view", args=[obj.period_id])
        return format_html('<a href="{}">period view</a>', url)

    search_fields = ["key", "description"]
    list_select_related = ["assignee"]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: exceptions.exception_transition(
            exception=obj, name=name, actor=actor, reason=reason
        )
    )
    actions = ["repay", "match_chain"]

    @admin.action(description="Re-pay the selected missing holders (a new payout batch each)")
    def repay(self, request, queryset) -> None:
        for x in queryset.order_by("pk"):
            try:
                exceptions.exception_repay(
                    exception=x, actor=request.user, reason=f"re-payment of exception {x.pk}"
                )
            except Refused as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"Exception {x.pk}: a re-payment batch was created.")

    @admin.action(description="Run the chain matching of the selected exceptions' periods now")
    def match_chain(self, request, queryset) -> None:
        from servicing.models import CollectionPeriod

        ids = set(queryset.exclude(period=None).values_list("period_id", flat=True))
        for period in CollectionPeriod.objects.filter(pk__in=ids).order_by("pk"):
            self._queue_chain(request, period)

    def _queue_chain(self, request, period) -> None:
        try:
            queued = chain_matching_request_period(period=period, actor=request.user)
        except Refused as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request, f"Chain matching queued for {len(queued)} distribution(s) of {period}."
            )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("periods/", view(self.periods_page), name="reconciliation_periods"),
            path("periods/<int:pk>/", view(self.period_page), name="reconciliation_period_view"),
            path(
                "periods/<int:pk>/export/<str:scope>/<str:side>/",
                view(self.period_export),
                name="reconciliation_period_export",
            ),
            path(
                "periods/<int:pk>/match-chain/",
                view(require_POST(self.period_match_chain)),
                name="reconciliation_period_match_chain",
            ),
            *super().get_urls(),
        ]

    def _period(self, request, pk):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return get_object_or_404(selectors.periods_visible_to(request.user), pk=pk)

    def periods_page(self, request):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Collection periods from bank to chain",
            "periods": selectors.periods_visible_to(request.user),
        }
        return TemplateResponse(request, "admin/reconciliation/periods.html", context)

    def period_page(self, request, pk):
        period = self._period(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{period}: from bank to chain",
            "view": period_view(period),
            "scopes": exports.SCOPES,
            "sides": exports.SIDES,
        }
        return TemplateResponse(request, "admin/reconciliation/period_view.html", context)

    def period_export(self, request, pk, scope, side):
        period = self._period(request, pk)
        if scope not in exports.SCOPES or side not in exports.SIDES:
            from django.http import Http404

            raise Http404(f"No export {scope} {side}.")
        response = HttpResponse(
            exports.export_side(period=period, scope=scope, side=side), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(period, scope, side)}"'
        return response

    def period_match_chain(self, request, pk):
        period = self._period(request, pk)
        self._queue_chain(request, period)
        return HttpResponseRedirect(reverse("admin:reconciliation_period_view", args=[period.pk]))


@admin.register(ManualMatch)
class ManualMatchAdmin(_NoEdit, TransitionAdmin):
    list_display = [
        "id",
        "kind",
        "entry",
        "invoice",
        "amount",
        "currency",
        "state",
        "requested_by",
        "requested_at",
    ]
    list_filter = ["kind", "state"]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: manual.manual_match_transition(
            manual_match=obj, name=name, actor=actor, reason=reason
        )
    )


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "trigger",
        "status",
        "progress",
        "stage",
        "matches_made",
        "credits_made",
        "exceptions_open",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "trigger"]
    actions = ["run_now"]

    @admin.action(description="Run the cash matching now (a worker runs it)")
    def run_now(self, request, queryset) -> None:
        try:
            run = cash_matching_request(actor=request.user)
        except Refused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"Matching run {run.pk} queued.")


@admin.register(LesseeCredit)
class LesseeCreditAdmin(ReadOnlyAdmin):
    list_display = ["id", "lessee", "amount", "currency", "entry", "invoice", "rule", "source", "created_at"]
    list_filter = [*in_use("currency"), "rule"]
