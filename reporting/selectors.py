"""Who sees which report (docs/reporting.md, "Who sees what").

Staff roles (issuer operations, compliance officer, trustee / auditor) see every report. An
investor sees, of the finished, final (not draft) reports, their own statements and the deal
reports (servicer, impact) of the deals they hold. Anyone else sees none.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.roles import sees_all
from reporting.models import Kind, Report

HELD = ("allocated", "funded", "settled")  # issuance.Subscription states that make a holder


def holder_deals_q(user, *, deal_field: str = "deal") -> Q:
    """Rows whose ``deal_field`` is a deal the investor login ``user`` holds: a subscription
    allocated or later, or an entitlement in one of its distributions."""
    from issuance.models import Subscription
    from servicing.models import Entitlement

    subscribed = Subscription.objects.filter(tranche__deal=OuterRef(deal_field), investor__user=user,
                                             state__in=HELD)
    entitled = Entitlement.objects.filter(distribution__period__deal=OuterRef(deal_field),
                                          investor__user=user)
    return Q(Exists(subscribed)) | Q(Exists(entitled))


def reports_visible_to(user) -> QuerySet[Report]:
    qs = Report.objects.select_related("deal", "period", "investor", "created_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_all(user):
        return qs
    final = qs.filter(state=Report.State.DONE, draft=False)
    own_statements = Q(kind=Kind.INVESTOR_STATEMENT, investor__user=user)
    deal_reports = ~Q(kind=Kind.INVESTOR_STATEMENT) & holder_deals_q(user)
    return final.filter(own_statements | deal_reports)


def may_see(user, report: Report) -> bool:
    return reports_visible_to(user).filter(pk=report.pk).exists()
