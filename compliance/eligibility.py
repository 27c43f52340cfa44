"""May this investor invest in this deal now? Always with the reasons why not.

``investor_eligibility(investor, deal, at)`` reads the database but writes nothing.
It checks, in this order:

1. an approved KYC case whose refresh date is after ``at``;
2. no screening blockers (confirmed hits, hits awaiting a decision);
3. with a DealEligibility: a classification in force at ``at`` whose class the deal allows;
4. residence allowed, residence and nationality not blocked;
5. the deal's maximum number of investors (an investor already in the deal does not count twice);
6. the minimum subscription (when an amount is given).

Screening reasons are for staff only (compliance/disclosure.py): ``Eligibility.reasons_for(user)``
gives an investor the neutral "under review" in their place.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from compliance import disclosure, providers
from compliance.models import DealEligibility, Investor, InvestorClass, InvestorClassification, KycCase
from compliance.rules import screening_blockers
from core import clock
from core.errors import GuardFailed


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reasons: list[str] = field(default_factory=list)  # every reason in full: for staff
    investor_reasons: list[str] = field(default_factory=list, compare=False)  # what the investor is told

    def reasons_for(self, user) -> list[str]:
        return self.reasons if disclosure.for_staff(user) else self.investor_reasons


def deal_rules(deal) -> DealEligibility | None:
    try:
        return deal.eligibility
    except DealEligibility.DoesNotExist:
        return None


def kyc_reasons(investor, on) -> list[str]:
    approved = investor.kyc_cases.filter(state=KycCase.State.APPROVED).first()
    if approved is None:
        latest = investor.kyc_cases.order_by("-created_at", "-id").first()
        if latest is None:
            return ["No KYC case has been opened for this investor."]
        return [f"KYC is not approved: the latest case #{latest.pk} is '{latest.get_state_display()}'."]
    if approved.refresh_due <= on:
        return [f"KYC approval of case #{approved.pk} expired on {approved.refresh_due.isoformat()}."]
    return []


def classifications_in_force(investor, on) -> list[InvestorClassification]:
    return list(InvestorClassification.objects.filter(
        investor=investor, revoked_at__isnull=True, valid_from__lte=on, valid_until__gte=on))


def classification_reasons(investor, rules: DealEligibility, on, in_force=None) -> list[str]:
    """``in_force``: the investor's classifications in force on ``on``, when already read."""
    in_force = classifications_in_force(investor, on) if in_force is None else in_force
    if not in_force:
        return [f"No investor classification is in force on {on.isoformat()}."]
    allowed = set(rules.allowed_classes)
    if not allowed or allowed & {c.investor_class for c in in_force}:
        return []
    labels = dict(InvestorClass.choices)
    has = ", ".join(sorted({labels[c.investor_class] for c in in_force}))
    wants = ", ".join(labels.get(c, c) for c in rules.allowed_classes)
    return [f"Investor class {has} is not allowed in this deal (allowed: {wants})."]


def jurisdiction_reasons(investor, rules: DealEligibility) -> list[str]:
    reasons = []
    residence, nationality = investor.country_of_residence, investor.nationality
    if rules.allowed_jurisdictions and residence not in rules.allowed_jurisdictions:
        reasons.append(f"Residence {residence} is not among the deal's allowed jurisdictions "
                       f"({', '.join(rules.allowed_jurisdictions)}).")
    blocked = set(rules.blocked_jurisdictions)
    if residence in blocked:
        reasons.append(f"Residence {residence} is a blocked jurisdiction for this deal.")
    if nationality and nationality in blocked and nationality != residence:
        reasons.append(f"Nationality {nationality} is a blocked jurisdiction for this deal.")
    return reasons


def investor_count_reasons(investor, deal, rules: DealEligibility) -> list[str]:
    if rules.maximum_investors is None:
        return []
    in_the_deal = Investor.objects.filter(pk__in=providers.deals().investor_ids(deal))
    others = in_the_deal.exclude(pk=investor.pk).count()
    in_deal = in_the_deal.filter(pk=investor.pk).exists()
    return _count_reasons(rules, others=others, in_deal=in_deal)


def _count_reasons(rules: DealEligibility, *, others: int, in_deal: bool) -> list[str]:
    if rules.maximum_investors is not None and not in_deal and others >= rules.maximum_investors:
        return [f"The deal already has its maximum of {rules.maximum_investors} investors."]
    return []


def investor_eligibility(
    investor, deal, at: datetime | None = None, *, amount: Decimal | None = None,
    count_investors: bool = True,
) -> Eligibility:
    on = timezone.localdate(at) if at else clock.today()
    kyc = kyc_reasons(investor, on)
    screening = [f"Screening: {r}" for r in screening_blockers(investor)]
    reasons = []
    rules = deal_rules(deal)
    if rules is not None:
        reasons += classification_reasons(investor, rules, on)
        reasons += jurisdiction_reasons(investor, rules)
        if count_investors:
            reasons += investor_count_reasons(investor, deal, rules)
        if amount is not None and rules.minimum_subscription is not None \
                and amount < rules.minimum_subscription:
            reasons.append(f"The amount {deal.money(amount)} is below the deal's minimum subscription "
                           f"of {deal.money(rules.minimum_subscription)}.")
    return Eligibility(ok=not (kyc or screening or reasons), reasons=[*kyc, *screening, *reasons],
                       investor_reasons=disclosure.investor_facing([*kyc, *reasons], internal=screening))


def eligibility_by_deal(investor, deals, *, investors_in: dict[int, set[int]]) -> dict[int, Eligibility]:
    """``investor_eligibility`` today for each of ``deals`` (read with ``select_related("eligibility")``)
    in a fixed number of queries, whatever the number of deals: the investor's KYC, screening and
    classifications are read once. ``investors_in``: deal id -> ids of the investors with a live
    subscription in it (the caller reads them in one query)."""
    on = clock.today()
    kyc = kyc_reasons(investor, on)
    screening = [f"Screening: {r}" for r in screening_blockers(investor)]
    in_force = classifications_in_force(investor, on)
    result = {}
    for deal in deals:
        rules, reasons = deal_rules(deal), []
        if rules is not None:
            others = investors_in.get(deal.pk, set())
            reasons += classification_reasons(investor, rules, on, in_force)
            reasons += jurisdiction_reasons(investor, rules)
            reasons += _count_reasons(rules, others=len(others - {investor.pk}),
                                      in_deal=investor.pk in others)
        result[deal.pk] = Eligibility(
            ok=not (kyc or screening or reasons), reasons=[*kyc, *screening, *reasons],
            investor_reasons=disclosure.investor_facing([*kyc, *reasons], internal=screening))
    return result


def require_eligible(investor, deal, *, actor, amount: Decimal | None = None,
                     at: datetime | None = None) -> None:
    """Raise GuardFailed naming every reason when the investor may not invest now: in full for
    staff and system steps (``actor=None``), as the investor may read them for anyone else."""
    result = investor_eligibility(investor, deal, at, amount=amount)
    if not result.ok:
        if disclosure.for_staff(actor):
            raise GuardFailed(f"{investor} is not eligible for {deal}: " + " ".join(result.reasons),
                              reasons=result.reasons)
        reasons = result.investor_reasons
        raise GuardFailed(f"{investor} is not eligible for {deal} now: " + " ".join(reasons),
                          reasons=reasons)
