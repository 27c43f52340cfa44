"""One router for the whole REST API; each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assets.api.views import ROUTES as ASSET_ROUTES
from chain.api.views import ROUTES as CHAIN_ROUTES
from compliance.api.views import (
    BeneficialOwnerViewSet,
    ClassificationViewSet,
    DealEligibilityViewSet,
    DocumentViewSet,
    InvestorLoginChangeViewSet,
    InvestorViewSet,
    KycCaseViewSet,
    WalletChallengeViewSet,
    WalletViewSet,
)
from core.accounts.api import ApiTokenViewSet, SignInView
from core.api.fx import ROUTES as FX_ROUTES
from core.api.views import AuditEventViewSet
from green.api.views import ROUTES as GREEN_ROUTES
from issuance.api.views import DealViewSet, SPVViewSet, SubscriptionViewSet, TrancheViewSet
from reconciliation.api.views import ROUTES as RECONCILIATION_ROUTES
from reporting.api.views import ROUTES as REPORTING_ROUTES
from screening.api.views import (
    ListEntryViewSet,
    ListVersionViewSet,
    ScreeningHitViewSet,
    ScreeningRunViewSet,
    WhitelistEntryViewSet,
)
from servicing.api.views import ROUTES as SERVICING_ROUTES

router = DefaultRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="apitoken")  # the user's own API tokens
router.register("spvs", SPVViewSet, basename="spv")
router.register("deals", DealViewSet, basename="deal")
router.register("tranches", TrancheViewSet, basename="tranche")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("investors", InvestorViewSet, basename="investor")
router.register("investor-login-changes", InvestorLoginChangeViewSet, basename="investorloginchange")
router.register("beneficial-owners", BeneficialOwnerViewSet, basename="beneficialowner")
router.register("kyc-cases", KycCaseViewSet, basename="kyccase")
router.register("documents", DocumentViewSet, basename="document")
router.register("classifications", ClassificationViewSet, basename="classification")
router.register("wallets", WalletViewSet, basename="wallet")
router.register("wallet-challenges", WalletChallengeViewSet, basename="walletchallenge")
router.register("deal-eligibility", DealEligibilityViewSet, basename="dealeligibility")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
for prefix, viewset, basename in FX_ROUTES:  # recorded exchange rates (core)
    router.register(prefix, viewset, basename=basename)
router.register("screening/lists", ListVersionViewSet, basename="screening-list")
router.register("screening/entries", ListEntryViewSet, basename="screening-entry")
router.register("screening/runs", ScreeningRunViewSet, basename="screening-run")
router.register("screening/hits", ScreeningHitViewSet, basename="screening-hit")
router.register("screening/whitelist", WhitelistEntryViewSet, basename="screening-whitelist")
for prefix, viewset, basename in ASSET_ROUTES:  # collateral and cash flows (assets app)
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in CHAIN_ROUTES:  # transactions, contracts, snapshots (chain app, read-only)
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in SERVICING_ROUTES:  # periods to payouts (servicing app)
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in GREEN_ROUTES:  # certificates, issuance, retirements, sales (green app)
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in RECONCILIATION_ROUTES:  # cash matching and the exceptions queue
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in REPORTING_ROUTES:  # statements, servicer and impact reports
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("auth/token/", SignInView.as_view(), name="api-token"),
    *router.urls,
]
