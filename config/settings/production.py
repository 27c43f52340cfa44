"""Production: every secret and host from the environment; refuses to start without them, or with a
value that is public, too broad or switched off (config/safety.py; docs/operations.md)."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret_key, env_str
from config.safety import check_allowed_hosts, check_csrf_trusted_origins, refuse_development_signer

from .base import *  # noqa: F403
from .base import CHAIN_ID, DATABASES

DEBUG = False
SECRET_KEY = env_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
check_allowed_hosts(ALLOWED_HOSTS)
env_str("DATABASE_URL")  # required: no silent fallback to the demo SQLite file
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs DATABASE_URL to point at PostgreSQL.")
env_str("CELERY_BROKER_URL")
env_str("CACHE_URL")  # required: the throttles' counts must be shared by every worker (Redis)
# ".example.com" in ALLOWED_HOSTS means the domain and its subdomains: "https://*.example.com".
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", ",".join(f"https://{'*' if h.startswith('.') else ''}{h}" for h in ALLOWED_HOSTS)
)
check_csrf_trusted_origins(CSRF_TRUSTED_ORIGINS)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The same one reverse proxy gives the client's address for the sign-in lockout (core/accounts/lockout.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if not SECURE_SSL_REDIRECT:
    raise ImproperlyConfigured(
        "SECURE_SSL_REDIRECT=false is refused: production redirects every plain HTTP request to HTTPS."
    )
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 31_536_000, minimum=31_536_000,
    why="production sends HSTS for a year at least (0 switches it off; HSTS preload needs a year).",
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CHAIN_CONFIRMATIONS = env_int(
    "CHAIN_CONFIRMATIONS", 2, minimum=1,
    why="with 0 a transaction counts as final in the block that mined it, and a reorganisation can undo it.",
)
refuse_development_signer(CHAIN_ID)
