"""Run django-fsm transitions the one way the project allows: locked, checked, audited.

Models declare transitions with ``@transition(..., permission=..., conditions=[...],
custom={...})``. Conditions are *guards* built with :func:`guard`: a function that
returns ``None`` when the transition may proceed or a sentence saying why not.
``custom`` may carry:

- ``label``: the words shown on buttons and in messages;
- ``question``: the admin's confirmation sentence, ``{object}`` standing for the object's name
  ("Submit {object} for compliance review?"); without it, "<Label> <object>?";
- ``reason_required``: the actor must say why (rejections, cancellations);
- ``checker_of``: the name of a user field holding the *maker*; the actor must be
  someone else (maker-checker);
- ``makers_from_audit``: the steps that make the object, as audit actions (``"create"``,
  ``"update"``) or transition names; anyone the audit trail shows taking one of them on this
  object is a maker too and may not take this transition (maker-checker over every maker);
- ``bulk_only``: run only by a service (often for many rows at once, as part of
  another action), never offered as a button or an API action.

Services call :func:`run_transition` inside their own ``transaction.atomic()``
after locking the row, then do any further work in the same transaction. Many rows
taking one transition at once go through :func:`bulk_transition`: one conditional
``UPDATE`` whose row count is checked, and the audit rows in bulk.
"""

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import django_fsm
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import capfirst

from core.audit import audit_event, audit_transition_rows, plain
from core.authz import require_perm
from core.errors import (
    GuardFailed,
    InvalidInput,
    MakerCheckerViolation,
    NotPermitted,
    Refused,
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
        f"{capfirst(model._meta.verbose_name)} '{obj}' is '{state_label(obj)}'; "
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


def without_makers(queryset: models.QuerySet, name: str, actor) -> models.QuerySet:
    """The rows of ``queryset`` whose maker-checker rule for transition ``name`` lets ``actor``
    check them: not the ``checker_of`` user, not in the audit trail taking a ``makers_from_audit``
    step. One query whatever the number of rows (a home page's "awaiting my approval")."""
    model = queryset.model
    custom = transition_custom(model, name)
    if custom.get("checker_of"):
        queryset = queryset.exclude(**{f"{custom['checker_of']}_id": actor.pk})
    steps = tuple(custom.get("makers_from_audit") or ())
    if steps:
        actions = [s for s in steps if s in _STEP_WORDS]
        names = [s for s in steps if s not in _STEP_WORDS]
        made = AuditEvent.objects.filter(
            Q(action__in=actions) | Q(action=AuditEvent.Action.TRANSITION, name__in=names),
            content_type=ContentType.objects.get_for_model(model), actor=actor,
        ).values("object_id")
        queryset = queryset.exclude(pk__in=made)
    return queryset


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


# Many rows at once


@dataclass(frozen=True)
class BulkChange:
    """What :func:`bulk_transition` changed: ``from_states`` maps each changed row's pk to the state
    it left, in pk order."""

    name: str
    to_state: str
    from_states: dict[Any, str]

    @property
    def ids(self) -> list:
        return list(self.from_states)

    def __len__(self) -> int:
        return len(self.from_states)


def _declaration(model: type[models.Model], name: str) -> tuple[django_fsm.Transition, tuple[str, ...], str]:
    """The declared transition ``name``, its source states (``*`` and ``+`` spelled out, in the
    order of the state choices) and its one target."""
    candidates = _transitions(model).get(name)
    if not candidates:
        raise TransitionNotAllowed(f"{model._meta.verbose_name} has no transition '{name}'.")
    targets = {t.target for t in candidates}
    if len(targets) != 1 or not isinstance(next(iter(targets)), str):
        raise TypeError(f"{model.__name__}.{name} has no single fixed target; it cannot run in bulk.")
    target = str(targets.pop())
    states = [str(value) for value, _ in model._meta.get_field("state").choices]
    sources: set[str] = set()
    for t in candidates:
        if t.source == "*":
            sources.update(states)
        elif t.source == "+":
            sources.update(s for s in states if s != target)
        else:
            sources.add(str(t.source))
    ordered = tuple(s for s in states if s in sources) + tuple(sorted(sources - set(states)))
    return candidates[0], ordered, target


def transition_sources(model: type[models.Model], name: str) -> tuple[str, ...]:
    """The states transition ``name`` of ``model`` may start from, as its declaration says: the
    filter for "every row that can take it" (``state__in=transition_sources(...)``)."""
    return _declaration(model, name)[1]


def _names(texts: list[str]) -> str:
    """The first five, and how many more."""
    left = len(texts) - 5
    return ", ".join(texts[:5]) + (f" and {left} more" if left > 0 else "")


def _db_value(field: models.Field, value: Any) -> Any:
    if field.is_relation and isinstance(value, models.Model):
        value = value.pk
    return field.get_db_prep_save(value, connection)


def _update(model: type[models.Model], ids: list, *, target: str, sources: tuple[str, ...],
            fields: Mapping[str, Any], values: Mapping[Any, Mapping[str, Any]],
            per_row: list[str]) -> list[tuple]:
    """One ``UPDATE ... FROM unnest(ids, per-row values) WHERE state = ANY(sources) RETURNING``:
    the state, ``fields`` for every row, ``per_row`` fields from ``values``, auto_now fields
    to now. Returns the rows it changed as (pk, *stored values of ``fields`` then ``per_row``)."""
    opts = model._meta
    qn = connection.ops.quote_name
    pk = opts.pk
    state = opts.get_field("state")
    uniform = [opts.get_field(n) for n in fields]
    varying = [opts.get_field(n) for n in per_row]
    now = timezone.now()
    assignments, params = [f"{qn(state.column)} = %s"], [target]
    for field in uniform:
        assignments.append(f"{qn(field.column)} = %s")
        params.append(_db_value(field, fields[field.name]))
    for field in opts.concrete_fields:
        if getattr(field, "auto_now", False) and field not in uniform and field not in varying:
            assignments.append(f"{qn(field.column)} = %s")
            params.append(now)
    aliases = [f"v{i}" for i in range(len(varying))]
    assignments += [f"{qn(field.column)} = v.{alias}" for field, alias in zip(varying, aliases, strict=True)]
    params.append(ids)
    params += [[_db_value(field, values[pk_][field.name]) for pk_ in ids] for field in varying]
    params.append(list(sources))
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in (pk, *varying))
    returned = [*uniform, *varying]
    sql = (
        f"UPDATE {qn(opts.db_table)} AS t SET {', '.join(assignments)} "  # noqa: S608 (names from _meta)
        f"FROM unnest({arrays}) AS v(pk{''.join(', ' + a for a in aliases)}) "
        f"WHERE t.{qn(pk.column)} = v.pk AND t.{qn(state.column)} = ANY(%s::text[]) "
        f"RETURNING {', '.join(f't.{qn(f.column)}' for f in (pk, *returned))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = [getattr(f, "from_db_value", None) for f in returned]
    return [
        (row[0], *(c(v, None, connection) if c else v for c, v in zip(converters, row[1:], strict=True)))
        for row in rows
    ]


class _Row(NamedTuple):
    pk: Any
    state: str
    old: dict[str, Any]  # attname -> stored value, for the fields the update sets
    maker: Any  # the checker_of user's pk, or None
    text: str  # the audit trail's name of the row


def _lock_rows(rows_qs: models.QuerySet, *, attnames: list[str], maker_field: str | None,
               object_repr: str | None) -> list[_Row]:
    """Lock the rows ``FOR UPDATE`` in pk order (in one query) and read what the call needs: model
    instances named by ``str()``, or, with ``object_repr``, plain values named by that format."""
    rows_qs = rows_qs.select_for_update(of=("self",)).order_by("pk")
    maker = f"{maker_field}_id" if maker_field else None
    if object_repr is None:
        return [_Row(o.pk, o.state, {a: getattr(o, a) for a in attnames},
                     getattr(o, maker) if maker else None, str(o)) for o in rows_qs]
    paths = [path for _, path, _, _ in string.Formatter().parse(object_repr) if path]
    columns = list(dict.fromkeys(["pk", "state", *attnames, *([maker] if maker else []), *paths]))
    return [_Row(v["pk"], v["state"], {a: v[a] for a in attnames}, v[maker] if maker else None,
                 object_repr.format(**v)) for v in rows_qs.values(*columns)]


def bulk_transition(
    model: type[models.Model],
    name: str,
    *,
    actor,
    ids: Iterable | None = None,
    queryset: models.QuerySet | None = None,
    fields: Mapping[str, Any] | None = None,
    values: Mapping[Any, Mapping[str, Any]] | None = None,
    reason: str | Mapping[Any, str] = "",
    object_repr: str | None = None,
) -> BulkChange:
    """Take transition ``name`` of ``model`` for many rows at once, or for none of them.

    The rows are ``ids`` (each must exist), or every row of ``queryset``, or the ``ids`` among
    ``queryset``'s rows. ``fields`` are set on every row; ``values`` gives per-row fields as
    ``{pk: {field: value}}`` (every row the same fields; ``ids`` default to its keys).
    ``reason`` is the audit reason, one for all or ``{pk: reason}``. The audit trail names each
    row by ``str()`` (``select_related`` what ``__str__`` reads through ``queryset``, so that it
    needs no query per row), or, faster for thousands of rows, by ``object_repr``: a format over
    the row's values, e.g. ``"#{id} {investor__legal_name} / {tranche__deal__name}"``, read in
    the same query without building model instances.

    Checked, in order, each refusal changing nothing:

    1. the actor (``None`` for a system step, which skips 1): signed in and holding the
       transition's ``permission`` (``core.authz.require_perm``);
    2. a reason, when the transition declares ``reason_required``;
    3. the rows, locked ``FOR UPDATE`` in pk order: every id exists and every row is in one of
       the states the FSM declaration allows the transition from (``TransitionNotAllowed``
       saying how many are not, and which); then, per row, ``checker_of`` maker-checker.

    Then one ``UPDATE`` sets the declared target state, the fields and every ``auto_now`` field
    ``WHERE id IN (the rows) AND state IN (the sources)``; its row count is checked against the
    rows locked (a difference rolls the transaction back and raises ``Refused``). The audit rows
    (one per changed row, with the state it left, the reason and ``{field: [old, new]}`` for
    every field whose stored value changed) are written with ``bulk_create``. Guards
    (``conditions``) are not evaluated: the caller's selection of rows is the guard.

    Three queries whatever the number of rows (lock, update, audit; one more audit INSERT per
    2,000 rows). The caller holds the transaction (``transaction.atomic()``) and has taken the
    locks that come before these rows in its lock order.
    """
    assert transaction.get_connection().in_atomic_block, "bulk_transition needs a transaction"
    t, sources, target = _declaration(model, name)
    label = _label(name, t.custom)
    plural = model._meta.verbose_name_plural
    fields = dict(fields or {})
    values = dict(values or {})
    if values:
        if ids is None:
            ids = list(values)
        elif set(ids) != set(values):
            raise TypeError("bulk_transition: values must give a row for every id, and only those.")
    per_row = sorted({f for row in values.values() for f in row})
    if any(set(row) != set(per_row) for row in values.values()):
        raise TypeError("bulk_transition: every row of values must set the same fields.")
    if "state" in fields or "state" in per_row or set(fields) & set(per_row):
        raise TypeError("bulk_transition: the state is the transition's; a field is set once.")
    if queryset is not None and queryset.model is not model:
        raise TypeError(f"bulk_transition: the queryset is of {queryset.model.__name__}, "
                        f"not {model.__name__}.")
    if callable(t.permission):
        raise TypeError(f"{model.__name__}.{name} decides its permission per object; run it one by one.")

    if actor is not None:
        if not actor.is_authenticated:
            raise NotPermitted(f"You may not '{label}' {plural}: sign in first.")
        if t.permission:
            require_perm(actor, t.permission, doing=f"'{label}' {plural}")
    reason_required = bool(t.custom.get("reason_required"))
    if reason_required and isinstance(reason, str) and not reason.strip():
        raise InvalidInput(f"A reason is required to '{label}'.", field="reason")

    wanted = None if ids is None else list(dict.fromkeys(ids))
    if wanted == []:
        return BulkChange(name=name, to_state=target, from_states={})
    rows_qs = queryset if queryset is not None else model._default_manager.all()
    if wanted is not None:
        # one array parameter whatever the number of ids (the type comes from _meta)
        pk_type = model._meta.pk.db_type(connection)
        rows_qs = rows_qs.filter(pk__in=RawSQL(f"SELECT unnest(%s::{pk_type}[])", [wanted]))  # noqa: S611
    opts = model._meta
    returned = [opts.get_field(n) for n in (*fields, *per_row)]
    maker_field = t.custom.get("checker_of")
    rows = _lock_rows(rows_qs, attnames=[f.attname for f in returned], maker_field=maker_field,
                      object_repr=object_repr)
    _refuse_rows(model, rows, wanted, sources=sources, label=label)
    if actor is not None and maker_field and (own := [f"'{r.text}'" for r in rows if r.maker == actor.pk]):
        raise MakerCheckerViolation(
            f"Maker-checker: you are the maker ('{maker_field.replace('_', ' ')}') of {_names(own)}, "
            f"so a different person must '{label}' {'it' if len(own) == 1 else 'them'}.")
    reasons = {r.pk: (reason if isinstance(reason, str) else reason.get(r.pk, "")).strip() for r in rows}
    if reason_required and (blank := [f"'{r.text}'" for r in rows if not reasons[r.pk]]):
        raise InvalidInput(f"A reason is required to '{label}'; none for {_names(blank)}.",
                           field="reason")
    if not rows:
        return BulkChange(name=name, to_state=target, from_states={})

    changed = _update(model, [r.pk for r in rows], target=target, sources=sources, fields=fields,
                      values=values, per_row=per_row)
    if len(changed) != len(rows):  # the rows are locked and checked: a bug, not a race
        transaction.set_rollback(True)
        raise Refused(f"'{label}' changed {len(changed)} of the {len(rows)} {plural} it locked and "
                      f"checked; {len(rows) - len(changed)} were not in a state it starts from. "
                      "Nothing was kept.")
    stored = {pk: new for pk, *new in changed}
    audit = []
    for row in rows:
        changes = {}
        for field, value in zip(returned, stored[row.pk], strict=True):
            old, value = plain(row.old[field.attname]), plain(value)
            if old != value:
                changes[field.name] = [old, value]
        audit.append((row.pk, row.text, row.state, reasons[row.pk], changes))
    audit_transition_rows(model=model, actor=actor, name=name, to_state=target, rows=audit)
    return BulkChange(name=name, to_state=target, from_states={r.pk: r.state for r in rows})


def _refuse_rows(model: type[models.Model], rows: list[_Row], wanted: list | None, *,
                 sources: tuple[str, ...], label: str) -> None:
    """Refuse unless every wanted id was found and every row is in a source state."""
    found = {r.pk for r in rows}
    missing = [f"#{pk} (not found)" for pk in wanted or () if pk not in found]
    wrong = [f"'{r.text}' ('{_state_text(model, r.state)}')" for r in rows if r.state not in sources]
    if missing or wrong:
        expected = len(wanted) if wanted is not None else len(rows)
        noun = model._meta.verbose_name if expected == 1 else model._meta.verbose_name_plural
        starts = ", ".join(f"'{_state_text(model, s)}'" for s in sources)
        raise TransitionNotAllowed(
            f"{len(missing) + len(wrong)} of the {expected} {noun} cannot '{label}', which starts "
            f"only from {starts}: {_names(wrong + missing)}. Nothing was changed."
        )
