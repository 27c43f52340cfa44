"""What every bank statement format parses into, and the rules they share.

No database: amounts, account numbers, references and the key that tells one entry
from another are decided here, the same way for camt.053 and CSV. Every refusal is
a :class:`StatementError` with a sentence a person can act on.

The key of an entry (how a repeat is recognised):

- ``ref:<AcctSvcrRef>`` when the bank gave its reference and no other entry of the
  same statement has it (``rev:<AcctSvcrRef>`` for a reversal, so a reversal that
  reuses its original's reference is a different entry);
- otherwise ``pos:<statement id>:<position>``: the entry's place in its statement.

NOTPROVIDED, NONREF and empty are no reference. An end-to-end id is the payer's, not
the bank's, and never keys an entry.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from stdnum import iban, numdb
from stdnum.exceptions import ValidationError as NumberError

from core.money import minor_units

ABSENT_REFERENCES = frozenset({"", "NOTPROVIDED", "NONREF"})
# ISO 20022 ActiveOrHistoricCurrencyAndAmount: at most 18 digits in all.
MAX_AMOUNT_DIGITS = 18
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}")
_IBAN_COUNTRIES = numdb.get("iban")


class StatementError(ValueError):
    pass


class AmountError(ValueError):
    """An amount that is not one; the message is the phrase after the field's name."""


@dataclass
class ParsedDetail:
    """One transaction (camt.053 ``TxDtls``) inside a booked entry."""

    position: int
    direction: str  # CRDT or DBIT
    amount: Decimal
    currency: str
    bank_reference: str = ""
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    remittance_info: str = ""

    @property
    def where(self) -> str:
        return f"transaction {self.position}"


@dataclass
class ParsedEntry:
    bank_reference: str
    booking_date: date
    value_date: date | None
    direction: str  # CRDT or DBIT
    amount: Decimal
    currency: str
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    remittance_info: str = ""
    bank_transaction_code: str = ""
    is_reversal: bool = False
    position: int = 0  # camt.053: the Ntry's number in its statement; CSV: the line in the file
    where: str = ""  # "Statement X entry 3", "Statement X line 4": how messages name the entry
    details: list[ParsedDetail] = field(default_factory=list)
    key: str = ""

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == "CRDT" else -self.amount

    @property
    def reference_key(self) -> str:
        return ("rev:" if self.is_reversal else "ref:") + self.bank_reference


@dataclass
class ParsedStatement:
    statement_id: str
    account: str
    currency: str
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    entries: list[ParsedEntry] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"Statement {shorten(self.statement_id)}"


def shorten(text: str, limit: int = 24) -> str:
    """Long values are named by their first 20 characters in messages."""
    return text if len(text) <= limit else text[:20] + "…"


def reference(text: str) -> str:
    """The bank's reference, or "" when it gave none (NOTPROVIDED, NONREF, empty)."""
    text = text.strip()
    return "" if text.upper() in ABSENT_REFERENCES else text


def parse_amount(text: str, *, currency: str, signed: bool = False, zero: bool = False) -> Decimal:
    """``"250.00"`` -> ``Decimal("250.00")``, exact, in ``currency``'s minor unit.

    Plain digits with an optional decimal point only (no NaN, Infinity, exponent or
    thousands separator), at most 18 digits, no more decimals than the currency has,
    and not zero unless ``zero``. ``signed`` allows a leading minus (CSV).
    """
    raw = text.strip()
    if not raw:
        raise AmountError("is missing")
    body = raw[1:] if signed and raw[0] in "+-" else raw
    match = _AMOUNT.fullmatch(body)
    if match is None:
        if raw[0] == "-" and _AMOUNT.fullmatch(raw[1:]):
            raise AmountError(f"'{raw}' is negative; CdtDbtInd gives the direction")
        raise AmountError(f"'{shorten(raw)}' is not an amount (digits with an optional decimal point)")
    whole, fraction = match.group(1).lstrip("0"), (match.group(2) or "").rstrip("0")
    if len(whole) + len(fraction) > MAX_AMOUNT_DIGITS:
        raise AmountError(f"'{shorten(raw)}' has more than {MAX_AMOUNT_DIGITS} digits")
    places = minor_units(currency)
    if len(fraction) > places:
        raise AmountError(f"'{raw}' has more decimals than {currency} allows ({places})")
    value = Decimal(raw).quantize(Decimal(1).scaleb(-places))
    if value == 0 and not zero:
        raise AmountError(f"'{raw}' is zero")
    return value


def normalise_account(text: str, *, is_iban: bool) -> str:
    """Spaces removed and upper case; an IBAN (or what looks like one) must be a valid IBAN.

    Raises :class:`ValueError` with the reason when it is not.
    """
    compact = "".join(text.split()).upper()
    looks_like_iban = bool(_IBAN_SHAPE.fullmatch(compact)) and bool(_IBAN_COUNTRIES.info(compact)[0][1])
    if is_iban or looks_like_iban:
        try:
            return iban.validate(compact)
        except NumberError as exc:
            raise ValueError(f"'{shorten(text.strip(), 40)}' is not a valid IBAN ({str(exc).rstrip('.')})") \
                from None
    return compact


def assign_keys(statement: ParsedStatement) -> None:
    """Give every entry its key (see the module docstring)."""
    counts = Counter(e.reference_key for e in statement.entries if e.bank_reference)
    for entry in statement.entries:
        unique = entry.bank_reference and counts[entry.reference_key] == 1
        entry.key = entry.reference_key if unique else f"pos:{statement.statement_id}:{entry.position}"


def check_balances(statement: ParsedStatement) -> None:
    """Opening balance + booked entries = closing balance, when the statement gives both."""
    if statement.opening_balance is None or statement.closing_balance is None:
        return
    net = sum((e.signed_amount for e in statement.entries), Decimal(0))
    expected = statement.opening_balance + net
    if expected != statement.closing_balance:
        ccy = statement.currency
        raise StatementError(
            f"{statement.where} does not add up: opening balance {statement.opening_balance} + booked "
            f"entries {net:+} = {expected} {ccy}, but the closing balance (CLBD) is "
            f"{statement.closing_balance} {ccy}."
        )


def check_unique_statements(statements: list[ParsedStatement]) -> None:
    """One file holds each statement (account + id) once."""
    first: dict[tuple[str, str], int] = {}
    for n, stmt in enumerate(statements, start=1):
        earlier = first.setdefault((stmt.account, stmt.statement_id), n)
        if earlier != n:
            raise StatementError(f"{stmt.where} of account {stmt.account} appears twice in this file "
                                 f"(statements {earlier} and {n}).")
