"""Validators for identifiers that come from standards (ISO 3166, ISO 4217, ISO 17442)."""

import pycountry
from django.core.exceptions import ValidationError
from stdnum import lei as stdnum_lei
from stdnum.exceptions import ValidationError as StdnumError

COUNTRY_CHOICES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
CURRENCY_CHOICES = sorted((c.alpha_3, f"{c.alpha_3} - {c.name}") for c in pycountry.currencies)
_COUNTRIES = {code for code, _ in COUNTRY_CHOICES}
_CURRENCIES = {code for code, _ in CURRENCY_CHOICES}


def validate_country(value: str) -> None:
    if value not in _COUNTRIES:
        raise ValidationError(
            f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. SG, HK, KY).",
            code="invalid_country",
        )


def validate_currency(value: str) -> None:
    if value not in _CURRENCIES:
        raise ValidationError(
            f"'{value}' is not an ISO 4217 currency code (e.g. USD, SGD, HKD).",
            code="invalid_currency",
        )


def validate_lei(value: str) -> None:
    """ISO 17442: 20 characters, the last two an ISO 7064 MOD 97-10 check."""
    try:
        stdnum_lei.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            f"'{value}' is not a valid LEI (ISO 17442): {str(exc).rstrip('.')}.", code="invalid_lei"
        ) from None
