"""Writes to investors. Every one is audited in its own transaction."""

from django.db import transaction

from compliance.models import Investor
from core.audit import audit_created, audit_event, diff, snapshot
from core.models import AuditEvent

INVESTOR_FIELDS = ("kind", "legal_name", "email", "country_of_residence", "user")


@transaction.atomic
def investor_create(*, actor, **values) -> Investor:
    investor = Investor(**values)
    investor.full_clean()
    investor.save()
    audit_created(instance=investor, actor=actor, fields=INVESTOR_FIELDS)
    return investor


@transaction.atomic
def investor_update(*, investor: Investor, actor, **values) -> Investor:
    investor = Investor.objects.select_for_update().get(pk=investor.pk)
    before = snapshot(investor, INVESTOR_FIELDS)
    for field, value in values.items():
        setattr(investor, field, value)
    investor.full_clean()
    investor.save()
    changes = diff(before, snapshot(investor, INVESTOR_FIELDS))
    if changes:
        audit_event(instance=investor, actor=actor, action=AuditEvent.Action.UPDATE, changes=changes)
    return investor
