"""Payback, IRR and NPV of the worked example in docs/assets.md."""

from decimal import Decimal

import numpy_financial as npf
import pytest

from assets.investment import evaluate, payback_period
from assets.services import fleet

CAPEX = Decimal("100000")
REVENUE = [Decimal(v) for v in ("26000", "36000", "46000", "46000", "36000")]
OPEX = [Decimal("6000")] * 5  # net: 20,000, 30,000, 40,000, 40,000, 30,000


def test_worked_example():
    result = evaluate(capex=CAPEX, revenue=REVENUE, opex=OPEX, discount_rate=Decimal("0.10"))

    assert result.net_flows == [
        Decimal("-100000"),
        Decimal("20000"),
        Decimal("30000"),
        Decimal("40000"),
        Decimal("40000"),
        Decimal("30000"),
    ]
    # cumulative after year 3 is -10,000; year 4 brings 40,000: 3 + 10/40 = 3.25 years
    assert result.payback_years == Decimal("3.25")
    # 18,181.82 + 24,793.39 + 30,052.59 + 27,320.54 + 18,627.64 - 100,000 (see docs/assets.md)
    assert result.npv == Decimal("18975.98")
    assert result.irr == Decimal("0.166046")


def test_irr_is_the_rate_where_npv_is_zero():
    result = evaluate(capex=CAPEX, revenue=REVENUE, opex=OPEX, discount_rate=Decimal("0.10"))
    flows = [float(f) for f in result.net_flows]
    assert abs(npf.npv(float(result.irr), flows)) < 1.0  # within a dollar at 6 decimal places of rate


def test_never_paying_back_has_no_payback_and_no_irr():
    result = evaluate(
        capex=Decimal("100"),
        revenue=[Decimal("10")] * 3,
        opex=[Decimal("20")] * 3,
        discount_rate=Decimal("0.05"),
    )
    assert result.payback_years is None
    assert result.irr is None


def test_exact_payback_at_a_year_end():
    assert payback_period([Decimal("-50"), Decimal("25"), Decimal("25")]) == Decimal("2.00")


@pytest.mark.django_db
def test_a_stored_model_evaluates_the_same(ops):
    model = fleet.investment_model_create(
        actor=ops,
        name="Example station",
        kind="green_energy_station",
        currency="USD",
        capex=CAPEX,
        revenue=[str(v) for v in REVENUE],
        opex=[str(v) for v in OPEX],
        discount_rate=Decimal("0.10"),
    )
    result = fleet.investment_model_evaluate(model)
    assert (result.payback_years, result.npv, result.irr) == (
        Decimal("3.25"),
        Decimal("18975.98"),
        Decimal("0.166046"),
    )
