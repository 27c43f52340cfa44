from django.db.models import QuerySet

from compliance.models import Investor
from core.roles import sees_all


def investors_visible_to(user) -> QuerySet[Investor]:
    qs = Investor.objects.select_related("user")
    if sees_all(user):
        return qs
    return qs.filter(user=user) if user.is_authenticated else qs.none()
