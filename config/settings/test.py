"""The test suite: PostgreSQL and Redis started by scripts/test.sh, passed in by URL."""

from config.safety import TEST_SECRET_KEY

from .base import *  # noqa: F403

SECRET_KEY = TEST_SECRET_KEY  # public, refused by production
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files are not collected for tests; Django serves nothing static here.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# Rates no test reaches by accident; tests of the throttles set low ones (tests/security).
REST_FRAMEWORK = {**REST_FRAMEWORK,  # noqa: F405
                  "DEFAULT_THROTTLE_RATES": dict.fromkeys(("user", "anon", "compute", "upload"),
                                                          "1000000/minute")}
