from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from core.admin_transitions import ServiceAdmin
from core.fx import fx_rate_record
from core.models import AuditEvent, FxRate


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
