"""A period's expected and actual sides as CSV, in the layout ``reconcile_files`` reads
(docs/reconciliation.md, "Exports"), so an auditor re-runs any period with no database:

- ``chain``: ``distribution,wallet,amount`` (stablecoin base units). Expected: the entitlements
  owed (escrow held or kept left out); actual: one line per final ``Paid`` event.
  ``reconcile_files --key distribution,wallet --amount amount``.
- ``cash``: ``ref,amount,currency``. Expected: each invoice of the period, ref ``invoice:<number>``,
  its total less credit notes; actual: what the period's receipts paid each invoice (one line per
  invoice, the matches summed) and each receipt's part still unapplied, ref ``entry:<entry_key>``.
  ``reconcile_files --key ref --amount amount``.
"""

from __future__ import annotations

import csv
import io

from django.db.models import Sum

from assets.models import BankEntryMatch
from reconciliation.periods import _entries, _invoices
from reconciliation.services.chain_matching import actual_frame, expected_frame
from reconciliation.services.exceptions import entries_free
from servicing.models import CollectionPeriod, Distribution

SIDES = ("expected", "actual")
SCOPES = ("chain", "cash")


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def chain_side(period: CollectionPeriod, side: str) -> str:
    rows = []
    for d in Distribution.objects.filter(period=period).order_by("pk"):
        frame = expected_frame(d) if side == "expected" else actual_frame(d)
        rows += [(d.pk, w, a) for w, a in zip(frame["wallet"], frame["amount"], strict=True)]
    return _csv(["distribution", "wallet", "amount"], rows)


def cash_side(period: CollectionPeriod, side: str) -> str:
    entry_ids = list(_entries(period).values_list("pk", flat=True))
    invoices = _invoices(period, entry_ids).order_by("number")
    if side == "expected":
        rows = [
            (f"invoice:{i.number}", i.total - i.amount_credited, i.currency)
            for i in invoices.exclude(kind="credit_note")
        ]
        return _csv(["ref", "amount", "currency"], rows)
    paid = (
        BankEntryMatch.objects.filter(entry_id__in=entry_ids, undone_at__isnull=True)
        .values("invoice__number", "invoice__currency")
        .annotate(total=Sum("amount"))
        .order_by("invoice__number")
    )
    rows = [(f"invoice:{p['invoice__number']}", p["total"], p["invoice__currency"]) for p in paid]
    keys = dict(_entries(period).values_list("pk", "entry_key"))
    rows += [
        (f"entry:{keys[pk]}", free, currency)
        for pk, (currency, free) in sorted(entries_free(entry_ids).items())
        if free > 0
    ]
    return _csv(["ref", "amount", "currency"], rows)


def export_side(*, period: CollectionPeriod, scope: str, side: str) -> str:
    """The CSV text of one side of one scope of ``period``."""
    return (chain_side if scope == "chain" else cash_side)(period, side)


def filename(period: CollectionPeriod, scope: str, side: str) -> str:
    return f"period-{period.deal_id}-{period.number}-{scope}-{side}.csv"
