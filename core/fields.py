"""Database columns for money: one precision for every fiat amount in the project."""

from decimal import Decimal

from django.contrib.postgres.fields import DateRangeField, RangeBoundary
from django.db import models
from django.db.models import Func

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, canonical, check_minor_units


class MoneyField(models.DecimalField):
    """A fiat amount column: ``numeric(22, 4)``, so every ISO 4217 minor unit fits (JPY 0, USD 2,
    KWD 3, CLF 4). Values read back in ``core.money.canonical`` form (``1000.00``, not the
    column's ``1000.0000``); the API and admin show them with exactly their currency's decimals."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else canonical(value)


def money_field(**kwargs) -> MoneyField:
    """A fiat amount column next to a currency. Services check each amount against its own
    currency's minor unit (``check_money_fields``, ``core.money.check_minor_units``)."""
    return MoneyField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


def is_money_field(field) -> bool:
    return isinstance(field, MoneyField)


def check_money_fields(instance: models.Model, *, currency: str | None = None) -> None:
    """Refuse, with an ``InvalidInput`` naming the field, any money column of ``instance`` with more
    decimals than its currency allows. The currency is ``instance.currency`` unless given."""
    currency = currency or getattr(instance, "currency", None)
    if not currency:
        return
    for field in instance._meta.concrete_fields:
        if is_money_field(field):
            value = getattr(instance, field.attname)
            if isinstance(value, Decimal | int):
                check_minor_units(value, currency, field=field.name)


class DateRange(Func):
    """PostgreSQL ``daterange(first, last, '[]')``: the days from ``first`` to ``last``, both
    included (exclusion constraints: two rows may not cover the same day)."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self, first: str, last: str):
        super().__init__(first, last, RangeBoundary(inclusive_lower=True, inclusive_upper=True))
