"""Which audit rows an investor login sees: those of the objects that are its own.

core imports no business app. Each app with objects an investor owns registers them in its
``AppConfig.ready()``: ``register_own_objects(Model, visible_to)``, where ``visible_to(user)`` is the
app's selector of the rows that user may see (for an investor login, its own). The audit API
then shows an investor the events of exactly those objects.
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

_OWN: dict[type[models.Model], Callable] = {}


def register_own_objects(model: type[models.Model], visible_to: Callable) -> None:
    _OWN[model] = visible_to


def own_objects(user) -> Q | None:
    """A filter on AuditEvent matching the events of ``user``'s own objects; None when nothing
    is registered (the user then sees no row)."""
    found = None
    for model, visible_to in _OWN.items():
        mine = Q(content_type=ContentType.objects.get_for_model(model),
                 object_id__in=visible_to(user).values("pk"))
        found = mine if found is None else found | mine
    return found
