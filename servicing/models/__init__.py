"""Servicing: collection periods, available funds, waterfall runs, distributions and payouts."""

from servicing.models.periods import CollectionPeriod

__all__ = ["CollectionPeriod"]

# Periods, terms, funds, runs and descriptions (docs/servicing.md).
from servicing.models.descriptions import WaterfallAmendment, WaterfallDescription  # noqa: E402
from servicing.models.funds import AvailableFundsLine, FundsAdjustment  # noqa: E402
from servicing.models.runs import WaterfallRun  # noqa: E402
from servicing.models.terms import ServicingTerms  # noqa: E402

__all__ += ["AvailableFundsLine", "FundsAdjustment", "ServicingTerms", "WaterfallAmendment",
            "WaterfallDescription", "WaterfallRun"]
