"""Local demo and development: the PostgreSQL cluster `make demo` keeps in var/pg, debug on, loopback only."""

from config.env import env_bool, env_list
from config.safety import DEMO_SECRET_KEY

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = DEMO_SECRET_KEY  # public, refused by production
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
