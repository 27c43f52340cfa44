from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from assets.models import BankEntry, BankEntryMatch, Invoice
from core.api.money import MoneyField, MoneySerializerMixin
from reconciliation.models import ExceptionLink, LesseeCredit, ManualMatch, MatchRun, ReconException


class LinkSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = ExceptionLink
        fields = ["role", "model", "object_id"]


class ExceptionSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    age_days = serializers.SerializerMethodField(help_text="Whole days since it was opened.")
    links = LinkSerializer(many=True, read_only=True)

    class Meta:
        model = ReconException
        fields = [
            "id",
            "key",
            "scope",
            "type",
            "currency",
            "amount",
            "state",
            "description",
            "assignee",
            "opened_at",
            "age_days",
            "updated_at",
            "closed_at",
            "write_off_requested_by",
            "links",
        ]
        read_only_fields = fields

    def get_age_days(self, obj) -> int:
        return ((obj.closed_at or timezone.now()) - obj.opened_at).days


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), allow_null=True)


class MatchRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchRun
        fields = [
            "id",
            "trigger",
            "statement_ids",
            "requested_by",
            "status",
            "progress",
            "stage",
            "entries_considered",
            "matches_made",
            "credits_made",
            "exceptions_open",
            "rules",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ManualMatchSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    amount = MoneyField(read_only=True)

    class Meta:
        model = ManualMatch
        fields = [
            "id",
            "kind",
            "entry",
            "invoice",
            "amount",
            "currency",
            "match",
            "reason",
            "state",
            "requested_by",
            "requested_at",
            "updated_at",
        ]
        read_only_fields = fields


class ManualMatchRequestSerializer(serializers.Serializer):
    """``match``: entry, invoice, amount, reason. ``unmatch``: match, reason."""

    kind = serializers.ChoiceField(choices=ManualMatch.Kind.choices)
    entry = serializers.PrimaryKeyRelatedField(queryset=BankEntry.objects.all(), required=False)
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all(), required=False)
    amount = MoneyField(required=False)
    match = serializers.PrimaryKeyRelatedField(queryset=BankEntryMatch.objects.all(), required=False)
    reason = serializers.CharField(max_length=500)

    def validate(self, data):
        need = ("entry", "invoice", "amount") if data["kind"] == ManualMatch.Kind.MATCH else ("match",)
        missing = {name: "This field is required." for name in need if data.get(name) is None}
        if missing:
            raise serializers.ValidationError(missing)
        return data


class CreditSerializer(MoneySerializerMixin, serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    lessee_name = serializers.CharField(source="lessee.legal_name", read_only=True)

    class Meta:
        model = LesseeCredit
        fields = [
            "id",
            "lessee",
            "lessee_name",
            "entry",
            "invoice",
            "amount",
            "currency",
            "rule",
            "source",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields
