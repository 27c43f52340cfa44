"""Servicing: collection periods, available funds, waterfall runs, distributions and payouts."""

from servicing.models.distributions import Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.models.periods import CollectionPeriod

__all__ = ["CollectionPeriod", "Distribution", "Entitlement", "EscrowLine", "PayoutBatch"]
