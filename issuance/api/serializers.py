from decimal import Decimal

from rest_framework import serializers

from compliance.models import Investor
from compliance.selectors import investors_visible_to
from core import bounds
from core.api.money import MoneyField, MoneySerializerMixin
from core.api.transitions import TransitionRequestSerializer
from issuance.funding_csv import COLUMNS as RECEIPT_COLUMNS
from issuance.funding_csv import MAX_REFERENCE
from issuance.models import SPV, Deal, FundingReceipt, Subscription, Tranche
from issuance.selectors import tranches_visible_to

POSITIVE = {"min_value": Decimal("0.01")}


class SPVSerializer(serializers.ModelSerializer):
    class Meta:
        model = SPV
        fields = ["id", "legal_name", "jurisdiction", "registration_number", "lei", "trustee",
                  "administrator", "base_currency", "state", "created_at", "updated_at"]
        read_only_fields = ["state", "created_at", "updated_at"]


class DealSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    staff_only_fields = ("submitted_by", "approved_by")  # staff usernames: never shown to investors
    spv_name = serializers.CharField(source="spv.legal_name", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", default=None,
                                         read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", default=None,
                                        read_only=True)

    class Meta:
        model = Deal
        fields = ["id", "spv", "spv_name", "name", "asset_class", "currency", "target_size",
                  "closing_date", "payment_frequency", "legal_final_maturity", "state",
                  "submitted_by", "approved_by", "created_at", "updated_at"]
        read_only_fields = ["state", "created_at", "updated_at"]
        extra_kwargs = {"target_size": POSITIVE}

    def validate(self, attrs):
        closing = attrs.get("closing_date", getattr(self.instance, "closing_date", None))
        maturity = attrs.get("legal_final_maturity",
                             getattr(self.instance, "legal_final_maturity", None))
        if closing and maturity and maturity <= closing:
            raise serializers.ValidationError(
                {"legal_final_maturity": ["The legal final maturity must be after the closing date."]}
            )
        return attrs



class InvestorDealSerializer(DealSerializer):
    """A deal as an investor reads it: without the names of the staff who prepared and approved it."""

    class Meta(DealSerializer.Meta):
        fields = [f for f in DealSerializer.Meta.fields if f not in DealSerializer.staff_only_fields]

class TrancheSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "deal.currency"
    currency = serializers.CharField(source="deal.currency", read_only=True)

    class Meta:
        model = Tranche
        fields = ["id", "deal", "class_name", "seniority", "currency", "original_principal",
                  "current_principal", "coupon_rate", "day_count", "payment_frequency",
                  "minimum_denomination", "token_symbol", "token_decimals"]
        read_only_fields = ["current_principal"]
        extra_kwargs = {
            "original_principal": POSITIVE,
            "minimum_denomination": POSITIVE,
            "coupon_rate": {"min_value": Decimal("0"), "max_value": Decimal("0.999999")},
            "token_decimals": {"max_value": 18},
            "seniority": {"min_value": 1},
            "payment_frequency": {"required": False},
        }


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a row the requesting user may see (``selector(user)``); any other id is answered
    as if it did not exist, and the browsable API offers only the visible rows."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return super().get_queryset() if request is None else self.selector(request.user)


class SubscriptionSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "tranche.deal.currency"
    currency = serializers.CharField(source="tranche.deal.currency", read_only=True)
    investor = VisibleRelatedField(
        investors_visible_to, queryset=Investor.objects.all(), required=False,
        help_text="Staff name the investor; an investor's own profile is used for investors.",
    )
    tranche = VisibleRelatedField(tranches_visible_to, queryset=Tranche.objects.all())

    class Meta:
        model = Subscription
        fields = ["id", "investor", "tranche", "currency", "requested_amount",
                  "allocated_amount", "funded_amount", "state", "created_at", "updated_at"]
        read_only_fields = ["allocated_amount", "funded_amount", "state", "created_at",
                            "updated_at"]
        extra_kwargs = {"requested_amount": POSITIVE}
        # No UniqueTogetherValidator from the one-live-subscription constraint: it would make
        # ``investor`` required (investors omit it) and the service already refuses a second
        # live subscription, naming the tranche.
        validators = []


class FundingSerializer(serializers.Serializer):
    amount = MoneyField(help_text="Above zero, in the deal currency, to its minor unit.")
    reference = serializers.CharField(max_length=MAX_REFERENCE,
                                      help_text="The payment's bank or payer reference (required).")
    value_date = serializers.DateField(required=False, validators=bounds.dates(),
                                       help_text="The day the cash was credited; today if omitted.")


class FundingReceiptSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "subscription.tranche.deal.currency"
    currency = serializers.CharField(source="subscription.tranche.deal.currency", read_only=True)

    class Meta:
        model = FundingReceipt
        fields = ["id", "subscription", "amount", "currency", "value_date", "reference", "created_at"]
        read_only_fields = fields


class ReceiptsFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with the columns " + ", ".join(RECEIPT_COLUMNS) + ".")


class ReleaseAllocationSerializer(TransitionRequestSerializer):
    """Body of ``cancel-allocation`` and ``default-allocation``: why, and where the lots go."""

    lots = serializers.ChoiceField(
        choices=Subscription.ReleasedLots.choices,
        help_text="reduce_tranche: the tranche (and the deal size) shrink by the allocation; "
                  "offer_again: the lots go to the tranche's other subscribers, pro rata to what "
                  "they asked beyond their allocations (docs/allocation.md).",
    )


def _money(**kwargs) -> MoneyField:
    """An amount of the preview, shown with the deal currency's decimals (each row carries it)."""
    return MoneyField(read_only=True, **kwargs)


class PreviewLineSerializer(serializers.Serializer):
    subscription_id = serializers.IntegerField()
    investor_id = serializers.IntegerField()
    investor = serializers.CharField()
    requested_amount = _money()
    allocated_amount = _money(help_text="What close-book would allocate now.")


class TranchePreviewSerializer(serializers.Serializer):
    tranche_id = serializers.IntegerField()
    class_name = serializers.CharField()
    seniority = serializers.IntegerField()
    size = _money()
    minimum_denomination = _money()
    demand = _money(help_text="Accepted requests.")
    pending = serializers.IntegerField(help_text="Requests still awaiting accept or reject.")
    oversubscription = serializers.DecimalField(
        max_digits=24, decimal_places=4, help_text="demand / size, rounded half-even to 4 places.")
    shortfall = _money(help_text="size - demand when the tranche is short, else 0.")
    allocated = _money(help_text="What the lines would receive in total.")
    lines = PreviewLineSerializer(many=True)


class CloseBookPreviewSerializer(serializers.Serializer):
    deal_id = serializers.IntegerField()
    currency = serializers.CharField()
    can_close = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="Why close-book would be refused now, if it would.")
    tranches = TranchePreviewSerializer(many=True)
