"""Invoice arithmetic: one line per component, in the currency's minor unit, with named rounding.

Pure Python (no Django). Every amount is rounded once, per line, to the currency's minor unit
(cents for USD, whole yen for JPY, fils for KWD), half-even by default:

- usage: GPU-hours x price per GPU-hour;
- minimum-commitment true-up: what the usage falls short of the minimum for the
  period (monthly minimum x months in the period), never negative;
- late fee: outstanding x annual rate x days late / 365 (ACT/365 fixed);
- credit note: a negative line of the credited amount.
"""

from dataclasses import dataclass
from decimal import Decimal

from core.money import Rounding, quantize

DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True)
class Line:
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def usage_lines(
    *, gpu_hours: int, price_per_gpu_hour: Decimal, monthly_minimum: Decimal, months: int,
    currency: str, rounding: Rounding | str = Rounding.HALF_EVEN,
) -> list[Line]:
    usage = quantize(Decimal(gpu_hours) * price_per_gpu_hour, currency, rounding)
    lines = [Line("usage", f"{gpu_hours} GPU-hours at {price_per_gpu_hour} {currency}",
                  Decimal(gpu_hours), price_per_gpu_hour, usage)]
    minimum = quantize(monthly_minimum * months, currency, rounding)
    if usage < minimum:
        lines.append(Line(
            "minimum_true_up",
            f"Minimum commitment {minimum} {currency} ({months} month(s)) less usage {usage}",
            Decimal(1), minimum - usage, minimum - usage,
        ))
    return lines


def late_fee(
    *, outstanding: Decimal, annual_rate: Decimal, days_late: int, currency: str,
    rounding: Rounding | str = Rounding.HALF_EVEN,
) -> Decimal:
    if days_late <= 0 or outstanding <= 0:
        return quantize(0, currency)
    return quantize(outstanding * annual_rate * days_late / DAYS_IN_YEAR, currency, rounding)


def total(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))
