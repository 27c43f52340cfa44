"""Admin of green attributes: inventory by registry, vintage, state and owner; block history;
retirements; sales. Writes go through the services."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from assets.models import Counterparty
from core import bounds
from core.admin_base import ReadOnlyAdmin, ReadOnlyInline, UploadAdminMixin
from core.admin_filters import in_use
from core.admin_transitions import ReasonForm, ServiceAdmin, TransitionAdmin
from core.errors import Refused
from green import selectors
from green.models import (
    CertificateBlock,
    CertificateSale,
    EmbodiedEmissions,
    EmissionFactorImport,
    GenerationImport,
    IssuanceRequest,
    Registry,
    Retirement,
)
from green.models.blocks import MAX_FACTOR_G_PER_KWH, MAX_SERIAL
from green.services import blocks, carbon, generation
from issuance.models import Deal

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "validators": bounds.dates()}


@admin.register(Registry)
class RegistryAdmin(ServiceAdmin):
    list_display = ["code", "name", "kind", "serial_format"]
    list_filter = ["kind"]
    fields = ["code", "name", "kind", "serial_format", "series_parts", "default_country"]
    create_service = staticmethod(blocks.registry_create)
    update_service = staticmethod(blocks.registry_update)
    update_kwarg = "registry"


class ReserveForm(ReasonForm):
    buyer = forms.CharField(max_length=200)


class PledgeForm(ReasonForm):
    deal = forms.ModelChoiceField(queryset=Deal.objects.order_by("name"))


class SplitForm(ReasonForm):
    at = forms.IntegerField(min_value=2, max_value=MAX_SERIAL, help_text="First serial of the upper piece.")


class PartForm(ReasonForm):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_SERIAL)
    first = forms.IntegerField(min_value=1, max_value=MAX_SERIAL, required=False,
                               help_text="First serial taken (default: the block's first).")


class SellForm(PartForm):
    buyer = forms.CharField(max_length=200)
    price = forms.DecimalField(
        max_digits=22, decimal_places=4, min_value=Decimal("0.01"), help_text="Total price."
    )
    currency = forms.CharField(max_length=3)
    sold_on = forms.DateField(**DATE)
    deal = forms.ModelChoiceField(queryset=Deal.objects.order_by("name"), required=False)


class RetireForm(PartForm):
    beneficiary = forms.CharField(max_length=200)
    purpose = forms.CharField(max_length=500)
    period_start = forms.DateField(**DATE)
    period_end = forms.DateField(**DATE)


class PieceInline(ReadOnlyInline):
    model = CertificateBlock
    fk_name = "parent"
    verbose_name_plural = "pieces (split from this block)"
    fields = ["serial", "first_serial", "last_serial", "quantity", "state"]
    readonly_fields = fields


@admin.register(CertificateBlock)
class CertificateBlockAdmin(TransitionAdmin):
    list_display = [
        "serial",
        "registry",
        "quantity",
        "vintage_start",
        "country",
        "technology",
        "spv",
        "state",
    ]
    list_filter = ["registry", "state", "spv", *in_use("country"), "vintage_start"]
    search_fields = ["serial", "project"]
    list_select_related = ["registry", "spv"]
    readonly_fields = [
        "series",
        "first_serial",
        "last_serial",
        "quantity",
        "project",
        "country",
        "vintage_start",
        "vintage_end",
        "technology",
        "parts",
        "parent",
        "issuance_request",
        "state",
        "reserved_for",
        "pledged_to",
        "history",
    ]
    inlines = [PieceInline, *TransitionAdmin.inlines]
    create_service = staticmethod(blocks.block_record)
    transition_service = staticmethod(
        lambda obj, name, actor, reason, **options: blocks.block_transition(
            block=obj, name=name, actor=actor, reason=reason, **options
        )
    )
    transition_forms = {
        "reserve": ReserveForm,
        "pledge": PledgeForm,
        "split": SplitForm,
        "transfer": SellForm,
        "retire": RetireForm,
    }

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["registry", "serial", "spv", "device", "emission_factor_g_per_kwh"]
        return ["registry", "serial", "spv", "device", "emission_factor_g_per_kwh", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["registry", "serial", "spv", "device", "emission_factor_g_per_kwh", *self.readonly_fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("green.view_certificateblock")

    @admin.display(description="history with the blocks it was split from")
    def history(self, obj):
        return "\n".join(
            f"{e.at:%Y-%m-%d %H:%M} #{e.object_id} {e.name or e.action} {e.from_state}->{e.to_state} "
            f"{e.reason}".strip()
            for e in selectors.block_history(obj)
        )


class IssueForm(ReasonForm):
    serial = forms.CharField(max_length=300)
    emission_factor_g_per_kwh = forms.IntegerField(min_value=0, max_value=MAX_FACTOR_G_PER_KWH, initial=0)


@admin.register(IssuanceRequest)
class IssuanceRequestAdmin(TransitionAdmin):
    list_display = [
        "id",
        "device",
        "registry",
        "period_start",
        "period_end",
        "metered_wh",
        "eligible",
        "carry_out_wh",
        "issued_quantity",
        "state",
    ]
    list_filter = ["state", "registry"]
    list_select_related = ["device", "registry"]
    readonly_fields = ["metered_wh", "carry_in_wh", "eligible", "carry_out_wh", "issued_quantity", "state"]
    create_service = staticmethod(generation.issuance_request_create)
    transition_service = staticmethod(
        lambda obj, name, actor, reason, **options: generation.issuance_request_transition(
            request=obj, name=name, actor=actor, reason=reason, **options
        )
    )
    transition_forms = {"issue": IssueForm}

    def get_fields(self, request, obj=None):
        base = ["device", "registry", "period_start", "period_end"]
        return base if obj is None else [*base, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return (
            [] if obj is None else ["device", "registry", "period_start", "period_end", *self.readonly_fields]
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("green.view_issuancerequest")


class FootprintForm(forms.Form):
    deal = forms.ModelChoiceField(queryset=Deal.objects.order_by("name"), required=False,
                                  help_text="A deal; leave empty for every lessee.")
    start = forms.DateField(**DATE)
    end = forms.DateField(**DATE)
    by_month = forms.BooleanField(required=False, initial=True)


def _tonnes(grams: int) -> str:
    return f"{Decimal(grams) / 1_000_000:.6f}"


@admin.register(Retirement)
class RetirementAdmin(ReadOnlyAdmin):
    list_display = ["retired_at", "block", "beneficiary", "purpose", "period_start", "period_end", "lessee"]
    list_filter = ["period_end", "lessee"]
    search_fields = ["beneficiary", "purpose"]
    list_select_related = ["block__registry", "lessee"]
    change_list_template = "admin/green/retirement/change_list.html"

    def get_urls(self):
        return [
            path(
                "footprint/",
                self.admin_site.admin_view(self.footprint_view),
                name="green_retirement_footprint",
            ),
            *super().get_urls(),
        ]

    def footprint_view(self, request):
        """The carbon figures of a deal, or of every lessee, per month or for the period."""
        form = FootprintForm(request.GET or None)
        rows, error = None, None
        if form.is_valid():
            data = form.cleaned_data
            deal = data["deal"]
            try:
                found = selectors.footprints(
                    request.user,
                    scope="deal" if deal else "lessees",
                    key=deal.pk if deal else None,
                    start=data["start"],
                    end=data["end"],
                    by_month=data["by_month"],
                )
            except Refused as exc:
                error = exc.message
            else:
                names = dict(Counterparty.objects.values_list("pk", "legal_name")) if not deal else {}
                rows = [
                    {
                        "fp": fp,
                        "name": deal.name if deal else names.get(fp.group, fp.group),
                        "mwh": f"{Decimal(fp.facility_wh) / 1_000_000:.6f}",
                        "location_t": _tonnes(fp.location_g),
                        "market_t": _tonnes(fp.market_g),
                        "embodied_t": _tonnes(fp.embodied_g),
                    }
                    for fp in found
                ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Carbon footprint of compute",
            "rows": rows,
            "error": error,
            "group_label": "deal" if form.is_valid() and form.cleaned_data["deal"] else "lessee",
        }
        return TemplateResponse(request, "admin/green/footprint.html", context)


@admin.register(CertificateSale)
class CertificateSaleAdmin(ReadOnlyAdmin):
    list_display = ["sold_on", "block", "buyer", "price", "currency", "deal", "bank_entry"]
    list_filter = ["deal"]
    search_fields = ["buyer"]
    list_select_related = ["block__registry", "deal", "bank_entry"]


@admin.register(GenerationImport)
class GenerationImportAdmin(UploadAdminMixin, ReadOnlyAdmin):
    list_display = ["imported_at", "filename", "rows", "imported_by"]
    upload_permission = "green.import_generationimport"
    upload_title = "Import hourly generation"
    upload_help = "Columns: device,hour,energy_wh. A file with any bad row imports nothing."

    def run_import(self, request, upload) -> str:
        batch = generation.generation_import(actor=request.user, content=upload.read(), filename=upload.name)
        return f"{batch.rows} rows in '{batch.filename}'."


@admin.register(EmissionFactorImport)
class EmissionFactorImportAdmin(ReadOnlyAdmin):
    """Hourly factor files (imported through the API: POST /api/v1/green/emission-factor-imports/upload/)."""

    list_display = ["imported_at", "site", "source", "first_hour", "last_hour", "rows", "imported_by"]
    list_filter = ["site"]


@admin.register(EmbodiedEmissions)
class EmbodiedEmissionsAdmin(ServiceAdmin):
    list_display = ["device", "kg_co2e", "source", "updated_at"]
    fields = ["device", "kg_co2e", "source"]
    create_service = staticmethod(carbon.embodied_emissions_set)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a correction is a new POST /api/v1/green/embodied-emissions/ (audited as an edit)
