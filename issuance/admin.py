from dataclasses import asdict
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import TabularInline

from core import bounds, clock
from core.admin_base import ReadOnlyAdmin, ReadOnlyInline, UploadAdminMixin
from core.admin_filters import in_use
from core.admin_money import MoneyAdminMixin
from core.admin_transitions import ReasonForm, ServiceAdmin, TransitionAdmin
from core.errors import Refused
from core.money import format_money
from issuance import providers, selectors, services
from issuance.funding_csv import COLUMNS as RECEIPT_COLUMNS
from issuance.funding_csv import MAX_REFERENCE
from issuance.models import SPV, Deal, FundingReceipt, Subscription, Tranche


@admin.register(SPV)
class SPVAdmin(TransitionAdmin):
    list_display = ["legal_name", "jurisdiction", "lei", "base_currency", "state"]
    list_filter = ["state", *in_use("jurisdiction", "base_currency")]
    search_fields = ["legal_name", "lei", "registration_number"]
    readonly_fields = ["state", "created_at", "updated_at"]
    create_service = staticmethod(services.spv_create)
    update_service = staticmethod(services.spv_update)
    update_kwarg = "spv"
    transition_service = staticmethod(
        lambda obj, name, actor, reason: services.spv_transition(
            spv=obj, name=name, actor=actor, reason=reason)
    )


class TrancheInline(MoneyAdminMixin, TabularInline):
    model = Tranche
    money_currency = "deal.currency"
    percent_fields = ("coupon_rate",)
    fields = ["class_name", "seniority", "original_principal", "current_principal",
              "coupon_rate", "day_count", "minimum_denomination", "token_symbol"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(TransitionAdmin):
    list_display = ["name", "spv", "asset_class", "size", "closing_date", "state"]
    list_filter = ["state", "asset_class", *in_use("currency"), "spv"]
    search_fields = ["name", "spv__legal_name"]
    list_select_related = ["spv"]
    date_hierarchy = "closing_date"
    readonly_fields = ["state", "book", "submitted_by", "approved_by", "created_at", "updated_at"]
    inlines = [TrancheInline, *TransitionAdmin.inlines]
    transition_templates = {"close_book": "admin/issuance/close_book_preview.html"}
    change_form_template = "admin/issuance/deal/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Below the form, the sections other apps draw (the chain's token step)."""
        deal = self.get_object(request, unquote(object_id))
        sections = ([html for s in providers.deal_sections() if (html := s.render(request, deal))]
                    if deal else [])
        return super().change_view(request, object_id, form_url,
                                   {"deal_sections": sections, **(extra_context or {})})
    create_service = staticmethod(services.deal_create)
    update_service = staticmethod(services.deal_update)
    update_kwarg = "deal"
    transition_service = staticmethod(
        lambda obj, name, actor, reason: services.deal_transition(
            deal=obj, name=name, actor=actor, reason=reason)
    )

    @admin.display(description="target size", ordering="target_size")
    def size(self, obj: Deal) -> str:
        return obj.money(obj.target_size)

    def transition_context(self, request, obj: Deal, name: str) -> dict:
        if name not in self.transition_templates:
            return {}
        preview = selectors.close_book_preview(obj)
        return {"preview": _shown_preview(preview), "cannot_confirm": not preview.can_close}

    @admin.display(description="book totals")
    def book(self, obj: Deal) -> str:
        if obj is None or obj.pk is None:
            return "-"
        rows = selectors.book_totals(obj)
        amounts = ("size", "requested", "accepted", "allocated", "funded", "settled")
        shown = [{**asdict(t), **{a: obj.money(getattr(t, a)) for a in amounts}} for t in rows]
        total = ({"class_name": "deal", **{a: obj.money(sum((getattr(t, a) for t in rows), Decimal(0)))
                                           for a in amounts}} if len(rows) > 1 else None)
        return render_to_string("admin/issuance/book_totals.html", {"book": shown, "total": total})


def _percent(ratio: Decimal) -> str:
    return f"{ratio * 100:.2f} %"


def _shown_preview(preview: selectors.CloseBookPreview) -> dict:
    """The close-book preview with amounts in their currency and ratios as percentages."""
    ccy = preview.currency

    def money(amount: Decimal) -> str:
        return format_money(amount, ccy)

    return {
        "reasons": preview.reasons,
        "tranches": [{
            "tranche_id": t.tranche_id, "class_name": t.class_name, "size": money(t.size),
            "lot": money(t.minimum_denomination), "demand": money(t.demand), "pending": t.pending,
            "oversubscription": _percent(t.oversubscription), "oversubscribed": t.demand > t.size,
            "shortfall": money(t.shortfall) if t.shortfall else "", "allocated": money(t.allocated),
            "lines": [{"subscription_id": line.subscription_id, "investor": line.investor,
                       "requested": money(line.requested_amount),
                       "allocated": money(line.allocated_amount)} for line in t.lines],
        } for t in preview.tranches],
    }


@admin.register(Tranche)
class TrancheAdmin(ServiceAdmin):
    list_display = ["__str__", "seniority", "principal", "outstanding", "coupon_rate",
                    "token_symbol"]
    list_filter = ["deal__state", "day_count", "deal"]
    search_fields = ["class_name", "token_symbol", "deal__name"]
    list_select_related = ["deal"]
    readonly_fields = ["current_principal"]
    percent_fields = ("coupon_rate",)
    create_service = staticmethod(services.tranche_create)
    update_service = staticmethod(services.tranche_update)
    update_kwarg = "tranche"

    @admin.display(description="original principal", ordering="original_principal")
    def principal(self, obj: Tranche) -> str:
        return obj.deal.money(obj.original_principal)

    @admin.display(description="current principal", ordering="current_principal")
    def outstanding(self, obj: Tranche) -> str:
        return obj.deal.money(obj.current_principal)


class ReleaseAllocationForm(ReasonForm):
    lots = forms.ChoiceField(choices=Subscription.ReleasedLots.choices, widget=forms.RadioSelect,
                             label="What happens to the lots")


class FundingReceiptInline(ReadOnlyInline):
    model = FundingReceipt
    money_currency = "subscription.tranche.deal.currency"
    fields = ["value_date", "amount", "reference", "recorded_by", "created_at"]
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "payments received"


class FundingForm(forms.Form):
    amount = forms.DecimalField(max_digits=22, decimal_places=4, min_value=Decimal("0.01"))
    value_date = forms.DateField(help_text="The day the cash was credited (YYYY-MM-DD).",
                                 validators=bounds.dates())
    reference = forms.CharField(max_length=MAX_REFERENCE, help_text="The payment's bank reference.")


@admin.register(Subscription)
class SubscriptionAdmin(TransitionAdmin):
    money_currency = "tranche.deal.currency"
    change_form_template = "admin/issuance/subscription/change_form.html"
    list_display = ["id", "investor", "tranche", "requested", "allocated", "funded", "state"]
    list_filter = ["state", "tranche__deal"]
    search_fields = ["investor__legal_name", "tranche__class_name", "tranche__deal__name"]
    list_select_related = ["investor", "tranche__deal"]
    readonly_fields = ["allocated_amount", "funded_amount", "state", "created_at", "updated_at"]
    inlines = [FundingReceiptInline, *TransitionAdmin.inlines]
    transition_service = staticmethod(
        lambda obj, name, actor, reason, **options: services.subscription_transition(
            subscription=obj, name=name, actor=actor, reason=reason, **options)
    )
    transition_forms = {"cancel_allocation": ReleaseAllocationForm,
                        "default_allocation": ReleaseAllocationForm}

    def has_change_permission(self, request, obj=None) -> bool:
        # Amounts change only through transitions and funding; the form is read-only.
        return False

    def save_model(self, request, obj, form, change) -> None:
        cleaned = form.cleaned_data
        obj.pk = services.subscription_request(
            actor=request.user, investor=cleaned["investor"], tranche=cleaned["tranche"],
            requested_amount=cleaned["requested_amount"],
        ).pk

    def get_urls(self):
        return [path("<path:object_id>/funding/", self.admin_site.admin_view(self.funding_view),
                     name="issuance_subscription_funding"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        sub = self.get_object(request, unquote(object_id))
        may_fund = (sub is not None and sub.state == Subscription.State.ALLOCATED
                    and request.user.has_perm("issuance.record_funding_subscription"))
        return super().change_view(request, object_id, form_url,
                                   {"may_record_funding": may_fund, **(extra_context or {})})

    def funding_view(self, request, object_id):
        """Record one payment received: amount, value date, reference (subscription_record_funding)."""
        sub = self.get_object(request, unquote(object_id))
        if sub is None:
            raise Http404
        if not request.user.has_perm("issuance.record_funding_subscription"):
            raise PermissionDenied("Recording funding needs the permission "
                                   "'issuance.record_funding_subscription'.")
        change_url = reverse("admin:issuance_subscription_change", args=[sub.pk])
        deal = sub.tranche.deal
        due = sub.allocated_amount - sub.funded_amount
        form = FundingForm(request.POST or None, initial={"amount": due, "value_date": clock.today()})
        if request.method == "POST" and form.is_valid():
            try:
                sub = services.subscription_record_funding(subscription=sub, actor=request.user,
                                                           **form.cleaned_data)
            except Refused as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    messages.error(request, exc.message)
                    return redirect(change_url)
            else:
                messages.success(request, f"Subscription {sub}: {deal.money(form.cleaned_data['amount'])} "
                                          f"received ({form.cleaned_data['reference']}); "
                                          f"{deal.money(sub.funded_amount)} of "
                                          f"{deal.money(sub.allocated_amount)} paid, "
                                          f"{sub.get_state_display()}.")
                return redirect(change_url)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "object": sub,
                   "form": form, "change_url": change_url, "due": deal.money(due),
                   "title": f"Record a payment received for subscription {sub}?"}
        return TemplateResponse(request, "admin/issuance/subscription/funding.html", context)

    @admin.display(description="requested", ordering="requested_amount")
    def requested(self, obj: Subscription) -> str:
        return obj.tranche.deal.money(obj.requested_amount)

    @admin.display(description="allocated", ordering="allocated_amount")
    def allocated(self, obj: Subscription) -> str:
        return obj.tranche.deal.money(obj.allocated_amount)

    @admin.display(description="funded", ordering="funded_amount")
    def funded(self, obj: Subscription) -> str:
        return obj.tranche.deal.money(obj.funded_amount)


@admin.register(FundingReceipt)
class FundingReceiptAdmin(UploadAdminMixin, ReadOnlyAdmin):
    """Payments received for allocations; import a CSV of receipts (all rows or none)."""

    money_currency = "subscription.tranche.deal.currency"
    list_display = ["value_date", "subscription", "amount", "reference", "recorded_by", "created_at"]
    list_filter = ["subscription__tranche__deal"]
    search_fields = ["reference", "subscription__investor__legal_name"]
    list_select_related = ["subscription__investor", "subscription__tranche__deal", "recorded_by"]
    date_hierarchy = "value_date"
    upload_permission = "issuance.record_funding_subscription"
    upload_title = "Import a CSV of funding receipts"
    upload_help = ("Columns: " + ",".join(RECEIPT_COLUMNS) + " (value_date as YYYY-MM-DD, amount in the "
                   "deal's currency). A file with any bad row records nothing and names each bad cell "
                   "by line and column; a payment already recorded is refused.")

    def run_import(self, request, upload) -> str:
        receipts = services.subscription_funding_import(data=upload.read(), actor=request.user)
        subs = {r.subscription_id for r in receipts}
        funded = Subscription.objects.filter(pk__in=subs, state=Subscription.State.FUNDED).count()
        return (f"{len(receipts)} payment(s) recorded for {len(subs)} subscription(s); {funded} of them "
                "now funded in full.")
