"""Filters; the choices of a related-object filter are only the rows the user may see.

A filter over every row would list them in the browsable API's filter form and
tell an investor, by "Select a valid choice", which ids exist.
"""

from compliance.selectors import investors_visible_to
from core.api import filters
from issuance import selectors
from issuance.models import SPV, Deal, Subscription, Tranche


class SPVFilter(filters.FilterSet):
    class Meta:
        model = SPV
        fields = ["state", "jurisdiction", "base_currency"]


class DealFilter(filters.FilterSet):
    spv = filters.ModelChoiceFilter(
        queryset=lambda request: selectors.spvs_visible_to(request.user)
    )
    closing_after = filters.DateFilter(field_name="closing_date", lookup_expr="gte")
    closing_before = filters.DateFilter(field_name="closing_date", lookup_expr="lte")

    class Meta:
        model = Deal
        fields = ["state", "spv", "asset_class", "currency"]


class TrancheFilter(filters.FilterSet):
    deal = filters.ModelChoiceFilter(
        queryset=lambda request: selectors.deals_visible_to(request.user)
    )

    class Meta:
        model = Tranche
        fields = ["deal", "seniority", "day_count"]


class SubscriptionFilter(filters.FilterSet):
    deal = filters.NumberFilter(field_name="tranche__deal")
    tranche = filters.ModelChoiceFilter(
        queryset=lambda request: selectors.tranches_visible_to(request.user)
    )
    investor = filters.ModelChoiceFilter(
        queryset=lambda request: investors_visible_to(request.user)
    )

    class Meta:
        model = Subscription
        fields = ["state", "tranche", "investor", "deal"]
