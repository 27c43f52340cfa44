"""Investors and their beneficial owners."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from compliance.models import BeneficialOwner, Investor
from core.audit import audit_created, audit_event, diff, snapshot
from core.authz import require_perm
from core.errors import InvalidInput
from core.models import AuditEvent
from core.transitions import lock

INVESTOR_FIELDS = ("kind", "legal_name", "email", "country_of_residence", "nationality",
                   "date_of_birth", "phone", "address", "registration_number", "is_pep", "user")
OWNER_FIELDS = ("investor", "full_name", "date_of_birth", "nationality", "country_of_residence",
                "ownership_percent")


def _check_kind(investor: Investor) -> None:
    if not investor.is_individual and investor.date_of_birth is not None:
        raise InvalidInput("A date of birth is for individuals; an entity has none.", field="date_of_birth")
    if not investor.is_individual and investor.nationality:
        raise InvalidInput("Nationality is for individuals; an entity's country is its country of "
                           "residence (incorporation).", field="nationality")


@transaction.atomic
def investor_create(*, actor, **values) -> Investor:
    require_perm(actor, "compliance.add_investor", doing="create investors")
    investor = Investor(**values)
    investor.full_clean()
    _check_kind(investor)
    investor.save()
    audit_created(instance=investor, actor=actor, fields=INVESTOR_FIELDS)
    return investor


LOGIN_NOT_EDITED = ("Which login an investor is ('user') is not changed by an edit: a compliance officer "
                    "requests a login change and another officer approves it.")


@transaction.atomic
def investor_update(*, investor: Investor, actor, **values) -> Investor:
    """Edit an investor's details. Its login (``user``) is not edited: it gives whoever holds it the
    investor's documents, so it changes only by a login change with four eyes
    (compliance/services/login_changes.py)."""
    require_perm(actor, "compliance.change_investor", doing="edit investors")
    investor = lock(Investor, investor.pk)
    if "user" in values and getattr(values["user"], "pk", values["user"]) != investor.user_id:
        raise InvalidInput(LOGIN_NOT_EDITED, field="user")
    before = snapshot(investor, INVESTOR_FIELDS)
    for field, value in values.items():
        setattr(investor, field, value)
    investor.full_clean()
    _check_kind(investor)
    investor.save()
    changes = diff(before, snapshot(investor, INVESTOR_FIELDS))
    if changes:
        audit_event(instance=investor, actor=actor, action=AuditEvent.Action.UPDATE, changes=changes)
    return investor


@transaction.atomic
def beneficial_owner_add(*, actor, investor: Investor, **values) -> BeneficialOwner:
    """Record a natural person owning 25 % or more of an entity investor."""
    require_perm(actor, "compliance.add_beneficialowner", doing="record beneficial owners")
    investor = lock(Investor, investor.pk)
    if investor.is_individual:
        raise InvalidInput(f"{investor} is an individual; beneficial owners are recorded for entities.",
                           field="investor")
    owner = BeneficialOwner(investor=investor, **values)
    owner.full_clean()
    percent = Decimal(owner.ownership_percent)
    if percent < BeneficialOwner.MIN_PERCENT:
        raise InvalidInput(f"{percent} % is below the 25 % beneficial ownership threshold.",
                           field="ownership_percent")
    others = investor.beneficial_owners.aggregate(total=Sum("ownership_percent"))["total"] or Decimal("0")
    if others + percent > 100:
        raise InvalidInput(f"Beneficial owners would hold {others + percent} %, more than 100 %.",
                           field="ownership_percent")
    owner.save()
    audit_created(instance=owner, actor=actor, fields=OWNER_FIELDS)
    return owner


@transaction.atomic
def beneficial_owner_remove(*, actor, owner: BeneficialOwner, reason: str) -> None:
    require_perm(actor, "compliance.change_beneficialowner", doing="remove beneficial owners")
    investor = lock(Investor, owner.investor_id)
    if not reason.strip():
        raise InvalidInput("A reason is required to remove a beneficial owner.", field="reason")
    owner = BeneficialOwner.objects.select_for_update().get(pk=owner.pk)
    audit_event(instance=investor, actor=actor, action=AuditEvent.Action.UPDATE, reason=reason.strip(),
                changes={"beneficial_owner": [f"{owner.full_name} ({owner.ownership_percent} %)", None]})
    owner.delete()
