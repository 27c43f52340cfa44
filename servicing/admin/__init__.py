"""Servicing admin pages, one module per part of the app."""

from servicing.admin import periods  # noqa: F401
