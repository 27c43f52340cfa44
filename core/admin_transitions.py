"""Admin support for business objects: transition buttons, service-backed saves, history."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from unfold.admin import GenericTabularInline, ModelAdmin

from core.admin_audit import changes_html, state_change_html
from core.admin_autocomplete import SearchableForeignKeysMixin
from core.admin_money import MoneyAdminMixin
from core.errors import Refused
from core.models import AuditEvent
from core.transitions import available_transitions, transition_custom


class AuditEventInline(GenericTabularInline):
    """The object's audit trail, newest first, read-only."""

    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    extra = 0
    can_delete = False
    fields = ["at", "actor", "what", "state_change", "reason", "changes_table"]
    readonly_fields = fields
    ordering = ["-at", "-id"]
    verbose_name_plural = "history (audit trail)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "content_type")

    @admin.display(description="what")
    def what(self, event) -> str:
        return event.name.replace("_", " ") if event.name else event.get_action_display()

    @admin.display(description="state")
    def state_change(self, event) -> str:
        return state_change_html(event)

    @admin.display(description="changes")
    def changes_table(self, event) -> str:
        return changes_html(event)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("core.view_auditevent")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


def confirmation_question(obj, info) -> str:
    """The confirmation page asks a sentence: the transition's own ``question``
    (``custom={"question": "Submit {object} for compliance review?"}``), else "<Label> <object>?"."""
    template = transition_custom(type(obj), info.name).get("question")
    if template:
        return template.format(object=obj)
    return f"{info.label[:1].upper()}{info.label[1:]} {obj}?"


class ServiceAdmin(SearchableForeignKeysMixin, MoneyAdminMixin, ModelAdmin):
    """Saves through the app's services (so edits are validated and audited) and never deletes;
    shows amounts in their currency (``MoneyAdminMixin``); foreign keys are searched, not picked
    from a list (``SearchableForeignKeysMixin``)."""

    create_service = None
    update_service = None
    update_kwarg = None
    inlines = [AuditEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            values = {f: form.cleaned_data[f] for f in form.changed_data}
            type(self).update_service(actor=request.user, **{self.update_kwarg: obj}, **values)
        else:
            values = {f: form.cleaned_data[f] for f in form.fields
                      if f in form.cleaned_data and not form.fields[f].disabled}
            obj.pk = type(self).create_service(actor=request.user, **values).pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as exc:
            # The form was valid but a business rule said no; the admin's transaction
            # rolled back, so nothing was saved.
            messages.error(request, exc.message)
            return redirect(request.get_full_path())


class TransitionAdmin(ServiceAdmin):
    """Adds a button per transition the user may take; a reason is asked where required."""

    change_form_template = "admin/transition_change_form.html"
    transition_service = None  # (obj, name, actor, reason, **options) -> obj
    # A transition that asks for more than a reason: {name: a ReasonForm subclass}; its other
    # fields are passed to transition_service as options.
    transition_forms: dict[str, type[forms.Form]] = {}
    # What a confirmation page shows before its button: {name: template}, with the context of
    # transition_context(request, obj, name) (e.g. the close-book preview).
    transition_templates: dict[str, str] = {}

    def transition_context(self, request, obj, name: str) -> dict:
        return {}

    def get_urls(self):
        opts = self.model._meta
        return [
            path("<path:object_id>/transition/<str:name>/",
                 self.admin_site.admin_view(self.transition_view),
                 name=f"{opts.app_label}_{opts.model_name}_transition"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {"transitions": available_transitions(obj, request.user) if obj else []}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def transition_view(self, request, object_id, name):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        info = next((t for t in available_transitions(obj, request.user) if t.name == name), None)
        if info is None:
            raise PermissionDenied(f"'{name}' is not available to you on this object now.")
        opts = self.model._meta
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        form = self.transition_forms.get(name, ReasonForm)(request.POST or None)
        if request.method == "POST" and form.is_valid():
            options = dict(form.cleaned_data)
            reason = options.pop("reason")
            try:
                type(self).transition_service(obj, name, request.user, reason, **options)
            except Refused as exc:
                messages.error(request, exc.message)
                if exc.field not in form.fields:
                    return redirect(change_url)
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, f"{capfirst(opts.verbose_name)} '{obj}': {info.label} done.")
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "object": obj,
            "transition": info,
            "form": form,
            "change_url": change_url,
            "title": confirmation_question(obj, info),
            "details_template": self.transition_templates.get(name),
            **self.transition_context(request, obj, name),
        }
        return TemplateResponse(request, "admin/transition_confirm.html", context)
