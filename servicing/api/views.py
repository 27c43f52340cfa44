"""The servicing app's API routes; config/api_urls.py registers them in its loop."""

from servicing.api.distributions import DISTRIBUTION_ROUTES
from servicing.api.periods import (
    AvailableFundsLineViewSet,
    CollectionPeriodViewSet,
    FundsAdjustmentViewSet,
    ServicingTermsViewSet,
    WaterfallAmendmentViewSet,
    WaterfallDescriptionViewSet,
    WaterfallRunViewSet,
)

ROUTES = [
    ("servicing/terms", ServicingTermsViewSet, "servicingterms"),
    ("servicing/periods", CollectionPeriodViewSet, "collectionperiod"),
    ("servicing/adjustments", FundsAdjustmentViewSet, "fundsadjustment"),
    ("servicing/runs", WaterfallRunViewSet, "waterfallrun"),
    ("servicing/funds-lines", AvailableFundsLineViewSet, "availablefundsline"),
    ("servicing/descriptions", WaterfallDescriptionViewSet, "waterfalldescription"),
    ("servicing/amendments", WaterfallAmendmentViewSet, "waterfallamendment"),
    *DISTRIBUTION_ROUTES,
]
