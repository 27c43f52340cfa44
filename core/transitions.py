"""Run django-fsm transitions the one way the project allows: locked, checked, audited.

Models declare transitions with ``@transition(..., permission=..., conditions=[...],
custom={...})``. Conditions are *guards* built with :func:`guard`: a function that
returns ``None`` when the transition may proceed or a sentence saying why not.
``custom`` may carry:

- ``label``: the words shown on buttons and in messages;
- ``reason_required``: the actor must say why (rejections, cancellations);
- ``checker_of``: the name of a user field holding the *maker*; the actor must be
  someone else (maker-checker);
- ``makers_from_audit``: the steps that make the object, as audit actions (``"create"``,
  ``"update"``) or transition names; anyone the audit trail shows taking one of them on this
  object is a maker too and may not take this transition (maker-checker over every maker);
- ``bulk_only``: run only by a service (often for many rows at once, as part of
  another action), never offered as a button or an API action.

Services call :func:`run_transition` inside their own ``transaction.atomic()``
after locking the row, then do any further work in the same transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass

import django_fsm
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q

from core.audit import audit_event
from core.errors import (
    GuardFailed,
    InvalidInput,
    MakerCheckerViolation,
    NotPermitted,
    TransitionNotAllowed,
)
from core.models import AuditEvent

Guard = Callable[[models.Model], str | None]


def guard(explain: Guard) -> Callable[[models.Model], bool]:
    """Turn ``explain(obj) -> reason | None`` into a django-fsm condition that keeps its reason."""

    def condition(instance: models.Model) -> bool:
        return explain(instance) is None

    condition.explain = explain  # type: ignore[attr-defined]
    condition.__name__ = explain.__name__
    condition.__doc__ = explain.__doc__
    return condition


@dataclass(frozen=True)
class TransitionInfo:
    name: str
    label: str
    target: str
    reason_required: bool


def _label(name: str, custom: dict) -> str:
    return custom.get("label") or name.replace("_", " ")


def _transitions(model: type[models.Model]) -> dict[str, list[django_fsm.Transition]]:
    by_name: dict[str, list[django_fsm.Transition]] = {}
    for t in model._meta.get_field("state").get_all_transitions(model):
        by_name.setdefault(t.name, []).append(t)
    return by_name


def transition_names(model: type[models.Model]) -> list[str]:
    """Transitions a person can ask for one object at a time (not the bulk-only ones)."""
    return [n for n, ts in _transitions(model).items() if not ts[0].custom.get("bulk_only")]


def transition_custom(model: type[models.Model], name: str) -> dict:
    return _transitions(model)[name][0].custom


def state_label(obj: models.Model) -> str:
    return obj.get_state_display()


def _state_text(model: type[models.Model], value: str) -> str:
    return dict(model._meta.get_field("state").choices).get(value, value)


def _find(obj: models.Model, name: str) -> django_fsm.Transition:
    model = type(obj)
    candidates = _transitions(model).get(name)
    if not candidates:
        raise TransitionNotAllowed(f"{model._meta.verbose_name} has no transition '{name}'.")
    for t in candidates:
        if t.source in (obj.state, "*"):
            return t
    sources = ", ".join(sorted({f"'{_state_text(model, t.source)}'" for t in candidates}))
    possible = [_label(t.name, t.custom) for t in _available_raw(obj)]
    now = ", ".join(possible) if possible else "nothing (final state)"
    raise TransitionNotAllowed(
        f"{model._meta.verbose_name.capitalize()} '{obj}' is '{state_label(obj)}'; "
        f"'{_label(name, candidates[0].custom)}' is possible only from {sources}. "
        f"From '{state_label(obj)}' the possible transitions are: {now}."
    )


def _available_raw(obj: models.Model) -> list[django_fsm.Transition]:
    return [t for t in obj.get_all_state_transitions() if t.source in (obj.state, "*")]


_STEP_WORDS = {AuditEvent.Action.CREATE: "create", AuditEvent.Action.UPDATE: "edit"}


def _making_steps_of(obj: models.Model, actor, steps: tuple[str, ...]) -> list[str]:
    """The ``steps`` (audit actions or transition names) the audit trail shows ``actor`` took on
    ``obj``, in the order given, worded for a message."""
    actions = [s for s in steps if s in _STEP_WORDS]
    names = [s for s in steps if s not in _STEP_WORDS]
    taken = {name or action for action, name in AuditEvent.objects.filter(
        Q(action__in=actions) | Q(action=AuditEvent.Action.TRANSITION, name__in=names),
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, actor=actor,
    ).values_list("action", "name").distinct()}
    return [_STEP_WORDS.get(s) or _label(s, transition_custom(type(obj), s)) for s in steps if s in taken]


def _refuse_actor(obj: models.Model, t: django_fsm.Transition, actor) -> None:
    label = _label(t.name, t.custom)
    noun = type(obj)._meta.verbose_name
    if actor is None or not actor.is_authenticated or not t.has_perm(obj, actor):
        needs = t.custom.get("permission_text") or f"the permission '{t.permission}'"
        raise NotPermitted(
            f"You may not '{label}' this {noun}: it needs {needs}, which you do not have."
        )
    maker_field = t.custom.get("checker_of")
    if maker_field and getattr(obj, f"{maker_field}_id") == actor.pk:
        raise MakerCheckerViolation(
            f"Maker-checker: you are this {noun}'s {maker_field.replace('_', ' ')}, "
            f"so a different person must '{label}' it."
        )
    steps = t.custom.get("makers_from_audit")
    made = _making_steps_of(obj, actor, tuple(steps)) if steps else []
    if made:
        raise MakerCheckerViolation(
            f"Maker-checker: the audit trail shows you took part in making this {noun} "
            f"({', '.join(made)}), so a different person must '{label}' it."
        )


def available_transitions(obj: models.Model, actor) -> list[TransitionInfo]:
    """Transitions from the current state that this actor may take (guards not evaluated)."""
    result = []
    for t in _available_raw(obj):
        if t.custom.get("bulk_only"):
            continue
        try:
            _refuse_actor(obj, t, actor)
        except NotPermitted:
            continue
        result.append(
            TransitionInfo(
                name=t.name,
                label=_label(t.name, t.custom),
                target=str(t.target),
                reason_required=bool(t.custom.get("reason_required")),
            )
        )
    return result


def check_transition(obj: models.Model, name: str, *, actor, reason: str = "") -> None:
    """Raise a :class:`core.errors.Refused` naming why ``actor`` may not take ``name`` now."""
    t = _find(obj, name)
    _refuse_actor(obj, t, actor)
    label = _label(name, t.custom)
    if t.custom.get("reason_required") and not reason.strip():
        raise InvalidInput(f"A reason is required to '{label}'.", field="reason")
    reasons = [r for c in t.conditions if (r := c.explain(obj)) is not None]
    if reasons:
        raise GuardFailed(f"Cannot '{label}': " + " ".join(reasons), reasons=reasons)


def run_transition(obj: models.Model, name: str, *, actor, reason: str = "", **fields) -> None:
    """Check, change state, set ``fields``, save and audit. The caller holds the row lock."""
    assert transaction.get_connection().in_atomic_block, "run_transition needs a transaction"
    check_transition(obj, name, actor=actor, reason=reason)
    record_transition(obj, name, actor=actor, reason=reason, **fields)


def record_transition(obj: models.Model, name: str, *, actor, reason: str = "", **fields) -> str:
    """Change state, set ``fields``, save and audit, without the actor checks: for system steps
    (``actor=None``) whose service has already decided. Returns the state it left."""
    from_state = obj.state
    getattr(obj, name)()
    for field, value in fields.items():
        setattr(obj, field, value)
    obj.save()
    audit_event(
        instance=obj,
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        name=name,
        from_state=from_state,
        to_state=obj.state,
        reason=reason.strip(),
    )
    return from_state


def lock(model: type[models.Model], pk: int) -> models.Model:
    """Fetch ``model`` row ``pk`` with a row lock (FOR UPDATE on PostgreSQL)."""
    return model.objects.select_for_update().get(pk=pk)


def transition(obj: models.Model, name: str, *, actor, reason: str = "", **fields) -> models.Model:
    """The generic service: lock, run the transition, return the fresh object."""
    with transaction.atomic():
        locked = lock(type(obj), obj.pk)
        run_transition(locked, name, actor=actor, reason=reason, **fields)
    return locked
