"""Parse ISO 20022 camt.053 (bank-to-customer statement) safely, and bank CSV files.

Pure Python (no Django). XML goes through ``defusedxml``, which refuses DTDs, entity
declarations (billion laughs, external entities) and external references; anything
not well-formed is refused too. Every refusal is a :class:`StatementError` with a
sentence a person can act on.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError  # noqa: S405 - types only; parsing uses defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from core.money import has_minor_units, minor_units, quantize

MAX_BYTES = 50 * 1024 * 1024


class StatementError(ValueError):
    pass


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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: Element | None, path: str) -> Element | None:
    """Namespace-agnostic ``find`` by local names: ``'Acct/Id/IBAN'``."""
    if element is None:
        return None
    current = element
    for name in path.split("/"):
        current = next((child for child in current if _local(child.tag) == name), None)
        if current is None:
            return None
    return current


def _findall(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, path: str, default: str = "") -> str:
    found = _find(element, path)
    return (found.text or "").strip() if found is not None and found.text else default


def _date(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise StatementError(f"{what} '{text}' is not an ISO date.") from None


def _amount(element: Element | None, what: str) -> tuple[Decimal, str]:
    if element is None or not (element.text or "").strip():
        raise StatementError(f"{what} has no amount.")
    try:
        value = Decimal(element.text.strip())
    except InvalidOperation:
        raise StatementError(f"{what}: '{element.text.strip()}' is not an amount.") from None
    currency = element.get("Ccy", "")
    if value < 0 or not has_minor_units(value, currency):
        raise StatementError(f"{what}: '{element.text.strip()}' must be positive with at most "
                             f"{_decimals(currency)}.")
    return value, currency


def _decimals(currency: str) -> str:
    """What a currency's minor unit allows, in words: '2 decimals' (USD), 'no decimals' (JPY)."""
    places = minor_units(currency)
    return f"{places} decimals" if places else "no decimals"


def _balance(stmt: Element, codes: tuple[str, ...]) -> Decimal | None:
    for bal in _findall(stmt, "Bal"):
        if _text(bal, "Tp/CdOrPrtry/Cd") in codes:
            value, _ = _amount(_find(bal, "Amt"), "Balance")
            return -value if _text(bal, "CdtDbtInd") == "DBIT" else value
    return None


def parse_camt053(data: bytes) -> list[ParsedStatement]:
    """Every statement in a camt.053 document; refuses unsafe or malformed XML."""
    if len(data) > MAX_BYTES:
        raise StatementError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError(
            "Refused: the XML declares a DTD or entities (a document type, entity or external "
            f"reference is never needed in camt.053 and can be an attack): {type(exc).__name__}."
        ) from None
    except ParseError as exc:
        raise StatementError(f"Refused: the file is not well-formed XML ({exc}).") from None
    if _local(root.tag) != "Document" or _find(root, "BkToCstmrStmt") is None:
        raise StatementError("Not a camt.053 document: expected Document/BkToCstmrStmt.")
    statements = []
    for n, stmt in enumerate(_findall(_find(root, "BkToCstmrStmt"), "Stmt"), start=1):
        stmt_id = _text(stmt, "Id")
        account = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id")
        if not stmt_id or not account:
            raise StatementError(f"Statement {n} has no Id or no account (Acct/Id/IBAN or Othr/Id).")
        currency = _text(stmt, "Acct/Ccy")
        parsed = ParsedStatement(
            statement_id=stmt_id, account=account, currency=currency,
            from_date=_date(_text(stmt, "FrToDt/FrDtTm"), "FrDtTm"),
            to_date=_date(_text(stmt, "FrToDt/ToDtTm"), "ToDtTm"),
            opening_balance=_balance(stmt, ("OPBD", "PRCD")),
            closing_balance=_balance(stmt, ("CLBD",)),
        )
        for m, ntry in enumerate(_findall(stmt, "Ntry"), start=1):
            where = f"Statement {stmt_id} entry {m}"
            if _text(ntry, "Sts/Cd", _text(ntry, "Sts")) not in ("BOOK", ""):
                continue  # pending / information entries are not booked money
            amount, ccy = _amount(_find(ntry, "Amt"), where)
            direction = _text(ntry, "CdtDbtInd")
            if direction not in ("CRDT", "DBIT"):
                raise StatementError(f"{where}: CdtDbtInd must be CRDT or DBIT, not '{direction}'.")
            tx = _find(ntry, "NtryDtls/TxDtls")
            reference = (_text(ntry, "AcctSvcrRef") or _text(tx, "Refs/AcctSvcrRef")
                         or _text(tx, "Refs/EndToEndId"))
            if not reference:
                raise StatementError(f"{where} has no bank reference (AcctSvcrRef), so it cannot be "
                                     "stored once.")
            party = "Dbtr" if direction == "CRDT" else "Cdtr"
            parsed.entries.append(ParsedEntry(
                bank_reference=reference,
                booking_date=_date(_text(ntry, "BookgDt/Dt") or _text(ntry, "BookgDt/DtTm"), where)
                or parsed.to_date,
                value_date=_date(_text(ntry, "ValDt/Dt") or _text(ntry, "ValDt/DtTm"), where),
                direction=direction, amount=amount, currency=ccy or currency,
                end_to_end_id=_text(tx, "Refs/EndToEndId"),
                counterparty_name=(_text(tx, f"RltdPties/{party}/Nm")
                                   or _text(tx, f"RltdPties/{party}/Pty/Nm")),
                counterparty_account=_text(tx, f"RltdPties/{party}Acct/Id/IBAN"),
                remittance_info=" ".join(
                    (u.text or "").strip() for u in _findall(_find(tx, "RmtInf") or Element("x"), "Ustrd")
                ) or _text(ntry, "AddtlNtryInf"),
                bank_transaction_code="/".join(p for p in (
                    _text(ntry, "BkTxCd/Domn/Cd"), _text(ntry, "BkTxCd/Domn/Fmly/Cd"),
                    _text(ntry, "BkTxCd/Domn/Fmly/SubFmlyCd")) if p),
            ))
            if parsed.entries[-1].booking_date is None:
                raise StatementError(f"{where} has no booking date.")
        statements.append(parsed)
    if not statements:
        raise StatementError("The document holds no statement (Stmt).")
    return statements


CSV_COLUMNS = ("account", "statement_id", "bank_reference", "booking_date", "value_date", "amount",
               "currency", "counterparty_name", "remittance_info")


def parse_csv(data: bytes) -> list[ParsedStatement]:
    """A bank CSV export: one row per entry, with a signed amount (negative = money out)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementError("The CSV is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise StatementError(f"The CSV header lacks: {', '.join(missing)}.")
    by_key: dict[tuple[str, str], ParsedStatement] = {}
    errors = []
    for line, row in enumerate(reader, start=2):
        try:
            amount = Decimal(row["amount"].strip())
            if amount == 0 or not has_minor_units(amount, (row.get("currency") or "").strip()):
                raise InvalidOperation
        except (InvalidOperation, AttributeError):
            errors.append(f"line {line}: amount '{row['amount']}' is not a non-zero amount with "
                          f"{_decimals((row.get('currency') or '').strip())}")
            continue
        try:
            booking = _date(row["booking_date"].strip(), "booking_date")
            value = _date((row["value_date"] or "").strip(), "value_date")
        except StatementError as exc:
            errors.append(f"line {line}: {str(exc).rstrip('.')}")
            continue
        if not row["bank_reference"].strip() or booking is None:
            errors.append(f"line {line}: bank_reference and booking_date are required")
            continue
        key = (row["account"].strip(), row["statement_id"].strip())
        stmt = by_key.setdefault(key, ParsedStatement(statement_id=key[1], account=key[0],
                                                      currency=row["currency"].strip()))
        stmt.entries.append(ParsedEntry(
            bank_reference=row["bank_reference"].strip(), booking_date=booking, value_date=value,
            direction="CRDT" if amount > 0 else "DBIT", amount=abs(amount),
            currency=row["currency"].strip() or stmt.currency,
            counterparty_name=(row["counterparty_name"] or "").strip(),
            remittance_info=(row["remittance_info"] or "").strip(),
        ))
    if errors:
        raise StatementError("Nothing imported: " + "; ".join(errors) + ".")
    if not by_key:
        raise StatementError("The CSV has no entries.")
    for stmt in by_key.values():
        dates = [e.booking_date for e in stmt.entries]
        stmt.from_date, stmt.to_date = min(dates), max(dates)
    return list(by_key.values())


def build_camt053(*, statement_id: str, account: str, currency: str, from_date: date, to_date: date,
                  opening_balance: Decimal, entries: list[ParsedEntry]) -> bytes:
    """A camt.053.001.08 document for one statement (the demo data and tests use it)."""
    from xml.etree.ElementTree import SubElement, tostring  # noqa: S405 - building, not parsing

    def sub(parent, tag, text=None, **attrs):
        node = SubElement(parent, tag, attrs)
        if text is not None:
            node.text = str(text)
        return node

    def balance(parent, code, amount, on):
        bal = sub(parent, "Bal")
        sub(sub(sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        sub(bal, "Amt", str(quantize(abs(amount), currency)), Ccy=currency)
        sub(bal, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
        sub(sub(bal, "Dt"), "Dt", on.isoformat())

    root = Element("Document", {"xmlns": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"})
    body = sub(root, "BkToCstmrStmt")
    header = sub(body, "GrpHdr")
    sub(header, "MsgId", f"MSG-{statement_id}")
    sub(header, "CreDtTm", f"{to_date.isoformat()}T23:00:00Z")
    stmt = sub(body, "Stmt")
    sub(stmt, "Id", statement_id)
    period = sub(stmt, "FrToDt")
    sub(period, "FrDtTm", f"{from_date.isoformat()}T00:00:00Z")
    sub(period, "ToDtTm", f"{to_date.isoformat()}T23:59:59Z")
    acct = sub(stmt, "Acct")
    sub(sub(acct, "Id"), "IBAN", account)
    sub(acct, "Ccy", currency)
    closing = opening_balance + sum((e.amount if e.direction == "CRDT" else -e.amount for e in entries),
                                    Decimal("0"))
    balance(stmt, "OPBD", opening_balance, from_date)
    balance(stmt, "CLBD", closing, to_date)
    for e in entries:
        ntry = sub(stmt, "Ntry")
        sub(ntry, "Amt", str(quantize(e.amount, e.currency or currency)), Ccy=e.currency or currency)
        sub(ntry, "CdtDbtInd", e.direction)
        sub(sub(ntry, "Sts"), "Cd", "BOOK")
        sub(sub(ntry, "BookgDt"), "Dt", e.booking_date.isoformat())
        sub(sub(ntry, "ValDt"), "Dt", (e.value_date or e.booking_date).isoformat())
        sub(ntry, "AcctSvcrRef", e.bank_reference)
        tx = sub(sub(ntry, "NtryDtls"), "TxDtls")
        if e.end_to_end_id:
            sub(sub(tx, "Refs"), "EndToEndId", e.end_to_end_id)
        parties = sub(tx, "RltdPties")
        party = "Dbtr" if e.direction == "CRDT" else "Cdtr"
        sub(sub(parties, party), "Nm", e.counterparty_name)
        if e.counterparty_account:
            sub(sub(sub(parties, f"{party}Acct"), "Id"), "IBAN", e.counterparty_account)
        if e.remittance_info:
            sub(sub(tx, "RmtInf"), "Ustrd", e.remittance_info)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")
