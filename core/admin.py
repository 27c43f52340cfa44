from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from core.accounts.lockout import login_unlock
from core.accounts.tokens import api_tokens_revoke
from core.accounts.two_factor import totp_devices_remove
from core.admin_base import ReadOnlyAdmin
from core.admin_export import export_csv
from core.admin_filters import in_use
from core.admin_transitions import AuditEventInline, ServiceAdmin
from core.errors import Refused
from core.fx import fx_rate_record
from core.models import ApiToken, AuditEvent, FxRate, LoginLock, OutboxMessage
from core.outbox import outbox_redispatch

admin.site.add_action(export_csv, "export_csv")


@admin.register(AuditEvent)
class AuditEventAdmin(ModelAdmin):
    """The whole audit trail, read-only for everyone."""

    # the list's columns are also the CSV export's (core/admin_export.py): the raw names and states;
    # the event's page shows the state change in labels and the changes as a table
    list_display = ["at", "actor", "content_type", "object_repr", "action", "name", "from_state",
                    "to_state", "reason"]
    list_filter = ["action", "content_type", "name"]
    search_fields = ["object_repr", "reason", "actor__username"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"
    fields = ["at", "actor", "content_type", "object_id", "object_repr", "what", "state_change", "reason",
              "changes_table"]
    readonly_fields = fields

    what = AuditEventInline.what
    state_change = AuditEventInline.state_change
    changes_table = AuditEventInline.changes_table

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
    list_filter = [*in_use("base", "quote"), "source"]
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

    list_display = ["id", "task", "status", "attempts", "created_at", "retry_at", "last_error"]
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


class RoleUserAdmin(UserAdmin, ModelAdmin):
    """Users get access through their roles (groups) only: permissions granted to one user are
    not used (core/auth.py), so the form does not offer them."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm

    fieldsets = tuple(
        (name, {**opts, "fields": tuple(f for f in opts["fields"] if f != "user_permissions")})
        for name, opts in UserAdmin.fieldsets
    )
    filter_horizontal = ("groups",)


admin.site.unregister(User)
admin.site.register(User, RoleUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Every user's API tokens (never their keys); revoking needs ``core.revoke_apitoken``."""

    list_display = ["name", "user", "prefix", "state", "two_factor", "created_at", "expires_at",
                    "last_used_at"]
    list_filter = ["two_factor", ("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user", "revoked_by"]
    fields = ["name", "user", "prefix", "two_factor", "created_at", "expires_at", "last_used_at",
              "revoked_at", "revoked_by"]
    actions = ["revoke"]

    @admin.display(description="state")
    def state(self, token) -> str:
        return token.state()

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("core.revoke_apitoken")

    @admin.action(permissions=["revoke"], description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = api_tokens_revoke(actor=request.user, tokens=queryset, reason="Revoked in the admin.")
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(LoginLock)
class LoginLockAdmin(ReadOnlyAdmin):
    """Failed sign-ins per account and address (django-axes); unlocking needs ``core.unlock_loginlock``."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked_until",
                    "path_info", "user_agent"]
    search_fields = ["username", "ip_address"]
    fields = list_display
    readonly_fields = ["locked_until"]
    actions = ["unlock"]

    @admin.display(description="locked until")
    def locked_until(self, lock) -> str:
        until = lock.attempt_time + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        if lock.failures_since_start < settings.LOGIN_FAILURE_LIMIT or until <= timezone.now():
            return "-"
        return f"{timezone.localtime(until):%Y-%m-%d %H:%M:%S}"

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm("core.unlock_loginlock")

    @admin.action(permissions=["unlock"], description="Unlock the selected logins")
    def unlock(self, request, queryset):
        unlocked = login_unlock(actor=request.user, locks=queryset, reason="Unlocked in the admin.")
        self.message_user(request, f"Unlocked {', '.join(unlocked) or 'nothing'}.", messages.SUCCESS)


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdmin):
    """Staff's authenticator apps (never their secrets). Removing one (a lost phone) needs
    ``otp_totp.delete_totpdevice`` (superusers); its user enrols again at the next sign-in."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]
    fields = list_display
    actions = ["remove"]

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("otp_totp.delete_totpdevice")

    @admin.action(permissions=["remove"], description="Remove the selected devices (their users enrol again)")
    def remove(self, request, queryset):
        count = totp_devices_remove(actor=request.user, devices=queryset, reason="Removed in the admin.")
        self.message_user(request, f"Removed {count} device(s).", messages.SUCCESS)
