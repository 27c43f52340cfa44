"""Servicing admin pages, one module per part of the app (periods, distributions)."""

from servicing.admin import distributions, periods  # noqa: F401
