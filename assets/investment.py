"""Standard investment models: payback period, NPV and IRR of a node's cash flows.

Pure Python (no Django). Conventions (docs/assets.md, "Standard investment models"):

- year 0 carries the capex (an outflow); years 1..n carry revenue - opex;
- NPV is exact: each year's flow is divided by ``(1 + rate) ** t`` in ``Decimal`` at
  50 significant digits (year 0 is not discounted), the present values are summed and
  the sum is rounded once, half-even, to the currency's minor unit;
- IRR: every discount rate that makes the NPV zero. Net flows that change sign more
  than once (Descartes' rule of signs) can have several; ``pyxirr`` solves for one and a
  scan of the NPV's sign over rates from -99 % to 1,000 % finds the others, each refined
  by bisection on the exact NPV. ``irr`` is set only when exactly one rate was found;
  several are all listed in ``irr_roots`` with a warning. Rates are rounded half-even to
  6 decimal places (0.123456 = 12.3456 %);
- the payback period is the first time the cumulative cash flow reaches zero, with
  linear interpolation inside the year, rounded half-even to 2 decimal places; ``None``
  when the node never pays back within its horizon.

Inputs are bounded: finite amounts below 10^18 with no more decimal places than the
currency's minor unit, at most 100 years, a discount rate from 0 (inclusive) to 1.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

import numpy as np
import pyxirr

from core.errors import InvalidInput

PRECISION = 50  # significant digits for discounting; amounts have at most 18 + 4
MAX_YEARS = 100
MAX_AMOUNT = Decimal(10) ** 18  # a money column holds 20 digits, 2 of them decimals
YEAR_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")
SAME_ROOT = Decimal("0.00001")
BISECT_WIDTH = Decimal("1e-10")
# Rates scanned for sign changes of the NPV: every 0.05 % from -99 % to 100 %, then every
# 1 % to 1,000 %. Two IRRs closer together than one step can look like none.
SCAN_RATES = [Decimal(k) / 2000 for k in range(-1980, 2000)] + [Decimal(k) / 100 for k in range(100, 1001)]
_SCAN_GROWTH = 1.0 + np.array([float(r) for r in SCAN_RATES])


@dataclass(frozen=True)
class Evaluation:
    net_flows: list[Decimal]
    payback_years: Decimal | None
    npv: Decimal
    irr: Decimal | None  # the IRR when exactly one rate makes the NPV zero
    irr_roots: list[Decimal]  # every such rate found, ascending
    sign_changes: int  # of the net flows: by Descartes' rule, at most this many IRRs
    irr_warning: str | None

    @property
    def multiple_irr(self) -> bool:
        return len(self.irr_roots) > 1


def checked_amount(value, *, field: str, minor_unit: Decimal, label: str | None = None) -> Decimal:
    """``value`` as a finite Decimal below 10^18 written in whole ``minor_unit``s, else ``InvalidInput``."""
    label = label or field
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{label}: '{value}' is not a decimal amount.", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{label}: '{value}' is not a finite amount.", field=field)
    if abs(amount) >= MAX_AMOUNT:
        raise InvalidInput(f"{label}: {amount} is out of range (amounts stay below 10^18).", field=field)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        whole_units = amount.quantize(minor_unit)
    if amount != whole_units:
        raise InvalidInput(f"{label}: {amount} has more decimal places than the currency's minor unit "
                           f"({minor_unit}).", field=field)
    return whole_units


def checked_rate(value, *, field: str = "discount_rate") -> Decimal:
    """A discount rate as a fraction from 0 (inclusive) to 1 (0.08 is 8 %), else ``InvalidInput``."""
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field}: '{value}' is not a decimal rate.", field=field) from None
    if not rate.is_finite() or not Decimal(0) <= rate < 1:
        raise InvalidInput(f"{field}: {value} is out of range; a discount rate is a fraction from 0 to "
                           "below 1 (0.08 is 8 %).", field=field)
    return rate


def checked_streams(*, revenue: list, opex: list, minor_unit: Decimal) -> tuple[list[Decimal], list[Decimal]]:
    """Revenue and opex per year (years 1..n), each amount checked by :func:`checked_amount`."""
    checked = {}
    for name, stream in (("revenue", revenue), ("opex", opex)):
        if not isinstance(stream, list | tuple) or not 1 <= len(stream) <= MAX_YEARS:
            raise InvalidInput(f"{name} must be a list of 1 to {MAX_YEARS} yearly amounts.", field=name)
        checked[name] = [checked_amount(v, field=name, minor_unit=minor_unit, label=f"{name}, year {year}")
                         for year, v in enumerate(stream, start=1)]
    if len(checked["revenue"]) != len(checked["opex"]):
        raise InvalidInput("Revenue and opex streams must cover the same number of years.", field="opex")
    return checked["revenue"], checked["opex"]


def net_flows(*, capex: Decimal, revenue: list[Decimal], opex: list[Decimal]) -> list[Decimal]:
    return [-capex, *(r - o for r, o in zip(revenue, opex, strict=True))]


def payback_period(flows: list[Decimal]) -> Decimal | None:
    cumulative = flows[0]
    if cumulative >= 0:
        return Decimal("0.00")
    for year, flow in enumerate(flows[1:], start=1):
        if cumulative + flow >= 0:
            fraction = -cumulative / flow
            return (Decimal(year - 1) + fraction).quantize(YEAR_PLACES, rounding=ROUND_HALF_EVEN)
        cumulative += flow
    return None


def _present_value(flows: list[Decimal], rate: Decimal) -> Decimal:
    """Sum of ``flow / (1 + rate) ** t``, unrounded, at :data:`PRECISION` digits."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        growth = 1 + rate
        return sum((flow / growth**t for t, flow in enumerate(flows)), Decimal(0))


def npv(flows: list[Decimal], rate: Decimal, *, minor_unit: Decimal) -> Decimal:
    """Net present value, exact to :data:`PRECISION` digits, rounded once half-even to ``minor_unit``."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _present_value(flows, rate).quantize(minor_unit, rounding=ROUND_HALF_EVEN)


def sign_changes(flows: list[Decimal]) -> int:
    signs = [flow > 0 for flow in flows if flow != 0]
    return sum(a != b for a, b in zip(signs, signs[1:], strict=False))


def _bisect(flows: list[Decimal], low: Decimal, high: Decimal) -> Decimal | None:
    """The rate in [low, high] where the exact NPV changes sign, or ``None`` if it does not."""
    at_low, at_high = _present_value(flows, low), _present_value(flows, high)
    if at_low == 0:
        return low
    if at_high == 0:
        return high
    if (at_low > 0) == (at_high > 0):
        return None  # the float scan saw rounding noise, not a root
    with localcontext() as ctx:
        ctx.prec = PRECISION
        while high - low > BISECT_WIDTH:
            middle = (low + high) / 2
            at_middle = _present_value(flows, middle)
            if at_middle == 0:
                return middle
            if (at_middle > 0) == (at_low > 0):
                low, at_low = middle, at_middle
            else:
                high = middle
        return (low + high) / 2


def _scanned_roots(flows: list[Decimal]) -> list[Decimal]:
    """Roots where the NPV changes sign between neighbouring :data:`SCAN_RATES` (or is zero on one)."""
    scale = max(abs(flow) for flow in flows)
    values = np.array([float(flow / scale) for flow in flows])
    present = (values / _SCAN_GROWTH[:, None] ** np.arange(len(values))).sum(axis=1)
    signs = np.sign(present)
    roots = []
    for i in np.nonzero(signs[:-1] * signs[1:] <= 0)[0]:
        root = _bisect(flows, SCAN_RATES[i], SCAN_RATES[i + 1])
        if root is not None:
            roots.append(root)
    return roots


def _solved_root(flows: list[Decimal]) -> Decimal | None:
    """pyxirr's IRR of the flows scaled to a largest magnitude of 1 (its tolerance is absolute)."""
    scale = max(abs(flow) for flow in flows)
    solved = pyxirr.irr([float(flow / scale) for flow in flows], silent=True)
    if solved is None or not math.isfinite(solved) or solved <= -1:
        return None
    return Decimal(repr(solved))


def irr_roots(flows: list[Decimal]) -> list[Decimal]:
    """Every rate found that makes the NPV zero, ascending, rounded to 6 decimal places."""
    if sign_changes(flows) == 0:
        return []
    found: list[Decimal] = []
    solved = _solved_root(flows)
    if solved is not None:
        found.append(solved)
    for root in _scanned_roots(flows):
        if all(abs(root - other) > SAME_ROOT for other in found):
            found.append(root)
    return sorted({root.quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN) for root in found})


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.0001'))} %"


def evaluate(*, capex, revenue: list, opex: list, discount_rate, minor_unit: Decimal) -> Evaluation:
    """Payback, NPV and IRR of a node; amounts in whole ``minor_unit``s of its currency."""
    capex = checked_amount(capex, field="capex", minor_unit=minor_unit)
    if capex <= 0:
        raise InvalidInput("capex must be above zero (the year-0 outlay).", field="capex")
    revenue, opex = checked_streams(revenue=revenue, opex=opex, minor_unit=minor_unit)
    rate = checked_rate(discount_rate)
    flows = net_flows(capex=capex, revenue=revenue, opex=opex)
    roots = irr_roots(flows)
    changes = sign_changes(flows)
    warning = None
    if len(roots) > 1:
        warning = (f"The net flows change sign {changes} times, and {len(roots)} discount rates make the NPV "
                   f"zero: {', '.join(_percent(r) for r in roots)}. No single IRR describes these flows; "
                   "compare them by NPV.")
    return Evaluation(net_flows=flows, payback_years=payback_period(flows),
                      npv=npv(flows, rate, minor_unit=minor_unit),
                      irr=roots[0] if len(roots) == 1 else None, irr_roots=roots, sign_changes=changes,
                      irr_warning=warning)
