"""Write audit events. Call these inside the service's transaction, never after it."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import AuditEvent


def plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value (Decimals as exact strings)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):  # an array column (dates of a calendar)
        return [plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


def audit_event(
    *,
    instance: models.Model,
    actor,
    action: str,
    name: str = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        name=name,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        changes=changes or {},
    )


def audit_created(*, instance: models.Model, actor, fields: Iterable[str]) -> AuditEvent:
    values = snapshot(instance, fields)
    return audit_event(
        instance=instance,
        actor=actor,
        action=AuditEvent.Action.CREATE,
        changes={k: [None, v] for k, v in values.items()},
    )


def audit_created_bulk(*, instances: list[models.Model], actor, fields: Iterable[str]) -> None:
    """:func:`audit_created` for many new rows of one model, with one INSERT per 2,000 rows."""
    if not instances:
        return
    fields = tuple(fields)
    content_type = ContentType.objects.get_for_model(instances[0])
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None, content_type=content_type,
                object_id=instance.pk, object_repr=str(instance)[:200],
                action=AuditEvent.Action.CREATE,
                changes={k: [None, v] for k, v in snapshot(instance, fields).items()},
            )
            for instance in instances
        ],
        batch_size=2000,
    )


def audit_transition_rows(
    *, model: type[models.Model], actor, name: str, to_state: str,
    rows: Iterable[tuple[Any, str, str, str, dict]],
) -> None:
    """Audit one transition of many rows with one INSERT per 2,000 rows: ``rows`` holds, per row,
    (pk, repr, from_state, reason, changes) with ``changes`` as ``{field: [old, new]}``."""
    content_type = ContentType.objects.get_for_model(model)
    actor = actor if getattr(actor, "pk", None) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor, content_type=content_type, object_id=pk, object_repr=text[:200],
                action=AuditEvent.Action.TRANSITION, name=name, from_state=from_state,
                to_state=to_state, reason=reason, changes=changes,
            )
            for pk, text, from_state, reason, changes in rows
        ],
        batch_size=2000,
    )
