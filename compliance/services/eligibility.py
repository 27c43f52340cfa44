"""Deal eligibility rules: set (create or edit) with validation and audit."""

from decimal import Decimal

from django.db import transaction

from compliance.models import DealEligibility, InvestorClass
from core.audit import audit_created, audit_event, diff, snapshot
from core.authz import require_perm
from core.errors import InvalidInput
from core.models import AuditEvent
from core.money import check_minor_units
from core.transitions import lock
from core.validators import COUNTRY_CHOICES

RULE_FIELDS = ("allowed_classes", "allowed_jurisdictions", "blocked_jurisdictions",
               "minimum_subscription", "maximum_investors")
_COUNTRIES = {c for c, _ in COUNTRY_CHOICES}


def _validate(values: dict) -> dict:
    clean = dict(values)
    for name in ("allowed_classes", "allowed_jurisdictions", "blocked_jurisdictions"):
        clean[name] = sorted(set(values.get(name) or []))
    bad = [c for c in clean["allowed_classes"] if c not in InvestorClass.values]
    if bad:
        raise InvalidInput(f"Unknown investor class(es): {', '.join(bad)}.", field="allowed_classes")
    for name in ("allowed_jurisdictions", "blocked_jurisdictions"):
        bad = [c for c in clean[name] if c not in _COUNTRIES]
        if bad:
            raise InvalidInput(f"Not ISO 3166-1 alpha-2 codes: {', '.join(bad)}.", field=name)
    both = set(clean["allowed_jurisdictions"]) & set(clean["blocked_jurisdictions"])
    if both:
        raise InvalidInput(f"Both allowed and blocked: {', '.join(sorted(both))}.",
                           field="blocked_jurisdictions")
    minimum = values.get("minimum_subscription")
    clean["minimum_subscription"] = None if minimum in (None, "") else Decimal(minimum)
    clean["maximum_investors"] = values.get("maximum_investors")
    return clean


@transaction.atomic
def deal_eligibility_set(*, actor, deal, **values) -> DealEligibility:
    """Create or edit the eligibility rules of ``deal`` (an ``issuance.Deal``, locked first)."""
    deal = lock(type(deal), deal.pk)
    rules = DealEligibility.objects.select_for_update().filter(deal=deal).first()
    if rules is None:
        require_perm(actor, "compliance.add_dealeligibility", doing="set deal eligibility rules")
    else:
        require_perm(actor, "compliance.change_dealeligibility", doing="change deal eligibility rules")
    clean = _validate(values)
    check_minor_units(clean["minimum_subscription"], deal.currency, field="minimum_subscription")
    if rules is None:
        rules = DealEligibility(deal=deal, **clean)
        rules.full_clean()
        rules.save()
        audit_created(instance=rules, actor=actor, fields=("deal", *RULE_FIELDS))
        return rules
    before = snapshot(rules, RULE_FIELDS)
    for field, value in clean.items():
        setattr(rules, field, value)
    rules.full_clean()
    rules.save()
    changes = diff(before, snapshot(rules, RULE_FIELDS))
    if changes:
        audit_event(instance=rules, actor=actor, action=AuditEvent.Action.UPDATE, changes=changes)
    return rules
