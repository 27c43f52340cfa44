"""Change which login an investor is: one compliance officer requests, another approves, audited.

The login decides what a person sees of the investor (its KYC documents included), so this is
the only way ``Investor.user`` changes after the investor is created; the ordinary edit refuses
it (compliance/services/investors.py). A login is refused when it is the investor's own already,
another investor's, or a staff role's; the approval checks that again, and that the investor's
login is still the one the request saw.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from compliance.models import Investor, InvestorLoginChange
from core.audit import audit_created, audit_event
from core.authz import require_perm
from core.errors import InvalidInput, TransitionNotAllowed
from core.models import AuditEvent
from core.roles import sees_all
from core.transitions import check_transition, lock, record_transition, run_transition

CHANGE_FIELDS = ("investor", "from_user", "to_user", "reason", "state")


def _refuse_login(investor: Investor, to_user) -> None:
    if to_user is None:
        if investor.user_id is None:
            raise InvalidInput(f"{investor} has no login to remove.", field="to_user")
        return
    if to_user.pk == investor.user_id:
        raise InvalidInput(f"The login '{to_user}' is already this investor's login.", field="to_user")
    if sees_all(to_user):
        raise InvalidInput(f"The login '{to_user}' belongs to a staff role; an investor's login cannot.",
                           field="to_user")
    if Investor.objects.filter(user=to_user).exclude(pk=investor.pk).exists():
        raise InvalidInput(f"The login '{to_user}' is already the login of another investor.",
                           field="to_user")


@transaction.atomic
def investor_login_change_request(*, actor, investor: Investor, to_user, reason: str) -> InvestorLoginChange:
    """Ask for ``to_user`` (``None``: no login) to become the login of ``investor``."""
    require_perm(actor, "compliance.add_investorloginchange", doing="request investor login changes")
    investor = lock(Investor, investor.pk)
    if not (reason or "").strip():
        raise InvalidInput("Say why the login changes.", field="reason")
    waiting = investor.login_changes.filter(state=InvestorLoginChange.State.REQUESTED).first()
    if waiting is not None:
        raise InvalidInput(f"{investor} already has login change #{waiting.pk} awaiting a decision; "
                           "approve or reject it first.", field="investor")
    _refuse_login(investor, to_user)
    change = InvestorLoginChange.objects.create(investor=investor, from_user_id=investor.user_id,
                                                to_user=to_user, reason=reason.strip(), requested_by=actor)
    audit_created(instance=change, actor=actor, fields=CHANGE_FIELDS)
    return change


def _locked(change: InvestorLoginChange) -> tuple[Investor, InvestorLoginChange]:
    """Lock the investor, then the request (the app's lock order)."""
    return lock(Investor, change.investor_id), lock(InvestorLoginChange, change.pk)


@transaction.atomic
def investor_login_change_approve(*, change: InvestorLoginChange, actor,
                                  reason: str = "") -> InvestorLoginChange:
    """A second officer (never the requester) approves: the investor's login becomes ``to_user``,
    audited on the investor with the request's reason."""
    investor, change = _locked(change)
    check_transition(change, "approve", actor=actor, reason=reason)
    _refuse_login(investor, change.to_user)
    record_transition(change, "approve", actor=actor, reason=reason, decided_by=actor,
                      decided_at=timezone.now())
    before = investor.user_id
    investor.user = change.to_user
    investor.save(update_fields=["user", "updated_at"])
    audit_event(instance=investor, actor=actor, action=AuditEvent.Action.UPDATE,
                changes={"user": [before, investor.user_id]},
                reason=f"login change #{change.pk} requested by {change.requested_by}, approved by "
                       f"{actor}: {change.reason}")
    return change


@transaction.atomic
def investor_login_change_reject(*, change: InvestorLoginChange, actor, reason: str) -> InvestorLoginChange:
    """Reject the request (a reason is required); the investor's login stays."""
    _, change = _locked(change)
    run_transition(change, "reject", actor=actor, reason=reason, decided_by=actor, decided_at=timezone.now())
    return change


# The decisions on a request, by transition name: the API and the admin dispatch through this table.
LOGIN_CHANGE_ACTIONS: dict[str, Callable[..., InvestorLoginChange]] = {
    "approve": investor_login_change_approve,
    "reject": investor_login_change_reject,
}


def investor_login_change_transition(*, change: InvestorLoginChange, name: str, actor,
                                     reason: str = "") -> InvestorLoginChange:
    action = LOGIN_CHANGE_ACTIONS.get(name)
    if action is None:
        raise TransitionNotAllowed(f"An investor login change has no action '{name}'; its actions are: "
                                   f"{', '.join(LOGIN_CHANGE_ACTIONS)}.")
    return action(change=change, actor=actor, reason=reason)
