"""Admin: the exceptions queue with its resolution buttons, manual matches with approve / reject,
matching runs with their progress (and "Run the cash matching now"), lessee credits. Everything
saves through the services; nothing is deleted."""

from django.contrib import admin, messages

from core.admin_base import ReadOnlyAdmin
from core.admin_filters import in_use
from core.admin_transitions import TransitionAdmin
from core.errors import Refused
from reconciliation.models import LesseeCredit, ManualMatch, MatchRun, ReconException
from reconciliation.services import exceptions, manual
from reconciliation.services.matching import cash_matching_request


class _NoEdit:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReconException)
class ReconExceptionAdmin(_NoEdit, TransitionAdmin):
    list_display = ["id", "scope", "type", "amount", "currency", "state", "assignee", "opened_at", "key"]
    list_filter = ["scope", "type", "state", *in_use("currency"), "assignee"]
    search_fields = ["key", "description"]
    list_select_related = ["assignee"]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: exceptions.exception_transition(
            exception=obj, name=name, actor=actor, reason=reason
        )
    )


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
