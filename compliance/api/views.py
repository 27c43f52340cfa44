from django_filters import rest_framework as filters

from compliance import selectors, services
from compliance.api.serializers import InvestorSerializer
from compliance.models import Investor
from core.api.viewsets import ServiceBackedViewSet


class InvestorFilter(filters.FilterSet):
    class Meta:
        model = Investor
        fields = ["kind", "country_of_residence"]


class InvestorViewSet(ServiceBackedViewSet):
    """Investors; an investor login sees only its own profile."""

    serializer_class = InvestorSerializer
    filterset_class = InvestorFilter
    search_fields = ["legal_name", "email"]
    ordering_fields = ["legal_name", "created_at"]
    create_service = staticmethod(services.investor_create)
    update_service = staticmethod(services.investor_update)
    update_kwarg = "investor"

    def get_queryset(self):
        return selectors.investors_visible_to(self.request.user)
