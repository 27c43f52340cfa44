"""``validate(description)``: every error of a waterfall description as ``"json.path: message"``.

Two passes, both always run so one answer lists everything: the JSON Schema
(``schema.SCHEMA``), then what a schema cannot say: names that refer to nothing, names used
twice, cycles between combined triggers, amounts with more decimals than the currency has,
calendar dates, and the fields that go together (a fee is one of amount, one-off or rate).
"""

import re
from datetime import date
from decimal import Decimal

from jsonschema import Draft202012Validator

from core.money import minor_units

from .schema import (
    CURRENCY_PATTERN,
    DATE_PATTERN,
    DECIMAL_PATTERN,
    NAME_PATTERN,
    SCHEMA,
)

_VALIDATOR = Draft202012Validator(SCHEMA)

_PATTERN_MESSAGES = {
    DECIMAL_PATTERN: 'must be a non-negative decimal written as a string (e.g. "1000.00") or an integer',
    DATE_PATTERN: "must be a date written YYYY-MM-DD",
    NAME_PATTERN: ("must be a name of 1 to 40 letters, digits, '_', '-' or '.', starting with a letter "
                   "or digit"),
    CURRENCY_PATTERN: "must be an ISO 4217 currency code (three capital letters)",
}
_TYPE_NAMES = {"string": "a string", "integer": "an integer", "object": "an object", "array": "a list",
               "boolean": "true or false", "number": "a number", "null": "null"}


def path_text(parts) -> str:
    """``["steps", 3, "tranches", 0]`` -> ``"steps[3].tranches[0]"``; the root is ``"$"``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


def _error(parts, message: str) -> str:
    return f"{path_text(parts)}: {message}"


def _schema_errors(description) -> list[str]:
    errors = []
    for error in _VALIDATOR.iter_errors(description):
        parts = list(error.absolute_path)
        kind, schema = error.validator, error.schema
        if kind == "required":
            errors += [_error([*parts, name], "is required")
                       for name in error.validator_value if name not in error.instance]
        elif kind == "additionalProperties":
            errors += [_error([*parts, name], "is not a field of this object")
                       for name in error.instance if name not in schema.get("properties", {})]
        elif kind in ("pattern", "type") and schema.get("pattern") in _PATTERN_MESSAGES:
            errors.append(_error(parts, _PATTERN_MESSAGES[schema["pattern"]]))
        elif kind == "type":
            types = error.validator_value
            types = types if isinstance(types, list) else [types]
            errors.append(_error(parts, "must be " + " or ".join(_TYPE_NAMES[t] for t in types)))
        elif kind == "enum":
            choices = ", ".join(repr(v) for v in error.validator_value)
            errors.append(_error(parts, f"must be one of {choices}"))
        elif kind == "const":
            errors.append(_error(parts, f"must be {error.validator_value!r}"))
        elif kind == "minItems":
            errors.append(_error(parts, f"must list at least {error.validator_value}"))
        elif kind == "maxItems":
            errors.append(_error(parts, f"must list at most {error.validator_value}"))
        elif kind in ("minimum", "maximum"):
            word = "at least" if kind == "minimum" else "at most"
            errors.append(_error(parts, f"must be {word} {error.validator_value}"))
        elif kind == "maxLength":
            errors.append(_error(parts, f"must be at most {error.validator_value} characters"))
        else:  # pragma: no cover - every keyword the schema uses is named above
            errors.append(_error(parts, error.message))
    return errors


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dicts(value):
    return [(i, item) for i, item in enumerate(_list(value)) if isinstance(item, dict)]


def _is_zero(value) -> bool:
    try:
        return isinstance(value, str | int) and not isinstance(value, bool) and Decimal(value) == 0
    except ArithmeticError:
        return False


def _is_name(value) -> bool:
    return isinstance(value, str)


class _References:
    """The checks beyond the schema, collecting errors; every check skips what the schema refused."""

    def __init__(self, description: dict):
        self.d = description
        self.errors: list[str] = []
        currency = description.get("currency")
        self.places = minor_units(currency) if isinstance(currency, str) and len(currency) == 3 else None
        self.currency = currency
        self.tranches = {}
        self.fees = {}
        self.accounts = {}
        self.triggers = {}
        self._collect_names()

    def add(self, parts, message: str) -> None:
        self.errors.append(_error(parts, message))

    def _collect_names(self) -> None:
        seen: dict[str, str] = {}
        for section, names in (("tranches", self.tranches), ("fees", self.fees),
                               ("accounts", self.accounts), ("triggers", self.triggers)):
            for i, item in _dicts(self.d.get(section)):
                name = item.get("name")
                if not _is_name(name):
                    continue
                if name in seen:
                    self.add([section, i, "name"], f"duplicate name '{name}' (also {seen[name]})")
                    continue
                seen[name] = path_text([section, i])
                names[name] = item
        if "pool" in self.tranches:
            self.add(["tranches"], "'pool' is reserved for the pool balance and cannot name a tranche")

    # -- values -------------------------------------------------------------------------------
    def amount(self, parts, value) -> None:
        if self.places is None or not isinstance(value, str):
            return
        try:
            exponent = Decimal(value).as_tuple().exponent
        except ArithmeticError:
            return
        if isinstance(exponent, int) and -exponent > self.places:
            self.add(parts, f"{value} has more decimals than {self.currency} allows ({self.places})")

    def day(self, parts, value) -> None:
        if isinstance(value, str) and re.match(DATE_PATTERN, value):
            try:
                date.fromisoformat(value)
            except ValueError:
                self.add(parts, f"{value} is not a calendar date")

    def at_most_one(self, parts, value) -> None:
        if isinstance(value, str | int) and not isinstance(value, bool):
            try:
                if Decimal(value) > 1:
                    self.add(parts, "must be a fraction between 0 and 1 (\"0.5\" is 50 %)")
            except ArithmeticError:
                return

    # -- references ---------------------------------------------------------------------------
    def names(self, parts, value, known: dict, what: str, *, debt_only=False, equity_only=False):
        seen = set()
        for j, name in enumerate(_list(value)):
            if not _is_name(name):
                continue
            where = [*parts, j]
            if name in seen:
                self.add(where, f"{what} '{name}' is listed twice")
            seen.add(name)
            self.name(where, name, known, what, debt_only=debt_only, equity_only=equity_only)

    def name(self, parts, name, known: dict, what: str, *, debt_only=False, equity_only=False):
        if not _is_name(name):
            return
        if name not in known:
            self.add(parts, f"unknown {what} '{name}'")
        elif debt_only and known[name].get("kind") == "equity":
            self.add(parts, f"tranche '{name}' is equity and bears no interest")
        elif equity_only and known[name].get("kind") == "debt":
            self.add(parts, f"tranche '{name}' is debt; the residual goes to an equity tranche")

    def condition(self, parts, value) -> None:
        if isinstance(value, dict):
            self.name([*parts, "trigger"], value.get("trigger"), self.triggers, "trigger")

    # -- sections -----------------------------------------------------------------------------
    def check(self) -> list[str]:
        self.day(["closing_date"], self.d.get("closing_date"))
        self.amount(["original_pool_balance"], self.d.get("original_pool_balance"))
        for i, tranche in _dicts(self.d.get("tranches")):
            self.amount(["tranches", i, "balance"], tranche.get("balance"))
            if tranche.get("kind") == "equity":
                for field in ("rate", "day_count", "interest_on_unpaid"):
                    if field in tranche:
                        self.add(["tranches", i, field], "an equity tranche bears no interest")
        for i, fee in _dicts(self.d.get("fees")):
            self._fee(i, fee)
        for i, account in _dicts(self.d.get("accounts")):
            self._account(i, account)
        for i, trigger in _dicts(self.d.get("triggers")):
            self._trigger(i, trigger)
        self._trigger_cycles()
        for i, step in _dicts(self.d.get("steps")):
            self._step(i, step)
        return self.errors

    def _fee(self, i: int, fee: dict) -> None:
        given = [field for field in ("amount", "one_off", "rate") if field in fee]
        if len(given) != 1:
            self.add(["fees", i], "give exactly one of 'amount', 'one_off' or 'rate'"
                     + (f" (found {', '.join(given)})" if given else ""))
        for field in ("amount", "one_off", "cap"):
            self.amount(["fees", i, field], fee.get(field))
        if "rate" not in fee:
            for field in ("base", "day_count"):
                if field in fee:
                    self.add(["fees", i, field], "only a fee with a 'rate' has a " + field)
        base = fee.get("base")
        if _is_name(base) and base != "pool":
            self.name(["fees", i, "base"], base, self.tranches, "tranche")

    def _account(self, i: int, account: dict) -> None:
        for field in ("floor", "initial"):
            self.amount(["accounts", i, field], account.get(field))
        target = account.get("target")
        if not isinstance(target, dict):
            return
        where = ["accounts", i, "target"]
        if ("amount" in target) == ("fraction" in target):
            self.add(where, "give either 'amount' or 'fraction' with 'of'")
        elif "fraction" in target and "of" not in target:
            self.add([*where, "of"], "is required with 'fraction'")
        elif "amount" in target and "of" in target:
            self.add([*where, "of"], "only a 'fraction' target is of a pool balance")
        self.amount([*where, "amount"], target.get("amount"))
        self.at_most_one([*where, "fraction"], target.get("fraction"))

    def _trigger(self, i: int, trigger: dict) -> None:
        kind = trigger.get("kind")
        where = ["triggers", i]
        if kind in ("oc", "ic"):
            self.names([*where, "tranches"], trigger.get("tranches"), self.tranches, "tranche",
                       debt_only=True)
        elif "tranches" in trigger:
            self.add([*where, "tranches"], "only an 'oc' or 'ic' trigger tests tranches")
        if kind in ("any", "all"):
            self.names([*where, "triggers"], trigger.get("triggers"), self.triggers, "trigger")
            for field in ("threshold", "breached_when", "cure"):
                if field in trigger:
                    self.add([*where, field], f"a combined ('{kind}') trigger has no {field}")
        elif "triggers" in trigger:
            self.add([*where, "triggers"], "only an 'any' or 'all' trigger combines triggers")
        if kind == "cumulative_loss" and _is_zero(self.d.get("original_pool_balance")):
            self.add(["original_pool_balance"], "must be above 0 for a cumulative loss trigger")

    def _trigger_cycles(self) -> None:
        """Combined triggers refer to other triggers: refuse a loop (a -> b -> a, or a -> a)."""
        index = {item.get("name"): i for i, item in _dicts(self.d.get("triggers"))}
        reported = set()

        def visit(name: str, chain: list[str]) -> None:
            trigger = self.triggers.get(name)
            if trigger is None or trigger.get("kind") not in ("any", "all"):
                return
            for j, child in enumerate(_list(trigger.get("triggers"))):
                if not _is_name(child):
                    continue
                if child in chain:
                    loop = chain[chain.index(child):] + [child]
                    if frozenset(loop) not in reported:
                        reported.add(frozenset(loop))
                        self.add(["triggers", index[name], "triggers", j], "cycle " + " -> ".join(loop))
                    continue
                visit(child, [*chain, child])

        for name in self.triggers:
            visit(name, [name])

    def _step(self, i: int, step: dict) -> None:
        where = ["steps", i]
        kind = step.get("kind")
        self.condition([*where, "when"], step.get("when"))
        if kind == "pay_fee":
            self.names([*where, "fees"], step.get("fees"), self.fees, "fee")
        elif kind in ("pay_interest", "draw_reserve"):
            self.names([*where, "tranches"], step.get("tranches"), self.tranches, "tranche", debt_only=True)
        elif kind == "pay_principal":
            self.names([*where, "tranches"], step.get("tranches"), self.tranches, "tranche")
        elif kind == "pay_residual":
            self.name([*where, "tranche"], step.get("tranche"), self.tranches, "tranche", equity_only=True)
        if kind in ("fund_reserve", "release_reserve", "draw_reserve"):
            self.name([*where, "account"], step.get("account"), self.accounts, "account")
        limit = step.get("limit")
        if kind == "pay_principal" and isinstance(limit, dict):
            given = [f for f in ("amount", "fraction_of_available", "target_balance") if f in limit]
            if len(given) != 1:
                self.add([*where, "limit"], "give exactly one of 'amount', 'fraction_of_available' or "
                         "'target_balance'" + (f" (found {', '.join(given)})" if given else ""))
            self.amount([*where, "limit", "amount"], limit.get("amount"))
            self.amount([*where, "limit", "target_balance"], limit.get("target_balance"))
            self.at_most_one([*where, "limit", "fraction_of_available"], limit.get("fraction_of_available"))
            self.day([*where, "limit", "until"], limit.get("until"))
            self.condition([*where, "limit", "while"], limit.get("while"))


def _natural(error: str):
    path = error.split(": ", 1)[0]
    key = []
    for piece in path.replace("[", ".[").split("."):
        if piece.startswith("["):
            key.append((1, int(piece[1:-1]), ""))
        elif piece:
            key.append((0, 0, piece))
    return key


def validate(description) -> list[str]:
    """Every error of ``description`` as ``"json.path: message"`` (``[]`` when it is valid):
    ``"steps[3].tranches[0]: unknown tranche 'A3'"``."""
    if not isinstance(description, dict):
        return ["$: must be an object"]
    errors = _schema_errors(description) + _References(description).check()
    unique = list(dict.fromkeys(errors))
    order = {error: n for n, error in enumerate(unique)}
    return sorted(unique, key=lambda e: (_natural(e), order[e]))
