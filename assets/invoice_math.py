"""Invoice arithmetic: one line per component, in the currency's minor unit, with named rounding.

Pure Python (no Django). The caller passes ``quantum``, the currency's minor unit
(``core.money.minor_unit``: 0.01 USD, 1 JPY). Every amount is rounded once, per line, half-even
by default:

- usage: GPU-hours x price per GPU-hour;
- minimum-commitment true-up: what the usage falls short of the minimum for the period, never
  negative. The minimum for the period is monthly minimum x months in the period, prorated by
  days when the period is cut short: x days billed / days of the full period;
- late fee: for each run of days with the same outstanding balance, balance x annual rate x
  days / 365 (ACT/365 fixed, simple interest);
- adjustment for usage metered after invoicing: per component, what the period is worth now
  less what was billed for it;
- credit note: a negative line of the credited amount.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

DAYS_IN_YEAR = Decimal(365)
UNIT_PRICE = Decimal("0.000001")  # the unit price column's precision
USAGE, MINIMUM_TRUE_UP, LATE_FEE = "usage", "minimum_true_up", "late_fee"


@dataclass(frozen=True)
class Line:
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def usage_lines(
    *, gpu_hours: int, price_per_gpu_hour: Decimal, monthly_minimum: Decimal, months: int, days: int,
    scheduled_days: int, currency: str, quantum: Decimal, rounding: str = ROUND_HALF_EVEN,
) -> list[Line]:
    """The lines of a billing period of ``days`` out of its full ``scheduled_days``."""
    usage = (Decimal(gpu_hours) * price_per_gpu_hour).quantize(quantum, rounding=rounding)
    lines = [Line(USAGE, f"{gpu_hours} GPU-hours at {price_per_gpu_hour} {currency}",
                  Decimal(gpu_hours), price_per_gpu_hour, usage)]
    minimum = (monthly_minimum * months * days / scheduled_days).quantize(quantum, rounding=rounding)
    if usage < minimum:
        share = f", {days} of {scheduled_days} days" if days != scheduled_days else ""
        lines.append(Line(
            MINIMUM_TRUE_UP,
            f"Minimum commitment {minimum} {currency} ({months} month(s){share}) less usage {usage}",
            Decimal(1), minimum - usage, minimum - usage,
        ))
    return lines


def adjustment_lines(*, now: list[Line], billed: dict[str, tuple[Decimal, Decimal]]) -> list[Line]:
    """Lines that bring what was billed for a period (``billed``: kind -> (quantity, amount)) to
    what the period is worth ``now``: positive for more usage, negative for less."""
    lines = []
    for kind in (USAGE, MINIMUM_TRUE_UP):
        line = next((x for x in now if x.kind == kind), None)
        quantity, amount = billed.get(kind, (Decimal(0), Decimal(0)))
        diff = (line.amount if line else Decimal(0)) - amount
        if not diff:
            continue
        if kind == USAGE:
            hours = line.quantity - quantity
            lines.append(Line(USAGE, f"{int(hours):+d} GPU-hours metered after invoicing at "
                              f"{line.unit_price}", hours, line.unit_price, diff))
        else:
            lines.append(Line(MINIMUM_TRUE_UP, f"Minimum-commitment true-up {diff:+f} after late metering",
                              Decimal(1), diff, diff))
    return lines


@dataclass(frozen=True)
class Segment:
    """Days ``first_day`` to ``last_day`` (both included) with the same outstanding ``balance``."""

    balance: Decimal
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def balance_segments(
    *, total: Decimal, movements: list[tuple[date, Decimal]], first_day: date, last_day: date
) -> list[Segment]:
    """The outstanding balance day by day from ``first_day`` to ``last_day``, in runs of equal balance.

    ``movements`` are (day, signed amount): a payment of 100.00 valued on 13 April is
    ``(13 April, -100.00)``. A movement counts from the day after its date, so the amount it
    pays is still outstanding on the day itself (a payment on the due date is not late).
    """
    moves = sorted(movements)
    balance = total + sum((amount for day, amount in moves if day < first_day), Decimal(0))
    segments, start = [], first_day
    for day, amount in moves:
        if not first_day <= day < last_day:
            continue
        change_on = day + timedelta(days=1)
        if change_on > start and amount:
            segments.append(Segment(balance, start, day))
            start = change_on
        balance += amount
    segments.append(Segment(balance, start, last_day))
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].balance == seg.balance:
            merged[-1] = Segment(seg.balance, merged[-1].first_day, seg.last_day)
        else:
            merged.append(seg)
    return merged


def late_fee_lines(
    *, segments: list[Segment], annual_rate: Decimal, currency: str, quantum: Decimal, reference: str = "",
    rounding: str = ROUND_HALF_EVEN,
) -> list[Line]:
    """One line per run of days with a positive balance: balance x rate x days / 365."""
    lines = []
    on = f" on {reference}" if reference else ""
    for seg in segments:
        if seg.balance <= 0:
            continue
        daily = seg.balance * annual_rate / DAYS_IN_YEAR
        balance = f"{seg.balance:,.{_places(quantum)}f}"
        lines.append(Line(
            LATE_FEE,
            f"Late fee{on}: {balance} {currency} x {annual_rate} x {seg.days}/365 days "
            f"({seg.first_day} to {seg.last_day})",
            Decimal(seg.days), daily.quantize(UNIT_PRICE, rounding=rounding),
            (seg.balance * annual_rate * seg.days / DAYS_IN_YEAR).quantize(quantum, rounding=rounding),
        ))
    return lines


def _places(quantum: Decimal) -> int:
    return max(0, -quantum.as_tuple().exponent)


def total(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))
