"""Admin of distributions: each with its payout batches and escrow lines and a link to its
holders; transition buttons (approve, pay; batch approve and retry; escrow release and keep) go
through the named services. Nothing is added, edited or deleted here by hand."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline

from core.admin_money import MoneyAdminMixin
from core.admin_transitions import TransitionAdmin
from servicing.models import Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.services.distributions import distribution_transition, escrowline_transition
from servicing.services.payouts import payoutbatch_transition


class _ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PayoutBatchInline(_ReadOnly, MoneyAdminMixin, TabularInline):
    model = PayoutBatch
    token_amounts = {"total": ("distribution.stablecoin_decimals", "")}
    fields = ["number", "kind", "state", "recipients", "total", "attempt", "transaction", "error"]
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(Distribution)
class DistributionAdmin(_ReadOnly, TransitionAdmin):
    list_display = ["__str__", "period", "amount", "currency", "state", "factor", "progress"]
    list_filter = ["state", "period__deal"]
    list_select_related = ["period__deal", "tranche__deal"]
    token_amounts = {"amount_base_units": ("stablecoin_decimals", "")}
    readonly_fields = [
        "period",
        "tranche",
        "currency",
        "interest",
        "principal",
        "residual",
        "amount",
        "state",
        "snapshot",
        "payout",
        "stablecoin",
        "stablecoin_decimals",
        "amount_base_units",
        "distribution_id",
        "principal_before",
        "principal_after",
        "factor",
        "progress",
        "holders",
        "escrow",
        "created_by",
        "approved_by",
    ]
    inlines = [PayoutBatchInline, *TransitionAdmin.inlines]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: distribution_transition(
            distribution=obj, name=name, actor=actor, reason=reason
        )
    )

    @admin.display(description="holders")
    def holders(self, obj: Distribution) -> str:
        url = reverse("admin:servicing_entitlement_changelist") + f"?distribution__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{} holders ({} paid)</a>',
            url,
            obj.entitlements.count(),
            obj.entitlements.filter(paid_block__isnull=False).count(),
        )

    @admin.display(description="escrow")
    def escrow(self, obj: Distribution) -> str:
        url = (
            reverse("admin:servicing_escrowline_changelist")
            + f"?entitlement__distribution__id__exact={obj.pk}"
        )
        return format_html(
            '<a href="{}">{} escrow lines</a>',
            url,
            EscrowLine.objects.filter(entitlement__distribution=obj).count(),
        )


@admin.register(Entitlement)
class EntitlementAdmin(_ReadOnly, MoneyAdminMixin, ModelAdmin):
    list_display = [
        "wallet",
        "distribution",
        "investor",
        "balance",
        "amount",
        "batch",
        "paid_amount",
        "paid_block",
    ]
    list_filter = ["distribution", ("paid_block", admin.EmptyFieldListFilter)]
    search_fields = ["wallet", "investor__legal_name"]
    list_select_related = ["distribution__tranche__deal", "distribution__period", "investor", "batch"]
    token_amounts = {"balance": ("distribution.tranche.token_decimals", "distribution.tranche.token_symbol"),
                     "amount": ("distribution.stablecoin_decimals", ""),
                     "paid_amount": ("distribution.stablecoin_decimals", "")}


@admin.register(EscrowLine)
class EscrowLineAdmin(_ReadOnly, TransitionAdmin):
    list_display = ["__str__", "reason_code", "state", "decided_by", "decided_at"]
    list_filter = ["state", "reason_code", "entitlement__distribution"]
    list_select_related = ["entitlement", "decided_by"]
    readonly_fields = ["entitlement", "reason_code", "state", "decided_by", "decided_at"]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: escrowline_transition(
            line=obj, name=name, actor=actor, reason=reason
        )
    )


@admin.register(PayoutBatch)
class PayoutBatchAdmin(_ReadOnly, TransitionAdmin):
    list_display = ["__str__", "kind", "state", "recipients", "total", "attempt", "transaction"]
    list_filter = ["state", "kind", "distribution"]
    list_select_related = ["distribution__tranche__deal", "distribution__period", "transaction"]
    token_amounts = {"total": ("distribution.stablecoin_decimals", "")}
    readonly_fields = [
        "distribution",
        "number",
        "kind",
        "state",
        "recipients",
        "total",
        "attempt",
        "transaction",
        "funding",
        "error",
    ]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: payoutbatch_transition(
            batch=obj, name=name, actor=actor, reason=reason
        )
    )
