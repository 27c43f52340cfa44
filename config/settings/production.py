"""Production: every secret and host from the environment; refuses to start without them."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret_key, env_str

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
SECRET_KEY = env_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts; '*' is refused.")
env_str("DATABASE_URL")  # required: no silent fallback to the demo SQLite file
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs DATABASE_URL to point at PostgreSQL.")
env_str("CELERY_BROKER_URL")
env_str("CACHE_URL")  # required: the throttles' counts must be shared by every worker (Redis)
# ".example.com" in ALLOWED_HOSTS means the domain and its subdomains: "https://*.example.com".
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", ",".join(f"https://{'*' if h.startswith('.') else ''}{h}" for h in ALLOWED_HOSTS)
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
