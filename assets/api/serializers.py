from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets import investment
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
    MeterReading,
    Site,
)
from core import bounds, clock
from core.api.money import MoneyField, MoneySerializerMixin
from core.api.relations import PrimaryKeyListField
from core.validators import CURRENCY_CHOICES

POSITIVE = {"min_value": Decimal("0.01")}
MAX_DEVICES_PER_LEASE = 1000


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "location", "country", "grid_region", "grid_emission_factor",
                  "grid_emission_factor_source", "grid_emission_factor_year", "pue", "created_at",
                  "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class DeviceSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    book_value = serializers.SerializerMethodField(
        help_text="Straight-line book value today; null when the device's figures cannot give one "
                  "(book_value_problem says why).")
    book_value_problem = serializers.SerializerMethodField(
        help_text="Why there is no book value (null when there is one).")
    latest_appraisal_value = MoneyField(read_only=True, allow_null=True)
    latest_appraisal_date = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Device
        fields = ["id", "code", "kind", "site", "manufacturer", "model", "serial_number", "gpu_count",
                  "tdp_watts", "capacity_kwp", "capacity_kwh", "power_kw", "purchase_date", "currency",
                  "purchase_cost", "useful_life_years", "residual_value", "book_value",
                  "book_value_problem", "latest_appraisal_value", "latest_appraisal_date", "spv", "deal",
                  "state", "created_at", "updated_at"]
        read_only_fields = ["state", "created_at", "updated_at"]
        extra_kwargs = {"purchase_cost": POSITIVE}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_book_value(self, obj: Device) -> str | None:
        value = obj.valuation(clock.today()).book_value
        return None if value is None else f"{value:f}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_book_value_problem(self, obj: Device) -> str | None:
        return obj.valuation(clock.today()).problem


class AppraisalSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = ["id", "device", "valued_on", "value", "currency", "appraiser", "method", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"currency": {"required": False}}


class InsurancePolicySerializer(MoneySerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = InsurancePolicy
        fields = ["id", "device", "insurer", "policy_number", "cover_amount", "currency", "starts_on",
                  "expires_on", "created_at"]
        read_only_fields = ["created_at"]


class EvaluationSerializer(serializers.Serializer):
    """Payback, NPV and IRR; ``irr`` is null unless exactly one rate makes the NPV zero."""

    net_flows = serializers.ListField(child=serializers.DecimalField(max_digits=None, decimal_places=None))
    payback_years = serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=True)
    npv = serializers.DecimalField(max_digits=None, decimal_places=None,
                                   help_text="Exact, rounded once half-even to the currency's minor unit.")
    irr = serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=True)
    irr_roots = serializers.ListField(child=serializers.DecimalField(max_digits=None, decimal_places=None),
                                      help_text="Every rate found that makes the NPV zero, ascending.")
    multiple_irr = serializers.BooleanField()
    sign_changes = serializers.IntegerField(help_text="Sign changes of the net flows: at most as many IRRs.")
    irr_warning = serializers.CharField(allow_null=True)


def _yearly_amounts(places: int = 2, max_digits: int = 20) -> serializers.ListField:
    return serializers.ListField(child=serializers.DecimalField(max_digits=max_digits, decimal_places=places),
                                 min_length=1, max_length=investment.MAX_YEARS)


class InvestmentModelSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    revenue = _yearly_amounts()
    opex = _yearly_amounts()
    evaluation = serializers.SerializerMethodField()

    class Meta:
        model = InvestmentModel
        fields = ["id", "name", "kind", "currency", "capex", "revenue", "opex", "discount_rate",
                  "evaluation", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(EvaluationSerializer)
    def get_evaluation(self, obj: InvestmentModel) -> dict:
        from assets.services.fleet import investment_model_evaluate

        return EvaluationSerializer(investment_model_evaluate(obj)).data


class InvestmentEvaluateSerializer(serializers.Serializer):
    """Any cash flows; amounts up to 4 decimal places, checked against the currency's minor unit."""

    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES,
                                       help_text="ISO 4217; sets the NPV's minor unit.")
    capex = serializers.DecimalField(max_digits=22, decimal_places=4, min_value=Decimal("0.0001"))
    revenue = _yearly_amounts(places=4, max_digits=22)
    opex = _yearly_amounts(places=4, max_digits=22)
    discount_rate = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=Decimal("0"),
                                             max_value=Decimal("0.999999"))

    def validate(self, attrs):
        if len(attrs["revenue"]) != len(attrs["opex"]):
            raise serializers.ValidationError({"opex": ["Revenue and opex must cover the same years."]})
        return attrs


class CounterpartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Counterparty
        fields = ["id", "legal_name", "country", "registration_number", "billing_email", "kyb_status",
                  "kyb_reviewed_on", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class LeaseDeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaseDevice
        fields = ["device", "starts_on", "ends_on", "held"]
        read_only_fields = fields


class LeaseSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    lessee_name = serializers.CharField(source="lessee.legal_name", read_only=True)
    devices = PrimaryKeyListField(many=True, queryset=Device.objects.all(), required=False,
                                  max_items=MAX_DEVICES_PER_LEASE,
                                  help_text=f"At most {MAX_DEVICES_PER_LEASE} devices.")
    device_terms = LeaseDeviceSerializer(many=True, read_only=True,
                                         help_text="The days the lease holds each device (from activation).")

    class Meta:
        model = Lease
        fields = ["id", "reference", "lessee", "lessee_name", "spv", "devices", "device_terms", "gpu_count",
                  "currency", "price_per_gpu_hour", "minimum_monthly_commitment", "start_date", "end_date",
                  "terminated_on", "billing_cycle", "payment_terms_days", "late_fee_annual_rate", "state",
                  "created_at", "updated_at"]
        read_only_fields = ["state", "terminated_on", "created_at", "updated_at"]
        extra_kwargs = {"gpu_count": {"required": False}}


class InvoiceLineSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "invoice.currency"

    class Meta:
        model = InvoiceLine
        fields = ["position", "kind", "description", "quantity", "unit_price", "amount"]


class InvoicePaymentSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "invoice.currency"

    class Meta:
        model = InvoicePayment
        fields = ["value_date", "amount", "reference", "recorded_at"]
        read_only_fields = fields


class InvoiceSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = InvoicePaymentSerializer(many=True, read_only=True)
    outstanding = MoneyField(read_only=True)
    lessee = serializers.CharField(source="lease.lessee.legal_name", read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "lease", "lessee", "credited_invoice", "period_start", "period_end",
                  "currency", "total", "amount_paid", "amount_credited", "outstanding",
                  "late_fee_charged_through", "issue_date", "due_date", "written_off_on", "state", "lines",
                  "payments", "created_at"]
        read_only_fields = fields


class InvoiceGenerateSerializer(serializers.Serializer):
    lease = serializers.PrimaryKeyRelatedField(queryset=Lease.objects.all(), required=False,
                                               help_text="One lease; omit to invoice every billed lease.")
    period_start = serializers.DateField(
        required=False, validators=bounds.dates(),
        help_text="One billing period of the lease (its first day); omit to invoice every period that has "
                  "ended and has no invoice yet.")
    through = serializers.DateField(required=False, validators=bounds.dates(),
                                    help_text="Invoice periods that ended on or before this day (default: "
                                              "yesterday).")

    def validate(self, attrs):
        if attrs.get("period_start") and not attrs.get("lease"):
            raise serializers.ValidationError({"lease": ["A period_start names a period of one lease."]})
        if attrs.get("period_start") and attrs.get("through"):
            raise serializers.ValidationError({"through": ["Give a period_start or a through, not both."]})
        return attrs


class PaymentSerializer(serializers.Serializer):
    amount = MoneyField(help_text="Above zero, in the invoice currency, to its minor unit.")
    value_date = serializers.DateField(required=False, validators=bounds.dates(),
                                       help_text="The day the money counts from (default today).")
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CreditNoteSerializer(serializers.Serializer):
    amount = MoneyField(help_text="Above zero, in the invoice currency, to its minor unit.")
    reason = serializers.CharField(max_length=500)
    issue_date = serializers.DateField(required=False, validators=bounds.dates())


class LateFeeSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, validators=bounds.dates(),
                                  help_text="Charge up to this day (default today).")


class TrueUpSerializer(serializers.Serializer):
    issue_date = serializers.DateField(required=False, validators=bounds.dates(),
                                       help_text="Issue date of the adjustment (default today).")


class MeterReadingSerializer(serializers.ModelSerializer):
    device_code = serializers.CharField(source="device.code", read_only=True)

    class Meta:
        model = MeterReading
        fields = ["device", "device_code", "hour", "gpu_hours", "energy_wh", "utilisation_bp", "batch"]
        read_only_fields = fields


class MeterImportBatchSerializer(serializers.ModelSerializer):
    imported_by = serializers.CharField(source="imported_by.username", default=None, read_only=True)

    class Meta:
        model = MeterImportBatch
        fields = ["id", "sha256", "filename", "source", "rows_total", "rows_inserted", "rows_unchanged",
                  "first_hour", "last_hour", "imported_by", "imported_at"]
        read_only_fields = fields


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class BankStatementSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = BankStatement
        fields = ["id", "account", "statement_id", "format", "currency", "from_date", "to_date",
                  "opening_balance", "closing_balance", "sha256", "filename", "entries_total", "entries_new",
                  "entries_already_stored", "imported_at"]
        read_only_fields = fields


class BankEntryDetailSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = BankEntryDetail
        fields = ["position", "direction", "amount", "currency", "bank_reference", "end_to_end_id",
                  "counterparty_name", "counterparty_account", "remittance_info"]
        read_only_fields = fields


class BankEntrySerializer(MoneySerializerMixin, serializers.ModelSerializer):
    details = BankEntryDetailSerializer(many=True, read_only=True)

    class Meta:
        model = BankEntry
        fields = ["id", "statement", "account", "entry_key", "position", "bank_reference", "end_to_end_id",
                  "booking_date", "value_date", "direction", "amount", "currency", "is_reversal",
                  "reversal_of", "counterparty_name", "counterparty_account", "remittance_info",
                  "bank_transaction_code", "category", "details"]
        read_only_fields = fields


class ClassifySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=BankEntry.Category.choices)
