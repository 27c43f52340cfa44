"""What compliance asks of the apps above it, answered by those apps.

Compliance sits low in the dependency graph (docs/architecture.md, "Dependencies"): screening
and issuance import compliance, never the reverse. Where a compliance rule needs an answer only
a higher app has (does screening block this investor? which investors are in this deal?), it
asks through a provider registered here by that app in its ``AppConfig.ready()``. Asking before
the provider is registered is a configuration error, never a silent "nothing to report".
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Screening:
    """Registered by the screening app (screening/apps.py)."""

    # blockers(investor) -> one sentence per hit that blocks approval or holding tokens.
    blockers: Callable[..., list[str]]
    # screen(investor=, actor=) screens the investor and its owners now, in the caller's transaction.
    screen: Callable[..., object]
    # hit_counts(investor) -> (confirmed, awaiting a decision, cleared as false positive), for the risk.
    hit_counts: Callable[..., tuple[int, int, int]]
    # hits(investor) -> every hit of the investor, for the officers' case page (pk, state, entry, ...).
    hits: Callable[..., list]
    # decide_hit(hit=, decision=, actor=, reason=, whitelist_until=) records an officer's decision.
    decide_hit: Callable[..., object]


@dataclass(frozen=True)
class Deals:
    """Registered by the issuance app (issuance/apps.py)."""

    # visible_to(user) -> QuerySet of the deals the user may see.
    visible_to: Callable[..., object]
    # investor_ids(deal) -> QuerySet of the ids of investors with a live subscription in the deal.
    investor_ids: Callable[..., object]


@dataclass(frozen=True)
class InvestorSection:
    """A part of the investor's admin page drawn by a higher app (issuance adds the deals the
    investor may invest in and its subscriptions): ``render(request, investor)`` returns HTML
    (escaped by its template), in a fixed number of queries, or ``""`` for nothing to show."""

    name: str
    render: Callable[..., str]


_registered: dict[str, object] = {}
_investor_sections: dict[str, InvestorSection] = {}


def register_investor_section(name: str, render: Callable[..., str]) -> None:
    """Add (or replace, by ``name``) a section of the investor's admin page."""
    _investor_sections[name] = InvestorSection(name=name, render=render)


def investor_sections() -> list[InvestorSection]:
    return list(_investor_sections.values())


def register_screening(**answers: Callable) -> None:
    _registered["screening"] = Screening(**answers)


def register_deals(**answers: Callable) -> None:
    _registered["deals"] = Deals(**answers)


def _get(name: str):
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"No {name} provider is registered for compliance: the app that answers it must be in "
            f"INSTALLED_APPS and call compliance.providers.register_{name}() in its AppConfig.ready()."
        ) from None


def screening() -> Screening:
    return _get("screening")


def deals() -> Deals:
    return _get("deals")
