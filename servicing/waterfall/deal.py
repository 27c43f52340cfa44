"""A validated waterfall description read into typed, immutable objects (``Deal``)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from core.errors import InvalidInput
from core.money import Rounding, minor_unit

from .validation import validate

ROUNDING = {"half_even": Rounding.HALF_EVEN, "half_up": Rounding.HALF_UP, "floor": Rounding.FLOOR}
DEFAULT_BREACHED_WHEN = {"oc": "below", "ic": "below", "cumulative_loss": "above", "delinquency": "above"}


def _decimal(value) -> Decimal:
    """A schema-valid amount (a decimal string or an integer) as a ``Decimal``."""
    if isinstance(value, float):  # JSON parsers may give 5.0 for 5; the schema took it as integer
        return Decimal(int(value))
    return Decimal(value)


@dataclass(frozen=True)
class Condition:
    trigger: str
    breached: bool


@dataclass(frozen=True)
class Tranche:
    name: str
    kind: str  # "debt" | "equity"
    balance: Decimal
    rate: Fraction
    day_count: str | None
    interest_on_unpaid: bool


@dataclass(frozen=True)
class Fee:
    name: str
    amount: Decimal | None
    one_off: Decimal | None
    rate: Fraction | None
    base: str | None  # "pool" or a tranche name
    day_count: str | None
    cap: Decimal | None


@dataclass(frozen=True)
class Account:
    name: str
    amount: Decimal | None
    fraction: Fraction | None
    of: str | None  # "current_pool" | "original_pool"
    floor: Decimal
    initial: Decimal


@dataclass(frozen=True)
class Trigger:
    name: str
    kind: str
    tranches: tuple[str, ...]
    triggers: tuple[str, ...]
    threshold: Decimal
    below: bool  # breached when the ratio is below the threshold (else above)
    cure: int


@dataclass(frozen=True)
class Limit:
    amount: Decimal | None
    fraction_of_available: Fraction | None
    target_balance: Decimal | None
    until: date | None
    while_: Condition | None


@dataclass(frozen=True)
class Step:
    index: int  # 1-based, in the description's order
    kind: str
    label: str
    targets: tuple[str, ...]  # fees or tranches
    account: str | None
    pro_rata: bool
    capped: bool
    limit: Limit | None
    when: Condition | None


@dataclass(frozen=True)
class Deal:
    currency: str
    rounding: Rounding
    closing_date: date
    original_pool_balance: Decimal
    tranches: tuple[Tranche, ...]
    fees: tuple[Fee, ...]
    accounts: tuple[Account, ...]
    triggers: tuple[Trigger, ...]  # combined triggers after the triggers they combine
    steps: tuple[Step, ...]


def _condition(value) -> Condition | None:
    return Condition(value["trigger"], value["breached"]) if value else None


def _default_label(step: dict) -> str:
    kind = step["kind"].replace("_", " ")
    targets = step.get("fees") or step.get("tranches") or [step.get("tranche") or step.get("account")]
    label = f"{kind} {', '.join(targets)}"
    return label[0].upper() + label[1:]


def _step(index: int, item: dict, unit: Decimal) -> Step:
    limit = item.get("limit")

    def decimal(value) -> Decimal:
        return _decimal(value).quantize(unit)

    return Step(
        index=index,
        kind=item["kind"],
        label=item.get("label") or _default_label(item),
        targets=tuple(item.get("fees") or item.get("tranches") or ([item["tranche"]] if "tranche" in item
                                                                   else [])),
        account=item.get("account"),
        pro_rata=item.get("allocation") == "pro_rata",
        capped=item.get("capped", True),
        limit=Limit(
            amount=decimal(limit["amount"]) if "amount" in limit else None,
            fraction_of_available=(Fraction(_decimal(limit["fraction_of_available"]))
                                   if "fraction_of_available" in limit else None),
            target_balance=decimal(limit["target_balance"]) if "target_balance" in limit else None,
            until=date.fromisoformat(limit["until"]) if "until" in limit else None,
            while_=_condition(limit.get("while")),
        ) if limit else None,
        when=_condition(item.get("when")),
    )


def _ordered_triggers(items: list[dict]) -> list[dict]:
    """Ratio triggers first, then combined ones after everything they name (no cycles: validated)."""
    by_name = {item["name"]: item for item in items}
    done: dict[str, dict] = {}

    def add(item: dict) -> None:
        for child in item.get("triggers", ()):
            if child not in done:
                add(by_name[child])
        done.setdefault(item["name"], item)

    for item in items:
        add(item)
    return list(done.values())


def read_deal(description: dict) -> Deal:
    """The typed deal of ``description``; raises ``InvalidInput`` with every error otherwise."""
    errors = validate(description)
    if errors:
        raise InvalidInput(f"The waterfall description has {len(errors)} error(s): {errors[0]}",
                           reasons=errors, field=errors[0].split(": ", 1)[0])
    d = description
    unit = minor_unit(d["currency"])

    def decimal(value) -> Decimal:  # an amount, written with the currency's decimals
        return _decimal(value).quantize(unit)

    return Deal(
        currency=d["currency"],
        rounding=ROUNDING[d.get("rounding", "half_even")],
        closing_date=date.fromisoformat(d["closing_date"]),
        original_pool_balance=decimal(d["original_pool_balance"]),
        tranches=tuple(
            Tranche(name=t["name"], kind=t["kind"], balance=decimal(t["balance"]),
                    rate=Fraction(_decimal(t.get("rate", 0))), day_count=t.get("day_count"),
                    interest_on_unpaid=t.get("interest_on_unpaid", False))
            for t in d["tranches"]),
        fees=tuple(
            Fee(name=f["name"],
                amount=decimal(f["amount"]) if "amount" in f else None,
                one_off=decimal(f["one_off"]) if "one_off" in f else None,
                rate=Fraction(_decimal(f["rate"])) if "rate" in f else None,
                base=f.get("base"), day_count=f.get("day_count"),
                cap=decimal(f["cap"]) if "cap" in f else None)
            for f in d.get("fees", ())),
        accounts=tuple(
            Account(name=a["name"],
                    amount=decimal(a["target"]["amount"]) if "amount" in a["target"] else None,
                    fraction=(Fraction(_decimal(a["target"]["fraction"]))
                              if "fraction" in a["target"] else None),
                    of=a["target"].get("of"),
                    floor=decimal(a.get("floor", 0)), initial=decimal(a.get("initial", 0)))
            for a in d.get("accounts", ())),
        triggers=tuple(
            Trigger(name=t["name"], kind=t["kind"], tranches=tuple(t.get("tranches", ())),
                    triggers=tuple(t.get("triggers", ())), threshold=_decimal(t.get("threshold", 0)),
                    below=t.get("breached_when", DEFAULT_BREACHED_WHEN.get(t["kind"], "above")) == "below",
                    cure=t.get("cure", 0))
            for t in _ordered_triggers(d.get("triggers", []))),
        steps=tuple(_step(i, item, unit) for i, item in enumerate(d["steps"], start=1)),
    )
