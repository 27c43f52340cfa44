"""``run(description, periods, state=None)``: the priority of payments over one or many periods.

Each period: interest and fees accrue from the previous payment date (the closing date for the
first), the triggers are tested, then the steps run in order on the funds available (collections
plus the cash kept from the previous period). Every amount is a whole number of the currency's
minor unit: what a rate or a fraction produces is rounded once with the deal's rounding, and a
pro-rata split hands out exactly its amount (largest remainder, ``core.money.allocate``).
docs/waterfall.md describes the rules with worked examples.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from core.daycount import year_fraction
from core.errors import InvalidInput
from core.money import allocate, has_minor_units, minor_unit, quantize

from .deal import Deal, Step, Trigger, read_deal
from .results import PeriodInput, PeriodResult, RunResult, StepRow, TriggerResult
from .state import initial_state, read_state, write_state

ZERO = Decimal(0)
_RATIO_PLACES = Decimal("0.000001")


@lru_cache(maxsize=4096)
def _year_fraction(start: date, end: date, convention: str) -> Fraction:
    return year_fraction(start, end, convention)


def _check_periods(deal: Deal, periods: list[PeriodInput], last: date) -> None:
    errors = []
    for i, period in enumerate(periods):
        where = f"periods[{i}]"
        if not isinstance(period.payment_date, date):
            errors.append(f"{where}.payment_date: must be a date")
            continue
        if period.payment_date <= last:
            errors.append(f"{where}.payment_date: {period.payment_date} must be after the previous "
                          f"payment date {last}")
        last = max(last, period.payment_date)
        for name in ("collections", "pool_balance", "losses", "delinquent"):
            value = getattr(period, name)
            if not isinstance(value, Decimal | int) or isinstance(value, bool):
                errors.append(f"{where}.{name}: must be a Decimal amount")
            elif value < 0:
                errors.append(f"{where}.{name}: must not be negative")
            elif not has_minor_units(Decimal(value), deal.currency):
                errors.append(f"{where}.{name}: {value} has more decimals than {deal.currency} allows")
    if errors:
        raise InvalidInput(f"{len(errors)} period error(s): {errors[0]}", reasons=errors,
                           field=errors[0].split(": ", 1)[0])


def _split(available: Decimal, dues: list[Decimal], pro_rata: bool, unit: Decimal) -> list[Decimal]:
    """What each due gets from ``available``: all of them when it suffices; otherwise in order
    (sequential) or in proportion to the dues, handing out exactly ``available``."""
    total = sum(dues, ZERO)
    if available >= total:
        return list(dues)
    if pro_rata:
        return allocate(available, dues, unit=unit) if available > 0 else [0 * d for d in dues]
    paid = []
    for due in dues:
        share = min(due, available)
        paid.append(share)
        available -= share
    return paid


class _Period:
    """One period's run: mutable balances, the available cash and the rows written so far."""

    def __init__(self, deal: Deal, state: dict, period: PeriodInput):
        self.deal, self.s, self.p = deal, state, period
        self.unit = minor_unit(deal.currency)
        self.zero = Decimal(0).quantize(self.unit)
        self.cash = state["cash"] + period.collections
        self.funds_in = self.cash
        self.released = self.drawn = self.deposited = self.zero
        self.rows: list[StepRow] = []
        self.paid = {t.name: dict.fromkeys(("interest", "principal", "residual"), self.zero)
                     for t in deal.tranches}
        self.fees_paid = {f.name: self.zero for f in deal.fees}
        self.cap_used = {f.name: self.zero for f in deal.fees}
        self.tranches = {t.name: t for t in deal.tranches}
        self.accounts = {a.name: a for a in deal.accounts}
        self.triggers: dict[str, TriggerResult] = {}

    def q(self, exact: Fraction) -> Decimal:
        return quantize(exact, self.deal.currency, self.deal.rounding)

    # -- before the steps ---------------------------------------------------------------------
    def accrue(self) -> None:
        start, end, s = self.s["last_payment_date"], self.p.payment_date, self.s
        for t in self.deal.tranches:
            if t.kind != "debt":
                continue
            fraction = _year_fraction(start, end, t.day_count) * t.rate
            base = s["balances"][t.name]
            if t.interest_on_unpaid:
                base += s["unpaid_interest"][t.name]
            s["unpaid_interest"][t.name] += self.q(Fraction(base) * fraction)
        for f in self.deal.fees:
            if f.amount is not None:
                accrued = f.amount
            elif f.one_off is not None:
                accrued = self.zero if s["one_off_charged"][f.name] else f.one_off
                s["one_off_charged"][f.name] = True
            else:
                base = s["pool_balance"] if f.base == "pool" else s["balances"][f.base]
                accrued = self.q(Fraction(base) * f.rate * _year_fraction(start, end, f.day_count))
            s["unpaid_fees"][f.name] += accrued
        s["cumulative_losses"] += self.p.losses

    def test_triggers(self) -> None:
        for trigger in self.deal.triggers:
            memory = self.s["triggers"][trigger.name]
            if trigger.kind in ("any", "all"):
                count = sum(self.triggers[name].breached for name in trigger.triggers)
                needed = 1 if trigger.kind == "any" else len(trigger.triggers)
                memory["breached"] = count >= needed
                self.triggers[trigger.name] = TriggerResult(Decimal(count), Decimal(needed), count >= needed)
                continue
            ratio = self._ratio(trigger)
            failing = ratio is not None and (ratio < trigger.threshold if trigger.below
                                             else ratio > trigger.threshold)
            if failing:
                memory["breached"], memory["passes"] = True, 0
            elif memory["breached"]:
                if memory["passes"] >= trigger.cure:
                    memory["breached"], memory["passes"] = False, 0
                else:
                    memory["passes"] += 1
            value = None if ratio is None else (Decimal(ratio.numerator) / Decimal(ratio.denominator))
            if value is not None:
                value = value.quantize(_RATIO_PLACES)
            self.triggers[trigger.name] = TriggerResult(value, trigger.threshold, memory["breached"])

    def _ratio(self, trigger: Trigger) -> Fraction | None:
        s, p = self.s, self.p
        if trigger.kind == "oc":
            numerator, denominator = p.pool_balance, sum(s["balances"][n] for n in trigger.tranches)
        elif trigger.kind == "ic":
            numerator, denominator = p.collections, sum(s["unpaid_interest"][n] for n in trigger.tranches)
        elif trigger.kind == "cumulative_loss":
            numerator, denominator = s["cumulative_losses"], self.deal.original_pool_balance
        else:  # delinquency
            numerator, denominator = p.delinquent, p.pool_balance
        return Fraction(numerator) / Fraction(denominator) if denominator else None

    # -- the steps ----------------------------------------------------------------------------
    def holds(self, condition) -> bool:
        return condition is None or self.triggers[condition.trigger].breached == condition.breached

    def row(self, step: Step, target: str, due, paid, carried=None, balance=None, applied=True) -> None:
        self.rows.append(StepRow(step.index, step.kind, step.label, target, due, paid, due - paid,
                                 self.zero if carried is None else carried, balance, applied))

    def run_step(self, step: Step) -> None:
        if not self.holds(step.when):
            balance = None
            for target in step.targets or (step.account,):
                if step.account is not None:
                    balance = self.s["accounts"][step.account]
                elif target in self.tranches:
                    balance = self.s["balances"][target]
                self.row(step, target, self.zero, self.zero, self.zero, balance, applied=False)
            return
        getattr(self, step.kind)(step)

    def pay_fee(self, step: Step) -> None:
        owed = self.s["unpaid_fees"]
        dues = []
        for name in step.targets:
            cap = self.deal.fees[self._fee_index(name)].cap
            due = owed[name]
            if step.capped and cap is not None:
                due = min(due, max(self.zero, cap - self.cap_used[name]))
            dues.append(due)
        for name, due, paid in zip(step.targets, dues, _split(self.cash, dues, step.pro_rata, self.unit),
                                   strict=True):
            self.cash -= paid
            owed[name] -= paid
            self.fees_paid[name] += paid
            if step.capped:
                self.cap_used[name] += paid
            self.row(step, name, due, paid, owed[name])

    def _fee_index(self, name: str) -> int:
        return next(i for i, f in enumerate(self.deal.fees) if f.name == name)

    def pay_interest(self, step: Step) -> None:
        owed = self.s["unpaid_interest"]
        dues = [owed[name] for name in step.targets]
        for name, due, paid in zip(step.targets, dues, _split(self.cash, dues, step.pro_rata, self.unit),
                                   strict=True):
            self.cash -= paid
            owed[name] -= paid
            self.paid[name]["interest"] += paid
            self.row(step, name, due, paid, owed[name], self.s["balances"][name])

    def pay_principal(self, step: Step) -> None:
        balances = self.s["balances"]
        current = [balances[name] for name in step.targets]
        step_due = sum(current, self.zero)
        limit = step.limit
        if limit is not None and self.holds(limit.while_) and (
                limit.until is None or self.p.payment_date <= limit.until):
            if limit.amount is not None:
                cap = limit.amount
            elif limit.target_balance is not None:
                cap = max(self.zero, step_due - limit.target_balance)
            else:
                cap = self.q(Fraction(self.cash) * limit.fraction_of_available)
            step_due = min(step_due, cap)
        if step.pro_rata:
            dues = allocate(step_due, current, unit=self.unit) if step_due > 0 else [self.zero] * len(current)
        else:
            dues = _split(step_due, current, False, self.unit)
        payable = min(step_due, self.cash)
        for name, due, paid in zip(step.targets, dues, _split(payable, dues, step.pro_rata, self.unit),
                                   strict=True):
            self.cash -= paid
            balances[name] -= paid
            self.paid[name]["principal"] += paid
            self.row(step, name, due, paid, self.zero, balances[name])

    def reserve_target(self, name: str) -> Decimal:
        """The account's target now: the fixed amount or the fraction of a pool balance, at least
        the floor, at most what the debt tranches still owe in principal."""
        account = self.accounts[name]
        if account.amount is not None:
            target = account.amount
        else:
            pool = self.p.pool_balance if account.of == "current_pool" else self.deal.original_pool_balance
            target = self.q(Fraction(pool) * account.fraction)
        debt = sum((self.s["balances"][t.name] for t in self.deal.tranches if t.kind == "debt"), self.zero)
        return min(max(target, account.floor), debt)

    def fund_reserve(self, step: Step) -> None:
        accounts = self.s["accounts"]
        due = max(self.zero, self.reserve_target(step.account) - accounts[step.account])
        paid = min(due, self.cash)
        self.cash -= paid
        accounts[step.account] += paid
        self.deposited += paid
        self.row(step, step.account, due, paid, self.zero, accounts[step.account])

    def release_reserve(self, step: Step) -> None:
        accounts = self.s["accounts"]
        excess = max(self.zero, accounts[step.account] - self.reserve_target(step.account))
        accounts[step.account] -= excess
        self.cash += excess
        self.funds_in += excess
        self.released += excess
        self.row(step, step.account, excess, excess, self.zero, accounts[step.account])

    def draw_reserve(self, step: Step) -> None:
        accounts, owed = self.s["accounts"], self.s["unpaid_interest"]
        for name in step.targets:
            due = owed[name]
            paid = min(due, accounts[step.account])
            accounts[step.account] -= paid
            owed[name] -= paid
            self.funds_in += paid
            self.drawn += paid
            self.paid[name]["interest"] += paid
            self.row(step, name, due, paid, owed[name], accounts[step.account])

    def pay_residual(self, step: Step) -> None:
        name = step.targets[0]
        paid, self.cash = self.cash, self.zero
        self.paid[name]["residual"] += paid
        self.row(step, name, paid, paid, self.zero, self.s["balances"][name])

    # -- after the steps ----------------------------------------------------------------------
    def close(self) -> PeriodResult:
        s, p = self.s, self.p
        result = PeriodResult(
            payment_date=p.payment_date, label=p.label or p.payment_date.isoformat(),
            funds_in=self.funds_in, steps=self.rows, tranche_balances=dict(s["balances"]),
            accounts=dict(s["accounts"]), triggers=self.triggers, paid=self.paid, cash_left=self.cash,
            collections=p.collections, cash_brought_forward=s["cash"], reserve_released=self.released,
            reserve_drawn=self.drawn, reserve_deposited=self.deposited, fees_paid=self.fees_paid,
        )
        if result.funds_in != result.payments + self.deposited + self.cash or self.cash < 0:
            raise ArithmeticError(f"conservation broken on {p.payment_date}")  # pragma: no cover
        s["cash"] = self.cash
        s["pool_balance"] = p.pool_balance
        s["last_payment_date"] = p.payment_date
        s["periods_run"] += 1
        return result


def run(description: dict, periods: list[PeriodInput], state: dict | None = None) -> RunResult:
    """Run the waterfall of ``description`` over ``periods`` (in payment-date order), starting
    from ``state`` (``RunResult.state`` of an earlier run) or from the closing date.

    Raises ``core.errors.InvalidInput`` with every error (``reasons``, each ``"path: message"``)
    for an invalid description, state or period."""
    deal = read_deal(description)
    working = read_state(deal, state) if state is not None else initial_state(deal)
    _check_periods(deal, periods, working["last_payment_date"])
    results = []
    for period in periods:
        period = PeriodInput(period.payment_date, Decimal(period.collections), Decimal(period.pool_balance),
                             Decimal(period.losses), Decimal(period.delinquent), period.label)
        one = _Period(deal, working, period)
        one.accrue()
        one.test_triggers()
        for step in deal.steps:
            one.run_step(step)
        results.append(one.close())
    return RunResult(periods=results, state=write_state(deal, working))
