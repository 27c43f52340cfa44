"""Request rates per user and per route (DRF throttles), from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.

Every request counts against its user's rate (``user``; ``anon`` for requests without a login,
by address), and routes that cost more - computations, uploads - also against their own scope
(``throttle_scope = "compute"``), so one user cannot take a worker's CPU with them. Over the
rate, the answer is 429 with ``Retry-After`` (seconds). The counts live in the default cache:
Redis in production (``CACHE_URL``), so every worker sees the same counts.

DRF reads the rates once, when its classes are imported; these read them on each request, so
a settings change (a test's override) applies at once.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings


class _RatesFromSettings:
    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No rate for the throttle scope '{self.scope}' in "
                                       "REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'].") from None


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class ScopedRateThrottle(_RatesFromSettings, throttling.ScopedRateThrottle):
    pass
