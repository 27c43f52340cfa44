"""Benchmark settings: the test settings (PostgreSQL by DATABASE_URL), debug off, loopback only."""

from config.settings.test import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "bench.urls"
