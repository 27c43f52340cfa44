"""Which audit rows an investor login sees: those of the objects that are its own, without what
only staff read.

core imports no business app. Each app with objects an investor owns registers them in its
``AppConfig.ready()``: ``register_own_objects(Model, visible_to, internal_fields=(...))``, where
``visible_to(user)`` is the app's selector of the rows that user may see (for an investor login,
its own) and ``internal_fields`` are the fields only staff read (e.g. the PEP flag). The audit API
then shows an investor the events of exactly those objects, leaving out the internal fields'
changes (and the rows that changed nothing else), and each reason as the text function registered
with ``register_investor_text`` words it (compliance/disclosure.py: no tipping off).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class _Own:
    visible_to: Callable
    internal_fields: tuple[str, ...]


_OWN: dict[type[models.Model], _Own] = {}
_TEXT: list[Callable[[str], str]] = []


def register_own_objects(model: type[models.Model], visible_to: Callable, *,
                         internal_fields: tuple[str, ...] = ()) -> None:
    _OWN[model] = _Own(visible_to, tuple(internal_fields))


def register_investor_text(words_it: Callable[[str], str]) -> None:
    """``words_it(reason)`` returns a reason as an investor may read it."""
    if words_it not in _TEXT:
        _TEXT.append(words_it)


def own_objects(user) -> Q | None:
    """A filter on AuditEvent matching the events of ``user``'s own objects, except those that
    changed only internal fields; None when nothing is registered (the user then sees no row)."""
    found = None
    for model, own in _OWN.items():
        mine = Q(content_type=ContentType.objects.get_for_model(model),
                 object_id__in=own.visible_to(user).values("pk"))
        if own.internal_fields:
            public = [f.name for f in model._meta.concrete_fields if f.name not in own.internal_fields]
            mine &= ~Q(changes__has_any_keys=list(own.internal_fields)) | Q(changes__has_any_keys=public)
        found = mine if found is None else found | mine
    return found


def as_investor_reads(model: type[models.Model] | None, changes: dict, reason: str) -> tuple[dict, str]:
    """An event's ``changes`` and ``reason`` as an investor reads them."""
    own = _OWN.get(model)
    hidden = own.internal_fields if own else ()
    changes = {k: v for k, v in changes.items() if k not in hidden}
    for words_it in _TEXT:
        reason = words_it(reason)
    return changes, reason
