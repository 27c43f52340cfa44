"""Compliance's panels on the home page (core.dashboard): KYC cases by age and assignee, KYC
approvals expiring in the next 30 days."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from compliance.models import KycCase
from core import dashboard
from core.dashboard import TODO, Cell, Figures, Panel, Row, admin_change, admin_list

# Cases waiting for an officer (a draft is still the investor's or operations' to complete).
WORK_STATES = [KycCase.State.SUBMITTED, KycCase.State.IN_REVIEW, KycCase.State.INFORMATION_REQUESTED,
               KycCase.State.RECOMMENDED]
AGES = (("0-7 days", 0, 8), ("8-30 days", 8, 31), ("over 30 days", 31, None))  # age in whole days
EXPIRY_DAYS = 30
LIST = 10


def _stamp(moment) -> str:
    return moment.isoformat()


def cases_by_age_and_assignee(user, today) -> Figures:
    """Open cases (submitted to recommended) per assignee, by age in whole days since the case was
    opened, as the review queue counts it. One query."""
    now = timezone.now().replace(microsecond=0)  # the links repeat the same bounds
    buckets = {}
    for label, low, high in AGES:  # age >= low: opened at or before now - low days; age < high: after
        newest = now - timedelta(days=low) if low else None
        oldest = now - timedelta(days=high) if high else None
        q, lookups = Q(), {}
        if newest:
            q &= Q(created_at__lte=newest)
            lookups["created_at__lte"] = _stamp(newest)
        if oldest:
            q &= Q(created_at__gt=oldest)
            lookups["created_at__gt"] = _stamp(oldest)
        buckets[label] = (q, lookups)
    counts = (KycCase.objects.filter(state__in=WORK_STATES).order_by("assignee__username")
              .values("assignee_id", "assignee__username")
              .annotate(total=Count("id"), **{f"age{i}": Count("id", filter=q)
                                              for i, (q, _) in enumerate(buckets.values())}))
    rows = []
    for c in counts:
        who = ({"assignee__id__exact": c["assignee_id"]} if c["assignee_id"]
               else {"assignee__isnull": "True"})
        base = {"state__in": WORK_STATES, **who}
        cells = []
        for i, (_, lookups) in enumerate(buckets.values()):
            n = c[f"age{i}"]
            cells.append(Cell(f"{n:,}", admin_list(KycCase, **base, **lookups) if n else ""))
        rows.append(Row(label=c["assignee__username"] or "unassigned", value=f"{c['total']:,}",
                        link=admin_list(KycCase, **base), bar=c["total"], cells=tuple(cells)))
    return Figures(rows=rows, columns=tuple(buckets), chart=True,
                   link=admin_list(KycCase, state__in=WORK_STATES), link_text="Every open case",
                   empty="No case waits for an officer.")


def kyc_expiring(user, today) -> Figures:
    """Approved cases whose approval ends (``refresh_due``) within 30 days from today. Two queries."""
    until = today + timedelta(days=EXPIRY_DAYS)
    cases = KycCase.objects.filter(state=KycCase.State.APPROVED, refresh_due__gte=today,
                                   refresh_due__lte=until)
    total = cases.count()
    rows = [Row(label=str(c.investor), value=c.refresh_due.isoformat(), link=admin_change(c))
            for c in cases.select_related("investor").order_by("refresh_due", "id")[:LIST]]
    more = f"{total - len(rows):,} more; " if total > len(rows) else ""
    return Figures(rows=rows, empty=f"No KYC approval ends by {until.isoformat()}.",
                   link=admin_list(KycCase, state__exact=KycCase.State.APPROVED,
                                   refresh_due__gte=today.isoformat(), refresh_due__lte=until.isoformat()),
                   link_text=f"{more}every approval ending by {until.isoformat()}")


def register() -> None:
    dashboard.register(
        Panel(key="kyc-cases", title="KYC cases by age and assignee", kind=TODO, order=20,
              permission="compliance.review_kyccase", compute=cases_by_age_and_assignee),
        Panel(key="kyc-expiring", title="KYC expiring in 30 days", kind=TODO, order=50,
              permission="compliance.add_kyccase", compute=kyc_expiring),
    )
