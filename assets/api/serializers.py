from decimal import Decimal

from rest_framework import serializers

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
    Lease,
    MeterImportBatch,
    MeterReading,
    Site,
)

POSITIVE = {"min_value": Decimal("0.01")}


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "location", "country", "grid_region", "grid_emission_factor",
                  "grid_emission_factor_source", "grid_emission_factor_year", "pue", "created_at",
                  "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class DeviceSerializer(serializers.ModelSerializer):
    book_value = serializers.SerializerMethodField(help_text="Straight-line book value today.")
    latest_appraisal_value = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True,
                                                      allow_null=True)
    latest_appraisal_date = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Device
        fields = ["id", "code", "kind", "site", "manufacturer", "model", "serial_number", "gpu_count",
                  "tdp_watts", "capacity_kwp", "capacity_kwh", "power_kw", "purchase_date", "currency",
                  "purchase_cost", "useful_life_years", "residual_value", "book_value",
                  "latest_appraisal_value", "latest_appraisal_date", "spv", "deal", "state",
                  "created_at", "updated_at"]
        read_only_fields = ["state", "created_at", "updated_at"]
        extra_kwargs = {"purchase_cost": POSITIVE}

    def get_book_value(self, obj: Device) -> str:
        from assets.services.fleet import today

        return str(obj.book_value(today()))


class AppraisalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = ["id", "device", "valued_on", "value", "currency", "appraiser", "method", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"currency": {"required": False}}


class InsurancePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = InsurancePolicy
        fields = ["id", "device", "insurer", "policy_number", "cover_amount", "currency", "starts_on",
                  "expires_on", "created_at"]
        read_only_fields = ["created_at"]


class InvestmentModelSerializer(serializers.ModelSerializer):
    revenue = serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=2),
                                    min_length=1)
    opex = serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=2),
                                 min_length=1)
    evaluation = serializers.SerializerMethodField()

    class Meta:
        model = InvestmentModel
        fields = ["id", "name", "kind", "currency", "capex", "revenue", "opex", "discount_rate",
                  "evaluation", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_evaluation(self, obj: InvestmentModel) -> dict:
        from assets.services.fleet import investment_model_evaluate

        return evaluation_data(investment_model_evaluate(obj))


def evaluation_data(result) -> dict:
    return {"net_flows": [str(f) for f in result.net_flows],
            "payback_years": None if result.payback_years is None else str(result.payback_years),
            "irr": None if result.irr is None else str(result.irr), "npv": str(result.npv)}


class InvestmentEvaluateSerializer(serializers.Serializer):
    capex = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))
    revenue = serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=2),
                                    min_length=1)
    opex = serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=2),
                                 min_length=1)
    discount_rate = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=Decimal("0"))

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


class LeaseSerializer(serializers.ModelSerializer):
    lessee_name = serializers.CharField(source="lessee.legal_name", read_only=True)

    class Meta:
        model = Lease
        fields = ["id", "reference", "lessee", "lessee_name", "spv", "devices", "gpu_count", "currency",
                  "price_per_gpu_hour", "minimum_monthly_commitment", "start_date", "end_date",
                  "billing_cycle", "payment_terms_days", "late_fee_annual_rate", "state", "created_at",
                  "updated_at"]
        read_only_fields = ["state", "created_at", "updated_at"]
        extra_kwargs = {"gpu_count": {"required": False}}


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "kind", "description", "quantity", "unit_price", "amount"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    outstanding = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)
    lessee = serializers.CharField(source="lease.lessee.legal_name", read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "lease", "lessee", "credited_invoice", "period_start", "period_end",
                  "currency", "total", "amount_paid", "amount_credited", "outstanding",
                  "late_fee_charged_through", "issue_date", "due_date", "state", "lines", "created_at"]
        read_only_fields = fields


class InvoiceGenerateSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text="First day of the billing period.")
    lease = serializers.PrimaryKeyRelatedField(queryset=Lease.objects.all(), required=False,
                                               help_text="One lease; omit to invoice every active lease.")


class PaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CreditNoteSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=500)


class LateFeeSerializer(serializers.Serializer):
    as_of = serializers.DateField()


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


class BankStatementSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankStatement
        fields = ["id", "account", "statement_id", "format", "currency", "from_date", "to_date",
                  "opening_balance", "closing_balance", "sha256", "filename", "entries_total", "entries_new",
                  "entries_already_stored", "imported_at"]
        read_only_fields = fields


class BankEntryDetailSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankEntryDetail
        fields = ["position", "direction", "amount", "currency", "bank_reference", "end_to_end_id",
                  "counterparty_name", "counterparty_account", "remittance_info"]
        read_only_fields = fields


class BankEntrySerializer(serializers.ModelSerializer):
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
