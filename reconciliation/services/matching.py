"""The automatic cash matching: every receipt with money free against the open invoices, by the
rules of ``reconciliation.cash`` in order, in one transaction; progress is reported on the run.

Locks, in this order (manual matches take the same): the matching lock (one run at a time), the
receipts (id order), the invoices' leases, the invoices. Two runs, or a run and a person, never
apply the same money twice: the free amounts are read after the locks are held, and
``assets.services.bank_matches.bank_entries_apply`` checks them again.
"""

import json
from collections import defaultdict
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from assets.models import BankEntry, Counterparty, Invoice
from assets.services.bank_matches import Application, bank_entries_apply
from core.audit import audit_created, audit_created_bulk
from core.authz import require_perm, require_system_or_perm
from core.money import minor_units
from core.outbox import enqueue
from core.validators import CURRENCY_CHOICES
from reconciliation import cash
from reconciliation.models import LesseeCredit, MatchRun
from reconciliation.services.exceptions import (
    RECEIPT_CATEGORIES,
    entries_free,
    live_cash_keys,
    refresh_cash_exceptions,
)

LOCK_ID = 0x5245434F4E  # "RECON": one matching run at a time
DEFAULT_TOLERANCE = {"*": "1.00", "JPY": "100"}
DEFAULT_WINDOW_DAYS = 30


def params() -> cash.Params:
    """The tolerances (per currency, in the currency; ``*`` for the others) and the date window,
    from ``RECONCILIATION_TOLERANCE`` and ``RECONCILIATION_DATE_WINDOW_DAYS``."""
    tolerance = getattr(settings, "RECONCILIATION_TOLERANCE", DEFAULT_TOLERANCE)
    units = {c: int(Decimal(v).scaleb(minor_units(c) if c != "*" else 2)) for c, v in tolerance.items()}
    return cash.Params(
        tolerance=units, window_days=getattr(settings, "RECONCILIATION_DATE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
    )


def _progress(run: MatchRun, percent: int, stage: str, **fields) -> None:
    """Report progress on its own connection, so it is seen while the matching transaction runs."""
    fields.update(progress=percent, stage=stage[:100])
    for name, value in fields.items():
        setattr(run, name, value)
    conn = connections.create_connection("default")
    try:
        sets = ", ".join(f"{name} = %s" for name in fields)
        with conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE reconciliation_matchrun SET {sets} WHERE id = %s",  # noqa: S608
                [*(_db(v) for v in fields.values()), run.pk],
            )
    finally:
        conn.close()


def _db(value):
    return json.dumps(value) if isinstance(value, dict) else value


def _places() -> list:
    """Every currency's minor units, as two arrays for ``unnest`` (PostgreSQL scales the amounts)."""
    codes = [code for code, _ in CURRENCY_CHOICES]
    return [codes, [minor_units(code) for code in codes]]


PLACES_JOIN = "JOIN unnest(%s::text[], %s::int[]) AS mu(code, places) ON mu.code = {}.currency "


def _frames(entry_free: dict[int, tuple[str, Decimal]]):
    """The engine's frames, amounts in minor units (computed by PostgreSQL, no per-row Python)."""
    ids = list(entry_free)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.currency, e.booking_date, lower(e.counterparty_name), e.remittance_info, "
            "e.end_to_end_id, (f.free * power(10, mu.places))::bigint "
            "FROM unnest(%s::bigint[], %s::numeric[]) AS f(id, free) JOIN assets_bankentry e ON e.id = f.id "
            + PLACES_JOIN.format("e"),
            [ids, [entry_free[pk][1] for pk in ids], *_places()],
        )
        entries = pd.DataFrame.from_records(
            cursor.fetchall(), columns=["id", "currency", "booked", "name", "remittance", "e2e", "amount"]
        )
    entries["amount"] = entries["amount"].astype("int64")
    lessees = pd.DataFrame.from_records(
        list(Counterparty.objects.values_list("pk", "legal_name")), columns=["pk", "legal_name"]
    )
    by_name = dict(zip(lessees["legal_name"].str.lower(), lessees["pk"], strict=True))
    first = lessees["legal_name"].str.lower().str.extract(r"^\W*(\w+)")[0]
    unique_first = first[~first.duplicated(keep=False)]
    by_first = dict(zip(unique_first, lessees.loc[unique_first.index, "pk"], strict=True))
    lessee = entries["name"].map(by_name)
    lessee = lessee.fillna(entries["name"].str.extract(r"^\W*(\w+)")[0].map(by_first))
    entries["lessee"] = lessee.fillna(cash.NO_LESSEE).astype("int64")
    entries["booked"] = pd.to_datetime(entries["booked"])
    entries = entries.sort_values(["booked", "id"]).assign(order=lambda f: range(len(f)))
    tokens = (
        (entries["remittance"].fillna("") + " " + entries["e2e"].fillna(""))
        .str.upper()
        .str.findall(r"[A-Z0-9][A-Z0-9-]*[A-Z0-9]")
    )
    refs = pd.DataFrame({"entry": entries["id"], "number": tokens}).explode("number").dropna()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, upper(i.number), l.lessee_id, i.currency, "
            "((i.total - i.amount_paid - i.amount_credited) * power(10, mu.places))::bigint, "
            "i.due_date, i.state = ANY(%s) AND i.kind <> 'credit_note' "
            "FROM assets_invoice i JOIN assets_lease l ON l.id = i.lease_id "
            + PLACES_JOIN.format("i")
            + "WHERE (i.state = ANY(%s) AND i.kind <> 'credit_note') OR upper(i.number) = ANY(%s)",
            [list(Invoice.OPEN_STATES), *_places(), list(Invoice.OPEN_STATES), list(refs["number"].unique())],
        )
        invoices = pd.DataFrame.from_records(
            cursor.fetchall(), columns=["id", "number", "lessee", "currency", "outstanding", "due", "open"]
        )
    invoices["due"] = pd.to_datetime(invoices["due"])
    invoices["outstanding"] = invoices["outstanding"].where(invoices["open"], 0).astype("int64")
    return entries, refs, invoices


def _decimal(units: int, currency: str) -> Decimal:
    return Decimal(int(units)).scaleb(-minor_units(currency))


def _candidates() -> list[int]:
    return list(
        BankEntry.objects.filter(
            direction=BankEntry.Direction.CREDIT, is_reversal=False, category__in=RECEIPT_CATEGORIES
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def cash_matching_request(*, actor) -> MatchRun:
    """Ask for a matching run now (on demand): queued, run by a worker."""
    require_perm(actor, "reconciliation.run_matchrun", doing="run the cash matching")
    run = MatchRun.objects.create(trigger=MatchRun.Trigger.ON_DEMAND, requested_by=actor)
    audit_created(instance=run, actor=actor, fields=("trigger", "status"))
    from reconciliation.tasks import match_cash

    enqueue(match_cash, run_id=run.pk)
    return run


def cash_matching_run(*, run: MatchRun, actor) -> MatchRun:
    """Match every receipt with money free, in one transaction; report progress on ``run``."""
    require_system_or_perm(actor, "reconciliation.run_matchrun", doing="run the cash matching")
    if run.status == MatchRun.Status.DONE:
        return run  # a task sent twice: done already
    _progress(
        run, 5, "waiting for the matching lock", status=MatchRun.Status.RUNNING, started_at=timezone.now()
    )
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            ids = _candidates()
            # the receipts' rows locked (ids only: the engine reads them as frames)
            list(
                BankEntry.objects.select_for_update()
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            free = {pk: v for pk, v in entries_free(ids).items() if v[1] > 0}
            _progress(run, 20, f"read {len(free)} receipts with money free", entries_considered=len(free))
            entries, refs, invoices = _frames(free)
            outcome = cash.match(entries, refs, invoices, params())
            _progress(run, 50, f"{len(outcome.applications)} matches found; applying them")
            currency = entries.set_index("id")["currency"]
            source = f"matching run {run.pk}"
            credits = [
                LesseeCredit(
                    entry_id=int(r.entry),
                    lessee_id=int(r.lessee),
                    invoice_id=int(r.invoice),
                    rule=r.rule,
                    source=source,
                    currency=currency[r.entry],
                    amount=_decimal(r.amount, currency[r.entry]),
                )
                for r in outcome.credits.itertuples(index=False)
            ]
            reserved = defaultdict(Decimal)
            for c in credits:
                reserved[c.entry_id] += c.amount
            bank_entries_apply(
                actor=actor,
                source=source,
                reserved=reserved,
                applications=[
                    Application(
                        entry_id=int(a.entry),
                        invoice_id=int(a.invoice),
                        rule=a.rule,
                        amount=_decimal(a.amount, currency[a.entry]),
                    )
                    for a in outcome.applications.itertuples(index=False)
                ],
            )
            LesseeCredit.objects.bulk_create(credits)
            audit_created_bulk(
                instances=credits,
                actor=actor,
                fields=("lessee", "entry", "invoice", "amount", "currency", "rule"),
            )
            _progress(run, 80, "updating the exceptions")
            live_entries, live_invoices = live_cash_keys()
            touched_invoices = set(invoices["id"].tolist()) | live_invoices
            types = dict(
                zip(outcome.leftovers["entry"].tolist(), outcome.leftovers["type"].tolist(), strict=True)
            )
            refresh_cash_exceptions(
                entry_ids=list(set(free) | live_entries),
                invoice_ids=list(touched_invoices),
                types=types,
                actor=actor,
                source=source,
            )
            from reconciliation.models import ReconException

            live = ReconException.objects.filter(
                scope=ReconException.Scope.CASH, state__in=("open", "write_off_requested")
            ).count()
            run.matches_made, run.credits_made, run.exceptions_open = (
                len(outcome.applications),
                len(credits),
                live,
            )
            run.rules = outcome.by_rule()
            run.status, run.progress, run.stage, run.finished_at = (
                MatchRun.Status.DONE,
                100,
                "done",
                timezone.now(),
            )
            run.save()
    except Exception as exc:
        _progress(run, run.progress, "failed", status=MatchRun.Status.FAILED, error=str(exc)[:2000])
        raise
    return run
