"""Read a CSV of funding receipts: one payment received per row. No database.

Columns (a header row, in any order, others ignored): ``subscription`` (its id), ``amount``
(positive, at most the currency's decimals), ``currency`` (ISO 4217, the deal's), ``value_date``
(ISO ``YYYY-MM-DD``, the day the cash was credited) and ``reference`` (the payment's reference,
1 to 100 characters). Every bad cell is named by line and column, and nothing is recorded.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from core import bounds
from core.errors import InvalidInput
from core.money import has_minor_units
from core.validators import CURRENCY_CHOICES

COLUMNS = ("subscription", "amount", "currency", "value_date", "reference")
MAX_ROWS = 10_000
MAX_REFERENCE = 100
MAX_ID = 2**63 - 1
_CURRENCIES = frozenset(code for code, _ in CURRENCY_CHOICES)


@dataclass(frozen=True)
class Receipt:
    line: int  # the line in the file (the header is line 1)
    subscription_id: int
    amount: Decimal
    currency: str
    value_date: date
    reference: str


def _cell(row: dict, line: int, column: str, problems: list[str], read):
    text = (row.get(column) or "").strip()
    try:
        return read(text)
    except ValueError as exc:
        problems.append(f"line {line}, column '{column}': {exc}")
        return None


def _id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise ValueError(f"'{text}' is not a subscription id")
    return int(text)


def _currency(text: str) -> str:
    if text.upper() not in _CURRENCIES:
        raise ValueError(f"'{text}' is not an ISO 4217 currency")
    return text.upper()


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"'{text}' is not an amount above zero")
    return amount


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD)") from None
    if not bounds.EARLIEST_DATE <= day <= bounds.LATEST_DATE:
        raise ValueError(f"{day} is outside {bounds.EARLIEST_DATE} to {bounds.LATEST_DATE}")
    return day


def _reference(text: str) -> str:
    if not text or len(text) > MAX_REFERENCE:
        raise ValueError(f"a payment reference of 1 to {MAX_REFERENCE} characters is required")
    return text


def parse_receipts(data: bytes) -> list[Receipt]:
    """Every receipt in the file, or ``InvalidInput`` (field ``file``) naming each bad cell."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The receipts file is not UTF-8 text.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"The receipts file's header lacks: {', '.join(missing)} (columns: "
                           f"{', '.join(COLUMNS)}).", field="file")
    receipts, problems = [], []
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise InvalidInput(f"The receipts file has more than {MAX_ROWS:,} rows; split it.", field="file")
        before = len(problems)
        values = {
            "subscription_id": _cell(row, line, "subscription", problems, _id),
            "amount": _cell(row, line, "amount", problems, _amount),
            "currency": _cell(row, line, "currency", problems, _currency),
            "value_date": _cell(row, line, "value_date", problems, _date),
            "reference": _cell(row, line, "reference", problems, _reference),
        }
        if len(problems) == before and not has_minor_units(values["amount"], values["currency"]):
            problems.append(f"line {line}, column 'amount': {values['amount']} has more decimals than "
                            f"{values['currency']} has")
        if len(problems) == before:
            receipts.append(Receipt(line=line, **values))
    if problems:
        raise nothing_recorded(problems)
    if not receipts:
        raise InvalidInput("The receipts file has no rows.", field="file")
    return receipts


def nothing_recorded(problems: list[str]) -> InvalidInput:
    return InvalidInput("Nothing was recorded: " + "; ".join(problems) + ".", field="file", reasons=problems)
