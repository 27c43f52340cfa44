"""Serializers of the green API: every number and date bounded (core/bounds.py)."""

from decimal import Decimal

from rest_framework import serializers

from assets.models import BankEntry, Counterparty, Device, Site
from core import bounds
from core.api.money import MoneyField, MoneySerializerMixin
from core.api.transitions import TransitionRequestSerializer
from core.validators import CURRENCY_CHOICES
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
from green.models.carbon import MAX_EMBODIED_KG
from green.services.blocks import BLOCK_FIELDS
from issuance.models import SPV, Deal


def serial_number(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_SERIAL, **kwargs)


def business_date(**kwargs) -> serializers.DateField:
    return serializers.DateField(validators=bounds.dates(), **kwargs)


class RegistrySerializer(serializers.ModelSerializer):
    series_parts = serializers.ListField(child=serializers.CharField(max_length=40), max_length=10,
                                         required=False)

    class Meta:
        model = Registry
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "serial_format",
            "series_parts",
            "default_country",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class CertificateBlockSerializer(serializers.ModelSerializer):
    registry = serializers.PrimaryKeyRelatedField(queryset=Registry.objects.all())
    spv = serializers.PrimaryKeyRelatedField(queryset=SPV.objects.all())
    device = serializers.PrimaryKeyRelatedField(
        queryset=Device.objects.all(), required=False, allow_null=True
    )
    emission_factor_g_per_kwh = serializers.IntegerField(
        min_value=0, max_value=MAX_FACTOR_G_PER_KWH, default=0
    )

    class Meta:
        model = CertificateBlock
        fields = ["id", *BLOCK_FIELDS, "created_at", "updated_at"]
        read_only_fields = [
            "series",
            "first_serial",
            "last_serial",
            "quantity",
            "project",
            "country",
            "vintage_start",
            "vintage_end",
            "technology",
            "issuance_request",
            "parent",
            "state",
            "reserved_for",
            "pledged_to",
            "created_at",
            "updated_at",
        ]


class ReserveSerializer(TransitionRequestSerializer):
    buyer = serializers.CharField(max_length=200)


class PledgeSerializer(TransitionRequestSerializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())


class SplitSerializer(TransitionRequestSerializer):
    at = serial_number(help_text="The first serial of the upper piece.")


class _PartSerializer(TransitionRequestSerializer):
    quantity = serial_number(help_text="How many certificates.")
    first = serial_number(required=False, help_text="First serial taken (default: the block's first).")


class SellSerializer(_PartSerializer):
    buyer = serializers.CharField(max_length=200)
    price = MoneyField(min_value=Decimal("0.01"), help_text="Total price of the certificates sold.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    sold_on = business_date()
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all(), required=False, allow_null=True)


class RetireSerializer(_PartSerializer):
    beneficiary = serializers.CharField(max_length=200)
    purpose = serializers.CharField(max_length=500)
    period_start = business_date()
    period_end = business_date()
    lessee = serializers.PrimaryKeyRelatedField(
        queryset=Counterparty.objects.all(), required=False, allow_null=True
    )


BLOCK_BODIES = {
    "reserve": ReserveSerializer,
    "pledge": PledgeSerializer,
    "split": SplitSerializer,
    "transfer": SellSerializer,
    "retire": RetireSerializer,
}


class IssuanceRequestSerializer(serializers.ModelSerializer):
    device = serializers.PrimaryKeyRelatedField(queryset=Device.objects.all())
    registry = serializers.PrimaryKeyRelatedField(queryset=Registry.objects.all())

    class Meta:
        model = IssuanceRequest
        fields = [
            "id",
            "device",
            "registry",
            "period_start",
            "period_end",
            "metered_wh",
            "carry_in_wh",
            "eligible",
            "carry_out_wh",
            "issued_quantity",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "metered_wh",
            "carry_in_wh",
            "eligible",
            "carry_out_wh",
            "issued_quantity",
            "state",
            "created_at",
            "updated_at",
        ]


class IssueSerializer(TransitionRequestSerializer):
    serial = serializers.CharField(max_length=300, help_text="The serial of the block the registry issued.")
    emission_factor_g_per_kwh = serializers.IntegerField(
        min_value=0, max_value=MAX_FACTOR_G_PER_KWH, default=0
    )


class RetirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Retirement
        fields = [
            "id",
            "block",
            "beneficiary",
            "purpose",
            "period_start",
            "period_end",
            "lessee",
            "retired_by",
            "retired_at",
        ]
        read_only_fields = fields


class CertificateSaleSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = CertificateSale
        fields = [
            "id",
            "block",
            "buyer",
            "currency",
            "price",
            "sold_on",
            "deal",
            "bank_entry",
            "sold_by",
            "created_at",
        ]
        read_only_fields = fields


class ReceiptSerializer(serializers.Serializer):
    bank_entry = serializers.PrimaryKeyRelatedField(queryset=BankEntry.objects.all())


class GenerationImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = GenerationImport
        fields = ["id", "sha256", "filename", "rows", "imported_by", "imported_at"]
        read_only_fields = fields


class GenerationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, help_text="CSV: device,hour,energy_wh.")


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    block = serializers.IntegerField(source="object_id")
    action = serializers.CharField()
    name = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    actor = serializers.CharField(allow_null=True)


class InventoryRowSerializer(serializers.Serializer):
    registry = serializers.CharField(source="registry__code")
    vintage = serializers.IntegerField()
    state = serializers.CharField()
    spv = serializers.IntegerField(source="spv_id")
    spv_name = serializers.CharField(source="spv__legal_name")
    blocks = serializers.IntegerField()
    quantity = serializers.IntegerField()


class EmissionFactorImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmissionFactorImport
        fields = ["id", "site", "sha256", "filename", "source", "first_hour", "last_hour", "rows",
                  "imported_by", "imported_at"]
        read_only_fields = fields


class EmissionFactorUploadSerializer(serializers.Serializer):
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    source = serializers.CharField(max_length=200)
    file = serializers.FileField(max_length=255, help_text="CSV: hour,g_per_kwh (every hour, once).")


class EmbodiedEmissionsSerializer(serializers.ModelSerializer):
    device = serializers.PrimaryKeyRelatedField(queryset=Device.objects.all())
    kg_co2e = serializers.IntegerField(min_value=1, max_value=MAX_EMBODIED_KG)

    class Meta:
        model = EmbodiedEmissions
        fields = ["id", "device", "kg_co2e", "source", "updated_at"]
        read_only_fields = ["updated_at"]


MWH = Decimal(1_000_000)


class FootprintSerializer(serializers.Serializer):
    """Integers (Wh, g) as computed; MWh and tCO2e at the edge, to six decimals."""

    group = serializers.IntegerField(allow_null=True, help_text="The lessee (or deal) the row is for.")
    month = serializers.DateField(allow_null=True)
    gpu_hours = serializers.IntegerField()
    it_wh = serializers.IntegerField()
    facility_wh = serializers.IntegerField()
    facility_mwh = serializers.SerializerMethodField()
    location_g = serializers.IntegerField()
    location_tco2e = serializers.SerializerMethodField()
    market_g = serializers.IntegerField()
    market_tco2e = serializers.SerializerMethodField()
    embodied_g = serializers.IntegerField()
    hourly_matched_wh = serializers.IntegerField()
    certificate_wh = serializers.IntegerField()
    hourly_matching = serializers.DecimalField(max_digits=5, decimal_places=4)
    period_matching = serializers.DecimalField(max_digits=5, decimal_places=4)
    location_g_per_gpu_hour = serializers.DecimalField(max_digits=20, decimal_places=3)
    market_g_per_gpu_hour = serializers.DecimalField(max_digits=20, decimal_places=3)
    total_g_per_gpu_hour = serializers.DecimalField(max_digits=20, decimal_places=3)
    certificates = serializers.ListField(child=serializers.IntegerField(), help_text="Retirements counted.")

    def _mega(self, value: int) -> str:
        return f"{(Decimal(value) / MWH).quantize(Decimal('0.000001')):f}"

    def get_facility_mwh(self, fp) -> str:
        return self._mega(fp.facility_wh)

    def get_location_tco2e(self, fp) -> str:
        return self._mega(fp.location_g)

    def get_market_tco2e(self, fp) -> str:
        return self._mega(fp.market_g)
