"""A deal's servicing terms and collection periods: generate the periods, determine one (run the
waterfall on its available funds), approve it (a second person), close it (docs/servicing.md)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from assets.services.common import create_audited, update_audited
from core import clock
from core.audit import audit_created, audit_created_bulk
from core.authz import require_perm, require_system_or_perm
from core.errors import InvalidInput, Refused
from core.money import check_minor_units, format_money
from core.transitions import bulk_transition, check_transition, lock, run_transition
from issuance.models import Deal
from servicing.models import AvailableFundsLine, CollectionPeriod, ServicingTerms, WaterfallRun
from servicing.schedule import period_dates
from servicing.services.common import action
from servicing.services.distributions import distributions_create
from servicing.services.funds import available_funds

TERMS_FIELDS = (
    "calendar_codes",
    "extra_holidays",
    "adjustment",
    "payment_lag_days",
    "determination_lead_business_days",
    "record_lead_business_days",
    "collection_account",
    "trustee_may_approve",
)
PERIOD_FIELDS = ("number", "start", "end", "determination_date", "record_date", "payment_date")
APPROVED_OR_LATER = (
    CollectionPeriod.State.APPROVED,
    CollectionPeriod.State.DISTRIBUTING,
    CollectionPeriod.State.DISTRIBUTED,
    CollectionPeriod.State.CLOSED,
)


def _check_calendar(values: dict) -> None:
    from core.calendars import BusinessCalendar

    try:
        BusinessCalendar(
            values.get("calendar_codes") or (), extra_holidays=values.get("extra_holidays") or ()
        )
    except ValueError as exc:
        raise InvalidInput(f"calendar_codes: {exc}", field="calendar_codes") from None


@transaction.atomic
def servicing_terms_set(*, deal: Deal, actor, **values) -> ServicingTerms:
    """Create or change the deal's servicing terms (calendar, date offsets, collection account,
    whether the trustee may approve). Periods already generated keep their dates."""
    exists = ServicingTerms.objects.filter(deal=deal).exists()
    require_perm(actor, f"servicing.{'change' if exists else 'add'}_servicingterms",
                 doing="set a deal's servicing terms")
    deal = lock(type(deal), deal.pk)  # the deal first, then its terms
    existing = ServicingTerms.objects.select_for_update().filter(deal=deal).first()
    unknown = set(values) - set(TERMS_FIELDS)
    if unknown:
        raise InvalidInput(
            f"Unknown servicing terms: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    _check_calendar({**({f: getattr(existing, f) for f in TERMS_FIELDS} if existing else {}), **values})
    if existing:
        return update_audited(existing, actor=actor, fields=TERMS_FIELDS, values=values)
    return create_audited(ServicingTerms, actor=actor, fields=TERMS_FIELDS, deal=deal, **values)


@transaction.atomic
def periods_generate(*, deal: Deal, actor) -> list[CollectionPeriod]:
    """Create the deal's periods from its closing date to its legal final maturity that do not exist
    yet (the numbers after the last one), with the dates of its servicing terms."""
    require_perm(actor, "servicing.add_collectionperiod", doing="generate collection periods")
    deal = lock(type(deal), deal.pk)
    if deal.state in Deal.FINAL_STATES:
        raise Refused(f"Deal '{deal}' is {deal.get_state_display()}: it has no more periods to service.")
    terms = ServicingTerms.objects.filter(deal=deal).first()
    if terms is None:
        raise Refused(
            f"Deal '{deal}' has no servicing terms yet (calendar, date offsets, collection account); "
            "set them first."
        )
    try:
        schedule = period_dates(
            closing_date=deal.closing_date,
            legal_final_maturity=deal.legal_final_maturity,
            frequency=deal.payment_frequency,
            calendar=terms.calendar(),
            adjustment=terms.adjustment,
            payment_lag_days=terms.payment_lag_days,
            determination_lead=terms.determination_lead_business_days,
            record_lead=terms.record_lead_business_days,
        )
    except ValueError as exc:
        raise InvalidInput(f"Deal '{deal}': {exc}.", field="determination_lead_business_days") from None
    last = CollectionPeriod.objects.filter(deal=deal).aggregate(n=Max("number"))["n"] or 0
    created = CollectionPeriod.objects.bulk_create(
        [
            CollectionPeriod(deal=deal, **{f: getattr(p, f) for f in PERIOD_FIELDS})
            for p in schedule
            if p.number > last
        ]
    )
    for period in created:
        period.deal = deal
    audit_created_bulk(instances=created, actor=actor, fields=PERIOD_FIELDS)
    return created


@transaction.atomic
def periods_start_collecting(*, actor=None, today: date | None = None) -> int:
    """Every open period whose first day has come starts collecting (the daily task: ``actor=None``)."""
    require_system_or_perm(actor, "servicing.determine_collectionperiod", doing="start collecting periods")
    today = today or clock.today()
    rows = CollectionPeriod.objects.filter(state=CollectionPeriod.State.OPEN, start__lte=today)
    if not rows.exists():
        return 0
    return len(
        bulk_transition(
            CollectionPeriod,
            "start_collecting",
            actor=actor,
            queryset=rows,
            object_repr="{deal__name} period {number} ({start} to {end})",
        )
    )


def _amount(value, currency: str, field: str) -> Decimal:
    if isinstance(value, float):
        raise InvalidInput(f"{field} must be a decimal amount, not a float.", field=field)
    return check_minor_units(Decimal(value), currency, field=field)


def previous_run(period: CollectionPeriod) -> WaterfallRun | None:
    """The run approved for the period before ``period`` (its latest), or ``None`` for period 1."""
    return (
        WaterfallRun.objects.filter(period__deal_id=period.deal_id, period__number=period.number - 1)
        .order_by("-number")
        .first()
    )


def latest_run(period: CollectionPeriod) -> WaterfallRun | None:
    return period.runs.order_by("-number").first()


def _engine_outputs(result) -> dict:
    """The one period of a ``RunResult`` as JSON: the step table (``rows()``: amounts as strings
    with the currency's decimals), balances, accounts, triggers, payments, cash."""
    (p,) = result.periods
    return {
        "payment_date": p.payment_date.isoformat(),
        "label": p.label,
        "funds_in": str(p.funds_in),
        "collections": str(p.collections),
        "cash_brought_forward": str(p.cash_brought_forward),
        "reserve_released": str(p.reserve_released),
        "reserve_drawn": str(p.reserve_drawn),
        "reserve_deposited": str(p.reserve_deposited),
        "steps": result.rows(),
        "tranche_balances": {k: str(v) for k, v in p.tranche_balances.items()},
        "accounts": {k: str(v) for k, v in p.accounts.items()},
        "triggers": {
            k: {"value": None if t.value is None else str(t.value), "threshold": str(t.threshold),
                "breached": t.breached}
            for k, t in p.triggers.items()
        },
        "paid": {k: {kind: str(a) for kind, a in v.items()} for k, v in p.paid.items()},
        "fees_paid": {k: str(v) for k, v in p.fees_paid.items()},
        "cash_left": str(p.cash_left),
    }


@transaction.atomic
def period_determine(
    *, period: CollectionPeriod, actor, pool_balance, losses=0, delinquent=0, reason: str = ""
) -> WaterfallRun:
    """Compute the period's available funds, run the deal's waterfall over it from the state the
    previous period's approved run left, and keep the run. A determined period may be determined
    again until it is approved; every run is kept."""
    from servicing.waterfall import PeriodInput, run

    period = lock(CollectionPeriod, period.pk)
    check_transition(period, "determine", actor=actor, reason=reason)
    deal = period.deal
    currency = deal.currency
    figures = {
        name: _amount(value, currency, name)
        for name, value in (("pool_balance", pool_balance), ("losses", losses), ("delinquent", delinquent))
    }
    for name, value in figures.items():
        if value < 0:
            raise InvalidInput(f"{name} must not be negative ({value} {currency}).", field=name)
    description = deal.waterfall_description
    before = previous_run(period)
    funds = available_funds(period, previous=before)
    if funds.engine_collections < 0:
        raise InvalidInput(
            f"Period {period.number}'s collections with its adjustments come to "
            f"{format_money(funds.engine_collections, currency)}: a waterfall cannot pay out less than "
            "nothing; correct the adjustments first.",
            field="collections",
        )
    engine_input = PeriodInput(
        payment_date=period.payment_date,
        collections=funds.engine_collections,
        pool_balance=figures["pool_balance"],
        losses=figures["losses"],
        delinquent=figures["delinquent"],
        label=f"period {period.number}",
    )
    result = run(description.description, [engine_input], state=before.state if before else None)
    number = (period.runs.aggregate(n=Max("number"))["n"] or 0) + 1
    inputs = {
        "payment_date": period.payment_date.isoformat(),
        "collections": str(funds.engine_collections),
        **{k: str(v) for k, v in figures.items()},
        "available_funds": str(funds.total),
        "previous_run": before.pk if before else None,
        "description_version": description.version,
    }
    new = WaterfallRun.objects.create(
        period=period,
        number=number,
        description_version=description.version,
        available_funds=funds.total,
        inputs=inputs,
        outputs=_engine_outputs(result),
        state=result.state,
        determined_by=actor,
    )
    AvailableFundsLine.objects.bulk_create(
        [
            AvailableFundsLine(
                run=new,
                position=i,
                kind=line.kind,
                label=line.label[:300],
                amount=line.amount,
                bank_entry_id=line.bank_entry_id,
                adjustment_id=line.adjustment_id,
            )
            for i, line in enumerate(funds.lines, start=1)
        ]
    )
    audit_created(instance=new, actor=actor, fields=("number", "description_version", "available_funds"))
    run_transition(period, "determine", actor=actor, reason=reason, determined_by=actor)
    return new


@transaction.atomic
def period_approve(*, period: CollectionPeriod, actor, reason: str = "") -> CollectionPeriod:
    """A second person approves the latest run: never one who determined the period; the trustee
    role only where the deal's servicing terms allow it. The run's payments per tranche become the
    period's distributions in the same transaction, as a step of the approval (so a trustee who
    may approve need not hold the permission to distribute); a period that pays nothing has none."""
    period = lock(CollectionPeriod, period.pk)
    run_transition(period, "approve", actor=actor, reason=reason, approved_by=actor)
    payments = latest_run(period).tranche_payments()
    if any(amount for parts in payments.values() for amount in parts.values()):
        distributions_create(period=period, payments=payments, actor=None)
        return CollectionPeriod.objects.get(pk=period.pk)
    return period


@transaction.atomic
def period_close(*, period: CollectionPeriod, actor, reason: str = "") -> CollectionPeriod:
    period = lock(CollectionPeriod, period.pk)
    run_transition(period, "close", actor=actor, reason=reason)
    return period


PERIOD_ACTIONS = {"determine": period_determine, "approve": period_approve, "close": period_close}


def period_transition(*, period: CollectionPeriod, name: str, actor, reason: str = "", **options):
    """Run the period action named ``name`` (for the API and the admin)."""
    return action(PERIOD_ACTIONS, CollectionPeriod, name)(
        period=period, actor=actor, reason=reason, **options
    )
