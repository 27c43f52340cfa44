"""core.api.money: amounts in and out of the API with their currency's decimals."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from rest_framework import serializers

from core.api.money import MoneyField, currency_of


class Row(serializers.Serializer):
    amount = MoneyField()
    principal = MoneyField(currency="deal.currency", allow_null=True)


@pytest.mark.parametrize(("currency", "amount", "shown"), [
    ("USD", D("1000.00"), "1000.00"), ("USD", D("1000"), "1000.00"), ("JPY", D("1000.00"), "1000"),
    ("KWD", D("1.25"), "1.250"), ("CLF", D("0.0001"), "0.0001"), ("EUR", D("-0.50"), "-0.50"),
])
def test_output_has_exactly_the_currency_decimals(currency, amount, shown):
    row = SimpleNamespace(amount=amount, currency=currency, principal=amount,
                          deal=SimpleNamespace(currency=currency))
    assert Row(row).data == {"amount": shown, "principal": shown}


def test_output_without_a_currency_keeps_the_exact_value():
    row = SimpleNamespace(amount=D("1.2500"), currency="", principal=None, deal=None)
    assert Row(row).data == {"amount": "1.25", "principal": None}
    assert currency_of(SimpleNamespace(deal=None), "deal.currency") is None


@pytest.mark.parametrize(("given", "kept"), [("1.250", "1.25"), ("1000", "1000.00"), ("0.0005", "0.0005")])
def test_input_keeps_the_amount_as_written(given, kept):
    body = Row(data={"amount": given, "principal": None})
    assert body.is_valid(), body.errors
    assert str(body.validated_data["amount"]) == kept


def test_input_with_more_than_four_decimals_is_refused():
    body = Row(data={"amount": "1.00001", "principal": None})
    assert not body.is_valid()
    assert body.errors == {"amount": ["Ensure that there are no more than 4 decimal places."]}
