"""A tranche's minimum denomination must be a whole number of token base units, or minting its
allocations would fail only after the deal is issued."""

from decimal import Decimal

import pytest

from core.errors import InvalidInput
from core.models import AuditEvent
from issuance import services
from issuance.models import Tranche
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def _create(ops, deal, **overrides):
    values = dict(deal=deal, class_name="Class Z", seniority=9, original_principal=Decimal("1000"),
                  coupon_rate=Decimal("0.05"), day_count="30/360",
                  minimum_denomination=Decimal("0.50"), token_symbol="ZZZ", token_decimals=0)
    return services.tranche_create(actor=ops, **{**values, **overrides})


def test_the_review_case_zero_decimals_with_a_denomination_of_fifty_cents_is_refused(ops):
    deal = make_deal(actor=ops, tranches=())
    events = AuditEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        _create(ops, deal)

    assert (refused.value.field, refused.value.message) == ("token_decimals", (
        "The minimum denomination 0.50 USD is not a whole number of token base units with 0 "
        "decimals; give the token at least 1 decimal."))
    assert not Tranche.objects.filter(deal=deal).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("denomination", "decimals"), [("0.50", 1), ("0.25", 2), ("100000", 0),
                                                        ("0.01", 18)])
def test_a_denomination_that_base_units_can_hold_is_accepted(ops, denomination, decimals):
    deal = make_deal(actor=ops, tranches=())

    tranche = _create(ops, deal, minimum_denomination=Decimal(denomination), token_decimals=decimals,
                      original_principal=Decimal(denomination) * 10)

    assert (tranche.minimum_denomination, tranche.token_decimals) == (Decimal(denomination), decimals)


def test_an_edit_that_lowers_the_decimals_below_the_denomination_is_refused(ops):
    deal = make_deal(actor=ops, tranches=())
    tranche = _create(ops, deal, minimum_denomination=Decimal("0.25"), token_decimals=2)

    with pytest.raises(InvalidInput) as refused:
        services.tranche_update(tranche=tranche, actor=ops, token_decimals=1)

    assert refused.value.field == "token_decimals"
    assert refused.value.message == (
        "The minimum denomination 0.25 USD is not a whole number of token base units with 1 "
        "decimal; give the token at least 2 decimals.")
    tranche.refresh_from_db()
    assert tranche.token_decimals == 2


def test_an_edit_of_the_denomination_alone_is_refused_on_that_field(ops):
    deal = make_deal(actor=ops, tranches=())
    tranche = _create(ops, deal, minimum_denomination=Decimal("1"), token_decimals=0)

    with pytest.raises(InvalidInput) as refused:
        services.tranche_update(tranche=tranche, actor=ops, minimum_denomination=Decimal("0.25"))

    assert refused.value.field == "minimum_denomination"
    tranche.refresh_from_db()
    assert tranche.minimum_denomination == Decimal("1.00")


def test_the_api_answers_400_naming_the_field(api, ops):
    deal = make_deal(actor=ops, tranches=())

    response = api(ops).post("/api/v1/tranches/", {
        "deal": deal.pk, "class_name": "Class Z", "seniority": 1, "original_principal": "1000.00",
        "coupon_rate": "0.05", "day_count": "30/360", "minimum_denomination": "0.50",
        "token_symbol": "ZZZ", "token_decimals": 0}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["token_decimals"]
    assert not Tranche.objects.filter(deal=deal).exists()
