"""Helpers shared by the asset services."""

from django.core.exceptions import ValidationError
from django.db import models

from core.audit import audit_event, diff, snapshot
from core.errors import InvalidInput
from core.fields import check_money_fields
from core.models import AuditEvent


def full_clean_or_refuse(instance: models.Model, *, exclude=("state",),
                         validate_constraints: bool = True) -> None:
    """``full_clean`` whose first problem becomes an ``InvalidInput`` naming the field.
    ``validate_constraints=False`` leaves the constraints to the service and the database (Django
    cannot validate a constraint whose condition reads an excluded field, such as the state)."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=validate_constraints)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.message_dict.items()))
            raise InvalidInput(f"{field}: {errors[0]}", field=None if field == "__all__" else field,
                               reasons=[f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
                               ) from None
        raise InvalidInput(exc.messages[0], reasons=exc.messages) from None


def create_audited(model_cls: type[models.Model], /, *, actor, fields, through_defaults=None,
                   **values) -> models.Model:
    """Validate, save and audit a new row; ``through_defaults(instance)`` gives the extra columns of
    a many-to-many relation's own through model."""
    m2m_names = {f.name for f in model_cls._meta.many_to_many}
    m2m = {k: values.pop(k) for k in list(values) if k in m2m_names}
    instance = model_cls(**values)
    full_clean_or_refuse(instance)
    check_money_fields(instance)
    instance.save()
    changes = {k: [None, v] for k, v in snapshot(instance, [f for f in fields if f not in m2m_names]).items()}
    for name, items in m2m.items():
        getattr(instance, name).set(items, through_defaults=through_defaults and through_defaults(instance))
        changes[name] = [None, sorted(i.pk for i in items)]
    audit_event(instance=instance, actor=actor, action=AuditEvent.Action.CREATE, changes=changes)
    return instance


def update_audited(instance: models.Model, *, actor, fields, values: dict, through_defaults=None
                   ) -> models.Model:
    m2m_names = {f.name for f in type(instance)._meta.many_to_many}
    before = snapshot(instance, [f for f in fields if f not in m2m_names])
    m2m = {}
    for name, value in values.items():
        if name in m2m_names:
            m2m[name] = value
        else:
            setattr(instance, name, value)
    full_clean_or_refuse(instance)
    check_money_fields(instance)
    instance.save()
    changes = diff(before, snapshot(instance, [f for f in fields if f not in m2m_names]))
    for name, items in m2m.items():
        old = sorted(getattr(instance, name).values_list("pk", flat=True))
        getattr(instance, name).set(items, through_defaults=through_defaults and through_defaults(instance))
        new = sorted(i.pk for i in items)
        if old != new:
            changes[name] = [old, new]
    if changes:
        audit_event(instance=instance, actor=actor, action=AuditEvent.Action.UPDATE, changes=changes)
    return instance
