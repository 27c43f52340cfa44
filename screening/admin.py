from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from unfold.admin import ModelAdmin, TabularInline

from core.admin_base import ReadOnlyAdmin
from core.admin_transitions import AuditEventInline, ServiceAdmin, TransitionAdmin
from core.errors import Refused
from screening import services
from screening.models import ListAlias, ListEntry, ListVersion, ScreeningHit, ScreeningRun, WhitelistEntry


class ListImportForm(forms.ModelForm):
    file = forms.FileField(help_text="OpenSanctions targets.simple.csv (UTF-8), OFAC SDN XML (sdn.xml) or UN "
                                     "Consolidated List XML.")

    class Meta:
        model = ListVersion
        fields = ["name", "version_label", "shrink_reason"]

    def validate_unique(self) -> None:
        """The service checks uniqueness and says which version already exists."""


@admin.register(ListVersion)
class ListVersionAdmin(ModelAdmin):
    """Upload a list file to import it; versions are never edited."""

    list_display = ["name", "version_label", "is_current", "row_count", "imported_by", "imported_at"]
    list_filter = ["name", "is_current"]
    list_select_related = ["imported_by"]
    readonly_fields = ["name", "version_label", "sha256", "row_count", "is_current", "shrink_reason",
                       "imported_by", "imported_at"]
    inlines = [AuditEventInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ListImportForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["name", "version_label", "file", "shrink_reason"] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.pk = services.list_import(
            name=form.cleaned_data["name"], version_label=form.cleaned_data["version_label"],
            data=form.cleaned_data["file"].read(), actor=request.user,
            shrink_reason=form.cleaned_data.get("shrink_reason", ""),
        ).pk

    def save_related(self, request, form, formsets, change) -> None:
        pass

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as exc:
            messages.error(request, exc.message)
            for reason in [r for r in exc.reasons if r != exc.message][:50]:
                messages.warning(request, reason)
            return redirect(request.get_full_path())


class ListAliasInline(TabularInline):
    """The names the list also publishes for the entry; weak ones are shown but not screened."""

    model = ListAlias
    fields = ["position", "name", "kind", "quality"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        """Aliases are part of the entry: whoever may see entries sees them."""
        return request.user.has_perm("screening.view_listentry")


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "entity_id", "schema", "list_version", "row_number"]
    inlines = [ListAliasInline]
    list_filter = ["list_version", "schema"]
    search_fields = ["name", "entity_id", "aliases__name"]
    list_select_related = ["list_version"]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "list_version", "trigger", "state", "progress", "hits_created", "requested_by",
                    "created_at", "finished_at"]
    list_filter = ["state", "trigger", "list_version"]
    list_select_related = ["list_version", "requested_by"]
    inlines = [AuditEventInline]

    @admin.display(description="progress")
    def progress(self, obj: ScreeningRun) -> str:
        return f"{obj.processed}/{obj.total} ({obj.progress_percent} %)"


@admin.register(ScreeningHit)
class ScreeningHitAdmin(TransitionAdmin):
    """Hits to decide: the buttons top right confirm or mark a false positive (with a reason)."""

    list_display = ["id", "investor", "subject_kind", "subject", "entity_id", "entry", "score", "state",
                    "decided_by", "created_at"]
    list_filter = ["state", "subject_kind", "entry__list_version", "run__algorithm_version"]
    search_fields = ["subject", "entity_id", "investor__legal_name", "entry__name"]
    list_select_related = ["investor", "entry", "decided_by"]
    readonly_fields = ["run", "investor", "subject_kind", "subject", "entry", "alias", "entity_id", "score",
                       "why", "features",
                       "state", "decided_by", "decided_at", "decision_reason", "created_at"]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: services.hit_transition(hit=obj, name=name, actor=actor,
                                                                 reason=reason)
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="why it matched")
    def why(self, obj: ScreeningHit) -> str:
        return obj.explanation


@admin.register(WhitelistEntry)
class WhitelistEntryAdmin(ServiceAdmin):
    list_display = ["investor", "entity_id", "valid_until", "reason", "created_by", "created_at"]
    list_filter = ["valid_until"]
    search_fields = ["investor__legal_name", "entity_id"]
    list_select_related = ["investor", "created_by"]
    fields = ["investor", "entity_id", "valid_until", "reason", "hit"]
    create_service = staticmethod(services.whitelist_add)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
