"""What issuance asks of the apps above it, answered by those apps.

Issuance sits below ``assets`` and ``chain`` in the dependency graph (docs/architecture.md,
"Dependencies") and never imports them. Where an issuance rule or page needs what only they know,
it asks through a registry here that the higher app fills in its ``AppConfig.ready()``:

- ``collateral``: how much collateral is pledged to a deal (``assets/apps.py``). Issuing an
  asset-backed deal depends on the answer, so asking before it is registered is a configuration
  error, never a silent "nothing pledged" or "enough".
- deal page sections: parts of the deal's admin page another app draws (``chain/apps.py`` adds the
  token step). Nothing registered draws nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Pledged:
    """The collateral pledged to a deal."""

    devices: int  # devices assigned to the deal and not decommissioned, sold or impaired
    excluded: int  # devices assigned to it that are decommissioned, sold or impaired


@dataclass(frozen=True)
class Collateral:
    """Registered by the assets app (assets/apps.py)."""

    # pledged(deal) -> Pledged
    pledged: Callable[..., Pledged]


@dataclass(frozen=True)
class DealSection:
    """A part of the deal's admin page drawn by another app: ``render(request, deal)`` returns
    HTML (escaped by its template) or ``""`` when there is nothing to show for this deal."""

    name: str
    render: Callable[..., str]


_registered: dict[str, object] = {}
_sections: dict[str, DealSection] = {}


def register_collateral(**answers: Callable) -> None:
    _registered["collateral"] = Collateral(**answers)


def collateral() -> Collateral:
    try:
        return _registered["collateral"]
    except KeyError:
        raise ImproperlyConfigured(
            "No collateral provider is registered for issuance: the assets app must be in "
            "INSTALLED_APPS and call issuance.providers.register_collateral() in its AppConfig.ready()."
        ) from None


def register_deal_section(name: str, render: Callable[..., str]) -> None:
    """Add (or replace, by ``name``) a section of the deal's admin page."""
    _sections[name] = DealSection(name=name, render=render)


def deal_sections() -> list[DealSection]:
    return list(_sections.values())
