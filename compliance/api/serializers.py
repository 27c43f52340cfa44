from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework import serializers

from compliance import disclosure
from compliance.models import (
    BeneficialOwner,
    DealEligibility,
    Document,
    Investor,
    InvestorClassification,
    InvestorLoginChange,
    KycCase,
    ReasonCode,
    Regime,
    Wallet,
    WalletChallenge,
)
from compliance.selectors import investors_visible_to
from core import bounds
from core.api.money import MoneySerializerMixin
from core.api.transitions import TransitionRequestSerializer

MAX_FIGURES = 20  # a regime names a handful (net assets, income, portfolio...)
MAX_COUNTRIES = 300  # ISO 3166-1 has 249


class VisibleInvestorField(serializers.PrimaryKeyRelatedField):
    """Offers (and accepts) only the investors the requesting user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        return investors_visible_to(request.user) if request else Investor.objects.none()


def for_reader(view, staff_class, investor_class):
    """The serializer for who reads: staff (and the schema) get ``staff_class``; an investor gets
    ``investor_class``, which leaves out what only staff read (compliance/disclosure.py)."""
    if getattr(view, "swagger_fake_view", False) or disclosure.for_staff(view.request.user):
        return staff_class
    return investor_class


class InvestorSerializer(serializers.ModelSerializer):
    staff_only_fields = disclosure.INTERNAL_FIELDS["investor"]

    class Meta:
        model = Investor
        fields = ["id", "kind", "legal_name", "email", "country_of_residence", "nationality", "date_of_birth",
                  "phone", "address", "registration_number", "is_pep", "user", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"is_pep": {"help_text": "Staff only: left out of an investor's own profile."}}


class InvestorProfileSerializer(InvestorSerializer):
    """An investor's own profile: without the PEP flag."""

    class Meta(InvestorSerializer.Meta):
        fields = [f for f in InvestorSerializer.Meta.fields
                  if f not in disclosure.INTERNAL_FIELDS["investor"]]
        extra_kwargs = {}


class InvestorLoginChangeSerializer(serializers.ModelSerializer):
    to_user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), allow_null=True,
        help_text="The new login (a user id); null to leave the investor without one.")
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = InvestorLoginChange
        fields = ["id", "investor", "from_user", "to_user", "reason", "state", "requested_by", "decided_by",
                  "decided_at", "created_at"]
        read_only_fields = ["from_user", "state", "decided_at", "created_at"]


class BeneficialOwnerSerializer(serializers.ModelSerializer):
    investor = VisibleInvestorField()

    class Meta:
        model = BeneficialOwner
        fields = ["id", "investor", "full_name", "date_of_birth", "nationality", "country_of_residence",
                  "ownership_percent", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"ownership_percent": {"min_value": Decimal("25"), "max_value": Decimal("100")}}


class KycCaseSerializer(serializers.ModelSerializer):
    staff_only_fields = disclosure.INTERNAL_FIELDS["kyccase"]
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
        extra_kwargs = {name: {"help_text": "Staff only: left out of the investor's own cases."}
                        for name in disclosure.INTERNAL_FIELDS["kyccase"]}


class InvestorKycCaseSerializer(KycCaseSerializer):
    """A case as its investor reads it: no risk rating or reasons; a sanctions or PEP reason withheld."""

    class Meta(KycCaseSerializer.Meta):
        fields = [f for f in KycCaseSerializer.Meta.fields
                  if f not in disclosure.INTERNAL_FIELDS["kyccase"]]
        read_only_fields = [f for f in fields if f != "investor"]
        extra_kwargs = {}

    def to_representation(self, case):
        data = super().to_representation(case)
        data["reason_code"], data["reason_text"] = disclosure.case_reason(case.reason_code, case.reason_text)
        return data


class KycTransitionSerializer(TransitionRequestSerializer):
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

    def to_representation(self, document):
        data = super().to_representation(document)
        request = self.context.get("request")
        if request is not None and not disclosure.for_staff(request.user):
            data["decision_reason"] = disclosure.investor_text(document.decision_reason)
        return data


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
