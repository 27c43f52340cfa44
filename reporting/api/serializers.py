from rest_framework import serializers

from compliance.models import Investor
from issuance.models import Deal
from reporting.models import Format, Kind, Report, StatementRun
from reporting.services import run_progress
from servicing.models import CollectionPeriod


class ReportSerializer(serializers.ModelSerializer):
    """A report and its hashes; ``download`` is the file (ETag: ``file_sha256``)."""

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "deal",
            "period",
            "year",
            "investor",
            "format",
            "version",
            "draft",
            "state",
            "progress",
            "error",
            "size",
            "file_sha256",
            "data_sha256",
            "run",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ReportRequestSerializer(serializers.Serializer):
    """What to generate: a statement (deal, period, investor), a servicer report (deal, period) or an
    impact report (deal, year)."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())
    format = serializers.ChoiceField(choices=Format.choices)
    period = serializers.PrimaryKeyRelatedField(
        queryset=CollectionPeriod.objects.all(), required=False, allow_null=True, default=None
    )
    year = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=2000, max_value=2100
    )
    investor = serializers.PrimaryKeyRelatedField(
        queryset=Investor.objects.all(), required=False, allow_null=True, default=None
    )


class StatementRunSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="Its statements counted by state.")

    class Meta:
        model = StatementRun
        fields = ["id", "deal", "period", "formats", "created_at", "progress"]
        read_only_fields = fields

    def get_progress(self, obj) -> dict:
        return run_progress(obj)


class StatementRunRequestSerializer(serializers.Serializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())
    period = serializers.PrimaryKeyRelatedField(queryset=CollectionPeriod.objects.all())
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=Format.choices), min_length=1, max_length=3
    )
