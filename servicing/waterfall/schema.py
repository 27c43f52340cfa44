"""The JSON Schema of a waterfall description (``"format": 1``), built here and published as
docs/waterfall.schema.json (a test keeps the two equal).

Amounts, rates and ratios are JSON strings holding a decimal (``"1000.00"``, ``"0.05"``) or
JSON integers, never JSON fractions, so no float ever carries money. docs/waterfall.md
describes every field.
"""

DECIMAL_PATTERN = r"^[0-9]{1,18}(\.[0-9]{1,12})?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.()/ \-]{0,62}[A-Za-z0-9_.()\-]$|^[A-Za-z0-9]$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

ROUNDINGS = ("half_even", "half_up", "floor")
DAY_COUNTS = ("ACT/360", "ACT/365F", "ACT/ACT", "30/360", "30E/360")
TRIGGER_KINDS = ("oc", "ic", "cumulative_loss", "delinquency", "any", "all")
RATIO_TRIGGERS = ("oc", "ic", "cumulative_loss", "delinquency")
STEP_KINDS = ("pay_fee", "pay_interest", "pay_principal", "fund_reserve", "release_reserve",
              "draw_reserve", "pay_residual")
ALLOCATIONS = ("sequential", "pro_rata")
MAX_ITEMS = 50
MAX_STEPS = 200

_DECIMAL = {"$ref": "#/$defs/decimal"}
_DATE = {"$ref": "#/$defs/date"}
_NAME = {"$ref": "#/$defs/name"}
_NAMES = {"$ref": "#/$defs/names"}
_CONDITION = {"$ref": "#/$defs/condition"}
_ALLOCATION = {"enum": list(ALLOCATIONS), "description": "Default sequential."}


def _object(required: list[str], properties: dict, **extra) -> dict:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False, **extra}


def _step(kind: str, required: list[str], properties: dict) -> dict:
    common = {"kind": {"const": kind}, "label": {"type": "string", "maxLength": 100},
              "when": _CONDITION}
    return {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": _object(["kind", *required], {**common, **properties})}


_TRANCHE = _object(
    ["name", "kind", "balance"],
    {
        "name": _NAME,
        "kind": {"enum": ["debt", "equity"]},
        "balance": _DECIMAL,
        "rate": {**_DECIMAL, "description": "Interest rate per year as a fraction: \"0.05\" is 5 %."},
        "day_count": {"enum": list(DAY_COUNTS)},
        "interest_on_unpaid": {"type": "boolean",
                               "description": "Unpaid interest carried forward bears interest too."},
    },
    allOf=[{"if": {"properties": {"kind": {"const": "debt"}}, "required": ["kind"]},
            "then": {"required": ["rate", "day_count"]}}],
)

_FEE = _object(
    ["name"],
    {
        "name": _NAME,
        "amount": {**_DECIMAL, "description": "A fixed amount every period."},
        "one_off": {**_DECIMAL, "description": "An amount due once, in the first period."},
        "rate": {**_DECIMAL, "description": "A rate per year on `base`, accrued with `day_count`."},
        "base": {"type": "string", "description": "\"pool\" or a tranche name."},
        "day_count": {"enum": list(DAY_COUNTS)},
        "cap": {**_DECIMAL, "description": "At most this much is paid per period by capped steps."},
    },
    allOf=[{"if": {"required": ["rate"]}, "then": {"required": ["base", "day_count"]}}],
)

_ACCOUNT = _object(
    ["name", "kind", "target"],
    {
        "name": _NAME,
        "kind": {"enum": ["reserve"]},
        "target": _object([], {
            "amount": _DECIMAL,
            "fraction": {**_DECIMAL, "description": "A fraction of the pool balance named by `of`."},
            "of": {"enum": ["current_pool", "original_pool"]},
        }),
        "floor": _DECIMAL,
        "initial": _DECIMAL,
    },
)

_TRIGGER = _object(
    ["name", "kind"],
    {
        "name": _NAME,
        "kind": {"enum": list(TRIGGER_KINDS)},
        "tranches": _NAMES,
        "triggers": _NAMES,
        "threshold": _DECIMAL,
        "breached_when": {"enum": ["below", "above"]},
        "cure": {"type": "integer", "minimum": 0, "maximum": 1000},
    },
    allOf=[
        {"if": {"properties": {"kind": {"enum": ["oc", "ic"]}}, "required": ["kind"]},
         "then": {"required": ["tranches", "threshold"]}},
        {"if": {"properties": {"kind": {"enum": ["cumulative_loss", "delinquency"]}},
                "required": ["kind"]},
         "then": {"required": ["threshold"]}},
        {"if": {"properties": {"kind": {"enum": ["any", "all"]}}, "required": ["kind"]},
         "then": {"required": ["triggers"]}},
    ],
)

_LIMIT = _object([], {
    "amount": _DECIMAL,
    "fraction_of_available": _DECIMAL,
    "target_balance": _DECIMAL,
    "until": _DATE,
    "while": _CONDITION,
})

_STEP = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"enum": list(STEP_KINDS)}},
    "allOf": [
        _step("pay_fee", ["fees"], {"fees": _NAMES, "allocation": _ALLOCATION,
                                    "capped": {"type": "boolean", "description": "Default true."}}),
        _step("pay_interest", ["tranches"], {"tranches": _NAMES, "allocation": _ALLOCATION}),
        _step("pay_principal", ["tranches"], {"tranches": _NAMES, "allocation": _ALLOCATION,
                                              "limit": _LIMIT}),
        _step("fund_reserve", ["account"], {"account": _NAME}),
        _step("release_reserve", ["account"], {"account": _NAME}),
        _step("draw_reserve", ["account", "tranches"], {"account": _NAME, "tranches": _NAMES}),
        _step("pay_residual", ["tranche"], {"tranche": _NAME}),
    ],
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://greencompute.example/schemas/waterfall-1.json",
    "title": "Waterfall description (priority of payments), format 1",
    "description": "docs/waterfall.md describes every field.",
    "type": "object",
    "required": ["format", "currency", "closing_date", "original_pool_balance", "tranches", "steps"],
    "properties": {
        "format": {"const": 1},
        "name": {"type": "string", "maxLength": 200},
        "currency": {"type": "string", "pattern": CURRENCY_PATTERN},
        "rounding": {"enum": list(ROUNDINGS), "description": "Default half_even."},
        "closing_date": _DATE,
        "original_pool_balance": _DECIMAL,
        "tranches": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": _TRANCHE},
        "fees": {"type": "array", "maxItems": MAX_ITEMS, "items": _FEE},
        "accounts": {"type": "array", "maxItems": MAX_ITEMS, "items": _ACCOUNT},
        "triggers": {"type": "array", "maxItems": MAX_ITEMS, "items": _TRIGGER},
        "steps": {"type": "array", "minItems": 1, "maxItems": MAX_STEPS, "items": _STEP},
    },
    "additionalProperties": False,
    "$defs": {
        "decimal": {"type": ["string", "integer"], "pattern": DECIMAL_PATTERN, "minimum": 0,
                    "maximum": 10**18 - 1,
                    "description": "A non-negative decimal as a string (\"1000.00\") or an integer."},
        "date": {"type": "string", "pattern": DATE_PATTERN, "description": "YYYY-MM-DD"},
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "names": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": {"$ref": "#/$defs/name"}},
        "condition": _object(["trigger", "breached"], {"trigger": {"$ref": "#/$defs/name"},
                                                       "breached": {"type": "boolean"}}),
    },
}
