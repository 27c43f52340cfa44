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
            "waive_requested_by",
            "period",
            "distribution",
            "base_units",
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


class PeriodSummarySerializer(serializers.ModelSerializer):
    class Meta:
        from servicing.models import CollectionPeriod

        model = CollectionPeriod
        fields = ["id", "deal", "number", "start", "end", "payment_date", "state"]
        read_only_fields = fields


def period_view_data(view) -> dict:
    """The period view as JSON: amounts as strings, exactly."""
    return {
        "period": view.period.pk,
        "deal": view.period.deal_id,
        "number": view.period.number,
        "state": view.period.state,
        "currency": view.currency,
        "ties": view.ties,
        "open_exceptions": view.open_count,
        "hops": [
            {
                "name": h.name,
                "label": h.label,
                "total": str(h.total),
                "difference": None if h.difference is None else str(h.difference),
                "ties": h.ties,
                "note": h.note,
                "exceptions": h.exceptions,
            }
            for h in view.hops
        ],
        "exceptions": [
            {
                "id": x.pk,
                "scope": x.scope,
                "type": x.type,
                "state": x.state,
                "currency": x.currency,
                "amount": str(x.amount),
                "base_units": None if x.base_units is None else str(x.base_units),
                "description": x.description,
                "key": x.key,
            }
            for x in view.exceptions
        ],
    }
