"""REST API for collateral and cash flows: thin viewsets that parse and call services."""

from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from assets import investment, selectors
from assets.api import serializers as s
from assets.api.collateral import CollateralSerializer
from assets.api.filters import BankEntryFilter, DeviceFilter, InvoiceFilter, LeaseFilter, MeterReadingFilter
from assets.collateral import collateral
from assets.models import BankEntry, Device, Invoice, Lease, MeterImportBatch
from assets.services import bank, fleet, invoicing, late_fees, late_usage, leasing, metering
from core import params
from core.api.filters import BIGINT
from core.api.idempotency import idempotent
from core.api.parsers import JSONParser
from core.api.transitions import IDEMPOTENCY_PARAMETER, with_transition_actions
from core.api.viewsets import ServiceBackedViewSet
from core.clock import as_of_or_today
from core.errors import NotPermitted
from core.money import minor_unit
from issuance.selectors import deals_visible_to

BIGINT_MAX = BIGINT[1]
AS_OF = OpenApiParameter("as_of", date, description="Date of the figures (default: today).")


def _require(user, perm: str, what: str) -> None:
    if not user.has_perm(perm):
        raise NotPermitted(f"You may not {what}: it needs the permission '{perm}', which you do not have.")


def _as_of(request) -> date:
    """The ``as_of`` parameter (never in the future), else today."""
    return as_of_or_today(params.query_date(request, "as_of"))


class SiteViewSet(ServiceBackedViewSet):
    """Sites: location, grid region and emission factor, PUE."""

    serializer_class = s.SiteSerializer
    search_fields = ["name", "location", "grid_region"]
    filterset_fields = ["country"]
    create_service = staticmethod(fleet.site_create)
    update_service = staticmethod(fleet.site_update)
    update_kwarg = "site"

    def get_queryset(self):
        return selectors.sites_visible_to(self.request.user)


@with_transition_actions(Device, lambda obj, name, actor, reason: fleet.device_transition(
    device=obj, name=name, actor=actor, reason=reason))
class DeviceViewSet(ServiceBackedViewSet):
    """GPU servers and energy assets, their lifecycle, book value and latest appraisal."""

    serializer_class = s.DeviceSerializer
    filterset_class = DeviceFilter
    search_fields = ["code", "serial_number", "model"]
    ordering_fields = ["code", "purchase_date", "purchase_cost"]
    create_service = staticmethod(fleet.device_create)
    update_service = staticmethod(fleet.device_update)
    update_kwarg = "device"

    def get_queryset(self):
        return selectors.devices_visible_to(self.request.user)


class AppraisalViewSet(ServiceBackedViewSet):
    """Valuation history: appraisals are recorded, never edited."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = s.AppraisalSerializer
    filterset_fields = ["device"]
    create_service = staticmethod(fleet.appraisal_record)

    def get_queryset(self):
        return selectors.appraisals_visible_to(self.request.user)


class InsurancePolicyViewSet(ServiceBackedViewSet):
    """Insurance policies covering devices."""

    serializer_class = s.InsurancePolicySerializer
    filterset_fields = ["device", "insurer"]
    create_service = staticmethod(fleet.insurance_policy_create)
    update_service = staticmethod(fleet.insurance_policy_update)
    update_kwarg = "policy"

    def get_queryset(self):
        return selectors.insurance_policies_visible_to(self.request.user)


class InvestmentModelViewSet(ServiceBackedViewSet):
    """Standard investment models with payback, IRR and NPV; ``evaluate`` computes any cash flows."""

    serializer_class = s.InvestmentModelSerializer
    filterset_fields = ["kind"]
    create_service = staticmethod(fleet.investment_model_create)
    update_service = staticmethod(fleet.investment_model_update)
    update_kwarg = "model"
    service_checked_actions = ("evaluate",)
    throttle_scope = None  # "compute" for evaluate (core/api/throttling.py)

    def get_queryset(self):
        return selectors._staff(fleet.InvestmentModel.objects.all(), self.request.user)

    @extend_schema(request=s.InvestmentEvaluateSerializer, responses=s.EvaluationSerializer,
                   summary="Payback, NPV and IRR of given flows (every IRR when there are several)")
    @action(detail=False, methods=["post"], throttle_scope="compute")
    def evaluate(self, request):
        body = s.InvestmentEvaluateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        currency = values.pop("currency")
        result = investment.evaluate(**values, minor_unit=minor_unit(currency))
        return Response({"currency": currency, **s.EvaluationSerializer(result).data})


class CounterpartyViewSet(ServiceBackedViewSet):
    """Lessees and their KYB status."""

    serializer_class = s.CounterpartySerializer
    filterset_fields = ["kyb_status", "country"]
    search_fields = ["legal_name", "registration_number"]
    create_service = staticmethod(leasing.counterparty_create)
    update_service = staticmethod(leasing.counterparty_update)
    update_kwarg = "counterparty"

    def get_queryset(self):
        return selectors.counterparties_visible_to(self.request.user)


@with_transition_actions(Lease, lambda obj, name, actor, reason: leasing.lease_transition(
    lease=obj, name=name, actor=actor, reason=reason))
class LeaseViewSet(ServiceBackedViewSet):
    """GPU-hour leases and their lifecycle."""

    serializer_class = s.LeaseSerializer
    filterset_class = LeaseFilter
    search_fields = ["reference", "lessee__legal_name"]
    create_service = staticmethod(leasing.lease_create)
    update_service = staticmethod(leasing.lease_update)
    update_kwarg = "lease"

    def get_queryset(self):
        return selectors.leases_visible_to(self.request.user)


@with_transition_actions(Invoice, lambda obj, name, actor, reason: invoicing.invoice_transition(
    invoice=obj, name=name, actor=actor, reason=reason))
class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices, credit notes and late-fee invoices; generated from metering, never typed in."""

    serializer_class = s.InvoiceSerializer
    filterset_class = InvoiceFilter
    search_fields = ["number", "lease__reference", "lease__lessee__legal_name"]
    ordering_fields = ["period_start", "due_date", "total"]
    service_checked_actions = ("generate", "record_payment", "credit_note", "late_fee", "true_up", "aging")
    throttle_scope = None  # "compute" for generate and aging

    def get_queryset(self):
        return selectors.invoices_visible_to(self.request.user)

    @extend_schema(request=s.InvoiceGenerateSerializer, responses={201: s.InvoiceSerializer(many=True)},
                   parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Draft the invoices of billing periods that have ended")
    @action(detail=False, methods=["post"], throttle_scope="compute", pagination_class=None)
    @idempotent
    def generate(self, request):
        body = s.InvoiceGenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lease, start = body.validated_data.get("lease"), body.validated_data.get("period_start")
        if start is not None:
            invoices = [invoicing.invoice_generate(lease=lease, period_start=start, actor=request.user)]
        else:
            invoices = invoicing.invoices_generate(actor=request.user, leases=[lease] if lease else None,
                                                   through=body.validated_data.get("through"))
        fresh = self.get_queryset().filter(pk__in=[i.pk for i in invoices]).order_by("number")
        return Response(self.get_serializer(fresh, many=True).data, status=201)

    def _detail_call(self, request, body_class, call, *, created_status: int = 200):
        invoice = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        result = call(invoice, **body.validated_data)
        status = created_status if result.pk != invoice.pk else 200
        return Response(self.get_serializer(self.get_queryset().get(pk=result.pk)).data, status=status)

    @extend_schema(request=s.PaymentSerializer, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Record a payment received")
    @action(detail=True, methods=["post"], url_path="record-payment")
    @idempotent
    def record_payment(self, request, pk=None):
        return self._detail_call(request, s.PaymentSerializer,
                                 lambda inv, **kw: invoicing.invoice_record_payment(
                                     invoice=inv, actor=request.user, **kw))

    @extend_schema(request=s.CreditNoteSerializer, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Issue a credit note against this invoice (returns the credit note)")
    @action(detail=True, methods=["post"], url_path="credit-note")
    @idempotent
    def credit_note(self, request, pk=None):
        return self._detail_call(request, s.CreditNoteSerializer,
                                 lambda inv, **kw: invoicing.credit_note_issue(
                                     invoice=inv, actor=request.user, **kw))

    @extend_schema(request=s.LateFeeSerializer, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Charge the late fee due up to a date (returns the late-fee invoice)")
    @action(detail=True, methods=["post"], url_path="late-fee")
    @idempotent
    def late_fee(self, request, pk=None):
        return self._detail_call(request, s.LateFeeSerializer, lambda inv, **kw: late_fees.late_fee_charge(
            invoice=inv, actor=request.user, **kw))

    @extend_schema(request=s.TrueUpSerializer, parameters=[IDEMPOTENCY_PARAMETER],
                   responses={200: s.InvoiceSerializer, 201: s.InvoiceSerializer},
                   summary="Bill usage metered after invoicing (returns the supplementary invoice or "
                           "credit note, or the recomputed draft)")
    @action(detail=True, methods=["post"], url_path="true-up")
    @idempotent
    def true_up(self, request, pk=None):
        return self._detail_call(request, s.TrueUpSerializer,
                                 lambda inv, **kw: late_usage.invoice_true_up_late_usage(
                                     invoice=inv, actor=request.user, **kw), created_status=201)

    @extend_schema(parameters=[AS_OF], responses=dict,
                   summary="Receivables aging (current, 30, 60, 90+) as they stood on a day")
    @action(detail=False, methods=["get"], throttle_scope="compute")
    def aging(self, request):
        report = selectors.aging(as_of=_as_of(request))
        # Amounts come typed (Decimals in their currency's decimals); JSON shows them as strings.
        rows = {part: [{k: f"{v:f}" if isinstance(v, Decimal) else v for k, v in row.items()}
                       for row in report[part]] for part in ("by_currency", "by_lessee")}
        return Response({**report, **rows})


class MeterReadingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Hourly metering per device, listed (filter by device and hour); import through metering-imports."""

    serializer_class = s.MeterReadingSerializer
    filterset_class = MeterReadingFilter
    ordering_fields = ["hour"]

    def get_queryset(self):
        return selectors.meter_readings_visible_to(self.request.user).order_by("device_id", "hour")


class MeterImportBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Metering files imported; POST a CSV file to import one (all or nothing, idempotent)."""

    serializer_class = s.MeterImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    service_checked_actions = ("upload",)
    throttle_scope = None  # "upload" for upload

    def get_queryset(self):
        return selectors._staff(MeterImportBatch.objects.select_related("imported_by"), self.request.user)

    @extend_schema(request={"multipart/form-data": s.FileUploadSerializer},
                   responses={200: s.MeterImportBatchSerializer, 201: s.MeterImportBatchSerializer},
                   summary="Import a metering CSV; bad rows are all listed in error.reasons",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=False, methods=["post"], throttle_scope="upload")
    @idempotent
    def upload(self, request):
        body = s.FileUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        result = metering.import_metering(source=upload.file, actor=request.user, filename=upload.name,
                                          via=MeterImportBatch.Source.API)
        data = self.get_serializer(result.batch).data
        return Response({**data, "already_imported": result.already_imported},
                        status=200 if result.already_imported else 201)


class BankStatementViewSet(viewsets.ReadOnlyModelViewSet):
    """Imported bank statements; POST a camt.053 or CSV file to import one."""

    serializer_class = s.BankStatementSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    service_checked_actions = ("upload",)
    throttle_scope = None  # "upload" for upload

    def get_queryset(self):
        return selectors.bank_statements_visible_to(self.request.user)

    @extend_schema(request={"multipart/form-data": s.FileUploadSerializer},
                   responses={201: s.BankStatementSerializer(many=True)},
                   summary="Import a camt.053 or CSV statement",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=False, methods=["post"], throttle_scope="upload", pagination_class=None)
    @idempotent
    def upload(self, request):
        _require(request.user, "assets.import_bankstatement", "import bank statements")
        body = s.FileUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        statements = bank.bank_statement_import(data=upload.read(), actor=request.user, filename=upload.name)
        return Response(self.get_serializer(statements, many=True).data, status=201)


class BankEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Bank entries, each stored once (keyed on the bank's reference or its place in the statement),
    with the transactions batched in them; a reversal names the entry it reverses."""

    serializer_class = s.BankEntrySerializer
    filterset_class = BankEntryFilter
    search_fields = ["bank_reference", "counterparty_name", "remittance_info"]
    service_checked_actions = ("classify",)

    def get_queryset(self):
        return selectors.bank_entries_visible_to(self.request.user).prefetch_related("details")

    @extend_schema(request=s.ClassifySerializer, summary="Correct the classification",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def classify(self, request, pk=None):
        _require(request.user, "assets.change_bankentry", "reclassify bank entries")
        entry: BankEntry = self.get_object()
        body = s.ClassifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = bank.bank_entry_classify(entry=entry, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(entry).data)


class CollateralViewSet(viewsets.ViewSet):
    """The collateral behind a deal: ``GET /collateral/{deal id}/?as_of=YYYY-MM-DD``."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_scope = "compute"

    @extend_schema(parameters=[AS_OF, OpenApiParameter("id", int, OpenApiParameter.PATH,
                                                       description="The deal's id.")],
                   responses=CollateralSerializer,
                   summary="Pledged devices, value per currency and converted through recorded FX rates, "
                           "insurance, utilisation, concentration")
    def retrieve(self, request, pk=None):
        _require(request.user, "assets.view_device", "see collateral")
        deal_id = params.parse_int(pk, field="id", minimum=1, maximum=BIGINT_MAX)
        deal = get_object_or_404(deals_visible_to(request.user), pk=deal_id)
        return Response(CollateralSerializer(collateral(deal=deal, as_of=_as_of(request))).data)


# (URL prefix, viewset, basename): registered on the project router in config/api_urls.py.
ROUTES = [
    ("sites", SiteViewSet, "site"),
    ("devices", DeviceViewSet, "device"),
    ("appraisals", AppraisalViewSet, "appraisal"),
    ("insurance-policies", InsurancePolicyViewSet, "insurancepolicy"),
    ("investment-models", InvestmentModelViewSet, "investmentmodel"),
    ("counterparties", CounterpartyViewSet, "counterparty"),
    ("leases", LeaseViewSet, "lease"),
    ("invoices", InvoiceViewSet, "invoice"),
    ("meter-readings", MeterReadingViewSet, "meterreading"),
    ("metering-imports", MeterImportBatchViewSet, "meterimportbatch"),
    ("bank-statements", BankStatementViewSet, "bankstatement"),
    ("bank-entries", BankEntryViewSet, "bankentry"),
    ("collateral", CollateralViewSet, "collateral"),
]
