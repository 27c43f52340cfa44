"""Classify an investor from declared figures: a pure function (no Django, no I/O).

``classify(regime, figures)`` tests the figures against compliance.thresholds in a
fixed order and says which test passed (or why none did). Figures are ``Decimal``
in the regime's currency (HKD, SGD, USD); a missing figure fails its test.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from compliance.thresholds import REGIME_CLASS, REGIME_CURRENCY, THRESHOLDS

RETAIL = "retail"

# Figures each regime reads, by investor kind.
FIGURES = {
    "hk": ("portfolio", "total_assets"),
    "sg": ("net_personal_assets_excl_residence", "primary_residence_equity", "income_12m",
           "net_financial_assets"),
    "us": ("income_year_1", "income_year_2", "joint_income_year_1", "joint_income_year_2",
           "net_worth_excl_residence"),
}


@dataclass(frozen=True)
class Declared:
    kind: str  # "individual" or "entity"
    figures: dict[str, Decimal] = field(default_factory=dict)
    opted_in: bool = False  # Singapore: the investor's recorded opt-in to accredited status

    def get(self, name: str) -> Decimal | None:
        value = self.figures.get(name)
        return None if value is None else Decimal(value)


@dataclass(frozen=True)
class Outcome:
    investor_class: str
    test_passed: str  # threshold code, or "" when retail
    explanation: str
    currency: str

    @property
    def qualified(self) -> bool:
        return self.investor_class != RETAIL


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,} {currency}"


def _test(code: str, figure: Decimal | None) -> tuple[bool, str]:
    t = THRESHOLDS[code]
    if figure is None:
        return False, f"{t.description}: not declared"
    ok = t.passes(figure)
    verdict = "meets" if ok else "does not meet"
    return ok, f"{t.description} {_money(figure, t.currency)} {verdict} {t.words}"


def _first_passing(regime: str, tests: list[tuple[str, Decimal | None]], prefix: str = "") -> Outcome:
    currency = REGIME_CURRENCY[regime]
    failed = []
    for code, figure in tests:
        ok, text = _test(code, figure)
        if ok:
            return Outcome(REGIME_CLASS[regime], code, prefix + text + ".", currency)
        failed.append(text)
    return Outcome(RETAIL, "", prefix + "no test passed: " + "; ".join(failed) + ".", currency)


def classify(regime: str, declared: Declared) -> Outcome:
    if regime == "hk":
        return _classify_hk(declared)
    if regime == "sg":
        return _classify_sg(declared)
    if regime == "us":
        return _classify_us(declared)
    raise ValueError(f"unknown regime {regime!r}")


def _classify_hk(d: Declared) -> Outcome:
    if d.kind == "individual":
        return _first_passing("hk", [("hk_individual_portfolio", d.get("portfolio"))])
    return _first_passing("hk", [("hk_corporation_portfolio", d.get("portfolio")),
                                 ("hk_corporation_total_assets", d.get("total_assets"))])


def sg_net_personal_assets(d: Declared) -> Decimal | None:
    """Net personal assets with the primary residence's net equity counted at most S$1m."""
    other = d.get("net_personal_assets_excl_residence")
    residence = d.get("primary_residence_equity") or Decimal("0")
    if other is None:
        return None
    return other + min(residence, THRESHOLDS["sg_primary_residence_cap"].amount)


def _classify_sg(d: Declared) -> Outcome:
    if d.kind != "individual":
        return Outcome(RETAIL, "", "Only the individual tests are implemented for Singapore; "
                       "an entity is classified retail here.", "SGD")
    outcome = _first_passing("sg", [
        ("sg_net_personal_assets", sg_net_personal_assets(d)),
        ("sg_income_12m", d.get("income_12m")),
        ("sg_net_financial_assets", d.get("net_financial_assets")),
    ])
    if outcome.qualified and not d.opted_in:
        return Outcome(RETAIL, "", f"Qualifies ({outcome.explanation[:-1]}) but has not opted in "
                       "to accredited investor status, so is treated as retail.", "SGD")
    return outcome


def _classify_us(d: Declared) -> Outcome:
    if d.kind != "individual":
        return Outcome(RETAIL, "", "Only the individual tests are implemented for the US; "
                       "an entity is classified retail here.", "USD")
    y1, y2 = d.get("income_year_1"), d.get("income_year_2")
    j1, j2 = d.get("joint_income_year_1"), d.get("joint_income_year_2")
    tests = [
        ("us_income", None if y1 is None or y2 is None else min(y1, y2)),
        ("us_joint_income", None if j1 is None or j2 is None else min(j1, j2)),
        ("us_net_worth", d.get("net_worth_excl_residence")),
    ]
    return _first_passing("us", tests, prefix="")
