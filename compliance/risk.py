"""Risk rating from documented rules: a pure function (no Django, no I/O).

Rules, each giving a rating and a reason (the highest rating wins; none gives low):

1. Jurisdiction: residence or nationality of the investor or any beneficial owner in
   HIGH_RISK_JURISDICTIONS -> high; in INCREASED_MONITORING -> medium.
2. PEP: the investor is (or is controlled by) a politically exposed person -> high.
3. Screening: a confirmed hit -> high; a hit awaiting decision or ever cleared as a
   false positive -> medium.
4. Ownership complexity (entities): no beneficial owner of 25 % or more identified,
   three or more beneficial owners, or owners in two or more countries other than the
   entity's own -> medium.

The rating sets the refresh interval of an approved case (REFRESH_YEARS).
"""

from dataclasses import dataclass, field

# FATF "high-risk jurisdictions subject to a call for action" (review with each FATF plenary).
HIGH_RISK_JURISDICTIONS = frozenset({"KP", "IR", "MM"})
# FATF "jurisdictions under increased monitoring" (a representative set; keep in step with FATF).
INCREASED_MONITORING = frozenset({
    "DZ", "AO", "BG", "BF", "CM", "CD", "HT", "KE", "LA", "LB", "ML", "MC", "MZ", "NA", "NP", "NG",
    "ZA", "SS", "SY", "VE", "VN", "YE",
})
REFRESH_YEARS = {"low": 3, "medium": 2, "high": 1}
_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Owner:
    name: str
    nationality: str
    residence: str = ""


@dataclass(frozen=True)
class RiskInputs:
    kind: str  # "individual" or "entity"
    residence: str
    nationality: str = ""
    is_pep: bool = False
    owners: tuple[Owner, ...] = ()
    confirmed_hits: int = 0
    open_hits: int = 0  # awaiting decision
    cleared_hits: int = 0  # decided false positive


@dataclass(frozen=True)
class RiskAssessment:
    rating: str
    reasons: list[str] = field(default_factory=list)

    @property
    def refresh_years(self) -> int:
        return REFRESH_YEARS[self.rating]


def assess(inputs: RiskInputs) -> RiskAssessment:
    findings: list[tuple[str, str]] = []
    places = [("investor residence", inputs.residence), ("investor nationality", inputs.nationality)]
    for o in inputs.owners:
        places += [(f"owner {o.name} nationality", o.nationality), (f"owner {o.name} residence", o.residence)]
    for what, code in places:
        if code in HIGH_RISK_JURISDICTIONS:
            findings.append(("high", f"{what} {code} is a FATF high-risk jurisdiction"))
        elif code in INCREASED_MONITORING:
            findings.append(("medium", f"{what} {code} is under FATF increased monitoring"))
    if inputs.is_pep:
        findings.append(("high", "politically exposed person"))
    if inputs.confirmed_hits:
        findings.append(("high", f"{inputs.confirmed_hits} confirmed screening hit(s)"))
    if inputs.open_hits:
        findings.append(("medium", f"{inputs.open_hits} screening hit(s) awaiting a decision"))
    if inputs.cleared_hits:
        findings.append(("medium", f"{inputs.cleared_hits} screening hit(s) cleared as false positive"))
    if inputs.kind == "entity":
        if not inputs.owners:
            findings.append(("medium", "no beneficial owner of 25 % or more identified"))
        elif len(inputs.owners) >= 3:
            findings.append(("medium", f"{len(inputs.owners)} beneficial owners"))
        foreign = {o.nationality for o in inputs.owners} - {inputs.residence}
        if len(foreign) >= 2:
            where = ", ".join(sorted(foreign))
            findings.append(("medium", f"owners in {len(foreign)} other countries ({where})"))
    if not findings:
        return RiskAssessment("low", ["no risk factor found"])
    rating = max((r for r, _ in findings), key=_ORDER.__getitem__)
    return RiskAssessment(rating, [f"{r}: {text}" for r, text in findings])
