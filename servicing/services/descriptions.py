"""The deal's waterfall description: stored, validated, audited; edited freely until the deal is
issued, afterwards only through an amendment a second person approves (docs/servicing.md, "The
waterfall description")."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from core.audit import audit_created, audit_event, diff
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from core.transitions import lock, run_transition
from issuance.models import Deal
from servicing.models import WaterfallAmendment, WaterfallDescription
from servicing.services.common import action

# The deal may be described and re-described freely until it is issued.
EDITABLE_STATES = (
    Deal.State.DRAFT,
    Deal.State.STRUCTURING,
    Deal.State.COMPLIANCE_REVIEW,
    Deal.State.APPROVED,
    Deal.State.OPEN,
    Deal.State.CLOSED,
)


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def deal_mismatches(deal: Deal, description: dict) -> list[str]:
    """Where the description disagrees with the deal, each with its JSON path: its tranches are the
    deal's tranches (``class_name``) with their original principal, and each debt tranche's rate and
    day count are the tranche's coupon rate and day count; its currency and closing date are the
    deal's."""
    problems = []
    if description.get("currency") != deal.currency:
        problems.append(f"currency: {description.get('currency')!r} but the deal is in {deal.currency}")
    if description.get("closing_date") != deal.closing_date.isoformat():
        problems.append(f"closing_date: {description.get('closing_date')!r} but the deal closes on "
                        f"{deal.closing_date.isoformat()}")
    tranches = {t.class_name: t for t in deal.tranches.all()}
    described = [t for t in description.get("tranches", []) if isinstance(t, dict)]
    for i, item in enumerate(described):
        path, name = f"tranches[{i}]", item.get("name")
        tranche = tranches.get(name)
        if tranche is None:
            problems.append(
                f"{path}.name: {name!r} is not a tranche of the deal ({', '.join(sorted(tranches))})"
            )
            continue
        if _decimal(item.get("balance")) != tranche.original_principal:
            problems.append(
                f"{path}.balance: {item.get('balance')} but {name}'s original principal is "
                f"{tranche.original_principal}"
            )
        if item.get("kind") == "equity":
            continue  # the residual: no coupon, no day count
        if _decimal(item.get("rate")) != tranche.coupon_rate:
            problems.append(
                f"{path}.rate: {item.get('rate')} but {name}'s coupon rate is {tranche.coupon_rate}"
            )
        if item.get("day_count") != tranche.day_count:
            problems.append(
                f"{path}.day_count: {item.get('day_count')!r} but {name}'s day count is {tranche.day_count!r}"
            )
    missing = sorted(set(tranches) - {t.get("name") for t in described})
    if missing:
        problems.append(f"tranches: the deal's {', '.join(missing)} not described")
    return problems


def description_problems(deal: Deal, description) -> list[str]:
    """Every reason the description cannot be stored for ``deal``: the engine's validation first,
    then the comparison with the deal."""
    from servicing.waterfall import validate

    if not isinstance(description, dict):
        return ["$: a waterfall description is a JSON object"]
    problems = list(validate(description))
    return problems or deal_mismatches(deal, description)


def _refuse_invalid(deal: Deal, description) -> None:
    problems = description_problems(deal, description)
    if problems:
        raise InvalidInput(
            f"The waterfall description of '{deal}' is not valid: " + "; ".join(problems) + ".",
            reasons=problems,
            field="description",
        )


@transaction.atomic
def waterfall_description_set(*, deal: Deal, description: dict, actor) -> WaterfallDescription:
    """Store or replace the description of a deal not yet issued (version 1, then one more per change).
    A deal issued without one (before it was serviced here) gets its first version the same way;
    every later change of an issued deal's description is an amendment a second person approves."""
    exists = WaterfallDescription.objects.filter(deal=deal).exists()
    require_perm(actor, f"servicing.{'change' if exists else 'add'}_waterfalldescription",
                 doing="describe a deal's waterfall")
    deal = lock(type(deal), deal.pk)  # the deal first, then its description
    existing = WaterfallDescription.objects.select_for_update().filter(deal=deal).first()
    if existing is not None and deal.state not in EDITABLE_STATES:
        raise Refused(
            f"Deal '{deal}' is {deal.get_state_display()}: its waterfall changes only through an "
            "amendment that a second person approves."
        )
    _refuse_invalid(deal, description)
    if existing is not None and existing.description == description:
        return existing  # nothing to change: no new version, no audit row
    if existing is None:
        stored = WaterfallDescription.objects.create(deal=deal, description=description, version=1)
        audit_created(instance=stored, actor=actor, fields=("deal", "version", "description"))
        return stored
    return _replace(existing, description=description, actor=actor)


def _replace(
    stored: WaterfallDescription, *, description: dict, actor, reason: str = ""
) -> WaterfallDescription:
    before = {"version": stored.version, "description": stored.description}
    stored.description, stored.version = description, stored.version + 1
    stored.save(update_fields=["description", "version", "updated_at"])
    audit_event(
        instance=stored,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        reason=reason,
        changes=diff(before, {"version": stored.version, "description": stored.description}),
    )
    return stored


@transaction.atomic
def waterfall_amendment_propose(*, deal: Deal, description: dict, reason: str, actor) -> WaterfallAmendment:
    """Propose a new description for an issued deal; it takes effect when a second person approves."""
    require_perm(actor, "servicing.add_waterfallamendment", doing="propose waterfall amendments")
    stored = WaterfallDescription.objects.select_for_update().filter(deal=deal).first()
    if stored is None:
        raise Refused(f"Deal '{deal}' has no waterfall description to amend.")
    if deal.state in EDITABLE_STATES:
        raise Refused(
            f"Deal '{deal}' is {deal.get_state_display()}, not yet issued: edit its waterfall directly."
        )
    if not (reason or "").strip():
        raise InvalidInput("An amendment needs a reason.", field="reason")
    _refuse_invalid(deal, description)
    amendment = WaterfallAmendment.objects.create(
        waterfall=stored,
        base_version=stored.version,
        description=description,
        reason=reason.strip(),
        proposed_by=actor,
    )
    audit_created(
        instance=amendment, actor=actor, fields=("waterfall", "base_version", "description", "reason")
    )
    return amendment


@transaction.atomic
def waterfall_amendment_approve(
    *, amendment: WaterfallAmendment, actor, reason: str = ""
) -> WaterfallAmendment:
    """The checker approves: the description becomes the amended one, one version more."""
    stored = lock(WaterfallDescription, amendment.waterfall_id)
    amendment = lock(WaterfallAmendment, amendment.pk)
    run_transition(amendment, "approve", actor=actor, reason=reason, decided_by=actor)
    if amendment.base_version != stored.version:
        raise Refused(
            f"Amendment #{amendment.pk} changes version {amendment.base_version}, but the waterfall is "
            f"at version {stored.version} now; propose it again from the current version."
        )
    _refuse_invalid(stored.deal, amendment.description)
    _replace(
        stored,
        description=amendment.description,
        actor=actor,
        reason=f"amendment #{amendment.pk}: {amendment.reason}",
    )
    return amendment


@transaction.atomic
def waterfall_amendment_reject(
    *, amendment: WaterfallAmendment, actor, reason: str = ""
) -> WaterfallAmendment:
    amendment = lock(WaterfallAmendment, amendment.pk)
    run_transition(amendment, "reject", actor=actor, reason=reason, decided_by=actor)
    return amendment


WATERFALL_AMENDMENT_ACTIONS = {"approve": waterfall_amendment_approve, "reject": waterfall_amendment_reject}


def waterfall_amendment_transition(*, amendment: WaterfallAmendment, name: str, actor, reason: str = ""):
    return action(WATERFALL_AMENDMENT_ACTIONS, WaterfallAmendment, name)(
        amendment=amendment, actor=actor, reason=reason
    )
