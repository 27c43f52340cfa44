"""What the servicing services share: the action tables' lookup."""

from collections.abc import Callable

from core.errors import TransitionNotAllowed
from core.transitions import transition_custom


def action(table: dict[str, Callable], model, name: str) -> Callable:
    """The named service for transition ``name``, or a refusal listing the actions there are."""
    if name not in table:
        labels = ", ".join(transition_custom(model, n).get("label") or n.replace("_", " ") for n in table)
        raise TransitionNotAllowed(
            f"'{name}' is not an action on {model._meta.verbose_name_plural}; the actions are: {labels}."
        )
    return table[name]
