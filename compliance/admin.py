from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import TabularInline

from compliance import selectors, services
from compliance.investor_page import DocumentUploadForm, investor_panels
from compliance.models import (
    BeneficialOwner,
    DealEligibility,
    Document,
    Investor,
    InvestorClassification,
    InvestorLoginChange,
    KycCase,
    Wallet,
)
from core.admin_base import ReadOnlyWithHistoryAdmin
from core.admin_filters import in_use
from core.admin_transitions import AuditEventInline, ServiceAdmin, TransitionAdmin
from core.errors import NotPermitted, Refused


class BeneficialOwnerInline(TabularInline):
    model = BeneficialOwner
    fields = ["full_name", "date_of_birth", "nationality", "country_of_residence", "ownership_percent"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Investor)
class InvestorAdmin(ServiceAdmin):
    list_display = ["legal_name", "kind", "country_of_residence", "nationality", "is_pep", "email", "user"]
    list_filter = ["kind", *in_use("country_of_residence"), "is_pep"]
    search_fields = ["legal_name", "email", "registration_number"]
    list_select_related = ["user"]
    inlines = [BeneficialOwnerInline, AuditEventInline]
    create_service = staticmethod(services.investor_create)
    update_service = staticmethod(services.investor_update)
    update_kwarg = "investor"

    change_form_template = "admin/compliance/investor/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # The login changes only by a login change request and a second officer's approval.
        return ["user"] if obj is not None else []

    def get_urls(self):
        return [
            path("<path:object_id>/kyc-case/", self.admin_site.admin_view(self.kyc_open_view),
                 name="compliance_investor_kyc_open"),
            path("<path:object_id>/upload/", self.admin_site.admin_view(self.upload_view),
                 name="compliance_investor_upload"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Below the details: KYC status, cases, classification, wallets, documents, then the
        eligibility per open deal and the subscriptions (read-only; a fixed number of queries)."""
        investor = self.get_object(request, unquote(object_id))
        extra = investor_panels(request, investor) if investor is not None else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _investor(self, request, object_id):
        investor = self.get_object(request, unquote(object_id))
        if investor is None or not self.has_view_permission(request, investor):
            raise Http404
        return investor

    def kyc_open_view(self, request, object_id):
        """Start the investor's KYC case (kyc_case_open), then on to the case to submit it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        investor = self._investor(request, object_id)
        try:
            case = services.kyc_case_open(actor=request.user, investor=investor)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except Refused as exc:
            messages.error(request, exc.message)
            return redirect(reverse("admin:compliance_investor_change", args=[investor.pk]))
        messages.success(request, f"{case} opened. Upload the documents, then submit it for review.")
        return redirect(reverse("admin:compliance_investor_change", args=[investor.pk]))

    def upload_view(self, request, object_id):
        """Upload one document of the investor (document_upload: checked by content, stored privately)."""
        investor = self._investor(request, object_id)
        if not request.user.has_perm("compliance.add_document"):
            raise PermissionDenied("Uploading documents needs the permission 'compliance.add_document'.")
        change_url = reverse("admin:compliance_investor_change", args=[investor.pk])
        form = DocumentUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                doc = services.document_upload(actor=request.user, investor=investor, **form.cleaned_data)
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                kind = doc.get_kind_display().capitalize()
                messages.success(request, f"{kind} '{doc.original_name}' uploaded for {investor}; it awaits "
                                          "a compliance officer's decision.")
                return redirect(change_url)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": investor,
                   "form": form, "change_url": change_url, "title": f"Upload a document for {investor}"}
        return TemplateResponse(request, "admin/compliance/investor/upload.html", context,
                                status=400 if form.is_bound and form.errors else 200)


@admin.register(InvestorLoginChange)
class InvestorLoginChangeAdmin(TransitionAdmin):
    """A compliance officer adds a request; another officer approves or rejects it (buttons)."""

    list_display = ["id", "investor", "from_user", "to_user", "state", "requested_by", "decided_by",
                    "created_at"]
    list_filter = ["state"]
    search_fields = ["investor__legal_name"]
    list_select_related = ["investor", "from_user", "to_user", "requested_by", "decided_by"]
    create_service = staticmethod(services.investor_login_change_request)
    transition_service = staticmethod(
        lambda obj, name, actor, reason: services.investor_login_change_transition(
            change=obj, name=name, actor=actor, reason=reason))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["investor", "to_user", "reason"]
        return [f.name for f in InvestorLoginChange._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)


@admin.register(KycCase)
class KycCaseAdmin(TransitionAdmin):
    list_display = ["id", "investor", "kind", "state", "risk_rating", "assignee", "refresh_due", "created_at"]
    list_filter = ["state", "kind", "risk_rating", "trigger"]
    search_fields = ["investor__legal_name"]
    list_select_related = ["investor", "assignee"]
    readonly_fields = [f.name for f in KycCase._meta.fields]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: services.kyc_case_transition(
            case=obj, name=name, actor=actor, reason=reason, reason_code="other" if reason else "")
    )
    change_form_template = "admin/compliance/kyccase/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The four-eyes rule in words for the officer who may not approve this case."""
        case = self.get_object(request, unquote(object_id))
        extra = {"four_eyes": selectors.why_not_approver(case, request.user) if case else ""}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(Document)
class DocumentAdmin(ReadOnlyWithHistoryAdmin):
    list_display = ["id", "investor", "kind", "content_type", "size", "state", "evidence_expires_on"]
    list_filter = ["kind", "state", "content_type"]
    search_fields = ["investor__legal_name", "original_name", "sha256"]
    list_select_related = ["investor"]
    exclude = ["file"]


@admin.register(InvestorClassification)
class InvestorClassificationAdmin(ReadOnlyWithHistoryAdmin):
    list_display = ["investor", "regime", "investor_class", "test_passed", "valid_from", "valid_until",
                    "revoked_at"]
    list_filter = ["regime", "investor_class"]
    search_fields = ["investor__legal_name"]
    list_select_related = ["investor"]


@admin.register(Wallet)
class WalletAdmin(ReadOnlyWithHistoryAdmin):
    list_display = ["address", "investor", "verified_at"]
    search_fields = ["address", "investor__legal_name"]
    list_select_related = ["investor"]


@admin.register(DealEligibility)
class DealEligibilityAdmin(ReadOnlyWithHistoryAdmin):
    money_currency = "deal.currency"
    list_display = ["deal", "allowed_classes", "blocked_jurisdictions", "minimum_subscription",
                    "maximum_investors"]
    list_select_related = ["deal"]
