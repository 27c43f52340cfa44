"""What goes into and comes out of a waterfall run: the period inputs and the step table."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CSV_COLUMNS = ("period", "payment_date", "step", "kind", "label", "target", "applied",
               "due", "paid", "shortfall", "carried_forward", "balance_after")


@dataclass(frozen=True)
class PeriodInput:
    """One payment date's figures. Accrual runs from the previous payment date (the closing date
    for the first period) to ``payment_date``."""

    payment_date: date
    collections: Decimal  # funds from collections, excluding the reserve account
    pool_balance: Decimal  # pool (collateral) balance at the period end
    losses: Decimal = Decimal(0)  # losses (defaults) of the period
    delinquent: Decimal = Decimal(0)  # delinquent balance at the period end
    label: str = ""


@dataclass(frozen=True)
class TriggerResult:
    """A trigger's test in one period. ``value`` is the ratio rounded to 6 decimals (``None`` when
    its denominator is zero, a test that passes); a combined trigger's value is the number of its
    triggers breached. ``breached`` includes the cure: a trigger stays breached while it cures."""

    value: Decimal | None
    threshold: Decimal
    breached: bool


@dataclass(frozen=True)
class StepRow:
    """One step's effect on one target (a step paying three tranches gives three rows with the
    same ``index``). ``applied`` is false when the step's ``when`` condition did not hold: the row
    shows zeros. ``carried_forward`` is what the target is still owed after the step (interest
    and fees); ``balance_after`` is the tranche balance (interest, principal, residual), the
    account balance (reserve steps) or ``None`` (fees)."""

    index: int
    kind: str
    label: str
    target: str
    due: Decimal
    paid: Decimal
    shortfall: Decimal
    carried_forward: Decimal
    balance_after: Decimal | None
    applied: bool = True

    @property
    def name(self) -> str:
        return self.label


@dataclass(frozen=True)
class PeriodResult:
    payment_date: date
    label: str
    funds_in: Decimal  # collections + cash brought forward + reserve released + reserve drawn
    steps: list[StepRow]
    tranche_balances: dict[str, Decimal]
    accounts: dict[str, Decimal]
    triggers: dict[str, TriggerResult]
    paid: dict[str, dict[str, Decimal]]  # tranche -> {"interest", "principal", "residual"}
    cash_left: Decimal  # kept in the collection account, available next period
    collections: Decimal = Decimal(0)
    cash_brought_forward: Decimal = Decimal(0)
    reserve_released: Decimal = Decimal(0)
    reserve_drawn: Decimal = Decimal(0)
    reserve_deposited: Decimal = Decimal(0)
    fees_paid: dict[str, Decimal] = field(default_factory=dict)

    @property
    def payments(self) -> Decimal:
        """Everything paid out to tranches and fees in the period."""
        return (sum((sum(parts.values(), Decimal(0)) for parts in self.paid.values()), Decimal(0))
                + sum(self.fees_paid.values(), Decimal(0)))


@dataclass(frozen=True)
class RunResult:
    periods: list[PeriodResult]
    state: dict  # JSON-serializable; pass it to the next run to continue from here

    def rows(self) -> list[dict]:
        """The step table: one row per period, step and target, keyed by ``CSV_COLUMNS``; amounts
        as strings with the currency's decimals, ``balance_after`` empty for fees."""
        table = []
        for period in self.periods:
            for row in period.steps:
                table.append({
                    "period": period.label,
                    "payment_date": period.payment_date.isoformat(),
                    "step": row.index,
                    "kind": row.kind,
                    "label": row.label,
                    "target": row.target,
                    "applied": "yes" if row.applied else "no",
                    "due": str(row.due),
                    "paid": str(row.paid),
                    "shortfall": str(row.shortfall),
                    "carried_forward": str(row.carried_forward),
                    "balance_after": "" if row.balance_after is None else str(row.balance_after),
                })
        return table
