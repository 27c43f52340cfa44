"""Classification thresholds at and around each boundary; the record explains which test passed."""

from datetime import date
from decimal import Decimal

import pytest

from compliance import services
from compliance.classify import Declared, classify, sg_net_personal_assets
from compliance.thresholds import THRESHOLDS
from core.errors import InvalidInput

D = Decimal
CENT = D("0.01")


def hk(kind, **figures):
    return classify("hk", Declared(kind=kind, figures=figures))


@pytest.mark.parametrize(("portfolio", "expected"), [
    (D("8000000") - CENT, "retail"),
    (D("8000000"), "hk_professional"),
    (D("8000000") + CENT, "hk_professional"),
])
def test_hk_individual_portfolio_of_at_least_8m(portfolio, expected):
    assert hk("individual", portfolio=portfolio).investor_class == expected


@pytest.mark.parametrize(("figures", "expected", "test"), [
    ({"portfolio": D("7999999.99"), "total_assets": D("39999999.99")}, "retail", ""),
    ({"portfolio": D("8000000"), "total_assets": D("0")}, "hk_professional", "hk_corporation_portfolio"),
    ({"portfolio": D("0"), "total_assets": D("40000000")}, "hk_professional", "hk_corporation_total_assets"),
    ({"total_assets": D("40000000.01")}, "hk_professional", "hk_corporation_total_assets"),
])
def test_hk_corporation_portfolio_or_total_assets(figures, expected, test):
    outcome = hk("entity", **figures)
    assert (outcome.investor_class, outcome.test_passed) == (expected, test)


def test_the_explanation_names_the_test_and_the_figures():
    outcome = hk("entity", portfolio=D("7999999.99"), total_assets=D("39999999.99"))
    assert outcome.explanation == (
        "no test passed: corporation's portfolio 7,999,999.99 HKD does not meet at least 8,000,000 HKD; "
        "corporation's total assets 39,999,999.99 HKD does not meet at least 40,000,000 HKD.")
    assert hk("individual", portfolio=D("8000000")).explanation == (
        "individual's portfolio (securities, deposits, certificates of deposit) 8,000,000 HKD meets "
        "at least 8,000,000 HKD.")


def sg(opted_in=True, **figures):
    return classify("sg", Declared(kind="individual", figures=figures, opted_in=opted_in))


@pytest.mark.parametrize(("other", "residence", "expected"), [
    (D("1000000"), D("1000000"), "retail"),            # exactly S$2m is not "more than"
    (D("1000000.01"), D("1000000"), "sg_accredited"),
    (D("1000000"), D("5000000"), "retail"),            # the residence counts at most S$1m
    (D("1000000.01"), D("5000000"), "sg_accredited"),
    (D("2000000.01"), D("0"), "sg_accredited"),
])
def test_sg_net_personal_assets_over_2m_with_the_residence_capped(other, residence, expected):
    outcome = sg(net_personal_assets_excl_residence=other, primary_residence_equity=residence)
    assert outcome.investor_class == expected


def test_the_residence_cap_is_applied_in_the_sum():
    d = Declared(kind="individual", figures={"net_personal_assets_excl_residence": D("500000"),
                                            "primary_residence_equity": D("3000000")})
    assert sg_net_personal_assets(d) == D("1500000")


@pytest.mark.parametrize(("income", "expected"), [
    (D("299999.99"), "retail"), (D("300000"), "sg_accredited"), (D("300000.01"), "sg_accredited"),
])
def test_sg_income_of_at_least_300k(income, expected):
    assert sg(income_12m=income).investor_class == expected


@pytest.mark.parametrize(("nfa", "expected"), [
    (D("1000000"), "retail"), (D("1000000.01"), "sg_accredited"),
])
def test_sg_net_financial_assets_over_1m(nfa, expected):
    assert sg(net_financial_assets=nfa).investor_class == expected


def test_sg_needs_the_recorded_opt_in():
    outcome = sg(opted_in=False, income_12m=D("500000"))
    assert (outcome.investor_class, outcome.test_passed) == ("retail", "")
    assert outcome.explanation == (
        "Qualifies (income in the preceding 12 months 500,000 SGD meets at least 300,000 SGD) but has not "
        "opted in to accredited investor status, so is treated as retail.")


def us(**figures):
    return classify("us", Declared(kind="individual", figures=figures))


@pytest.mark.parametrize(("y1", "y2", "expected"), [
    (D("200000"), D("500000"), "retail"),          # "more than" $200k, in each year
    (D("200000.01"), D("200000.01"), "us_accredited"),
    (D("900000"), D("199999.99"), "retail"),
])
def test_us_income_over_200k_in_each_of_two_years(y1, y2, expected):
    assert us(income_year_1=y1, income_year_2=y2).investor_class == expected


@pytest.mark.parametrize(("j1", "j2", "expected"), [
    (D("300000"), D("300000.01"), "retail"), (D("300000.01"), D("300000.01"), "us_accredited"),
])
def test_us_joint_income_over_300k_in_each_of_two_years(j1, j2, expected):
    outcome = us(joint_income_year_1=j1, joint_income_year_2=j2)
    assert outcome.investor_class == expected


@pytest.mark.parametrize(("net_worth", "expected"), [
    (D("1000000"), "retail"), (D("1000000.01"), "us_accredited"),
])
def test_us_net_worth_over_1m_excluding_the_residence(net_worth, expected):
    outcome = us(net_worth_excl_residence=net_worth)
    assert (outcome.investor_class, outcome.test_passed) == (
        expected, "us_net_worth" if expected != "retail" else "")


def test_thresholds_are_data_with_currencies():
    assert {(t.code, t.amount, t.currency, t.comparison) for t in THRESHOLDS.values()} == {
        ("hk_individual_portfolio", D("8000000"), "HKD", "gte"),
        ("hk_corporation_portfolio", D("8000000"), "HKD", "gte"),
        ("hk_corporation_total_assets", D("40000000"), "HKD", "gte"),
        ("sg_net_personal_assets", D("2000000"), "SGD", "gt"),
        ("sg_primary_residence_cap", D("1000000"), "SGD", "cap"),
        ("sg_income_12m", D("300000"), "SGD", "gte"),
        ("sg_net_financial_assets", D("1000000"), "SGD", "gt"),
        ("us_income", D("200000"), "USD", "gt"),
        ("us_joint_income", D("300000"), "USD", "gt"),
        ("us_net_worth", D("1000000"), "USD", "gt"),
    }


@pytest.mark.django_db
def test_the_service_records_a_dated_classification(person, officer):
    record = services.classification_record(
        actor=officer, investor=person, regime="hk", figures={"portfolio": D("8000000")},
        valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))

    assert (record.investor_class, record.test_passed, record.currency, record.declared) == (
        "hk_professional", "hk_individual_portfolio", "HKD", {"portfolio": "8000000"})
    assert (record.in_force(date(2026, 12, 31)), record.in_force(date(2027, 1, 1))) == (True, False)


@pytest.mark.django_db
def test_figures_a_regime_does_not_use_are_refused(person, officer):
    with pytest.raises(InvalidInput) as exc:
        services.classification_record(actor=officer, investor=person, regime="hk",
                                       figures={"income_12m": D("1")}, valid_until=date(2030, 1, 1))
    assert exc.value.message == "Figures not used by the hk tests: income_12m."
    assert person.classifications.count() == 0
