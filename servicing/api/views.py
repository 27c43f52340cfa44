"""The servicing app's REST routes: (URL prefix, viewset, basename), registered in config/api_urls.py."""

from servicing.api.distributions import DISTRIBUTION_ROUTES

ROUTES = [
    *DISTRIBUTION_ROUTES,
]
