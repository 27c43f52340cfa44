from rest_framework import serializers

from compliance.selectors import investors_visible_to
from screening.models import ListAlias, ListEntry, ListVersion, ScreeningHit, ScreeningRun, WhitelistEntry


class ListVersionSerializer(serializers.ModelSerializer):
    imported_by = serializers.CharField(source="imported_by.username", default=None, read_only=True)

    class Meta:
        model = ListVersion
        fields = ["id", "name", "version_label", "sha256", "row_count", "is_current", "shrink_reason",
                  "imported_by", "imported_at"]
        read_only_fields = fields


class ListImportSerializer(serializers.Serializer):
    """multipart/form-data: the list file, OpenSanctions targets.simple.csv, OFAC SDN XML or UN
    Consolidated List XML."""

    name = serializers.CharField(max_length=100)
    version_label = serializers.CharField(max_length=100)
    file = serializers.FileField()
    shrink_reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True,
        help_text="Required when the file has more than SCREENING_LIST_MAX_DROP_PERCENT fewer entries than "
                  "the current version: why that is right.")


class ListAliasSerializer(serializers.ModelSerializer):
    screened = serializers.BooleanField(read_only=True, help_text="False for weak aliases.")

    class Meta:
        model = ListAlias
        fields = ["id", "position", "name", "kind", "quality", "screened"]
        read_only_fields = fields


class ListEntrySerializer(serializers.ModelSerializer):
    aliases = ListAliasSerializer(many=True, read_only=True)

    class Meta:
        model = ListEntry
        fields = ["id", "list_version", "entity_id", "schema", "name", "aliases", "birth_dates",
                  "countries", "addresses", "identifiers", "sanctions", "phones", "emails", "dataset",
                  "first_seen", "last_seen", "last_change", "row_number"]
        read_only_fields = fields


class ScreeningRunSerializer(serializers.ModelSerializer):
    list_version_name = serializers.CharField(source="list_version.__str__", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", default=None, read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScreeningRun
        fields = ["id", "list_version", "list_version_name", "trigger", "algorithm_version", "threshold",
                  "state", "requested_by", "created_at", "started_at", "finished_at", "total",
                  "processed", "progress_percent", "hits_created", "error"]
        read_only_fields = fields


class ScreeningHitSerializer(serializers.ModelSerializer):
    investor_name = serializers.CharField(source="investor.legal_name", read_only=True)
    entry_name = serializers.CharField(source="entry.name", read_only=True)
    matched_name = serializers.CharField(read_only=True,
                                         help_text="The entry's name or alias that matched (see alias).")
    list_version = serializers.CharField(source="entry.list_version.__str__", read_only=True)
    algorithm_version = serializers.CharField(source="run.algorithm_version", read_only=True)
    threshold = serializers.DecimalField(source="run.threshold", max_digits=5, decimal_places=4,
                                         read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = ScreeningHit
        fields = ["id", "investor", "investor_name", "subject_kind", "subject", "entry", "entity_id",
                  "entry_name", "alias", "matched_name", "list_version", "run", "algorithm_version",
                  "threshold", "score", "features", "state", "decided_by", "decided_at", "decision_reason",
                  "created_at"]
        read_only_fields = fields


class WhitelistEntrySerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = WhitelistEntry
        fields = ["id", "investor", "entity_id", "valid_until", "reason", "hit", "created_by",
                  "created_at"]
        read_only_fields = ["created_by", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and "investor" in fields:
            fields["investor"].queryset = investors_visible_to(request.user)
        return fields
