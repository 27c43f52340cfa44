from django.contrib import admin

from compliance import services
from compliance.models import Investor
from core.admin_transitions import ServiceAdmin


@admin.register(Investor)
class InvestorAdmin(ServiceAdmin):
    list_display = ["legal_name", "kind", "country_of_residence", "email", "user"]
    list_filter = ["kind", "country_of_residence"]
    search_fields = ["legal_name", "email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    create_service = staticmethod(services.investor_create)
    update_service = staticmethod(services.investor_update)
    update_kwarg = "investor"
