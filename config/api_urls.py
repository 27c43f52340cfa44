"""One router for the whole REST API; each app registers its viewsets here."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from compliance.api.views import InvestorViewSet
from core.api.views import AuditEventViewSet
from issuance.api.views import DealViewSet, SPVViewSet, SubscriptionViewSet, TrancheViewSet

router = DefaultRouter()
router.register("spvs", SPVViewSet, basename="spv")
router.register("deals", DealViewSet, basename="deal")
router.register("tranches", TrancheViewSet, basename="tranche")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("investors", InvestorViewSet, basename="investor")
router.register("audit-events", AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    *router.urls,
]
