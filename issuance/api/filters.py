from django_filters import rest_framework as filters

from issuance.models import SPV, Deal, Subscription, Tranche


class SPVFilter(filters.FilterSet):
    class Meta:
        model = SPV
        fields = ["state", "jurisdiction", "base_currency"]


class DealFilter(filters.FilterSet):
    closing_after = filters.DateFilter(field_name="closing_date", lookup_expr="gte")
    closing_before = filters.DateFilter(field_name="closing_date", lookup_expr="lte")

    class Meta:
        model = Deal
        fields = ["state", "spv", "asset_class", "currency"]


class TrancheFilter(filters.FilterSet):
    class Meta:
        model = Tranche
        fields = ["deal", "seniority", "day_count"]


class SubscriptionFilter(filters.FilterSet):
    deal = filters.NumberFilter(field_name="tranche__deal")

    class Meta:
        model = Subscription
        fields = ["state", "tranche", "investor", "deal"]
