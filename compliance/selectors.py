from django.db.models import QuerySet

from compliance.models import Investor
from core.roles import sees_all


def investors_visible_to(user) -> QuerySet[Investor]:
    qs = Investor.objects.select_related("user")
    return qs if sees_all(user) else qs.filter(user=user)
