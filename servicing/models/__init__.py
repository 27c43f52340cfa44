"""Servicing: collection periods, available funds, waterfall runs, distributions and payouts."""

from servicing.models.periods import CollectionPeriod

__all__ = ["CollectionPeriod"]
