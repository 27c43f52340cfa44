"""Filters whose choices are only the rows the user may see.

A related-object filter over every row would list other investors' names (and every login) in
the browsable API's filter form, and tell an investor by "Select a valid choice" which ids exist.
"""

from django.contrib.auth import get_user_model

from compliance.models import (
    BeneficialOwner,
    DealEligibility,
    Document,
    InvestorClassification,
    KycCase,
    RiskRating,
    Wallet,
)
from compliance.providers import deals
from compliance.selectors import investors_visible_to
from core.api import filters
from core.roles import sees_all


def _investors(request):
    return investors_visible_to(request.user)


def _staff_users(request):
    users = get_user_model().objects.all()
    return users if sees_all(request.user) else users.none()


class BeneficialOwnerFilter(filters.FilterSet):
    investor = filters.ModelChoiceFilter(queryset=_investors)

    class Meta:
        model = BeneficialOwner
        fields = ["investor"]


class KycCaseFilter(filters.FilterSet):
    investor = filters.ModelChoiceFilter(queryset=_investors)
    assignee = filters.ModelChoiceFilter(queryset=_staff_users)
    risk_rating = filters.ChoiceFilter(choices=RiskRating.choices, method="filter_risk_rating",
                                       help_text="Staff only; ignored for an investor.")

    class Meta:
        model = KycCase
        fields = ["investor", "state", "risk_rating", "assignee"]

    def filter_risk_rating(self, queryset, name, value):
        # An investor filtering on a rating they may not read would learn it from what comes back.
        return queryset.filter(risk_rating=value) if sees_all(self.request.user) else queryset


class DocumentFilter(filters.FilterSet):
    investor = filters.ModelChoiceFilter(queryset=_investors)

    class Meta:
        model = Document
        fields = ["investor", "kind", "state"]


class ClassificationFilter(filters.FilterSet):
    investor = filters.ModelChoiceFilter(queryset=_investors)

    class Meta:
        model = InvestorClassification
        fields = ["investor", "regime", "investor_class"]


class WalletFilter(filters.FilterSet):
    investor = filters.ModelChoiceFilter(queryset=_investors)

    class Meta:
        model = Wallet
        fields = ["investor"]


class DealEligibilityFilter(filters.FilterSet):
    deal = filters.ModelChoiceFilter(queryset=lambda request: deals().visible_to(request.user))

    class Meta:
        model = DealEligibility
        fields = ["deal"]
