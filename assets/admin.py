"""Admin for collateral and cash flows: edits and transitions go through the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from assets.collateral import collateral
from assets.models import (
    Appraisal,
    BankEntry,
    BankEntryDetail,
    BankStatement,
    Counterparty,
    Device,
    InsurancePolicy,
    InvestmentModel,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    Lease,
    LeaseDevice,
    MeterImportBatch,
    Site,
)
from assets.services import bank, fleet, invoicing, late_usage, leasing, metering
from core import bounds, clock
from core.admin_base import ReadOnlyAdmin, ReadOnlyInline, UploadAdminMixin
from core.admin_filters import in_use
from core.admin_money import format_percent
from core.admin_transitions import ServiceAdmin, TransitionAdmin
from core.errors import Refused
from issuance.models import Deal


class CollateralForm(forms.Form):
    deal = forms.ModelChoiceField(
        queryset=Deal.objects.filter(devices__isnull=False).distinct().order_by("name"))
    as_of = forms.DateField(initial=clock.today, widget=forms.DateInput(attrs={"type": "date"}),
                            validators=bounds.dates(),
                            help_text="Rates recorded on or before this day are used.")


@admin.register(Site)
class SiteAdmin(ServiceAdmin):
    list_display = ["name", "country", "grid_region", "grid_emission_factor", "grid_emission_factor_year",
                    "pue"]
    list_filter = in_use("country")
    search_fields = ["name", "location", "grid_region"]
    create_service = staticmethod(fleet.site_create)
    update_service = staticmethod(fleet.site_update)
    update_kwarg = "site"


class AppraisalInline(ReadOnlyInline):
    model = Appraisal
    fields = ["valued_on", "value", "currency", "appraiser", "method"]
    readonly_fields = fields


class InsuranceInline(ReadOnlyInline):
    model = InsurancePolicy
    fields = ["insurer", "policy_number", "cover_amount", "currency", "starts_on", "expires_on"]
    readonly_fields = fields


@admin.register(Device)
class DeviceAdmin(TransitionAdmin):
    list_display = ["code", "kind", "model", "site", "gpu_count", "cost", "book", "deal", "state"]
    list_filter = ["state", "kind", "site", "spv", "deal"]
    search_fields = ["code", "serial_number", "model"]
    list_select_related = ["site", "deal"]
    readonly_fields = ["state", "book", "created_at", "updated_at"]
    inlines = [AppraisalInline, InsuranceInline, *TransitionAdmin.inlines]
    create_service = staticmethod(fleet.device_create)
    update_service = staticmethod(fleet.device_update)
    update_kwarg = "device"
    transition_service = staticmethod(lambda obj, name, actor, reason: fleet.device_transition(
        device=obj, name=name, actor=actor, reason=reason))

    @admin.display(description="purchase cost", ordering="purchase_cost")
    def cost(self, obj: Device) -> str:
        return obj.money(obj.purchase_cost)

    @admin.display(description="book value today")
    def book(self, obj: Device) -> str:
        if not obj.pk:
            return "-"
        valuation = obj.valuation(clock.today())
        return valuation.problem if valuation.book_value is None else obj.money(valuation.book_value)

    change_list_template = "admin/assets/device/change_list.html"

    def get_urls(self):
        return [path("collateral/", self.admin_site.admin_view(self.collateral_view),
                     name="assets_device_collateral"), *super().get_urls()]

    def collateral_view(self, request):
        """The collateral behind a deal: totals per currency, the deal-currency total and its rates."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CollateralForm(request.GET or None)
        view = None
        if form.is_valid():
            view = collateral(deal=form.cleaned_data["deal"], as_of=form.cleaned_data["as_of"])
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": "Collateral per deal", "view": view}
        return TemplateResponse(request, "admin/assets/collateral.html", context)


@admin.register(Appraisal)
class AppraisalAdmin(ServiceAdmin):
    list_display = ["device", "valued_on", "value", "appraiser"]
    list_filter = ["appraiser"]
    search_fields = ["device__code", "appraiser"]
    list_select_related = ["device"]
    create_service = staticmethod(fleet.appraisal_record)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # valuation history is recorded, not edited


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(ServiceAdmin):
    list_display = ["device", "insurer", "policy_number", "cover_amount", "expires_on"]
    list_filter = ["insurer"]
    search_fields = ["device__code", "policy_number", "insurer"]
    list_select_related = ["device"]
    date_hierarchy = "expires_on"
    create_service = staticmethod(fleet.insurance_policy_create)
    update_service = staticmethod(fleet.insurance_policy_update)
    update_kwarg = "policy"


@admin.register(InvestmentModel)
class InvestmentModelAdmin(ServiceAdmin):
    list_display = ["name", "kind", "currency", "capex", "payback", "irr", "npv"]
    list_filter = ["kind"]
    readonly_fields = ["payback", "irr", "npv"]
    percent_fields = ("discount_rate",)
    create_service = staticmethod(fleet.investment_model_create)
    update_service = staticmethod(fleet.investment_model_update)
    update_kwarg = "model"

    def _evaluation(self, obj):
        if not hasattr(obj, "_evaluation"):
            obj._evaluation = fleet.investment_model_evaluate(obj)
        return obj._evaluation

    @admin.display(description="payback (years)")
    def payback(self, obj) -> str:
        return str(self._evaluation(obj).payback_years) if obj.pk else "-"

    @admin.display(description="IRR")
    def irr(self, obj) -> str:
        if not obj.pk:
            return "-"
        result = self._evaluation(obj)
        if result.multiple_irr:
            roots = ", ".join(format_percent(r) for r in result.irr_roots)
            return f"{len(result.irr_roots)} IRRs: {roots} - use the NPV"
        return format_percent(result.irr)

    @admin.display(description="NPV")
    def npv(self, obj) -> str:
        return f"{self._evaluation(obj).npv:,} {obj.currency}" if obj.pk else "-"


@admin.register(Counterparty)
class CounterpartyAdmin(ServiceAdmin):
    list_display = ["legal_name", "country", "kyb_status", "kyb_reviewed_on"]
    list_filter = ["kyb_status", *in_use("country")]
    search_fields = ["legal_name", "registration_number"]
    create_service = staticmethod(leasing.counterparty_create)
    update_service = staticmethod(leasing.counterparty_update)
    update_kwarg = "counterparty"


class LeaseForm(forms.ModelForm):
    devices = forms.ModelMultipleChoiceField(
        queryset=Device.objects.filter(kind=Device.Kind.GPU_SERVER), required=False,
        widget=FilteredSelectMultiple("devices", is_stacked=False),
        help_text="GPU servers whose metering is this lease's usage.")

    class Meta:
        model = Lease
        fields = ["reference", "lessee", "spv", "devices", "gpu_count", "currency", "price_per_gpu_hour",
                  "minimum_monthly_commitment", "start_date", "end_date", "billing_cycle",
                  "payment_terms_days", "late_fee_annual_rate"]


class LeaseDeviceInline(ReadOnlyInline):
    model = LeaseDevice
    fields = ["device", "starts_on", "ends_on", "held"]
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "devices and the days the lease holds them"


@admin.register(Lease)
class LeaseAdmin(TransitionAdmin):
    form = LeaseForm
    list_display = ["reference", "lessee", "gpu_count", "price_per_gpu_hour", "currency", "start_date",
                    "end_date", "state"]
    list_filter = ["state", "billing_cycle", "lessee"]
    search_fields = ["reference", "lessee__legal_name"]
    list_select_related = ["lessee"]
    percent_fields = ("late_fee_annual_rate",)
    readonly_fields = ["state", "terminated_on", "created_at", "updated_at"]
    inlines = [LeaseDeviceInline, *TransitionAdmin.inlines]
    create_service = staticmethod(leasing.lease_create)
    update_service = staticmethod(leasing.lease_update)
    update_kwarg = "lease"
    transition_service = staticmethod(lambda obj, name, actor, reason: leasing.lease_transition(
        lease=obj, name=name, actor=actor, reason=reason))

    def save_related(self, request, form, formsets, change) -> None:
        # Devices are set by the service (and audited there); the inlines are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    money_currency = "invoice.currency"
    fields = ["position", "kind", "description", "quantity", "unit_price", "amount"]
    readonly_fields = fields
    show_change_link = False


class InvoicePaymentInline(ReadOnlyInline):
    model = InvoicePayment
    fields = ["value_date", "amount", "reference", "recorded_by", "recorded_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(InvoicePayment)
class InvoicePaymentAdmin(ReadOnlyAdmin):
    """Cash received against invoices (the home page's collections link here), read-only: payments
    are recorded on the invoice through the service."""

    money_currency = "invoice.currency"
    list_display = ["invoice", "value_date", "amount", "reference", "recorded_by", "recorded_at"]
    list_filter = [*in_use("invoice__currency"), "value_date"]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice", "recorded_by"]
    date_hierarchy = "value_date"


@admin.register(Invoice)
class InvoiceAdmin(TransitionAdmin):
    list_display = ["number", "kind", "lease", "period_start", "period_end", "total", "outstanding",
                    "due_date", "state"]
    list_filter = ["state", "kind", "lease__lessee", "period_start"]
    search_fields = ["number", "lease__reference", "lease__lessee__legal_name"]
    list_select_related = ["lease"]
    date_hierarchy = "period_start"
    inlines = [InvoiceLineInline, InvoicePaymentInline, *TransitionAdmin.inlines]
    actions = ["issue_drafts", "true_up_late_usage"]
    transition_service = staticmethod(lambda obj, name, actor, reason: invoicing.invoice_transition(
        invoice=obj, name=name, actor=actor, reason=reason))

    def has_add_permission(self, request) -> bool:
        return False  # invoices are generated from metering (API or load_demo_assets)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Issue the selected draft invoices", permissions=["issue"])
    def issue_drafts(self, request, queryset) -> None:
        done = 0
        for invoice in queryset.filter(state=Invoice.State.DRAFT):
            try:
                invoicing.invoice_issue(invoice=invoice, actor=request.user)
                done += 1
            except Refused as exc:
                messages.error(request, f"{invoice}: {exc.message}")
        messages.info(request, f"{done} invoice(s) issued.")

    @admin.action(description="Bill usage metered after invoicing (supplementary invoice or credit note)",
                  permissions=["issue"])
    def true_up_late_usage(self, request, queryset) -> None:
        for invoice in queryset.filter(kind=Invoice.Kind.INVOICE).order_by("pk"):
            try:
                result = late_usage.invoice_true_up_late_usage(invoice=invoice, actor=request.user)
            except Refused as exc:
                messages.warning(request, f"{invoice}: {exc.message}")
            else:
                what = "recomputed" if result.pk == invoice.pk else f"{result.get_kind_display()} {result}"
                messages.success(request, f"{invoice}: {what}, {result.money(result.total)}.")

    def has_issue_permission(self, request) -> bool:
        return request.user.has_perm("assets.issue_invoice")


@admin.register(MeterImportBatch)
class MeterImportBatchAdmin(UploadAdminMixin, ReadOnlyAdmin):
    list_display = ["imported_at", "filename", "source", "rows_total", "rows_inserted", "rows_unchanged",
                    "first_hour", "last_hour", "imported_by"]
    list_filter = ["source"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["imported_by"]
    upload_permission = "assets.import_meterimportbatch"
    upload_title = "Import a metering CSV"
    upload_help = ("Columns: device,hour,gpu_hours,energy_wh[,utilisation]. A file with any bad row imports "
                   "nothing; re-importing a file changes nothing.")

    def run_import(self, request, upload) -> str:
        result = metering.import_metering(source=upload.file, actor=request.user, filename=upload.name,
                                          via=MeterImportBatch.Source.UPLOAD)
        b = result.batch
        if result.already_imported:
            return f"This file was already imported on {b.imported_at:%Y-%m-%d %H:%M}; nothing changed."
        return f"{b.rows_inserted} rows imported, {b.rows_unchanged} already stored with the same values."


class BankEntryInline(ReadOnlyInline):
    model = BankEntry
    fields = ["position", "booking_date", "entry_key", "direction", "amount", "counterparty_name", "category",
              "reversal_of"]
    readonly_fields = fields


class BankEntryDetailInline(ReadOnlyInline):
    model = BankEntryDetail
    show_change_link = False
    fields = ["position", "direction", "amount", "currency", "bank_reference", "end_to_end_id",
              "counterparty_name", "counterparty_account", "remittance_info"]
    readonly_fields = fields


class BankReversalInline(ReadOnlyInline):
    model = BankEntry
    fk_name = "reversal_of"
    verbose_name = "reversal"
    verbose_name_plural = "reversed by"
    fields = ["booking_date", "entry_key", "direction", "amount", "statement"]
    readonly_fields = fields


@admin.register(BankStatement)
class BankStatementAdmin(UploadAdminMixin, ReadOnlyAdmin):
    list_display = ["account", "statement_id", "format", "from_date", "to_date", "closing_balance",
                    "entries_total", "entries_new", "imported_at"]
    list_filter = ["format", "account"]
    inlines = [BankEntryInline]
    upload_permission = "assets.import_bankstatement"
    upload_title = "Import a bank statement (camt.053 XML or CSV)"
    upload_help = ("The whole file is imported or nothing: a statement already imported, one that does "
                   "not add up (opening + entries = closing), a bad amount or account, or an entry whose "
                   "bank reference comes back with other content is refused. Entries already stored are "
                   "kept once.")

    def run_import(self, request, upload) -> str:
        statements = bank.bank_statement_import(data=upload.read(), actor=request.user, filename=upload.name)
        return "; ".join(f"{s.statement_id}: {s.entries_new} new entries, {s.entries_already_stored} "
                         "already stored" for s in statements)


@admin.register(BankEntry)
class BankEntryAdmin(ReadOnlyAdmin):
    list_display = ["booking_date", "account", "entry_key", "direction", "amount", "counterparty_name",
                    "category"]
    list_filter = ["category", "direction", "is_reversal", "account"]
    search_fields = ["entry_key", "bank_reference", "end_to_end_id", "counterparty_name", "remittance_info"]
    list_select_related = ["statement"]
    inlines = [BankEntryDetailInline, BankReversalInline]
