"""Admin for servicing terms, collection periods (with their available funds and waterfall table),
adjustments, runs and waterfall descriptions. Every save and action goes through the services."""

from decimal import Decimal

from django import forms
from django.contrib import admin

from core.admin_base import ReadOnlyAdmin, ReadOnlyInline
from core.admin_transitions import ReasonForm, ServiceAdmin, TransitionAdmin
from core.errors import Refused
from core.money import format_money
from servicing.models import (
    AvailableFundsLine,
    CollectionPeriod,
    FundsAdjustment,
    ServicingTerms,
    WaterfallAmendment,
    WaterfallDescription,
    WaterfallRun,
)
from servicing.services import descriptions, funds, periods

STEP_COLUMNS = ("due", "paid", "shortfall")


@admin.register(ServicingTerms)
class ServicingTermsAdmin(ServiceAdmin):
    list_display = [
        "deal",
        "collection_account",
        "calendar_codes",
        "adjustment",
        "payment_lag_days",
        "determination_lead_business_days",
        "record_lead_business_days",
        "trustee_may_approve",
    ]
    create_service = staticmethod(periods.servicing_terms_set)
    update_service = staticmethod(
        lambda *, actor, terms, **values: periods.servicing_terms_set(deal=terms.deal, actor=actor, **values)
    )
    update_kwarg = "terms"

    def get_readonly_fields(self, request, obj=None):
        return ["deal"] if obj else []


class DetermineForm(ReasonForm):
    pool_balance = forms.DecimalField(min_value=0, max_digits=22, decimal_places=4)
    losses = forms.DecimalField(min_value=0, max_digits=22, decimal_places=4, initial=Decimal("0"))
    delinquent = forms.DecimalField(min_value=0, max_digits=22, decimal_places=4, initial=Decimal("0"))


class AdjustmentInline(ReadOnlyInline):
    model = FundsAdjustment
    fields = ["kind", "amount", "reason", "state", "proposed_by", "decided_by"]
    readonly_fields = fields


class RunInline(ReadOnlyInline):
    model = WaterfallRun
    fields = ["number", "available_funds", "description_version", "determined_by", "determined_at"]
    readonly_fields = fields


def _money(amount, currency: str) -> str:
    return format_money(Decimal(str(amount)), currency) if amount not in (None, "") else ""


def waterfall_table(run: WaterfallRun | None) -> list[dict]:
    """The run's step table as rows of (index, label, due, paid, shortfall) in the deal's currency."""
    if run is None:
        return []
    currency = run.period.deal.currency
    return [
        {
            "index": step.get("step"),
            "kind": step.get("kind"),
            "label": step.get("label"),
            **{c: _money(step.get(c), currency) for c in STEP_COLUMNS},
        }
        for step in run.outputs.get("steps", [])
    ]


def funds_breakdown(period: CollectionPeriod, run: WaterfallRun | None) -> dict:
    """The run's funds lines once determined, else the funds as they stand now."""
    try:
        shown = funds.stored_funds(run) if run else funds.available_funds(period)
    except Refused as exc:
        return {"problem": exc.message}
    return {
        "lines": [
            {"kind": line.kind, "label": line.label, "amount": _money(line.amount, shown.currency)}
            for line in shown.lines
        ],
        "total": _money(shown.total, shown.currency),
        "as_of_run": run.number if run else None,
    }


@admin.register(CollectionPeriod)
class CollectionPeriodAdmin(TransitionAdmin):
    change_form_template = "admin/servicing/collectionperiod/change_form.html"
    list_display = [
        "deal",
        "number",
        "start",
        "end",
        "determination_date",
        "record_date",
        "payment_date",
        "state",
    ]
    list_filter = ["state", "deal"]
    list_select_related = ["deal"]
    readonly_fields = [
        "deal",
        "number",
        "start",
        "end",
        "determination_date",
        "record_date",
        "payment_date",
        "state",
        "determined_by",
        "approved_by",
    ]
    inlines = [AdjustmentInline, RunInline, *TransitionAdmin.inlines]
    transition_service = staticmethod(
        lambda obj, name, actor, reason, **options: periods.period_transition(
            period=obj, name=name, actor=actor, reason=reason, **options
        )
    )
    transition_forms = {"determine": DetermineForm}

    def has_add_permission(self, request) -> bool:
        return False  # periods are generated from the deal's terms (API: servicing/periods/generate)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        period = self.get_object(request, object_id)
        extra = {}
        if period is not None:
            run = periods.latest_run(period)
            extra = {
                "funds": funds_breakdown(period, run),
                "steps": waterfall_table(run),
                "run": run,
                "step_columns": STEP_COLUMNS,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(FundsAdjustment)
class FundsAdjustmentAdmin(TransitionAdmin):
    list_display = ["period", "kind", "amount", "reason", "state", "proposed_by", "decided_by"]
    list_filter = ["state", "kind"]
    list_select_related = ["period__deal"]
    fields = ["period", "kind", "amount", "reason"]
    create_service = staticmethod(funds.funds_adjustment_propose)
    transition_service = staticmethod(
        lambda obj, name, actor, reason: funds.funds_adjustment_transition(
            adjustment=obj, name=name, actor=actor, reason=reason
        )
    )

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FundsLineInline(ReadOnlyInline):
    model = AvailableFundsLine
    fields = ["position", "kind", "label", "amount", "bank_entry", "adjustment"]
    readonly_fields = fields
    show_change_link = False


@admin.register(WaterfallRun)
class WaterfallRunAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "number",
        "available_funds",
        "description_version",
        "determined_by",
        "determined_at",
    ]
    list_select_related = ["period__deal"]
    inlines = [FundsLineInline]


@admin.register(WaterfallDescription)
class WaterfallDescriptionAdmin(ServiceAdmin):
    list_display = ["deal", "version", "updated_at"]
    create_service = staticmethod(descriptions.waterfall_description_set)
    update_service = staticmethod(
        lambda *, actor, waterfall, **values: descriptions.waterfall_description_set(
            deal=waterfall.deal, actor=actor, **values
        )
    )
    update_kwarg = "waterfall"

    def get_readonly_fields(self, request, obj=None):
        return ["deal", "version"] if obj else ["version"]


@admin.register(WaterfallAmendment)
class WaterfallAmendmentAdmin(TransitionAdmin):
    list_display = ["waterfall", "base_version", "reason", "state", "proposed_by", "decided_by"]
    list_filter = ["state"]
    transition_service = staticmethod(
        lambda obj, name, actor, reason: descriptions.waterfall_amendment_transition(
            amendment=obj, name=name, actor=actor, reason=reason
        )
    )

    def has_add_permission(self, request) -> bool:
        return False  # proposed through the API (deal, description, reason)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
