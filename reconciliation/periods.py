"""One collection period from bank to chain (docs/reconciliation.md, "Period view"): receipts ->
invoices settled -> available funds -> waterfall -> distributions -> on-chain payouts, each hop with
its total, its difference to the previous hop and whether it ties out, and the period's exceptions.
Reads only; the admin page and the API endpoint render the same :func:`period_view`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet, Sum

from assets.models import BankEntry, BankEntryMatch, Invoice
from reconciliation.models import LIVE_STATES, ExceptionLink, LesseeCredit, ReconException
from servicing.models import AvailableFundsLine, CollectionPeriod, Distribution, EscrowLine, ServicingTerms

ZERO = Decimal(0)


def _entries(period: CollectionPeriod) -> QuerySet[BankEntry]:
    """The receipts credited to the deal's collection account in the period (not reversals)."""
    account = ServicingTerms.objects.filter(deal_id=period.deal_id).values_list(
        "collection_account", flat=True
    )
    return BankEntry.objects.filter(
        account__in=account,
        booking_date__gte=period.start,
        booking_date__lte=period.end,
        direction=BankEntry.Direction.CREDIT,
        is_reversal=False,
    )


def _invoices(period: CollectionPeriod, entry_ids) -> QuerySet[Invoice]:
    """Invoices those receipts paid, and invoices of the deal's leases due in the period."""
    matched = BankEntryMatch.objects.filter(entry_id__in=entry_ids).values("invoice_id")
    due = Q(lease__devices__deal_id=period.deal_id, due_date__gte=period.start, due_date__lte=period.end)
    return Invoice.objects.filter(Q(pk__in=matched) | due).distinct()


def period_exceptions(period: CollectionPeriod) -> QuerySet[ReconException]:
    """Every exception of the period: the chain ones of its distributions, the cash ones of its
    receipts and invoices."""
    entry_ids = list(_entries(period).values_list("pk", flat=True))
    invoice_ids = list(_invoices(period, entry_ids).values_list("pk", flat=True))
    types = ContentType.objects.get_for_models(BankEntry, Invoice)
    linked = ExceptionLink.objects.filter(
        Q(content_type=types[BankEntry], object_id__in=entry_ids)
        | Q(content_type=types[Invoice], object_id__in=invoice_ids)
    ).values("exception_id")
    return ReconException.objects.filter(Q(period=period) | Q(pk__in=linked)).order_by("opened_at", "id")


def open_exceptions(period: CollectionPeriod) -> QuerySet[ReconException]:
    return period_exceptions(period).filter(state__in=LIVE_STATES)


def close_blocker(period: CollectionPeriod) -> str:
    """For servicing's period close (``servicing.providers``): the open exceptions, by count."""
    live = list(open_exceptions(period).values_list("pk", flat=True))
    if not live:
        return ""
    shown = ", ".join(f"#{pk}" for pk in live[:10]) + (" ..." if len(live) > 10 else "")
    return (
        f"{period} has {len(live)} open reconciliation exception(s) ({shown}): each must be resolved, "
        "written off, or waived with a reason approved by a second person before the period closes."
    )


@dataclass
class Hop:
    name: str
    label: str
    total: Decimal
    difference: Decimal | None  # to the previous hop
    ties: bool
    note: str = ""
    exceptions: list[int] = field(default_factory=list)


@dataclass
class PeriodView:
    period: CollectionPeriod
    currency: str
    hops: list[Hop]
    exceptions: list[ReconException]

    @property
    def open_count(self) -> int:
        return sum(1 for x in self.exceptions if x.state in LIVE_STATES)

    @property
    def ties(self) -> bool:
        return all(h.ties for h in self.hops) and not self.open_count


_PAID_SQL = """
SELECT COALESCE(SUM((ev.args->>'amount')::numeric), 0)
FROM chain_chainevent ev JOIN servicing_distribution d
  ON ev.contract_id = d.payout_id AND lower(ev.args->>'distributionId') = lower(d.distribution_id)
WHERE d.id = %s AND ev.name = 'Paid' AND ev.final
"""


def _paid_units(distribution_id: int) -> int:
    with connection.cursor() as cur:
        cur.execute(_PAID_SQL, [distribution_id])
        return int(cur.fetchone()[0])


def period_view(period: CollectionPeriod) -> PeriodView:
    currency = period.deal.currency
    exceptions = list(period_exceptions(period).select_related("assignee"))
    live = [x for x in exceptions if x.state in LIVE_STATES]
    cash_live = [x.pk for x in live if x.scope == ReconException.Scope.CASH]
    chain_live = [x.pk for x in live if x.scope == ReconException.Scope.CHAIN]
    entries = _entries(period)
    entry_ids = list(entries.values_list("pk", flat=True))
    received = entries.aggregate(s=Sum("amount"))["s"] or ZERO
    reversed_ = BankEntry.objects.filter(reversal_of_id__in=entry_ids).aggregate(s=Sum("amount"))["s"] or ZERO
    receipts = received - reversed_
    matched = (
        BankEntryMatch.objects.filter(entry_id__in=entry_ids, undone_at__isnull=True).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    credits = LesseeCredit.objects.filter(entry_id__in=entry_ids).aggregate(s=Sum("amount"))["s"] or ZERO
    settled = matched + credits
    hops = [
        Hop(
            "receipts",
            "Receipts on the collection account",
            receipts,
            None,
            not cash_live,
            f"{len(entry_ids)} receipt(s), reversals {reversed_}",
            cash_live,
        ),
        Hop(
            "invoices",
            "Invoices settled (and lessee credits)",
            settled,
            settled - receipts,
            settled == receipts and not cash_live,
            f"matched {matched}, credits {credits}",
            cash_live,
        ),
    ]
    run = period.runs.order_by("-number").first()
    if run is not None:
        funds = run.available_funds
        other = (
            AvailableFundsLine.objects.filter(run=run, bank_entry__isnull=True).aggregate(s=Sum("amount"))[
                "s"
            ]
            or ZERO
        )
        hops.append(
            Hop(
                "funds",
                "Available funds",
                funds,
                funds - settled,
                funds - settled == other,
                f"reserve, interest and adjustments {other}",
            )
        )
        payments = run.tranche_payments()
        waterfall = sum((sum(parts.values(), ZERO) for parts in payments.values()), ZERO)
        out = run.outputs
        fees = sum((Decimal(v) for v in out.get("fees_paid", {}).values()), ZERO)
        reserve, left = Decimal(out.get("reserve_deposited", "0")), Decimal(out.get("cash_left", "0"))
        hops.append(
            Hop(
                "waterfall",
                "Waterfall payments to the tranches",
                waterfall,
                waterfall - funds,
                # the run's own conservation: what came in is paid, deposited or left
                waterfall + fees + reserve + left == Decimal(out.get("funds_in", "NaN")),
                f"fees {fees}, reserve deposited {reserve}, cash left {left}",
            )
        )
    else:
        hops.append(Hop("funds", "Available funds", ZERO, None, False, "not determined yet"))
        hops.append(Hop("waterfall", "Waterfall payments to the tranches", ZERO, None, False, "no run yet"))
        waterfall = None
    distributions = list(period.distributions.all())
    distributed = sum((d.amount for d in distributions), ZERO)
    hops.append(
        Hop(
            "distributions",
            "Distributions",
            distributed,
            None if waterfall is None else distributed - waterfall,
            waterfall is not None and distributed == waterfall,
            f"{len(distributions)} tranche(s)",
        )
    )
    paid, held = ZERO, ZERO
    for d in distributions:
        if d.stablecoin_decimals is None:
            continue
        paid += Decimal(_paid_units(d.pk)).scaleb(-d.stablecoin_decimals)
        escrow = (
            EscrowLine.objects.filter(
                entitlement__distribution=d, state__in=[EscrowLine.State.HELD, EscrowLine.State.KEPT]
            ).aggregate(s=Sum("entitlement__amount"))["s"]
            or ZERO
        )
        held += Decimal(escrow).scaleb(-d.stablecoin_decimals)
    paid_all = all(d.state == Distribution.State.PAID for d in distributions)
    hops.append(
        Hop(
            "payouts",
            "On-chain payouts (final Paid events)",
            paid,
            paid - distributed,
            paid + held == distributed and paid_all and not chain_live,
            f"held in escrow {held}",
            chain_live,
        )
    )
    return PeriodView(period=period, currency=currency, hops=hops, exceptions=exceptions)
