"""Admin building blocks every app uses: read-only pages and inlines, and the upload flow.

Records written only by services (statements, readings, documents, chain rows) are shown
read-only; a changelist that imports files gets an "Import a file" page whose import runs
through a service, with a refusal shown as the page's errors.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import ModelAdmin, TabularInline

from core.admin_money import MoneyAdminMixin
from core.admin_transitions import AuditEventInline
from core.errors import Refused


class ReadOnlyAdmin(MoneyAdminMixin, ModelAdmin):
    """Shown, never added, edited or deleted here: services write these rows."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyWithHistoryAdmin(ReadOnlyAdmin):
    """Read-only, with the object's audit trail inline."""

    inlines = [AuditEventInline]


class ReadOnlyInline(MoneyAdminMixin, TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UploadForm(forms.Form):
    file = forms.FileField()


class UploadAdminMixin:
    """Adds an 'Import a file' page to a changelist; ``run_import(request, file)`` calls the service
    and returns the success message, or raises ``Refused`` (each reason listed on the page)."""

    upload_permission = ""
    upload_title = ""
    upload_help = ""
    change_list_template = "admin/change_list_upload.html"

    def get_urls(self):
        opts = self.model._meta
        return [path("upload/", self.admin_site.admin_view(self.upload_view),
                     name=f"{opts.app_label}_{opts.model_name}_upload"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {}
        if request.user.has_perm(self.upload_permission):
            opts = self.model._meta
            extra["upload_url"] = reverse(f"admin:{opts.app_label}_{opts.model_name}_upload")
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def run_import(self, request, file) -> str:
        raise NotImplementedError

    def upload_view(self, request):
        if not request.user.has_perm(self.upload_permission):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                text = self.run_import(request, form.cleaned_data["file"])
            except Refused as exc:
                messages.error(request, exc.message)
                errors = exc.reasons if len(exc.reasons) > 1 else []
            else:
                messages.success(request, text)
                opts = self.model._meta
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": self.upload_title, "help": self.upload_help, "errors": errors}
        return TemplateResponse(request, "admin/upload.html", context)
