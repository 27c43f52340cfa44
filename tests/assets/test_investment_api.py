"""POST /investment-models/evaluate/ and the models' evaluation: exact NPV, every IRR, bounded inputs."""

import pytest

from assets.services import fleet

pytestmark = pytest.mark.django_db
URL = "/api/v1/investment-models/evaluate/"
WORKED = {"currency": "USD", "capex": "100000", "revenue": ["26000", "36000", "46000", "46000", "36000"],
          "opex": ["6000"] * 5, "discount_rate": "0.10"}


def test_the_worked_example(trustee, api):
    response = api(trustee).post(URL, WORKED, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "currency": "USD",
        "net_flows": ["-100000.00", "20000.00", "30000.00", "40000.00", "40000.00", "30000.00"],
        "payback_years": "3.25",
        "npv": "18975.98",
        "irr": "0.166046",
        "irr_roots": ["0.166046"],
        "multiple_irr": False,
        "sign_changes": 1,
        "irr_warning": None,
    }


def test_npv_is_exact_with_twenty_digit_amounts(trustee, api):
    """Review: 6.04 off at 1e15 through the API (it accepts 20 digits)."""
    body = {"currency": "USD", "capex": "1000000000000000", "revenue": ["900000000000000"] * 26,
            "opex": ["0"] * 26, "discount_rate": "0.09"}

    response = api(trustee).post(URL, body, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["npv"], response.json()["irr"]) == ("7936074903168475.04", "0.900000")


def test_two_irrs_are_returned_with_a_warning(trustee, api):
    body = {"currency": "USD", "capex": "100000", "revenue": ["230000", "0"], "opex": ["0", "132000"],
            "discount_rate": "0.10"}

    data = api(trustee).post(URL, body, format="json").json()

    assert (data["irr"], data["irr_roots"], data["multiple_irr"], data["sign_changes"]) == (
        None, ["0.100000", "0.200000"], True, 2)
    assert data["irr_warning"].startswith(
        "The net flows change sign 2 times, and 2 discount rates make the NPV zero: 10.0000 %, 20.0000 %.")


def test_yen_flows_give_a_whole_yen_npv(trustee, api):
    body = {"currency": "JPY", "capex": "1000000", "revenue": ["400000"] * 3, "opex": ["0"] * 3,
            "discount_rate": "0.07"}
    assert api(trustee).post(URL, body, format="json").json()["npv"] == "49726"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"revenue": ["NaN"] * 5}, "revenue"),
        ({"opex": ["6000"] * 4 + ["Infinity"]}, "opex"),
        ({"capex": "-Infinity"}, "capex"),
        ({"capex": "1000000000000000000"}, "capex"),
        ({"discount_rate": "NaN"}, "discount_rate"),
        ({"discount_rate": "1"}, "discount_rate"),
        ({"currency": "JPY", "capex": "100000.50"}, "capex"),
        ({"currency": "XYZ"}, "currency"),
        ({"revenue": ["1"] * 101, "opex": ["0"] * 101}, "revenue"),
    ],
)
def test_bad_figures_are_a_400_naming_the_field(change, field, trustee, api):
    response = api(trustee).post(URL, WORKED | change, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]


def test_stored_models_show_their_evaluation(ops, trustee, api):
    fleet.investment_model_create(actor=ops, name="Dismantled node", kind="home_unit", currency="USD",
                                  capex="100000", revenue=["230000", "0"], opex=["0", "132000"],
                                  discount_rate="0.10")
    fleet.investment_model_create(actor=ops, name="Station", kind="green_energy_station", currency="USD",
                                  capex="100000", revenue=WORKED["revenue"], opex=WORKED["opex"],
                                  discount_rate="0.10")

    rows = api(trustee).get("/api/v1/investment-models/").json()["results"]

    by_name = {row["name"]: row["evaluation"] for row in rows}
    assert (by_name["Station"]["irr"], by_name["Station"]["npv"]) == ("0.166046", "18975.98")
    assert (by_name["Dismantled node"]["irr"], by_name["Dismantled node"]["irr_roots"]) == (
        None, ["0.100000", "0.200000"])
