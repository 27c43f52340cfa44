from django.contrib import admin
from unfold.admin import TabularInline

from compliance import services
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

    def get_readonly_fields(self, request, obj=None):
        # The login changes only by a login change request and a second officer's approval.
        return ["user"] if obj is not None else []


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

    def has_add_permission(self, request) -> bool:
        return False


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
