"""Available funds of a collection period and their breakdown, and the manual adjustments to them
(docs/servicing.md, "Available funds").

The funds of a period are, line by line:

1. every lease receipt and certificate-sale receipt credited to the deal's collection account
   (``ServicingTerms.collection_account``) and booked from the period's start to its end, as the
   bank statements classified them, less the bank's reversals of such receipts booked in the period;
2. the reserve account balance the previous period's approved run left (each account of the
   engine's result);
3. interest earned on cash and manual adjustments, each approved by a second person.

The engine holds the reserve in its own state, so the collections handed to it are every line but
the reserve balance.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q

from assets.models import BankEntry
from core.audit import audit_created
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.money import check_minor_units, format_money
from core.transitions import lock, run_transition
from servicing.models import AvailableFundsLine, CollectionPeriod, FundsAdjustment, ServicingTerms
from servicing.models.funds import OPEN_FOR_FUNDS
from servicing.services.common import action

RECEIPTS = (BankEntry.Category.LEASE_RECEIPT, BankEntry.Category.CERTIFICATE_SALE)
Kind = AvailableFundsLine.Kind


@dataclass(frozen=True)
class FundsLine:
    kind: str
    label: str
    amount: Decimal
    bank_entry_id: int | None = None
    adjustment_id: int | None = None


@dataclass(frozen=True)
class AvailableFunds:
    currency: str
    lines: list[FundsLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def engine_collections(self) -> Decimal:
        """What the waterfall receives as the period's collections: all but the reserve balance,
        which the engine carries in its state."""
        return sum((line.amount for line in self.lines if line.kind != Kind.RESERVE_BALANCE), Decimal("0"))

    def by_kind(self) -> dict[str, Decimal]:
        totals = {kind: Decimal("0") for kind in Kind.values}
        for line in self.lines:
            totals[line.kind] += line.amount
        return totals


def _receipts(period: CollectionPeriod, account: str, currency: str) -> list[FundsLine]:
    """The period's receipts on ``account`` and the reversals of receipts, in two queries; an entry
    in another currency than the deal's is refused by name."""
    in_period = Q(account=account, booking_date__gte=period.start, booking_date__lte=period.end)
    receipts = Q(direction=BankEntry.Direction.CREDIT, category__in=RECEIPTS, is_reversal=False)
    reversals = Q(is_reversal=True, reversal_of__category__in=RECEIPTS)
    rows = (
        BankEntry.objects.filter(in_period & (receipts | reversals))
        .annotate(kind=F("category"), original_kind=F("reversal_of__category"))
        .order_by("booking_date", "id")
        .values(
            "id",
            "booking_date",
            "direction",
            "amount",
            "currency",
            "entry_key",
            "bank_reference",
            "counterparty_name",
            "is_reversal",
            "kind",
            "original_kind",
        )
    )
    rows = list(rows)
    foreign = [r for r in rows if r["currency"] != currency]
    if foreign:
        named = [
            f"bank entry #{r['id']} {r['booking_date']} {r['entry_key']} is in {r['currency']}"
            for r in foreign
        ]
        raise InvalidInput(
            f"Collections of period {period.number} must be in the deal's currency {currency}: "
            + "; ".join(named)
            + ".",
            reasons=named,
            field="collections",
        )
    lines = []
    for r in rows:
        sign = 1 if r["direction"] == BankEntry.Direction.CREDIT else -1
        kind = r["original_kind"] if r["is_reversal"] else r["kind"]
        words = "reversal " if r["is_reversal"] else ""
        reference = r["bank_reference"] or r["entry_key"]
        label = f"{words}{r['booking_date']} {r['counterparty_name'] or '-'} {reference}"
        lines.append(FundsLine(kind, label, sign * r["amount"], bank_entry_id=r["id"]))
    return lines


def available_funds(period: CollectionPeriod, *, previous=None) -> AvailableFunds:
    """The period's available funds now, line by line (nothing is written). ``previous`` is the
    previous period's approved run (``servicing.services.periods.previous_run``)."""
    if previous is None and period.number > 1:
        from servicing.services.periods import previous_run

        previous = previous_run(period)
    currency = period.deal.currency
    terms = ServicingTerms.objects.filter(deal_id=period.deal_id).first()
    if terms is None:
        raise Refused(f"Deal '{period.deal}' has no servicing terms (collection account) yet.")
    lines = _receipts(period, terms.collection_account, currency)
    if previous is not None:
        lines += [
            FundsLine(
                Kind.RESERVE_BALANCE, f"{name} balance after period {period.number - 1}", Decimal(balance)
            )
            for name, balance in sorted(previous.outputs.get("accounts", {}).items())
        ]
    adjustments = (
        FundsAdjustment.objects.filter(period=period, state=FundsAdjustment.State.APPROVED)
        .order_by("id")
        .values("id", "kind", "amount", "reason")
    )
    lines += [
        FundsLine(a["kind"], f"#{a['id']} {a['reason']}", a["amount"], adjustment_id=a["id"])
        for a in adjustments
    ]
    return AvailableFunds(currency, lines)


def stored_funds(run) -> AvailableFunds:
    """The funds lines kept with a run, as they were when it was determined."""
    lines = [
        FundsLine(r["kind"], r["label"], r["amount"], r["bank_entry_id"], r["adjustment_id"])
        for r in run.funds_lines.order_by("position").values(
            "kind", "label", "amount", "bank_entry_id", "adjustment_id"
        )
    ]
    return AvailableFunds(run.period.deal.currency, lines)


CSV_COLUMNS = ("line", "kind", "label", "amount", "currency", "bank_entry", "adjustment")


def funds_csv(funds: AvailableFunds) -> str:
    """The breakdown as CSV, amounts with exactly the currency's decimals, the total last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    plain = lambda amount: format_money(amount, funds.currency).split(" ")[0].replace(",", "")  # noqa: E731
    for i, line in enumerate(funds.lines, start=1):
        writer.writerow(
            [
                i,
                line.kind,
                line.label,
                plain(line.amount),
                funds.currency,
                line.bank_entry_id or "",
                line.adjustment_id or "",
            ]
        )
    writer.writerow(["", "total", "available funds", plain(funds.total), funds.currency, "", ""])
    return out.getvalue()


# Adjustments


@transaction.atomic
def funds_adjustment_propose(
    *, period: CollectionPeriod, amount, reason: str, actor, kind: str = FundsAdjustment.Kind.ADJUSTMENT
) -> FundsAdjustment:
    """Propose an amount added to (negative: taken from) the period's funds; it counts once a second
    person approves it."""
    require_perm(actor, "servicing.add_fundsadjustment", doing="propose funds adjustments")
    period = lock(CollectionPeriod, period.pk)
    if period.state not in OPEN_FOR_FUNDS:
        raise Refused(
            f"Period {period.number} of '{period.deal}' is {period.get_state_display()}: its available "
            "funds are settled."
        )
    if kind not in FundsAdjustment.Kind.values:
        raise InvalidInput(
            f"'{kind}' is not a kind of adjustment ({', '.join(FundsAdjustment.Kind.values)}).", field="kind"
        )
    if not (reason or "").strip():
        raise InvalidInput("An adjustment needs a reason.", field="reason")
    if isinstance(amount, float):
        raise InvalidInput("amount must be a decimal amount, not a float.", field="amount")
    amount = check_minor_units(Decimal(amount), period.deal.currency, field="amount")
    if amount == 0:
        raise InvalidInput("An adjustment of zero changes nothing.", field="amount")
    adjustment = FundsAdjustment.objects.create(
        period=period, kind=kind, amount=amount, reason=reason.strip(), proposed_by=actor
    )
    audit_created(instance=adjustment, actor=actor, fields=("period", "kind", "amount", "reason"))
    return adjustment


@transaction.atomic
def funds_adjustment_approve(*, adjustment: FundsAdjustment, actor, reason: str = "") -> FundsAdjustment:
    lock(CollectionPeriod, adjustment.period_id)
    adjustment = lock(FundsAdjustment, adjustment.pk)
    run_transition(adjustment, "approve", actor=actor, reason=reason, decided_by=actor)
    return adjustment


@transaction.atomic
def funds_adjustment_reject(*, adjustment: FundsAdjustment, actor, reason: str = "") -> FundsAdjustment:
    adjustment = lock(FundsAdjustment, adjustment.pk)
    run_transition(adjustment, "reject", actor=actor, reason=reason, decided_by=actor)
    return adjustment


FUNDS_ADJUSTMENT_ACTIONS = {"approve": funds_adjustment_approve, "reject": funds_adjustment_reject}


def funds_adjustment_transition(*, adjustment: FundsAdjustment, name: str, actor, reason: str = ""):
    return action(FUNDS_ADJUSTMENT_ACTIONS, FundsAdjustment, name)(
        adjustment=adjustment, actor=actor, reason=reason
    )
