"""Read settings from the environment, refusing values that are missing or unsafe.

Every helper raises ``ImproperlyConfigured`` naming the variable, so a
misconfigured deployment stops at start-up instead of running half-right.
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

from config.safety import refuse_public_secret_key

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ImproperlyConfigured(f"Environment variable {name} is required and not set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name}={raw!r} is not a boolean.")


def env_int(name: str, default: int, *, minimum: int = 0, why: str = "") -> int:
    """An integer of at least ``minimum``; ``why`` (a sentence) says what a smaller value would do."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={raw!r} is not an integer.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}"
                                   + (f": {why}" if why else "."))
    return value


_RATE = re.compile(r"^[1-9]\d{0,8}/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A request rate for a DRF throttle: a whole number of requests per second, minute, hour or
    day (``600/minute``, ``30/hour``)."""
    value = os.environ.get(name, default).strip()
    if not _RATE.match(value):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not a rate like '600/minute' (per s, m, h or d).")
    return value


def env_list(name: str, default: str | None = None) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret_key(name: str = "SECRET_KEY") -> str:
    """A production secret key: long, varied, not one of Django's throwaway keys nor one committed here."""
    value = env_str(name)
    refuse_public_secret_key(value, name)
    if len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure"):
        raise ImproperlyConfigured(
            f"Environment variable {name} is unsafe: use at least 50 random characters."
        )
    return value
