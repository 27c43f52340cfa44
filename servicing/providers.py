"""What servicing asks of the apps above it, answered by those apps (as ``issuance.providers``).

Servicing sits below ``reconciliation`` in the dependency graph (docs/architecture.md,
"Dependencies") and never imports it. Closing a collection period asks every registered close
blocker whether something still stands in the way: the reconciliation registers one that names
the period's open exceptions (``reconciliation/apps.py``). Nothing registered blocks nothing.
"""

from collections.abc import Callable

# name -> blocker(period) -> a sentence saying what blocks the close, or "" when nothing does
_close_blockers: dict[str, Callable[..., str]] = {}


def register_close_blocker(name: str, blocker: Callable[..., str]) -> None:
    """Add (or replace, by ``name``) a check the period close runs under the period's lock."""
    _close_blockers[name] = blocker


def close_blockers(period) -> list[str]:
    """What blocks closing ``period``: one sentence per registered blocker that finds something."""
    return [text for text in (blocker(period) for blocker in _close_blockers.values()) if text]
