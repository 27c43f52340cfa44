"""The servicing admin, one module per area (periods, distributions)."""

from servicing.admin import distributions  # noqa: F401
