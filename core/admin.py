from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, Min, Q

from core.admin_base import ReadOnlyAdmin
from core.admin_transitions import ServiceAdmin
from core.errors import Refused
from core.fx import fx_rate_record
from core.models import AuditEvent, FxRate, OutboxMessage
from core.outbox import outbox_redispatch


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The whole audit trail, read-only for everyone."""

    list_display = ["at", "actor", "content_type", "object_repr", "action", "name", "from_state",
                    "to_state", "reason"]
    list_filter = ["action", "content_type", "name"]
    search_fields = ["object_repr", "reason", "actor__username"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        from core.api.views import audit_events_visible_to

        return audit_events_visible_to(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FxRate)
class FxRateAdmin(ServiceAdmin):
    """Exchange rates: recorded through ``core.fx.fx_rate_record`` (audited), never edited."""

    list_display = ["as_of", "base", "quote", "rate", "source", "recorded_by", "recorded_at"]
    list_filter = ["base", "quote", "source"]
    search_fields = ["base", "quote", "source"]
    list_select_related = ["recorded_by"]
    date_hierarchy = "as_of"
    fields = ["base", "quote", "rate", "as_of", "source"]
    create_service = staticmethod(fx_rate_record)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a wrong rate is superseded by a later one, never overwritten


class OutboxStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"
    FILTERS = {
        "pending": Q(done_at__isnull=True, failed_at__isnull=True),
        "failed": Q(failed_at__isnull=False),
        "done": Q(done_at__isnull=False),
    }

    def lookups(self, request, model_admin):
        return [("pending", "pending (not done yet)"), ("failed", "failed (out of attempts)"),
                ("done", "done")]

    def queryset(self, request, queryset):
        condition = self.FILTERS.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """The side effects waiting to run after their commit (core/outbox.py): the backlog in the
    title, filters for pending and failed rows, and "Send again now" for operations."""

    list_display = ["id", "task", "kwargs", "status", "attempts", "created_at", "dispatched_at", "retry_at",
                    "done_at", "failed_at", "last_error"]
    list_filter = [OutboxStatusFilter, "task"]
    search_fields = ["task", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = ["task", "kwargs", "status", "attempts", "created_at", "dispatched_at", "retry_at",
                       "done_at", "failed_at", "last_error"]
    actions = ["redispatch"]

    def changelist_view(self, request, extra_context=None):
        """The backlog in the title: pending and failed rows and the oldest pending one (one query)."""
        backlog = OutboxMessage.objects.filter(done_at__isnull=True).aggregate(
            pending=Count("id", filter=Q(failed_at__isnull=True)),
            failed=Count("id", filter=Q(failed_at__isnull=False)),
            oldest=Min("created_at", filter=Q(failed_at__isnull=True)),
        )
        title = f"Outbox: {backlog['pending']} pending, {backlog['failed']} failed"
        if backlog["oldest"]:
            title += f" (oldest pending since {backlog['oldest']:%Y-%m-%d %H:%M:%S} UTC)"
        return super().changelist_view(request, extra_context={"title": title, **(extra_context or {})})

    def has_dispatch_permission(self, request) -> bool:
        return request.user.has_perm("core.dispatch_outboxmessage")

    @admin.action(description="Send again now", permissions=["dispatch"])
    def redispatch(self, request, queryset):
        try:
            sent = outbox_redispatch(actor=request.user, reason="sent again from the admin",
                                     message_ids=list(queryset.values_list("pk", flat=True)))
        except Refused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"{len(sent)} outbox message(s) sent again.", messages.SUCCESS)


class RoleUserAdmin(UserAdmin):
    """Users get access through their roles (groups) only: permissions granted to one user are
    not used (core/auth.py), so the form does not offer them."""

    fieldsets = tuple(
        (name, {**opts, "fields": tuple(f for f in opts["fields"] if f != "user_permissions")})
        for name, opts in UserAdmin.fieldsets
    )
    filter_horizontal = ("groups",)


admin.site.unregister(User)
admin.site.register(User, RoleUserAdmin)
