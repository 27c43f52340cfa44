"""Who may act: the one authorization layer, called by every service.

Views, the admin and the API check model permissions to decide what to show;
services decide what may happen. Every service that changes data calls one of
these first, before it writes anything, so a refused call leaves no trace:

- :func:`require_perm` - the actor holds a Django permission (a role grants it);
- :func:`require_own_or_staff` - an investor acts only for themself, staff roles for anyone
  (:func:`acts_for` answers the same question as a yes or no, for transition permissions);
- :func:`require_system_or_perm` - a scheduled or chained system step (``actor=None``)
  or a person holding the permission.

Transitions declared on a model are checked by ``core.transitions`` through the
same rules (the decorator's ``permission`` plus maker-checker).
"""

from core.errors import NotPermitted
from core.roles import sees_all


def _authenticated(actor) -> bool:
    return actor is not None and actor.is_authenticated


def require_perm(actor, perm: str, *, doing: str) -> None:
    """Refuse unless ``actor`` holds ``perm`` (``"app.codename"``); ``doing`` completes
    "You may not ...", e.g. ``"issue credit notes"``."""
    if not _authenticated(actor) or not actor.has_perm(perm):
        raise NotPermitted(f"You may not {doing}: it needs the permission '{perm}', which you do not have.")


def require_system_or_perm(actor, perm: str, *, doing: str) -> None:
    """A system step (``actor is None``: beat, a chained task) may always act; a person needs ``perm``."""
    if actor is None:
        return
    require_perm(actor, perm, doing=doing)


def acts_for(actor, investor) -> bool:
    """Whether ``actor`` may act for ``investor``: staff roles for any investor, an investor login
    only for its own profile. For permission functions of transitions, which answer yes or no."""
    return _authenticated(actor) and (sees_all(actor) or investor.user_id == actor.pk)


def require_own_or_staff(actor, investor, *, doing: str) -> None:
    """An investor acts only for their own profile; staff roles act for any investor.

    ``doing`` completes "Investors may ... only for themselves", e.g. ``"subscribe"``.
    """
    if not _authenticated(actor):
        raise NotPermitted(f"You may not {doing}: sign in first.")
    if not acts_for(actor, investor):
        raise NotPermitted(f"Investors may {doing} only for themselves.")
