"""validate(): every error with its JSON path; run() refuses an invalid description or state."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from core.errors import InvalidInput
from servicing.waterfall import SCHEMA, run, validate

from .builders import deal, debt, period

ROOT = Path(__file__).resolve().parents[3]


def full_deal() -> dict:
    return deal(
        tranches=[debt("A1", "800000.00"), debt("B", "100000.00", "0.09"),
                  {"name": "R", "kind": "equity", "balance": "100000.00"}],
        fees=[{"name": "trustee", "amount": "500.00"}],
        accounts=[{"name": "reserve", "kind": "reserve", "target": {"amount": "10000.00"}}],
        triggers=[{"name": "oc", "kind": "oc", "tranches": ["A1"], "threshold": "1.1"},
                  {"name": "cnl", "kind": "cumulative_loss", "threshold": "0.05"},
                  {"name": "stop", "kind": "any", "triggers": ["oc", "cnl"]}],
        steps=[{"kind": "pay_fee", "fees": ["trustee"]},
               {"kind": "pay_interest", "tranches": ["A1"]},
               {"kind": "draw_reserve", "account": "reserve", "tranches": ["A1"]},
               {"kind": "pay_interest", "tranches": ["B"]},
               {"kind": "fund_reserve", "account": "reserve"},
               {"kind": "pay_principal", "tranches": ["A1", "B"], "allocation": "pro_rata",
                "when": {"trigger": "stop", "breached": False}},
               {"kind": "pay_principal", "tranches": ["A1", "B"],
                "when": {"trigger": "stop", "breached": True},
                "limit": {"target_balance": "0", "while": {"trigger": "oc", "breached": True}}},
               {"kind": "release_reserve", "account": "reserve"},
               {"kind": "pay_residual", "tranche": "R"}],
    )


def test_a_complete_description_and_the_examples_are_valid():
    assert validate(full_deal()) == []
    for path in sorted((ROOT / "docs" / "examples").glob("*.json")):
        description = json.loads(path.read_text())
        description.pop("periods")
        assert validate(description) == [], path.name


def test_an_unknown_tranche_is_named_by_its_path():
    description = full_deal()
    description["steps"][3]["tranches"] = ["A3"]

    assert validate(description) == ["steps[3].tranches[0]: unknown tranche 'A3'"]
    with pytest.raises(InvalidInput) as refused:
        run(description, [period("2027-02-15", "1000.00")])
    assert refused.value.reasons == ["steps[3].tranches[0]: unknown tranche 'A3'"]
    assert refused.value.field == "steps[3].tranches[0]"


def test_every_error_is_listed_with_its_path():
    d = full_deal()
    del d["currency"]
    d["colour"] = "green"
    d["rounding"] = "bankers"
    d["closing_date"] = "2027-02-30"
    d["tranches"][0]["balance"] = 800000.5  # a JSON fraction: floats never carry money
    d["tranches"][1]["kind"] = "mezzanine"
    d["tranches"][2]["rate"] = "0.01"
    d["fees"].append({"name": "A1", "amount": "1.00", "rate": "0.01"})
    d["accounts"][0]["target"] = {"fraction": "1.5"}
    d["triggers"][0]["tranches"] = ["R", "Z"]
    d["steps"][0]["fees"] = ["audit"]
    d["steps"][2]["account"] = "cash"
    d["steps"][4]["when"] = {"trigger": "dq", "breached": "yes"}
    d["steps"][5]["limit"] = {"amount": "1.00", "target_balance": "2.00", "until": "soon"}
    d["steps"][8]["tranche"] = "A1"
    d["steps"].append({"kind": "pay_bonus"})
    d["steps"].append({"kind": "pay_interest", "tranches": ["B", "B"], "extra": 1})

    assert validate(d) == [
        "accounts[0].target.fraction: must be a fraction between 0 and 1 (\"0.5\" is 50 %)",
        "accounts[0].target.of: is required with 'fraction'",
        "closing_date: 2027-02-30 is not a calendar date",
        "colour: is not a field of this object",
        "currency: is required",
        "fees[1]: give exactly one of 'amount', 'one_off' or 'rate' (found amount, rate)",
        "fees[1].base: is required",
        "fees[1].day_count: is required",
        "fees[1].name: duplicate name 'A1' (also tranches[0])",
        "rounding: must be one of 'half_even', 'half_up', 'floor'",
        "steps[0].fees[0]: unknown fee 'audit'",
        "steps[2].account: unknown account 'cash'",
        "steps[4].when.breached: must be true or false",
        "steps[4].when.trigger: unknown trigger 'dq'",
        "steps[5].limit: give exactly one of 'amount', 'fraction_of_available' or 'target_balance' "
        "(found amount, target_balance)",
        "steps[5].limit.until: must be a date written YYYY-MM-DD",
        "steps[8].tranche: tranche 'A1' is debt; the residual goes to an equity tranche",
        "steps[9].kind: must be one of 'pay_fee', 'pay_interest', 'pay_principal', 'fund_reserve', "
        "'release_reserve', 'draw_reserve', 'pay_residual'",
        "steps[10].extra: is not a field of this object",
        "steps[10].tranches[1]: tranche 'B' is listed twice",
        "tranches[0].balance: must be a non-negative decimal written as a string (e.g. \"1000.00\") "
        "or an integer",
        "tranches[1].kind: must be one of 'debt', 'equity'",
        "tranches[2].rate: an equity tranche bears no interest",
        "triggers[0].tranches[0]: tranche 'R' is equity and bears no interest",
        "triggers[0].tranches[1]: unknown tranche 'Z'",
    ]


def test_duplicate_names_across_sections():
    d = full_deal()
    d["tranches"].append({"name": "R", "kind": "equity", "balance": "1.00"})
    d["triggers"].append({"name": "reserve", "kind": "delinquency", "threshold": "0.1"})

    assert validate(d) == ["tranches[3].name: duplicate name 'R' (also tranches[2])",
                           "triggers[3].name: duplicate name 'reserve' (also accounts[0])"]


def test_cycles_between_combined_triggers():
    d = full_deal()
    d["triggers"] += [{"name": "x", "kind": "any", "triggers": ["y"]},
                      {"name": "y", "kind": "all", "triggers": ["oc", "x"]},
                      {"name": "z", "kind": "any", "triggers": ["z"]}]

    # reported where the loop closes: y names x, which named y
    assert validate(d) == ["triggers[4].triggers[1]: cycle x -> y -> x",
                           "triggers[5].triggers[0]: cycle z -> z"]


def test_amounts_with_more_decimals_than_the_currency():
    d = full_deal()
    d["currency"] = "JPY"
    d["original_pool_balance"] = "1000000"
    for tranche in d["tranches"]:
        tranche["balance"] = tranche["balance"].split(".")[0]
    d["fees"][0]["amount"] = "500.5"

    assert validate(d) == ["accounts[0].target.amount: 10000.00 has more decimals than JPY allows (0)",
                           "fees[0].amount: 500.5 has more decimals than JPY allows (0)"]


def test_required_fields_per_kind():
    d = full_deal()
    d["tranches"][0] = {"name": "A1", "kind": "debt", "balance": "800000.00"}
    d["triggers"][0] = {"name": "oc", "kind": "oc"}
    d["steps"][0] = {"kind": "pay_fee"}
    d["steps"][6]["limit"] = {}

    assert validate(d) == [
        "steps[0].fees: is required",
        "steps[6].limit: give exactly one of 'amount', 'fraction_of_available' or 'target_balance'",
        "tranches[0].day_count: is required",
        "tranches[0].rate: is required",
        "triggers[0].threshold: is required",
        "triggers[0].tranches: is required",
    ]


def test_not_an_object_and_wrong_format():
    assert validate([]) == ["$: must be an object"]
    assert validate({"format": 2}) == [
        "closing_date: is required", "currency: is required", "format: must be 1",
        "original_pool_balance: is required", "steps: is required", "tranches: is required"]


def test_run_refuses_periods_out_of_order_or_with_bad_amounts_and_changes_nothing():
    d = full_deal()
    before = copy.deepcopy(d)
    with pytest.raises(InvalidInput) as refused:
        run(d, [period("2027-01-15", "1.00"), period("2027-03-15", "1.001"), period("2027-03-01", "1.00")])

    assert refused.value.reasons == [
        "periods[0].payment_date: 2027-01-15 must be after the previous payment date 2027-01-15",
        "periods[1].collections: 1.001 has more decimals than USD allows",
        "periods[2].payment_date: 2027-03-01 must be after the previous payment date 2027-03-15",
    ]
    assert d == before


def test_run_refuses_a_state_of_another_description():
    state = run(full_deal(), [period("2027-02-15", "1000.00")]).state
    other = deal()

    with pytest.raises(InvalidInput) as refused:
        run(other, [period("2027-03-15", "1000.00")], state)
    assert refused.value.field == "state"
    assert refused.value.reasons[0].startswith("state: does not belong to this description")


def test_the_published_schema_file_equals_the_schema():
    published = json.loads((ROOT / "docs" / "waterfall.schema.json").read_text())
    assert published == SCHEMA
    assert SCHEMA["properties"]["format"] == {"const": 1}


def test_a_cumulative_loss_trigger_needs_an_original_pool():
    d = full_deal()
    d["original_pool_balance"] = "0.00"
    assert validate(d) == ["original_pool_balance: must be above 0 for a cumulative loss trigger"]


def test_run_refuses_float_amounts_and_datetimes_in_periods():
    from datetime import datetime

    from servicing.waterfall import PeriodInput

    with pytest.raises(InvalidInput) as refused:
        run(full_deal(), [PeriodInput(datetime(2027, 2, 15, 12), 1000.5, 1)])  # noqa: DTZ001
    assert refused.value.reasons == ["periods[0].payment_date: must be a date"]
    with pytest.raises(InvalidInput) as refused:
        run(full_deal(), [PeriodInput(date(2027, 2, 15), 1000.5, -1)])
    assert refused.value.reasons == ["periods[0].collections: must be a Decimal amount",
                                     "periods[0].pool_balance: must not be negative"]


NAME = "must be a name of 1 to 40 letters, digits, '_', '-' or '.', starting with a letter or digit"


def test_odd_json_gets_errors_not_exceptions():
    d = full_deal()
    d["triggers"] = [{"name": []}, {"name": "t", "kind": "any", "triggers": [{"x": 1}]}]
    assert validate(d) == [
        "steps[5].when.trigger: unknown trigger 'stop'",
        "steps[6].limit.while.trigger: unknown trigger 'oc'",
        "steps[6].when.trigger: unknown trigger 'stop'",
        "triggers[0].kind: is required",
        f"triggers[0].name: {NAME}",
        f"triggers[1].triggers[0]: {NAME}",
    ]
    chain = [{"name": f"t{i}", "kind": "any", "triggers": [f"t{i + 1}"]} for i in range(5000)]
    assert validate({**deal(), "triggers": chain})[0] == "triggers: must list at most 50"


def test_a_deal_s_class_names_serve_as_tranche_names():
    d = deal()
    renamed = {t["name"]: f"Class {t['name']} (senior)" for t in d["tranches"]}
    text = json.dumps(d)
    for old, new in renamed.items():
        text = text.replace(f'"{old}"', f'"{new}"')

    assert validate(json.loads(text)) == []
    assert validate({**d, "tranches": [{**d["tranches"][0], "name": "A "}, *d["tranches"][1:]]}) != []
