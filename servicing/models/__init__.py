"""Servicing: collection periods, available funds, waterfall runs, distributions and payouts."""

from servicing.models.descriptions import WaterfallAmendment, WaterfallDescription
from servicing.models.distributions import Distribution, Entitlement, EscrowLine, PayoutBatch
from servicing.models.funds import AvailableFundsLine, FundsAdjustment
from servicing.models.periods import CollectionPeriod
from servicing.models.runs import WaterfallRun
from servicing.models.terms import ServicingTerms

__all__ = ["AvailableFundsLine", "CollectionPeriod", "Distribution", "Entitlement", "EscrowLine",
           "FundsAdjustment", "PayoutBatch", "ServicingTerms", "WaterfallAmendment", "WaterfallDescription",
           "WaterfallRun"]
