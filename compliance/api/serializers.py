from decimal import Decimal

from rest_framework import serializers

from compliance.models import (
    BeneficialOwner,
    DealEligibility,
    Document,
    Investor,
    InvestorClassification,
    KycCase,
    ReasonCode,
    Regime,
    Wallet,
    WalletChallenge,
)
from compliance.selectors import investors_visible_to
from core import bounds
from core.api.money import MoneySerializerMixin

MAX_FIGURES = 20  # a regime names a handful (net assets, income, portfolio...)
MAX_COUNTRIES = 300  # ISO 3166-1 has 249


class VisibleInvestorField(serializers.PrimaryKeyRelatedField):
    """Offers (and accepts) only the investors the requesting user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        return investors_visible_to(request.user) if request else Investor.objects.none()


class InvestorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Investor
        fields = ["id", "kind", "legal_name", "email", "country_of_residence", "nationality", "date_of_birth",
                  "phone", "address", "registration_number", "is_pep", "user", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class BeneficialOwnerSerializer(serializers.ModelSerializer):
    investor = VisibleInvestorField()

    class Meta:
        model = BeneficialOwner
        fields = ["id", "investor", "full_name", "date_of_birth", "nationality", "country_of_residence",
                  "ownership_percent", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"ownership_percent": {"min_value": Decimal("25"), "max_value": Decimal("100")}}


class KycCaseSerializer(serializers.ModelSerializer):
    investor = VisibleInvestorField()
    assignee = serializers.CharField(source="assignee.username", default=None, read_only=True)
    recommended_by = serializers.CharField(source="recommended_by.username", default=None, read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = KycCase
        fields = ["id", "investor", "kind", "trigger", "state", "assignee", "submitted_at", "recommended_by",
                  "decided_by", "decided_at", "reason_code", "reason_text", "risk_rating", "risk_reasons",
                  "refresh_due", "created_at", "updated_at"]
        read_only_fields = [f for f in fields if f != "investor"]


class KycTransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices, required=False, allow_blank=True,
                                          default="")


class DocumentSerializer(serializers.ModelSerializer):
    investor = VisibleInvestorField()
    file = serializers.FileField(write_only=True, help_text="PDF, JPEG or PNG, checked by content.")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "investor", "kind", "file", "original_name", "content_type", "size", "sha256",
                  "state", "decision_reason", "evidence_expires_on", "decided_at", "created_at", "download"]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "state", "decision_reason",
                            "decided_at", "created_at"]

    def get_download(self, obj) -> str:
        return f"/api/v1/documents/{obj.pk}/download/"


class DocumentDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject", "request_revision"])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    evidence_expires_on = serializers.DateField(required=False, allow_null=True, default=None,
                                                validators=bounds.dates())


class ClassificationSerializer(serializers.ModelSerializer):
    investor = VisibleInvestorField()
    regime = serializers.ChoiceField(choices=Regime.choices)
    figures = serializers.DictField(child=serializers.DecimalField(max_digits=20, decimal_places=2,
                                                                   min_value=Decimal("0")), write_only=True,
                                    help_text=f"At most {MAX_FIGURES} figures, named by the regime.")
    opted_in = serializers.BooleanField(write_only=True, default=False)

    def validate_figures(self, figures: dict) -> dict:
        if len(figures) > MAX_FIGURES:
            raise serializers.ValidationError(f"At most {MAX_FIGURES} figures; {len(figures)} given.")
        return figures

    class Meta:
        model = InvestorClassification
        fields = ["id", "investor", "regime", "figures", "opted_in", "investor_class", "test_passed",
                  "explanation", "currency", "declared", "opted_in_at", "evidence", "valid_from",
                  "valid_until", "revoked_at", "created_at"]
        read_only_fields = ["investor_class", "test_passed", "explanation", "currency", "declared",
                            "opted_in_at", "revoked_at", "created_at"]
        extra_kwargs = {"valid_from": {"required": False}}


class WalletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = ["id", "investor", "address", "verified_at"]


class WalletChallengeSerializer(serializers.ModelSerializer):
    investor = VisibleInvestorField()

    class Meta:
        model = WalletChallenge
        fields = ["id", "investor", "address", "message", "expires_at", "used_at", "created_at"]
        read_only_fields = ["message", "expires_at", "used_at", "created_at"]


class SignatureSerializer(serializers.Serializer):
    signature = serializers.CharField(max_length=200, help_text="EIP-191 personal_sign signature, 0x hex.")


class DealEligibilitySerializer(MoneySerializerMixin, serializers.ModelSerializer):
    money_currency = "deal.currency"
    allowed_classes = serializers.ListField(child=serializers.CharField(max_length=32), required=False,
                                            max_length=bounds.MAX_LIST_ITEMS)
    allowed_jurisdictions = serializers.ListField(child=serializers.CharField(max_length=2), required=False,
                                                  max_length=MAX_COUNTRIES)
    blocked_jurisdictions = serializers.ListField(child=serializers.CharField(max_length=2), required=False,
                                                  max_length=MAX_COUNTRIES)

    class Meta:
        model = DealEligibility
        fields = ["id", "deal", "allowed_classes", "allowed_jurisdictions", "blocked_jurisdictions",
                  "minimum_subscription", "maximum_investors", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class EligibilitySerializer(serializers.Serializer):
    investor = serializers.IntegerField()
    deal = serializers.IntegerField()
    ok = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class InvestorStatusSerializer(serializers.Serializer):
    """What ``GET /investors/{id}/status/`` answers (the schema; the view builds it)."""

    investor = serializers.IntegerField()
    latest_case = KycCaseSerializer(allow_null=True)
    approved_until = serializers.DateField(allow_null=True)
    classifications = ClassificationSerializer(many=True)
    wallets = WalletSerializer(many=True)
