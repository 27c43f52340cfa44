"""Payback, NPV and IRR: the worked examples in docs/assets.md and the review's figures."""

from decimal import Decimal

import pytest

from assets.investment import evaluate, npv, payback_period, sign_changes
from assets.models import InvestmentModel
from assets.services import fleet
from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent

CENT, YEN = Decimal("0.01"), Decimal("1")
CAPEX = Decimal("100000")
REVENUE = [Decimal(v) for v in ("26000", "36000", "46000", "46000", "36000")]
OPEX = [Decimal("6000")] * 5  # net: 20,000, 30,000, 40,000, 40,000, 30,000


def _evaluate(**overrides):
    values = {"capex": CAPEX, "revenue": REVENUE, "opex": OPEX, "discount_rate": Decimal("0.10"),
              "minor_unit": CENT}
    return evaluate(**(values | overrides))


def test_worked_example():
    result = _evaluate()

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
    assert (result.irr, result.irr_roots) == (Decimal("0.166046"), [Decimal("0.166046")])
    assert result.sign_changes == 1
    assert (result.multiple_irr, result.irr_warning) == (False, None)


def test_irr_is_the_rate_where_the_exact_npv_changes_sign():
    flows = _evaluate().net_flows
    # 0.166046 is rounded: the exact NPV is positive half a millionth below it and negative above
    assert npv(flows, Decimal("0.1660455"), minor_unit=CENT) == Decimal("0.06")
    assert npv(flows, Decimal("0.1660465"), minor_unit=CENT) == Decimal("-0.19")


def test_npv_is_exact_at_1e15():
    """Review: the float NPV was 6.04 off at 1e15. Capex 10^15, then 9 x 10^14 a year for 26 years at 9 %.

    Exact: 7,936,074,903,168,475.0385... (a fraction computed by hand in the test below), so
    7,936,074,903,168,475.04; the earlier float computation gave 7,936,074,903,168,469.00.
    """
    result = _evaluate(capex=Decimal("1000000000000000"), revenue=[Decimal("900000000000000")] * 26,
                       opex=[Decimal("0")] * 26, discount_rate=Decimal("0.09"))

    assert result.npv == Decimal("7936074903168475.04")
    assert result.irr == Decimal("0.900000")


def test_the_1e15_figure_checked_with_fractions():
    from fractions import Fraction

    exact = -Fraction(10**15) + sum(Fraction(9 * 10**14) / Fraction(109, 100) ** t for t in range(1, 27))
    assert 7936074903168475 + Fraction(38, 1000) < exact < 7936074903168475 + Fraction(39, 1000)


def test_two_irrs_are_both_reported_and_flagged():
    """Review: a cash flow with two IRRs returned one without a word.

    A node earns 230,000 in year 1 and pays 132,000 to be dismantled in year 2: the NPV
    -100,000 + 230,000 / (1 + r) - 132,000 / (1 + r)^2 is zero at 10 % and at 20 %.
    """
    result = _evaluate(revenue=[Decimal("230000"), Decimal("0")], opex=[Decimal("0"), Decimal("132000")])

    assert result.sign_changes == 2
    assert result.irr is None
    assert result.irr_roots == [Decimal("0.100000"), Decimal("0.200000")]
    assert result.multiple_irr is True
    assert result.irr_warning == (
        "The net flows change sign 2 times, and 2 discount rates make the NPV zero: 10.0000 %, 20.0000 %. "
        "No single IRR describes these flows; compare them by NPV."
    )
    assert result.npv == Decimal("0.00")  # 10 % is one of the roots


def test_three_sign_changes_three_irrs():
    # With g = 1 + r, NPV x g^3 = -(g - 1)(g - 1.25)(g - 2) = -g^3 + 4.25 g^2 - 5.75 g + 2.5:
    # zero at 0 %, 25 % and 100 %
    flows = [Decimal("-1"), Decimal("4.25"), Decimal("-5.75"), Decimal("2.5")]
    result = evaluate(capex=Decimal("1"), revenue=flows[1:], opex=[Decimal("0")] * 3,
                      discount_rate=Decimal("0.05"), minor_unit=Decimal("0.0001"))

    assert sign_changes(result.net_flows) == 3
    assert result.irr_roots == [Decimal("0.000000"), Decimal("0.250000"), Decimal("1.000000")]
    assert result.irr is None


def test_two_sign_changes_and_no_rate_makes_npv_zero():
    # -100 + 250x - 200x^2 has no real root: no IRR, and nothing to warn about
    result = _evaluate(capex=Decimal("100"), revenue=[Decimal("250"), Decimal("0")],
                       opex=[Decimal("0"), Decimal("200")])
    assert (result.sign_changes, result.irr_roots, result.irr, result.irr_warning) == (2, [], None, None)


def test_never_paying_back_has_no_payback_and_no_irr():
    result = _evaluate(capex=Decimal("100"), revenue=[Decimal("10")] * 3, opex=[Decimal("20")] * 3,
                       discount_rate=Decimal("0.05"))
    assert result.payback_years is None
    assert (result.irr, result.irr_roots, result.sign_changes) == (None, [], 0)


def test_exact_payback_at_a_year_end():
    assert payback_period([Decimal("-50"), Decimal("25"), Decimal("25")]) == Decimal("2.00")


def test_npv_in_yen_is_whole_yen():
    # -1,000,000 + 400,000 x (1/1.07 + 1/1.07^2 + 1/1.07^3) = 49,726.4177... -> 49,726 yen
    result = _evaluate(capex=Decimal("1000000"), revenue=[Decimal("400000")] * 3, opex=[Decimal("0")] * 3,
                       discount_rate=Decimal("0.07"), minor_unit=YEN)
    assert result.npv == Decimal("49726")


RATE_RANGE = "is out of range; a discount rate is a fraction from 0 to below 1 (0.08 is 8 %)."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"revenue": [Decimal("NaN")] * 5}, "revenue", "revenue, year 1: 'NaN' is not a finite amount."),
        ({"opex": [*OPEX[:4], Decimal("Infinity")]}, "opex",
         "opex, year 5: 'Infinity' is not a finite amount."),
        ({"capex": Decimal("-Infinity")}, "capex", "capex: '-Infinity' is not a finite amount."),
        ({"capex": Decimal("1000000000000000000")}, "capex",
         "capex: 1000000000000000000 is out of range (amounts stay below 10^18)."),
        ({"capex": Decimal("0")}, "capex", "capex must be above zero (the year-0 outlay)."),
        ({"revenue": ["26000.5", *REVENUE[1:]], "minor_unit": YEN}, "revenue",
         "revenue, year 1: 26000.5 has more decimal places than the currency's minor unit (1)."),
        ({"revenue": ["abc", *REVENUE[1:]]}, "revenue", "revenue, year 1: 'abc' is not a decimal amount."),
        ({"revenue": [Decimal("1")] * 101, "opex": [Decimal("0")] * 101}, "revenue",
         "revenue must be a list of 1 to 100 yearly amounts."),
        ({"opex": OPEX[:4]}, "opex", "Revenue and opex streams must cover the same number of years."),
        ({"discount_rate": Decimal("NaN")}, "discount_rate",
         f"discount_rate: NaN {RATE_RANGE}"),
        ({"discount_rate": Decimal("1")}, "discount_rate",
         f"discount_rate: 1 {RATE_RANGE}"),
        ({"discount_rate": Decimal("-0.01")}, "discount_rate",
         f"discount_rate: -0.01 {RATE_RANGE}"),
    ],
)
def test_bad_inputs_are_refused_naming_the_field(overrides, field, message):
    with pytest.raises(InvalidInput) as refused:
        _evaluate(**overrides)
    assert (refused.value.field, refused.value.message) == (field, message)


def _create(actor, **overrides):
    values = {"name": "Example station", "kind": "green_energy_station", "currency": "USD", "capex": CAPEX,
              "revenue": [str(v) for v in REVENUE], "opex": [str(v) for v in OPEX],
              "discount_rate": Decimal("0.10")}
    return fleet.investment_model_create(actor=actor, **(values | overrides))


@pytest.mark.django_db
def test_a_stored_model_evaluates_the_same(ops):
    result = fleet.investment_model_evaluate(_create(ops))
    assert (result.payback_years, result.npv, result.irr) == (
        Decimal("3.25"),
        Decimal("18975.98"),
        Decimal("0.166046"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"revenue": ["NaN", "1", "1", "1", "1"]}, "revenue"),
        ({"opex": ["6000", "6000", "6000", "6000", "Infinity"]}, "opex"),
        ({"revenue": ["1e18", "1", "1", "1", "1"]}, "revenue"),
        ({"currency": "JPY", "revenue": ["26000.50", "1", "1", "1", "1"]}, "revenue"),
        ({"currency": "JPY", "capex": Decimal("100000.50")}, "capex"),
        ({"discount_rate": Decimal("1.5")}, "discount_rate"),
    ],
)
def test_storing_bad_figures_is_refused_and_nothing_is_written(ops, overrides, field):
    with pytest.raises(InvalidInput) as refused:
        _create(ops, **overrides)
    assert refused.value.field == field
    assert (InvestmentModel.objects.count(), AuditEvent.objects.filter(content_type__model="investmentmodel")
            .count()) == (0, 0)


@pytest.mark.django_db
def test_changing_the_currency_checks_every_stored_figure_again(ops):
    model = _create(ops, capex=Decimal("100000.50"))
    with pytest.raises(InvalidInput) as refused:
        fleet.investment_model_update(model=model, actor=ops, currency="JPY")
    assert refused.value.field == "capex"
    model.refresh_from_db()
    assert (model.currency, AuditEvent.objects.filter(action="update").count()) == ("USD", 0)


@pytest.mark.django_db
def test_only_people_allowed_to_may_create_models(trustee):
    with pytest.raises(NotPermitted):
        _create(trustee)
    assert InvestmentModel.objects.count() == 0
