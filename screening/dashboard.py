"""Screening's panel on the home page (core.dashboard): hits pending a decision."""

from django.db.models import Count, Min
from django.utils import timezone

from core import dashboard
from core.dashboard import TODO, Figures, Panel, Row, admin_list
from screening.models import ScreeningHit


def hits_pending(user, today) -> Figures:
    """Hits no officer has decided yet, per kind of subject, with the age of the oldest. One query."""
    counts = (ScreeningHit.objects.filter(state=ScreeningHit.State.PENDING).order_by("subject_kind")
              .values_list("subject_kind").annotate(n=Count("id"), oldest=Min("created_at")))
    kinds = dict(ScreeningHit.SubjectKind.choices)
    now = timezone.now()
    rows = [Row(label=f"{kinds.get(kind, kind)} (oldest {(now - oldest).days} day(s))", value=f"{n:,}",
                link=admin_list(ScreeningHit, state__exact=ScreeningHit.State.PENDING,
                                subject_kind__exact=kind),
                bar=n)
            for kind, n, oldest in counts]
    return Figures(rows=rows, link=admin_list(ScreeningHit, state__exact=ScreeningHit.State.PENDING),
                   link_text="Every pending hit", empty="No hit waits for a decision.")


def register() -> None:
    dashboard.register(
        Panel(key="screening-hits-pending", title="Screening hits pending", kind=TODO, order=30,
              permission="screening.decide_screeninghit", compute=hits_pending),
    )
