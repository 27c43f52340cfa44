"""Local demo: the PostgreSQL cluster `make demo` keeps in var/pg, loopback only. Debug is off, as in
production, so unknown API paths answer the API's JSON error and pages the real error pages;
``DEBUG=true make demo`` switches it on for development."""

from config.env import env_bool, env_list
from config.safety import DEMO_SECRET_KEY

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = DEMO_SECRET_KEY  # public, refused by production
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
