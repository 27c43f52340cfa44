"""Production settings refuse missing or unsafe values, and check --deploy is clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "r7Yp2m9QwXz4Lk8Vb3Nc6Hs1Jd5Fg0Tq-aUe_iOy+PlRk2Ws8Dx4Cv7Bn3Mz9Qa1",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "DATABASE_URL": "postgres://app@db.example.com:5432/backoffice",
    "CELERY_BROKER_URL": "redis://cache.example.com:6379/0",
    "CACHE_URL": "redis://cache.example.com:6379/1",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SAFE}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=SAFE)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "Environment variable SECRET_KEY is required and not set."),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is unsafe"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY is unsafe"),
        ({"ALLOWED_HOSTS": ""}, "Environment variable ALLOWED_HOSTS is required and not set."),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must name the hosts; '*' is refused."),
        ({"DATABASE_URL": ""}, "Environment variable DATABASE_URL is required and not set."),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"},
         "Production needs DATABASE_URL to point at PostgreSQL."),
        ({"CELERY_BROKER_URL": ""}, "Environment variable CELERY_BROKER_URL is required and not set."),
        ({"CACHE_URL": ""}, "Environment variable CACHE_URL is required and not set."),
        ({"API_RATE_USER": "lots"}, "API_RATE_USER='lots' is not a rate like '600/minute'"),
        ({"SECURE_HSTS_SECONDS": "soon"}, "SECURE_HSTS_SECONDS='soon' is not an integer."),
        ({"SECURE_SSL_REDIRECT": ""}, "SECURE_SSL_REDIRECT='' is not a boolean."),
    ],
)
def test_production_refuses_to_start_with_a_missing_or_unsafe_value(override, message):
    result = run_manage("check", env={**SAFE, **override})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
