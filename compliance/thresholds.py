"""Investor classification thresholds: the one place these numbers live.

Pure data (no Django). Each threshold names its regime, amount, currency and how
the declared figure compares with it ("gte": at least; "gt": more than), with the
rule it comes from. Change a figure here and every classification, document and
test follows.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Threshold:
    code: str
    regime: str
    amount: Decimal
    currency: str
    comparison: str  # "gte" (at least) or "gt" (more than); "cap" is a ceiling on a component
    description: str
    source: str

    def passes(self, figure: Decimal) -> bool:
        if self.comparison == "gte":
            return figure >= self.amount
        if self.comparison == "gt":
            return figure > self.amount
        raise ValueError(f"{self.code} is a {self.comparison}, not a test")

    @property
    def words(self) -> str:
        op = {"gte": "at least", "gt": "more than", "cap": "counted at most"}[self.comparison]
        return f"{op} {self.amount:,} {self.currency}"


_T = [
    Threshold("hk_individual_portfolio", "hk", Decimal("8000000"), "HKD", "gte",
              "individual's portfolio (securities, deposits, certificates of deposit)",
              "Securities and Futures (Professional Investor) Rules, s.5(1)"),
    Threshold("hk_corporation_portfolio", "hk", Decimal("8000000"), "HKD", "gte",
              "corporation's portfolio", "Securities and Futures (Professional Investor) Rules, s.6"),
    Threshold("hk_corporation_total_assets", "hk", Decimal("40000000"), "HKD", "gte",
              "corporation's total assets", "Securities and Futures (Professional Investor) Rules, s.6"),
    Threshold("sg_net_personal_assets", "sg", Decimal("2000000"), "SGD", "gt",
              "net personal assets (primary residence counted at most S$1m)",
              "Securities and Futures Act 2001, s.4A(1)(a)(i)(A)"),
    Threshold("sg_primary_residence_cap", "sg", Decimal("1000000"), "SGD", "cap",
              "net equity of the primary residence counted in net personal assets",
              "Securities and Futures Act 2001, s.4A(1)(a)(i)(A)"),
    Threshold("sg_income_12m", "sg", Decimal("300000"), "SGD", "gte",
              "income in the preceding 12 months", "Securities and Futures Act 2001, s.4A(1)(a)(i)(C)"),
    Threshold("sg_net_financial_assets", "sg", Decimal("1000000"), "SGD", "gt",
              "net financial assets", "Securities and Futures Act 2001, s.4A(1)(a)(i)(B)"),
    Threshold("us_income", "us", Decimal("200000"), "USD", "gt",
              "individual income in each of the two most recent years",
              "17 CFR 230.501(a)(6)"),
    Threshold("us_joint_income", "us", Decimal("300000"), "USD", "gt",
              "joint income with spouse or spousal equivalent in each of the two most recent years",
              "17 CFR 230.501(a)(6)"),
    Threshold("us_net_worth", "us", Decimal("1000000"), "USD", "gt",
              "net worth excluding the primary residence", "17 CFR 230.501(a)(5)"),
]

THRESHOLDS: dict[str, Threshold] = {t.code: t for t in _T}
REGIME_CURRENCY = {"hk": "HKD", "sg": "SGD", "us": "USD"}
REGIME_CLASS = {"hk": "hk_professional", "sg": "sg_accredited", "us": "us_accredited"}
