"""Import bank statements (camt.053 or CSV): refuse repeats, store every entry once, classify."""

import hashlib
import re

from django.db import transaction

from assets.camt053 import ParsedEntry, StatementError, parse_camt053, parse_csv
from assets.models import BankEntry, BankStatement, Counterparty
from core.audit import audit_created
from core.errors import InvalidInput, Refused

CERTIFICATE_WORDS = re.compile(r"\b(I-?REC|RECS?|GOS?|certificates?|carbon credits?|VCUs?)\b", re.I)
INVOICE_NUMBER = re.compile(r"\bINV-[A-Z0-9-]+", re.I)
TRANSFER_WORDS = re.compile(r"\b(own account|internal transfer|sweep|transfer to reserve)\b", re.I)


def _first_word(legal_name: str) -> str:
    """'kestrel robotics ai inc' -> 'kestrel': how remitters often abbreviate a lessee."""
    first = legal_name.split()[0] if legal_name.split() else ""
    return first if len(first) >= 4 else legal_name


def classify(entry: ParsedEntry, *, lessee_names: list[str], own_accounts: set[str]) -> str:
    """Lease receipt, certificate sale, expense or transfer, from the entry's own words."""
    text = f"{entry.remittance_info} {entry.counterparty_name}"
    own = bool(entry.counterparty_account) and entry.counterparty_account in own_accounts
    if own or TRANSFER_WORDS.search(text):
        return BankEntry.Category.TRANSFER
    if entry.direction == "DBIT":
        return BankEntry.Category.EXPENSE
    if CERTIFICATE_WORDS.search(text):
        return BankEntry.Category.CERTIFICATE_SALE
    name = entry.counterparty_name.casefold()
    words = set(re.findall(r"\w+", name))
    known = any(n and (n in name or _first_word(n) in words) for n in lessee_names)
    if INVOICE_NUMBER.search(text) or known:
        return BankEntry.Category.LEASE_RECEIPT
    return BankEntry.Category.UNCLASSIFIED


@transaction.atomic
def bank_statement_import(*, data: bytes, actor, filename: str = "", fmt: str | None = None
                          ) -> list[BankStatement]:
    """Import every statement in the file, or nothing: a repeated statement refuses the whole file."""
    if fmt is None:
        is_csv = filename.lower().endswith(".csv")
        fmt = BankStatement.Format.CSV if is_csv else BankStatement.Format.CAMT053
    sha = hashlib.sha256(data).hexdigest()
    earlier = BankStatement.objects.filter(sha256=sha).first()
    if earlier is not None:
        raise Refused(f"This file was already imported on {earlier.imported_at:%Y-%m-%d %H:%M} UTC "
                      f"(statement {earlier.statement_id} of {earlier.account}); nothing imported.")
    try:
        parsed = parse_csv(data) if fmt == BankStatement.Format.CSV else parse_camt053(data)
    except StatementError as exc:
        raise InvalidInput(str(exc), field="file") from None
    for stmt in parsed:
        earlier = BankStatement.objects.filter(account=stmt.account, statement_id=stmt.statement_id).first()
        if earlier is not None:
            raise Refused(f"Statement {stmt.statement_id} of account {stmt.account} was already imported "
                          f"on {earlier.imported_at:%Y-%m-%d %H:%M} UTC; nothing imported.")
    lessee_names = [n.casefold() for n in Counterparty.objects.values_list("legal_name", flat=True)]
    own_accounts = set(BankStatement.objects.values_list("account", flat=True)) | {s.account for s in parsed}
    created = []
    for n, stmt in enumerate(parsed):
        stored = set(BankEntry.objects.filter(
            account=stmt.account, bank_reference__in=[e.bank_reference for e in stmt.entries]
        ).values_list("bank_reference", flat=True))
        fresh, seen = [], set(stored)
        for entry in stmt.entries:
            if entry.bank_reference in seen:
                continue
            seen.add(entry.bank_reference)
            fresh.append(entry)
        statement = BankStatement.objects.create(
            account=stmt.account, statement_id=stmt.statement_id, format=fmt,
            currency=stmt.currency or (stmt.entries[0].currency if stmt.entries else ""),
            from_date=stmt.from_date, to_date=stmt.to_date, opening_balance=stmt.opening_balance,
            closing_balance=stmt.closing_balance,
            # One file may hold several statements; each row keeps a distinct digest.
            sha256=sha if n == 0 else hashlib.sha256(f"{sha}:{n}".encode()).hexdigest(),
            filename=filename[:255], entries_total=len(stmt.entries), entries_new=len(fresh),
            entries_already_stored=len(stmt.entries) - len(fresh),
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        BankEntry.objects.bulk_create([
            BankEntry(statement=statement, account=stmt.account, bank_reference=e.bank_reference,
                      end_to_end_id=e.end_to_end_id[:100], booking_date=e.booking_date,
                      value_date=e.value_date, direction=e.direction, amount=e.amount, currency=e.currency,
                      counterparty_name=e.counterparty_name[:200],
                      counterparty_account=e.counterparty_account[:64],
                      remittance_info=e.remittance_info[:500],
                      bank_transaction_code=e.bank_transaction_code[:64],
                      category=classify(e, lessee_names=lessee_names, own_accounts=own_accounts))
            for e in fresh
        ])
        audit_created(instance=statement, actor=actor,
                      fields=("account", "statement_id", "format", "sha256", "entries_total", "entries_new",
                              "entries_already_stored"))
        created.append(statement)
    return created


@transaction.atomic
def bank_entry_classify(*, entry: BankEntry, category: str, actor, reason: str = "") -> BankEntry:
    """Correct an entry's classification by hand (audited)."""
    from assets.services.common import update_audited
    from core.transitions import lock

    if category not in BankEntry.Category.values:
        raise InvalidInput(f"'{category}' is not a category.", field="category")
    return update_audited(lock(BankEntry, entry.pk), actor=actor, fields=("category",),
                          values={"category": category})
