"""Database columns for money: one precision for every fiat amount in the project."""

from django.db import models

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(**kwargs) -> models.DecimalField:
    """A fiat amount column: up to 4 decimals, so every ISO 4217 minor unit fits (JPY 0, USD 2,
    KWD 3, CLF 4). Services check each amount against its own currency's minor unit
    (``core.money.check_minor_units``); the API and admin show it with exactly those decimals."""
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


def is_money_field(field) -> bool:
    """Whether a model field is a money column made by ``money_field``."""
    return (isinstance(field, models.DecimalField) and field.max_digits == MONEY_MAX_DIGITS
            and field.decimal_places == MONEY_DECIMAL_PLACES)
