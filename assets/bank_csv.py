"""Parse a bank's CSV export: one row per entry, with a signed amount (negative = money out).

No database. Rows are grouped into statements by (account, statement id); an entry's
position is its line in the file. Every bad row is listed, and nothing is imported.
A CSV has no balances and no reversal indicator, so neither is checked.
"""

import csv
import io
from datetime import date

from assets.statements import (
    AmountError,
    ParsedEntry,
    ParsedStatement,
    StatementError,
    assign_keys,
    normalise_account,
    parse_amount,
    reference,
)

CSV_COLUMNS = ("account", "statement_id", "bank_reference", "booking_date", "value_date", "amount",
               "currency", "counterparty_name", "remittance_info")


def _date(text: str, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{column} '{text}' is not an ISO date") from None


def _entry(row: dict[str, str], line: int,
           statements: dict[tuple[str, str], ParsedStatement]) -> tuple[ParsedEntry, ParsedStatement]:
    """One row as an entry of its statement; raises ValueError listing what is wrong with the line."""
    problems, stmt = [], None
    currency = row["currency"].upper()
    try:
        account = normalise_account(row["account"], is_iban=False)
    except ValueError as exc:
        problems.append(f"account {exc}")
    else:
        if not account or not row["statement_id"]:
            problems.append("account and statement_id are required")
        else:
            stmt = statements.setdefault((account, row["statement_id"]), ParsedStatement(
                statement_id=row["statement_id"], account=account, currency=currency))
            if currency != stmt.currency:
                problems.append(f"currency {currency}, but statement {stmt.statement_id} of {account} is in "
                                f"{stmt.currency}")
    try:
        amount = parse_amount(row["amount"], currency=currency, signed=True)
    except AmountError as exc:
        problems.append(f"amount {exc}")
    try:
        booking = _date(row["booking_date"], "booking_date")
        value = _date(row["value_date"], "value_date")
    except ValueError as exc:
        problems.append(str(exc))
    else:
        if booking is None:
            problems.append("booking_date is required")
    if problems:
        raise ValueError("; ".join(f"line {line}: {p}" for p in problems))
    return ParsedEntry(
        bank_reference=reference(row["bank_reference"]), booking_date=booking, value_date=value,
        direction="CRDT" if amount > 0 else "DBIT", amount=abs(amount), currency=currency,
        counterparty_name=row["counterparty_name"], remittance_info=row["remittance_info"],
        position=line, where=f"{stmt.where} line {line}",
    ), stmt


def parse_csv(data: bytes) -> list[ParsedStatement]:
    """Every statement in the CSV, or a refusal listing each bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementError("The CSV is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise StatementError(f"The CSV header lacks: {', '.join(missing)}.")
    statements: dict[tuple[str, str], ParsedStatement] = {}
    errors = []
    for line, raw in enumerate(reader, start=2):
        row = {c: (raw.get(c) or "").strip() for c in CSV_COLUMNS}
        try:
            entry, stmt = _entry(row, line, statements)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        stmt.entries.append(entry)
    if errors:
        raise StatementError("Nothing imported: " + "; ".join(errors) + ".")
    if not statements:
        raise StatementError("The CSV has no entries.")
    for stmt in statements.values():
        dates = [e.booking_date for e in stmt.entries]
        stmt.from_date, stmt.to_date = min(dates), max(dates)
        assign_keys(stmt)
    return list(statements.values())
