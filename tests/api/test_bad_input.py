"""Invalid input is a 400 that names the field in error.fields, and nothing is created."""

import pytest

from compliance.models import Investor
from core.models import AuditEvent
from issuance.models import SPV, Deal, Subscription, Tranche
from tests.factories import make_deal, make_lei, make_spv

pytestmark = pytest.mark.django_db

MATURITY_NOT_AFTER_CLOSING = "The legal final maturity must be after the closing date."


def spv_body(**overrides):
    return {"legal_name": "Input Compute SPV Ltd", "jurisdiction": "SG", "registration_number": "I-1",
            "lei": make_lei(515151), "trustee": "Trustee Ltd", "administrator": "Admin Ltd",
            "base_currency": "USD", **overrides}


def deal_body(spv, **overrides):
    return {"spv": spv.pk, "name": "Input Deal", "asset_class": "green_compute_abs", "currency": "USD",
            "target_size": "10000000", "closing_date": "2026-12-31", "payment_frequency": "quarterly",
            "legal_final_maturity": "2031-12-31", **overrides}


def tranche_body(deal, **overrides):
    return {"deal": deal.pk, "class_name": "Class C", "seniority": 3, "original_principal": "500000",
            "coupon_rate": "0.1", "day_count": "30/360", "minimum_denomination": "100000",
            "token_symbol": "INPUTC", **overrides}


def counts():
    return {model.__name__: model.objects.count()
            for model in (SPV, Deal, Tranche, Subscription, Investor, AuditEvent)}


def assert_invalid(response, field, message, *, from_service=False):
    """400 ``invalid`` naming ``field``; service refusals also list the rule in ``reasons``."""
    assert response.status_code == 400
    if from_service:
        expected = {"code": "invalid", "message": message, "reasons": [message], "fields": {field: [message]}}
    else:
        prefix = "" if field == "non_field_errors" else f"{field}: "
        expected = {"code": "invalid", "message": prefix + message, "fields": {field: [message]}}
    assert response.json() == {"error": expected}


def test_an_invalid_lei_is_refused_naming_the_field(ops, api):
    before = counts()

    response = api(ops).post("/api/v1/spvs/", spv_body(lei="54930000000000000001"))

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", ["lei"])
    assert error["fields"]["lei"][0].startswith(
        "'54930000000000000001' is not a valid LEI (ISO 17442): "
        "The number's checksum or check digit is invalid.")
    assert counts() == before


def test_the_invalid_lei_message_ends_with_a_single_full_stop(ops, api):
    response = api(ops).post("/api/v1/spvs/", spv_body(lei="54930000000000000001"))

    assert response.json()["error"]["fields"] == {"lei": [
        "'54930000000000000001' is not a valid LEI (ISO 17442): "
        "The number's checksum or check digit is invalid."]}


def test_an_invalid_jurisdiction_is_refused_naming_the_field(ops, api):
    before = counts()

    response = api(ops).post("/api/v1/spvs/", spv_body(jurisdiction="XX"))

    assert_invalid(response, "jurisdiction", '"XX" is not a valid choice.')
    assert counts() == before


def test_an_invalid_country_of_residence_is_refused_naming_the_field(officer, api):
    before = counts()

    response = api(officer).post("/api/v1/investors/", {
        "kind": "entity", "legal_name": "Nowhere Fund", "email": "fund@example.test",
        "country_of_residence": "ZZ"})

    assert_invalid(response, "country_of_residence", '"ZZ" is not a valid choice.')
    assert counts() == before


def test_an_invalid_currency_is_refused_naming_the_field(ops, api):
    spv = make_spv(actor=ops)
    before = counts()

    response = api(ops).post("/api/v1/deals/", deal_body(spv, currency="XYZ"))

    assert_invalid(response, "currency", '"XYZ" is not a valid choice.')
    assert counts() == before


@pytest.mark.parametrize("size", ["-1000000", "0", "0.00"])
def test_a_target_size_that_is_not_positive_is_refused(size, ops, api):
    spv = make_spv(actor=ops)
    before = counts()

    response = api(ops).post("/api/v1/deals/", deal_body(spv, target_size=size))

    assert_invalid(response, "target_size", "Ensure this value is greater than or equal to 0.01.")
    assert counts() == before


def test_a_target_size_cannot_be_edited_to_zero(ops, draft_deal, api):
    before = counts()

    response = api(ops).patch(f"/api/v1/deals/{draft_deal.pk}/", {"target_size": "0"})

    assert_invalid(response, "target_size", "Ensure this value is greater than or equal to 0.01.")
    draft_deal.refresh_from_db()
    assert str(draft_deal.target_size) == "10000000.00"
    assert counts() == before


@pytest.mark.parametrize("maturity", ["2026-06-30", "2026-12-31"], ids=["before", "same-day"])
def test_a_legal_final_maturity_not_after_closing_is_refused(maturity, ops, api):
    spv = make_spv(actor=ops)
    before = counts()

    response = api(ops).post("/api/v1/deals/", deal_body(spv, legal_final_maturity=maturity))

    assert_invalid(response, "legal_final_maturity", MATURITY_NOT_AFTER_CLOSING)
    assert counts() == before


def test_moving_the_closing_date_past_the_maturity_is_refused(ops, draft_deal, api):
    before = counts()

    response = api(ops).patch(f"/api/v1/deals/{draft_deal.pk}/", {"closing_date": "2032-01-31"})

    assert_invalid(response, "legal_final_maturity", MATURITY_NOT_AFTER_CLOSING)
    draft_deal.refresh_from_db()
    assert draft_deal.closing_date.isoformat() == "2026-12-31"
    assert counts() == before


def test_a_tranche_principal_not_a_multiple_of_the_denomination_is_refused(ops, api):
    deal = make_deal(actor=ops, tranches=("7000000",))
    before = counts()

    response = api(ops).post("/api/v1/tranches/", tranche_body(deal, original_principal="150000"))

    assert_invalid(response, "original_principal",
                   "150,000.00 USD is not a whole multiple of the minimum denomination 100,000.00 USD.",
                   from_service=True)
    assert counts() == before


def test_tranches_that_would_add_up_above_the_deal_size_are_refused(ops, draft_deal, api):
    before = counts()

    response = api(ops).post("/api/v1/tranches/", tranche_body(draft_deal, original_principal="100000"))

    assert_invalid(response, "original_principal",
                   "Tranches would add up to 10,100,000.00 USD, above the deal size 10,000,000.00 USD.",
                   from_service=True)
    assert counts() == before


def test_growing_a_tranche_above_the_deal_size_is_refused(ops, draft_deal, api):
    senior = draft_deal.tranches.get(seniority=1)
    before = counts()

    response = api(ops).patch(f"/api/v1/tranches/{senior.pk}/", {"original_principal": "7100000"})

    assert_invalid(response, "original_principal",
                   "Tranches would add up to 10,100,000.00 USD, above the deal size 10,000,000.00 USD.",
                   from_service=True)
    senior.refresh_from_db()
    assert (str(senior.original_principal), str(senior.current_principal)) == ("7000000.00", "7000000.00")
    assert counts() == before


def test_a_tranche_with_a_seniority_already_taken_is_refused(ops, api):
    deal = make_deal(actor=ops, tranches=("7000000",))
    before = counts()

    response = api(ops).post("/api/v1/tranches/", tranche_body(deal, seniority=1))

    assert_invalid(response, "non_field_errors", "The fields deal, seniority must make a unique set.")
    assert counts() == before


@pytest.mark.parametrize(("amount", "shown"), [("50000", "50,000.00"), ("150000", "150,000.00")],
                         ids=["below-minimum", "not-a-multiple"])
def test_a_subscription_that_is_not_whole_lots_is_refused(amount, shown, investor_user, investor,
                                                          open_deal, api):
    before = counts()

    response = api(investor_user).post("/api/v1/subscriptions/", {
        "tranche": open_deal.tranches.get(seniority=1).pk, "requested_amount": amount})

    assert_invalid(response, "requested_amount",
                   f"The requested amount {shown} USD must be a whole multiple of the minimum "
                   "denomination 100,000.00 USD.", from_service=True)
    assert counts() == before


def test_a_subscription_amount_that_is_not_positive_is_refused(investor_user, investor, open_deal, api):
    before = counts()

    response = api(investor_user).post("/api/v1/subscriptions/", {
        "tranche": open_deal.tranches.get(seniority=1).pk, "requested_amount": "-100000"})

    assert_invalid(response, "requested_amount", "Ensure this value is greater than or equal to 0.01.")
    assert counts() == before


def test_a_second_live_subscription_for_the_same_tranche_is_refused(investor_user, investor, open_deal,
                                                                    api):
    tranche = open_deal.tranches.get(seniority=1)
    client = api(investor_user)
    assert client.post("/api/v1/subscriptions/", {
        "tranche": tranche.pk, "requested_amount": "100000"}).status_code == 201
    before = counts()

    response = client.post("/api/v1/subscriptions/", {"tranche": tranche.pk, "requested_amount": "200000"})

    assert_invalid(response, "tranche", f"Own Investor Ltd already has a live subscription for {tranche}.",
                   from_service=True)
    assert counts() == before


def test_a_missing_required_field_is_named(ops, api):
    before = counts()

    response = api(ops).post("/api/v1/spvs/", {k: v for k, v in spv_body().items() if k != "lei"})

    assert_invalid(response, "lei", "This field is required.")
    assert counts() == before
