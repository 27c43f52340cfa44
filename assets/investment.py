"""Standard investment models: payback period, IRR and NPV of a node's cash flows.

Pure Python (no Django). IRR and NPV come from ``numpy-financial``; the payback
period is computed exactly in ``Decimal``. Conventions (see docs/assets.md):

- year 0 carries the capex (an outflow); years 1..n carry revenue - opex;
- NPV discounts year ``t`` by ``(1 + rate) ** t`` (year 0 is not discounted), rounded
  half-even to the cent;
- IRR is rounded half-even to 6 decimal places (0.123456 = 12.3456 %);
- the payback period is the first time the cumulative cash flow reaches zero, with
  linear interpolation inside the year, rounded half-even to 2 decimal places; ``None``
  when the node never pays back within its horizon.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy_financial as npf

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Evaluation:
    net_flows: list[Decimal]
    payback_years: Decimal | None
    irr: Decimal | None
    npv: Decimal


def net_flows(*, capex: Decimal, revenue: list[Decimal], opex: list[Decimal]) -> list[Decimal]:
    if len(revenue) != len(opex):
        raise ValueError("Revenue and opex streams must cover the same number of years.")
    return [-capex, *(r - o for r, o in zip(revenue, opex, strict=True))]


def payback_period(flows: list[Decimal]) -> Decimal | None:
    cumulative = flows[0]
    if cumulative >= 0:
        return Decimal("0.00")
    for year, flow in enumerate(flows[1:], start=1):
        if cumulative + flow >= 0:
            fraction = -cumulative / flow
            return (Decimal(year - 1) + fraction).quantize(CENT, rounding=ROUND_HALF_EVEN)
        cumulative += flow
    return None


def evaluate(
    *, capex: Decimal, revenue: list[Decimal], opex: list[Decimal], discount_rate: Decimal
) -> Evaluation:
    flows = net_flows(capex=capex, revenue=revenue, opex=opex)
    as_float = [float(f) for f in flows]
    irr_value = npf.irr(as_float)
    irr = None if irr_value != irr_value else Decimal(repr(float(irr_value))).quantize(  # NaN check
        RATE_PLACES, rounding=ROUND_HALF_EVEN)
    npv = Decimal(repr(float(npf.npv(float(discount_rate), as_float)))).quantize(
        CENT, rounding=ROUND_HALF_EVEN)
    return Evaluation(net_flows=flows, payback_years=payback_period(flows), irr=irr, npv=npv)
