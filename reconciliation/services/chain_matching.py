"""Chain matching of one distribution (docs/reconciliation.md, "Chain matching"): its entitlements
against the indexer's final ``Paid`` events per holder, its tranche's token supply against the
register and its snapshot against the balances derived from indexed transfers. Each finding is one
live exception of the chain scope, keyed ``chain:dist:<id>:<kind>:<wallet>``, so a re-run changes,
resolves or opens exceptions and never duplicates one."""

from __future__ import annotations

from datetime import UTC
from decimal import ROUND_UP, Decimal

import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from chain.models import ChainEvent, HolderBalance
from chain.services import to_base_units
from chain.snapshots import balances_from_transfers
from core.audit import audit_created_bulk, audit_event
from core.authz import require_system_or_perm
from core.errors import Refused
from core.models import AuditEvent
from core.money import minor_unit
from core.outbox import enqueue
from core.transitions import bulk_transition, lock
from issuance.models import Subscription
from reconciliation import chain as pure
from reconciliation.models import LIVE_STATES, ExceptionLink, ReconException
from servicing.models import CollectionPeriod, Distribution, Entitlement, EscrowLine

E = ReconException
PERMISSION = "reconciliation.match_chain_reconexception"
# Distributions with something on chain to compare: being paid, or paid.
MATCHED_STATES = (Distribution.State.PAYING, Distribution.State.PAID)
CLOSED_BY_PERSON = (E.State.WAIVED, E.State.WRITTEN_OFF)
DESCRIPTIONS = {
    "missing_payout": "{wallet}: entitled to {expected} base units, no Paid event",
    "duplicate_payout": "{wallet}: {n} Paid events, {actual} base units for {expected} entitled",
    "amount_mismatch": "{wallet}: paid {actual} base units, entitled to {expected}",
    "unknown_recipient": "{wallet}: paid {actual} base units with no entitlement",
    "paid_late": "{wallet}: {actual} base units paid after the payment date {payment_date}",
    "snapshot_mismatch": "{wallet}: {expected} tokens in the snapshot, {actual} from indexed transfers",
    "supply_mismatch": "token supply {actual} base units in the snapshot, {expected} in the register",
}


def prefix(distribution_id: int) -> str:
    return f"chain:dist:{distribution_id}:"


def _money(units: int, decimals: int, currency: str) -> Decimal:
    """Base units as a positive amount in the currency, rounded up to its minor unit (the exact
    figure stays in ``base_units``)."""
    step = minor_unit(currency)
    return max(Decimal(units).scaleb(-decimals).quantize(step, rounding=ROUND_UP), step)


def expected_frame(distribution: Distribution) -> pd.DataFrame:
    """The entitlements owed now: all but those held or kept in escrow (a compliance decision)."""
    rows = (
        Entitlement.objects.filter(distribution=distribution)
        .exclude(escrow__state__in=[EscrowLine.State.HELD, EscrowLine.State.KEPT])
        .values_list("wallet", "amount", "pk")
    )
    return pure.frame([(w.lower(), int(a), pk) for w, a, pk in rows])


_PAID_SQL = """
SELECT ev.id, lower(ev.args->>'holder'), (ev.args->>'amount')::numeric, b.timestamp
FROM chain_chainevent ev
LEFT JOIN chain_indexedblock b ON b.chain_id = ev.chain_id AND b.number = ev.block_number
WHERE ev.contract_id = %s AND ev.name = 'Paid' AND ev.final AND lower(ev.args->>'distributionId') = %s
ORDER BY ev.id
"""


def actual_frame(distribution: Distribution) -> pd.DataFrame:
    """The final ``Paid`` events of the distribution, with the day each was paid: the UTC day of
    its block's time, from the header the indexer kept (unknown: -1)."""
    if not distribution.payout_id or not distribution.distribution_id:
        return pure.frame([], with_day=True)
    with connection.cursor() as cur:
        cur.execute(_PAID_SQL, [distribution.payout_id, distribution.distribution_id.lower()])
        rows = cur.fetchall()
    return pure.frame(
        [(w, int(a), pk, at.astimezone(UTC).date().toordinal() if at else -1) for pk, w, a, at in rows],
        with_day=True,
    )


def register_units(distribution: Distribution) -> int:
    """The tranche's register: every settled subscription's allocation, in token base units."""
    tranche = distribution.tranche
    total = Subscription.objects.filter(tranche=tranche, state=Subscription.State.SETTLED).aggregate(
        s=Sum("allocated_amount")
    )["s"] or Decimal(0)
    return to_base_units(total, tranche.token_decimals)


def findings(distribution: Distribution) -> pd.DataFrame:
    """Every finding of the distribution (see :mod:`reconciliation.chain`), with ``scale``: the
    decimals of its amounts (stablecoin for payouts, token for balances)."""
    period = distribution.period
    holders = pure.holder_findings(
        expected_frame(distribution),
        actual_frame(distribution),
        payment_day=period.payment_date.toordinal(),
    )
    holders["scale"] = distribution.stablecoin_decimals or 0
    parts = [holders]
    snapshot = distribution.snapshot
    if snapshot is not None:
        decimals = distribution.tranche.token_decimals
        snap = pure.frame(
            [
                (w.lower(), int(b), pk)
                for w, b, pk in HolderBalance.objects.filter(snapshot=snapshot).values_list(
                    "wallet", "balance", "pk"
                )
            ]
        )
        indexed = balances_from_transfers(snapshot.contract, snapshot.block_number)
        derived = pure.frame([(w.lower(), b, i) for i, (w, b) in enumerate(sorted(indexed.items()), 1)])
        balances = pure.balance_findings(snap, derived)
        balances["actual_rows"] = ""  # derived rows are sums of transfers, not rows of a table
        balances["scale"] = decimals
        parts.append(balances)
        register, supply = register_units(distribution), int(snapshot.total_supply)
        if register != supply:
            parts.append(
                pd.DataFrame(
                    [
                        {
                            "type": "supply_mismatch",
                            "wallet": "",
                            "expected_amount": register,
                            "actual_amount": supply,
                            "amount": abs(supply - register),
                            "expected_rows": "",
                            "actual_rows": "",
                            "scale": decimals,
                        }
                    ]
                )
            )
    return (
        pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else holders
    )


def _key(distribution_id: int, row) -> str:
    kind = {"paid_late": "late", "snapshot_mismatch": "snapshot", "supply_mismatch": "supply"}.get(
        row["type"], "holder"
    )
    return prefix(distribution_id) + (kind if kind == "supply" else f"{kind}:{row['wallet']}")


def _rows(text: str) -> list[int]:
    return [int(x) for x in str(text).split(";") if x]


@transaction.atomic
def chain_matching_run(*, distribution: Distribution, actor=None) -> dict[str, int]:
    """Reconcile ``distribution`` and make its live chain exceptions true to the findings: new
    ones opened, changed ones updated, those no longer found resolved; a finding a person waived or
    wrote off is not raised again. The period is locked first, so a close waits for it (or it
    for the close). Returns the counts."""
    require_system_or_perm(actor, PERMISSION, doing="run the chain matching")
    distribution = Distribution.objects.select_related("period", "tranche", "snapshot__contract").get(
        pk=distribution.pk
    )
    period = lock(CollectionPeriod, distribution.period_id)
    if period.state == CollectionPeriod.State.CLOSED:
        raise Refused(f"{period} is closed: its reconciliation is final.")
    if distribution.state not in MATCHED_STATES:
        raise Refused(
            f"{distribution} is '{distribution.get_state_display()}': only a distribution being paid "
            "or paid is matched against the chain."
        )
    found = findings(distribution)
    currency = distribution.currency
    wanted = {}
    for row in found.to_dict("records"):
        units = int(row["amount"])
        if units <= 0:
            continue
        n = len(_rows(row["actual_rows"]))
        text = DESCRIPTIONS[row["type"]].format(
            wallet=row["wallet"],
            expected=row["expected_amount"],
            actual=row["actual_amount"],
            n=n,
            payment_date=period.payment_date,
        )
        wanted[_key(distribution.pk, row)] = (row, units, _money(units, int(row["scale"]), currency), text)
    live = {
        x.key: x
        for x in E.objects.select_for_update()
        .filter(key__startswith=prefix(distribution.pk), state__in=LIVE_STATES)
        .order_by("pk")
    }
    closed = set(
        E.objects.filter(key__startswith=prefix(distribution.pk), state__in=CLOSED_BY_PERSON).values_list(
            "key", flat=True
        )
    )
    gone = [x.pk for k, x in live.items() if k not in wanted]
    if gone:
        bulk_transition(
            E,
            "resolve",
            actor=actor,
            ids=gone,
            object_repr="{key}",
            reason="matched on chain",
            fields={"closed_at": timezone.now()},
        )
    changed = 0
    for key, (row, units, amount, text) in wanted.items():
        x = live.get(key)
        if x is None or (x.base_units == units and x.type == row["type"]):
            continue
        audit_event(
            instance=x,
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            changes={"base_units": [str(x.base_units), str(units)], "type": [x.type, row["type"]]},
        )
        E.objects.filter(pk=x.pk).update(
            base_units=units, amount=amount, type=row["type"], description=text, updated_at=timezone.now()
        )
        changed += 1
    new = [(k, v) for k, v in wanted.items() if k not in live and k not in closed]
    created = E.objects.bulk_create(
        [
            E(
                key=key,
                scope=E.Scope.CHAIN,
                type=row["type"],
                currency=currency,
                amount=amount,
                base_units=units,
                description=text,
                period=period,
                distribution=distribution,
            )
            for key, (row, units, amount, text) in new
        ]
    )
    ExceptionLink.objects.bulk_create(_links(created, [v for _, v in new], distribution))
    audit_created_bulk(
        instances=created, actor=actor, fields=("key", "type", "currency", "amount", "base_units")
    )
    counts = {"opened": len(created), "resolved": len(gone), "changed": changed, "findings": len(wanted)}
    Distribution.objects.filter(pk=distribution.pk).update(
        progress={
            **(distribution.progress or {}),
            "chain_matching": {**counts, "at": timezone.now().isoformat()},
        }
    )
    return counts


def _links(created, values, distribution) -> list[ExceptionLink]:
    types = {
        m: ContentType.objects.get_for_model(m)
        for m in (Entitlement, ChainEvent, HolderBalance, Distribution)
    }
    links = []
    for x, (row, *_rest) in zip(created, values, strict=True):
        expected_model = HolderBalance if row["type"] == "snapshot_mismatch" else Entitlement
        links.append(
            ExceptionLink(
                exception=x, content_type=types[Distribution], object_id=distribution.pk, role="distribution"
            )
        )
        links += [
            ExceptionLink(exception=x, content_type=types[expected_model], object_id=pk, role="expected")
            for pk in _rows(row["expected_rows"])
        ]
        links += [
            ExceptionLink(exception=x, content_type=types[ChainEvent], object_id=pk, role="actual")
            for pk in _rows(row["actual_rows"])
        ]
    return links


def chain_matching_request_period(*, period: CollectionPeriod, actor) -> list[int]:
    """Queue the chain matching of every distribution of ``period`` being paid or paid."""
    require_system_or_perm(actor, PERMISSION, doing="run the chain matching")
    ids = list(
        Distribution.objects.filter(period=period, state__in=MATCHED_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise Refused(f"{period} has no distribution being paid or paid: nothing to match against the chain.")
    with transaction.atomic():
        for pk in ids:
            enqueue("reconciliation.tasks.match_chain", distribution_id=pk)
    return ids
