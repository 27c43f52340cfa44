"""A deal file: a waterfall description plus the periods to run it over, as one JSON object.

``read_deal_file(text)`` gives the description and the ``PeriodInput`` list, or raises
``InvalidInput`` listing every error with its JSON path (the description's errors from
``validate`` and the periods' own). Numbers with a fraction are read as ``Decimal``, never
float, and refused like any amount not written as a string.
"""

import json
import re
from datetime import date
from decimal import Decimal

from core.errors import InvalidInput
from core.money import has_minor_units

from .results import PeriodInput
from .schema import DECIMAL_PATTERN
from .validation import validate

_AMOUNTS = ("collections", "pool_balance", "losses", "delinquent")
_FIELDS = ("payment_date", *_AMOUNTS, "label")
_DECIMAL = re.compile(DECIMAL_PATTERN)


def _amount(value) -> Decimal | None:
    """An amount as the description writes them (a decimal string or an integer), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    return None


def _periods(items, currency) -> tuple[list[PeriodInput], list[str]]:
    if not isinstance(items, list) or not items:
        return [], ["periods: must be a list of at least one period"]
    periods, errors = [], []
    for i, item in enumerate(items):
        where = f"periods[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be an object")
            continue
        before = len(errors)
        errors += [f"{where}.{key}: is not a field of a period" for key in item if key not in _FIELDS]
        values = {}
        try:
            values["payment_date"] = date.fromisoformat(item["payment_date"])
        except KeyError:
            errors.append(f"{where}.payment_date: is required")
        except (TypeError, ValueError):
            errors.append(f"{where}.payment_date: must be a date written YYYY-MM-DD")
        for key in _AMOUNTS:
            if key not in item:
                if key in ("collections", "pool_balance"):
                    errors.append(f"{where}.{key}: is required")
                continue
            amount = _amount(item[key])
            if amount is None:
                errors.append(f"{where}.{key}: must be a non-negative decimal written as a string "
                              f'(e.g. "1000.00") or an integer')
            elif isinstance(currency, str) and not has_minor_units(amount, currency):
                errors.append(f"{where}.{key}: {item[key]} has more decimals than {currency} allows")
            else:
                values[key] = amount
        label = item.get("label", "")
        if not isinstance(label, str) or len(label) > 100:
            errors.append(f"{where}.label: must be a text of at most 100 characters")
        if len(errors) == before:
            periods.append(PeriodInput(label=label, **values))
    return periods, errors


def read_deal_file(text: str) -> tuple[dict, list[PeriodInput]]:
    """The description and the periods of a deal file's ``text``."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        message = f"$: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise InvalidInput(message, reasons=[message]) from exc
    if not isinstance(data, dict):
        raise InvalidInput("$: must be an object", reasons=["$: must be an object"])
    description = {key: value for key, value in data.items() if key != "periods"}
    errors = validate(description)
    if "periods" in data:
        periods, period_errors = _periods(data["periods"], description.get("currency"))
    else:
        periods, period_errors = [], ["periods: is required"]
    errors += period_errors
    if errors:
        raise InvalidInput(f"{len(errors)} error(s): {errors[0]}", reasons=errors)
    return description, periods

