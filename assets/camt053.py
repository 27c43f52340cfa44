"""Parse ISO 20022 camt.053 (bank-to-customer statement) safely; build one for the demo.

No database. XML goes through ``defusedxml``, which refuses DTDs, entity declarations
(billion laughs, external entities) and external references; anything not well-formed
is refused too. Every refusal is a :class:`StatementError` naming the statement, the
entry (``Ntry``, counted from 1) and the transaction (``TxDtls``) it is about.

A statement must add up (opening OPBD/PRCD + booked entries = closing CLBD), every entry
is in the account's currency, and the transactions of a batched entry add up to it.
"""

from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError  # noqa: S405 - types only; parsing uses defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from stdnum import iban as stdnum_iban

from assets.statements import (
    AmountError,
    ParsedDetail,
    ParsedEntry,
    ParsedStatement,
    StatementError,
    assign_keys,
    check_balances,
    check_unique_statements,
    normalise_account,
    parse_amount,
    reference,
)
from core.money import minor_units

MAX_BYTES = 50 * 1024 * 1024
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False, "": False}


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


def _findall(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [child for child in element if _local(child.tag) == name]


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


def _amount(element: Element | None, what: str, *, currency: str, zero: bool = False) -> Decimal:
    try:
        return parse_amount("" if element is None else (element.text or ""), currency=currency, zero=zero)
    except AmountError as exc:
        raise StatementError(f"{what} {exc}.") from None


def _account(element: Element | None, what: str) -> str:
    """An ``...Acct/Id`` element's IBAN or other id, normalised."""
    is_iban = bool(_text(element, "IBAN"))
    raw = _text(element, "IBAN") or _text(element, "Othr/Id")
    try:
        return normalise_account(raw, is_iban=is_iban) if raw else ""
    except ValueError as exc:
        raise StatementError(f"{what} {exc}.") from None


def _balance(stmt: Element, codes: tuple[str, ...], where: str, currency: str) -> Decimal | None:
    for bal in _findall(stmt, "Bal"):
        code = _text(bal, "Tp/CdOrPrtry/Cd")
        if code in codes:
            amt = _find(bal, "Amt")
            if amt is not None and amt.get("Ccy", currency) != currency:
                raise StatementError(f"{where} {code} balance is in {amt.get('Ccy')}, but the account is in "
                                     f"{currency}.")
            value = _amount(amt, f"{where} {code} balance", currency=currency, zero=True)
            return -value if _text(bal, "CdtDbtInd") == "DBIT" else value
    return None


def _remittance(tx: Element | None) -> str:
    return " ".join((u.text or "").strip() for u in _findall(_find(tx, "RmtInf"), "Ustrd")).strip()


def _detail(tx: Element, k: int, *, entry_where: str, direction: str, currency: str,
            amount: Decimal | None) -> ParsedDetail | None:
    where = f"{entry_where} transaction {k}"
    amt = _find(tx, "Amt")
    if amt is None:
        amt = _find(tx, "AmtDtls/TxAmt/Amt")
    if amt is not None:
        if amt.get("Ccy", currency) != currency:
            raise StatementError(f"{where} is in {amt.get('Ccy')}, but the entry is in {currency}.")
        amount = _amount(amt, f"{where} amount", currency=currency)
    elif amount is None:
        return None  # the caller names what is missing
    tx_direction = _text(tx, "CdtDbtInd") or direction
    if tx_direction not in ("CRDT", "DBIT"):
        raise StatementError(f"{where}: CdtDbtInd must be CRDT or DBIT, not '{tx_direction}'.")
    party = "Dbtr" if tx_direction == "CRDT" else "Cdtr"
    return ParsedDetail(
        position=k, direction=tx_direction, amount=amount, currency=currency,
        bank_reference=reference(_text(tx, "Refs/AcctSvcrRef")),
        end_to_end_id=reference(_text(tx, "Refs/EndToEndId")),
        counterparty_name=_text(tx, f"RltdPties/{party}/Nm") or _text(tx, f"RltdPties/{party}/Pty/Nm"),
        counterparty_account=_account(_find(tx, f"RltdPties/{party}Acct/Id"),
                                      f"{where}: counterparty account"),
        remittance_info=_remittance(tx),
    )


def _details(ntry: Element, where: str, *, direction: str, currency: str,
             amount: Decimal) -> list[ParsedDetail]:
    """Every TxDtls of the entry; a batch must add up to the entry."""
    txs = [tx for dtls in _findall(ntry, "NtryDtls") for tx in _findall(dtls, "TxDtls")]
    details = []
    for k, tx in enumerate(txs, start=1):
        detail = _detail(tx, k, entry_where=where, direction=direction, currency=currency,
                         amount=amount if len(txs) == 1 else None)
        if detail is None:
            raise StatementError(f"{where} transaction {k} has no amount (Amt or AmtDtls/TxAmt/Amt), and the "
                                 f"entry batches {len(txs)} transactions.")
        details.append(detail)
    total = sum((d.amount if d.direction == direction else -d.amount for d in details), Decimal(0))
    if details and total != amount:
        raise StatementError(f"{where}: its {len(details)} transactions (TxDtls) add up to {total} "
                             f"{currency}, but the entry is {amount} {currency}.")
    return details


def _common(values: list[str]) -> str:
    """The one value all transactions share, else ""."""
    return values[0] if values and all(v == values[0] for v in values) else ""


def _entry(ntry: Element, m: int, stmt: ParsedStatement) -> ParsedEntry | None:
    where = f"{stmt.where} entry {m}"
    if _text(ntry, "Sts/Cd", _text(ntry, "Sts")) not in ("BOOK", ""):
        return None  # pending / information entries are not booked money
    amt = _find(ntry, "Amt")
    if amt is not None and amt.get("Ccy", stmt.currency) != stmt.currency:
        raise StatementError(f"{where} is in {amt.get('Ccy')}, but the account is in {stmt.currency}.")
    amount = _amount(amt, f"{where} amount", currency=stmt.currency)
    direction = _text(ntry, "CdtDbtInd")
    if direction not in ("CRDT", "DBIT"):
        raise StatementError(f"{where}: CdtDbtInd must be CRDT or DBIT, not '{direction}'.")
    reversal = _text(ntry, "RvslInd").lower()
    if reversal not in _BOOLEANS:
        raise StatementError(f"{where} RvslInd '{_text(ntry, 'RvslInd')}' is not true or false.")
    booking = _date(_text(ntry, "BookgDt/Dt") or _text(ntry, "BookgDt/DtTm"), where) or stmt.to_date
    if booking is None:
        raise StatementError(f"{where} has no booking date.")
    details = _details(ntry, where, direction=direction, currency=stmt.currency, amount=amount)
    single = details[0] if len(details) == 1 else None
    return ParsedEntry(
        bank_reference=reference(_text(ntry, "AcctSvcrRef")) or (single.bank_reference if single else ""),
        booking_date=booking,
        value_date=_date(_text(ntry, "ValDt/Dt") or _text(ntry, "ValDt/DtTm"), where),
        direction=direction, amount=amount, currency=stmt.currency,
        end_to_end_id=single.end_to_end_id if single else "",
        counterparty_name=_common([d.counterparty_name for d in details]),
        counterparty_account=_common([d.counterparty_account for d in details]),
        remittance_info=(single.remittance_info if single else "; ".join(
            d.remittance_info for d in details if d.remittance_info)) or _text(ntry, "AddtlNtryInf"),
        bank_transaction_code="/".join(p for p in (
            _text(ntry, "BkTxCd/Domn/Cd"), _text(ntry, "BkTxCd/Domn/Fmly/Cd"),
            _text(ntry, "BkTxCd/Domn/Fmly/SubFmlyCd")) if p),
        is_reversal=_BOOLEANS[reversal], position=m, where=where, details=details,
    )


def _statement(stmt: Element, n: int) -> ParsedStatement:
    stmt_id = _text(stmt, "Id")
    if not stmt_id:
        raise StatementError(f"Statement {n} has no Id.")
    parsed = ParsedStatement(statement_id=stmt_id, account="", currency="")
    parsed.account = _account(_find(stmt, "Acct/Id"), f"{parsed.where}: account")
    if not parsed.account:
        raise StatementError(f"{parsed.where} has no account (Acct/Id/IBAN or Othr/Id).")
    first_amount = next((a for a in (_find(b, "Amt") for b in _findall(stmt, "Bal")) if a is not None), None)
    parsed.currency = _text(stmt, "Acct/Ccy") or (
        first_amount.get("Ccy", "") if first_amount is not None else "")
    if not parsed.currency:
        raise StatementError(f"{parsed.where} names no currency (Acct/Ccy).")
    parsed.from_date = _date(_text(stmt, "FrToDt/FrDtTm"), "FrDtTm")
    parsed.to_date = _date(_text(stmt, "FrToDt/ToDtTm"), "ToDtTm")
    for m, ntry in enumerate(_findall(stmt, "Ntry"), start=1):
        entry = _entry(ntry, m, parsed)
        if entry is not None:
            parsed.entries.append(entry)
    parsed.opening_balance = _balance(stmt, ("OPBD", "PRCD"), parsed.where, parsed.currency)
    parsed.closing_balance = _balance(stmt, ("CLBD",), parsed.where, parsed.currency)
    for missing, value in (("an opening balance (OPBD or PRCD)", parsed.opening_balance),
                           ("a closing balance (CLBD)", parsed.closing_balance)):
        if value is None:
            raise StatementError(f"{parsed.where} has no {missing}, so its entries cannot be checked.")
    check_balances(parsed)
    assign_keys(parsed)
    return parsed


def parse_camt053(data: bytes) -> list[ParsedStatement]:
    """Every statement in a camt.053 document; refuses unsafe, malformed or inconsistent files."""
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
    statements = [_statement(stmt, n) for n, stmt in
                  enumerate(_findall(_find(root, "BkToCstmrStmt"), "Stmt"), start=1)]
    if not statements:
        raise StatementError("The document holds no statement (Stmt).")
    check_unique_statements(statements)
    return statements


def build_camt053(*, statement_id: str, account: str, currency: str, from_date: date, to_date: date,
                  opening_balance: Decimal, entries: list[ParsedEntry]) -> bytes:
    """A camt.053.001.08 document for one statement (the demo data and tests use it)."""
    from xml.etree.ElementTree import SubElement, tostring  # noqa: S405 - building, not parsing

    def sub(parent, tag, text=None, **attrs):
        node = SubElement(parent, tag, attrs)
        if text is not None:
            node.text = str(text)
        return node

    places = minor_units(currency)

    def account_id(parent, number):
        """An IBAN goes in ``IBAN``; any other account number in ``Othr/Id``."""
        if stdnum_iban.is_valid(number):
            sub(sub(parent, "Id"), "IBAN", number)
        else:
            sub(sub(sub(parent, "Id"), "Othr"), "Id", number)

    def balance(parent, code, amount, on):
        bal = sub(parent, "Bal")
        sub(sub(sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        sub(bal, "Amt", f"{abs(amount):.{places}f}", Ccy=currency)
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
    account_id(acct, account)
    sub(acct, "Ccy", currency)
    closing = opening_balance + sum((e.amount if e.direction == "CRDT" else -e.amount for e in entries),
                                    Decimal("0"))
    balance(stmt, "OPBD", opening_balance, from_date)
    balance(stmt, "CLBD", closing, to_date)
    for e in entries:
        ntry = sub(stmt, "Ntry")
        sub(ntry, "Amt", f"{e.amount:.{places}f}", Ccy=e.currency or currency)
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
            account_id(sub(parties, f"{party}Acct"), e.counterparty_account)
        if e.remittance_info:
            sub(sub(tx, "RmtInf"), "Ustrd", e.remittance_info)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")
