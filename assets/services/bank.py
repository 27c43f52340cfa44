"""Import bank statements (camt.053 or CSV): every real entry stored once, reversals linked to
what they reverse, batched transactions kept, each entry classified. A file is imported whole
or not at all."""

import hashlib
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum

from assets.bank_csv import parse_csv
from assets.camt053 import parse_camt053
from assets.models import BankEntry, BankEntryDetail, BankStatement, Counterparty
from assets.signals import bank_statements_imported
from assets.statements import ParsedDetail, ParsedEntry, ParsedStatement, StatementError, shorten
from core.audit import audit_created
from core.authz import require_perm
from core.errors import InvalidInput, Refused

CERTIFICATE_WORDS = re.compile(r"\b(I-?REC|RECS?|GOS?|certificates?|carbon credits?|VCUs?)\b", re.I)
INVOICE_NUMBER = re.compile(r"\bINV-[A-Z0-9-]+", re.I)
TRANSFER_WORDS = re.compile(r"\b(own account|internal transfer|sweep|transfer to reserve)\b", re.I)

# What must be equal when an entry's key comes back in another statement.
CONTENT = ("direction", "amount", "currency", "booking_date", "value_date", "is_reversal")
# Parsed values checked against their column before anything is written (length, digits, ISO codes).
STATEMENT_COLUMNS = ("statement_id", "account", "currency", "opening_balance", "closing_balance", "from_date",
                     "to_date")
ENTRY_COLUMNS = ("bank_reference", "end_to_end_id", "counterparty_account", "bank_transaction_code", "amount",
                 "booking_date", "value_date")
DETAIL_COLUMNS = ("bank_reference", "end_to_end_id", "counterparty_account", "amount")


def _first_word(legal_name: str) -> str:
    """'kestrel robotics ai inc' -> 'kestrel': how remitters often abbreviate a lessee."""
    first = legal_name.split()[0] if legal_name.split() else ""
    return first if len(first) >= 4 else legal_name


def _kind(item: ParsedEntry | ParsedDetail, *, lessee_names: list[str], own_accounts: set[str]) -> str:
    text = f"{item.remittance_info} {item.counterparty_name}"
    own = bool(item.counterparty_account) and item.counterparty_account in own_accounts
    if own or TRANSFER_WORDS.search(text):
        return BankEntry.Category.TRANSFER
    if item.direction == "DBIT":
        return BankEntry.Category.EXPENSE
    if CERTIFICATE_WORDS.search(text):
        return BankEntry.Category.CERTIFICATE_SALE
    name = item.counterparty_name.casefold()
    words = set(re.findall(r"\w+", name))
    known = any(n and (n in name or _first_word(n) in words) for n in lessee_names)
    if INVOICE_NUMBER.search(text) or known:
        return BankEntry.Category.LEASE_RECEIPT
    return BankEntry.Category.UNCLASSIFIED


def classify(entry: ParsedEntry, *, lessee_names: list[str], own_accounts: set[str]) -> str:
    """Reversal, lease receipt, certificate sale, expense or transfer, from the entry's own words.

    A batched entry takes the kind its transactions agree on, else stays unclassified.
    """
    if entry.is_reversal:
        return BankEntry.Category.REVERSAL
    if len(entry.details) > 1:
        kinds = {_kind(d, lessee_names=lessee_names, own_accounts=own_accounts) for d in entry.details}
        return kinds.pop() if len(kinds) == 1 else BankEntry.Category.UNCLASSIFIED
    return _kind(entry, lessee_names=lessee_names, own_accounts=own_accounts)


def _column_problems(where: str, model: type[models.Model], item, names, skip_equal_to=None) -> list[str]:
    """What in ``item`` does not fit its column of ``model`` (length, digits, decimals, ISO code)."""
    problems = []
    for name in names:
        value = getattr(item, name)
        if value in (None, "") or (skip_equal_to is not None and getattr(skip_equal_to, name) == value):
            continue
        try:
            field = model._meta.get_field(name)
            field.run_validators(value.normalize() if isinstance(value, Decimal) else value)
        except ValidationError as exc:
            reason = "; ".join(m.rstrip(".") for m in exc.messages)
            problems.append(f"{where} {name} '{shorten(str(value))}': {reason}")
    return problems


def _unfit(statements: list[ParsedStatement]) -> list[str]:
    problems = []
    for stmt in statements:
        problems += _column_problems(stmt.where, BankStatement, stmt, STATEMENT_COLUMNS)
        for entry in stmt.entries:
            problems += _column_problems(entry.where, BankEntry, entry, ENTRY_COLUMNS)
            for detail in entry.details:
                problems += _column_problems(f"{entry.where} {detail.where}", BankEntryDetail, detail,
                                             DETAIL_COLUMNS, skip_equal_to=entry)
    return problems


def _cut(model: type[models.Model], name: str, text: str) -> str:
    """Free text (names, remittance information) is kept up to its column's length."""
    return text[:model._meta.get_field(name).max_length]


def _describe(item) -> str:
    return (f"{item.direction} {item.amount} {item.currency} booked {item.booking_date} value "
            f"{item.value_date or '-'}" + (" (reversal)" if item.is_reversal else ""))


def _already_stored(stmt: ParsedStatement) -> set[int]:
    """Positions of the entries whose key is stored with the same content; refuses another content."""
    stored = {e.entry_key: e for e in BankEntry.objects.filter(
        account=stmt.account, entry_key__in=[e.key for e in stmt.entries]).select_related("statement")}
    repeats = set()
    for entry in stmt.entries:
        earlier = stored.get(entry.key)
        if earlier is None:
            continue
        if tuple(getattr(earlier, f) for f in CONTENT) != tuple(getattr(entry, f) for f in CONTENT):
            place = "line" if earlier.statement.format == BankStatement.Format.CSV else "entry"
            raise Refused(f"{entry.where} has key {entry.key}, already stored from statement "
                          f"{earlier.statement.statement_id} {place} {earlier.position} with other content: "
                          f"here {_describe(entry)}, stored {_describe(earlier)}; nothing imported.")
        repeats.add(entry.position)
    return repeats


def _references(entry: ParsedEntry) -> tuple[set[str], set[str]]:
    """The bank references and end-to-end ids an entry (or any of its transactions) carries."""
    refs = {entry.bank_reference, *(d.bank_reference for d in entry.details)} - {""}
    e2es = {entry.end_to_end_id, *(d.end_to_end_id for d in entry.details)} - {""}
    return refs, e2es


def _originals(reversals: list[ParsedEntry], account: str) -> dict[int, BankEntry]:
    """The entry each reversal reverses (by position): one of the opposite direction and the same
    currency with at least the reversal's amount left to reverse, found by the bank's reference,
    else by the end-to-end id; the one left with exactly that amount first, then the earliest."""
    refs = set().union(*(_references(r)[0] for r in reversals))
    e2es = set().union(*(_references(r)[1] for r in reversals))
    by_detail = BankEntryDetail.objects.filter(Q(bank_reference__in=refs) | Q(end_to_end_id__in=e2es))
    candidates = list(BankEntry.objects.filter(account=account, is_reversal=False).filter(
        Q(bank_reference__in=refs) | Q(end_to_end_id__in=e2es) | Q(pk__in=by_detail.values("entry"))))
    names: dict[int, tuple[set[str], set[str]]] = {c.pk: ({c.bank_reference}, {c.end_to_end_id})
                                                    for c in candidates}
    for entry_id, ref, e2e in BankEntryDetail.objects.filter(entry__in=candidates).values_list(
            "entry_id", "bank_reference", "end_to_end_id"):
        names[entry_id][0].add(ref)
        names[entry_id][1].add(e2e)
    reversed_ = dict(BankEntry.objects.filter(reversal_of__in=candidates).values("reversal_of")
                     .annotate(total=Sum("amount")).values_list("reversal_of", "total"))
    left = {c.pk: c.amount - reversed_.get(c.pk, Decimal(0)) for c in candidates}
    found = {}
    for reversal in reversals:
        refs, e2es = _references(reversal)
        pool = [c for c in candidates if c.direction != reversal.direction and c.currency == reversal.currency
                and left[c.pk] >= reversal.amount]
        matches = ([c for c in pool if names[c.pk][0] & refs]
                   or [c for c in pool if names[c.pk][1] & e2es])
        if not matches:
            raise Refused(_no_original(reversal, refs, e2es, account))
        original = min(matches, key=lambda c: (left[c.pk] != reversal.amount, c.booking_date, c.pk))
        left[original.pk] -= reversal.amount
        found[reversal.position] = original
    return found


def _no_original(reversal: ParsedEntry, refs: set[str], e2es: set[str], account: str) -> str:
    if not refs and not e2es:
        return (f"{reversal.where} is a reversal (RvslInd) but names no reference of the original "
                "(AcctSvcrRef or EndToEndId); nothing imported.")
    named = " or ".join([f"reference {', '.join(sorted(refs))}"] * bool(refs)
                        + [f"end-to-end id {', '.join(sorted(e2es))}"] * bool(e2es))
    original = "credit" if reversal.direction == "DBIT" else "debit"
    return (f"{reversal.where} is a reversal (RvslInd) of {named}, but no {original} of at least "
            f"{reversal.amount} {reversal.currency} left to reverse has that reference on account {account}, "
            "stored or earlier in this file; import the statement that holds the original first. "
            "Nothing imported.")


def _entry_row(statement: BankStatement, entry: ParsedEntry, *, category: str,
               reversal_of: BankEntry | None = None) -> BankEntry:
    return BankEntry(
        statement=statement, account=statement.account, entry_key=entry.key, position=entry.position,
        bank_reference=entry.bank_reference, end_to_end_id=entry.end_to_end_id,
        booking_date=entry.booking_date, value_date=entry.value_date, direction=entry.direction,
        amount=entry.amount, currency=entry.currency, is_reversal=entry.is_reversal, reversal_of=reversal_of,
        counterparty_name=_cut(BankEntry, "counterparty_name", entry.counterparty_name),
        counterparty_account=entry.counterparty_account,
        remittance_info=_cut(BankEntry, "remittance_info", entry.remittance_info),
        bank_transaction_code=entry.bank_transaction_code, category=category,
    )


def _detail_row(entry: BankEntry, detail: ParsedDetail) -> BankEntryDetail:
    return BankEntryDetail(
        entry=entry, position=detail.position, direction=detail.direction, amount=detail.amount,
        currency=detail.currency, bank_reference=detail.bank_reference, end_to_end_id=detail.end_to_end_id,
        counterparty_name=_cut(BankEntryDetail, "counterparty_name", detail.counterparty_name),
        counterparty_account=detail.counterparty_account,
        remittance_info=_cut(BankEntryDetail, "remittance_info", detail.remittance_info),
    )


def _store(stmt: ParsedStatement, *, sha256: str, fmt: str, filename: str, actor,
           lessee_names: list[str], own_accounts: set[str]) -> BankStatement:
    """One statement and its new entries (originals first, then the reversals pointing at them)."""
    repeats = _already_stored(stmt)
    fresh = [e for e in stmt.entries if e.position not in repeats]
    statement = BankStatement.objects.create(
        account=stmt.account, statement_id=stmt.statement_id, format=fmt, currency=stmt.currency,
        from_date=stmt.from_date, to_date=stmt.to_date, opening_balance=stmt.opening_balance,
        closing_balance=stmt.closing_balance, sha256=sha256, filename=filename[:255],
        entries_total=len(stmt.entries), entries_new=len(fresh), entries_already_stored=len(repeats),
        imported_by=actor if getattr(actor, "pk", None) else None,
    )

    def rows(entries, links=None):
        return BankEntry.objects.bulk_create([
            _entry_row(statement, e, reversal_of=(links or {}).get(e.position),
                       category=classify(e, lessee_names=lessee_names, own_accounts=own_accounts))
            for e in entries
        ])

    originals = [e for e in fresh if not e.is_reversal]
    reversals = [e for e in fresh if e.is_reversal]
    stored = dict(zip([e.position for e in originals], rows(originals), strict=True))
    if reversals:
        stored.update(zip([e.position for e in reversals],
                          rows(reversals, _originals(reversals, stmt.account)), strict=True))
    BankEntryDetail.objects.bulk_create([_detail_row(stored[e.position], d)
                                         for e in fresh for d in e.details])
    audit_created(instance=statement, actor=actor,
                  fields=("account", "statement_id", "format", "sha256", "entries_total", "entries_new",
                          "entries_already_stored"))
    return statement


@transaction.atomic
def bank_statement_import(*, data: bytes, actor, filename: str = "", fmt: str | None = None
                          ) -> list[BankStatement]:
    """Import every statement in the file, or nothing.

    Refused: a file or statement already imported, a statement that does not add up, a bad
    amount, account or identifier, an entry key coming back with other content, a reversal
    whose original is not stored.
    """
    require_perm(actor, "assets.import_bankstatement", doing="import bank statements")
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
    problems = _unfit(parsed)
    if problems:
        raise InvalidInput("Nothing imported: " + "; ".join(problems) + ".", reasons=problems, field="file")
    for stmt in parsed:
        earlier = BankStatement.objects.filter(account=stmt.account, statement_id=stmt.statement_id).first()
        if earlier is not None:
            raise Refused(f"Statement {stmt.statement_id} of account {stmt.account} was already imported "
                          f"on {earlier.imported_at:%Y-%m-%d %H:%M} UTC; nothing imported.")
    lessee_names = [n.casefold() for n in Counterparty.objects.values_list("legal_name", flat=True)]
    own_accounts = set(BankStatement.objects.values_list("account", flat=True)) | {s.account for s in parsed}
    stored = [
        _store(stmt, fmt=fmt, filename=filename, actor=actor, lessee_names=lessee_names,
               own_accounts=own_accounts,
               # One file may hold several statements; each row keeps a distinct digest.
               sha256=sha if n == 0 else hashlib.sha256(f"{sha}:{n}".encode()).hexdigest())
        for n, stmt in enumerate(parsed)
    ]
    bank_statements_imported.send(sender=BankStatement, statement_ids=[s.pk for s in stored],
                                  actor_id=getattr(actor, "pk", None))
    return stored


@transaction.atomic
def bank_entry_classify(*, entry: BankEntry, category: str, actor, reason: str = "") -> BankEntry:
    """Correct an entry's classification by hand (audited). A reversal stays a reversal, and only
    a reversal is one: that follows the bank's RvslInd."""
    from assets.services.common import update_audited
    from core.transitions import lock

    require_perm(actor, "assets.change_bankentry", doing="reclassify bank entries")
    if category not in BankEntry.Category.values:
        raise InvalidInput(f"'{category}' is not a category.", field="category")
    if entry.is_reversal or category == BankEntry.Category.REVERSAL:
        raise InvalidInput("A reversal's category follows the bank's reversal indicator (RvslInd) and "
                           "cannot be changed by hand.", field="category")
    return update_audited(lock(BankEntry, entry.pk), actor=actor, fields=("category",),
                          values={"category": category})
