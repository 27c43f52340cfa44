"""Issuance's panels on the home page (core.dashboard): deals awaiting my approval, deals by
state, assets under management per currency."""

from django.db.models import Count, Sum

from core import dashboard
from core.dashboard import FIGURE, TODO, Figures, Panel, Row, admin_change, admin_list
from core.money import format_money
from core.transitions import without_makers
from issuance.models import Deal, Tranche

LIST = 10  # deals listed by name; the panel's link opens them all
AUM_STATES = (Deal.State.ISSUED, Deal.State.SERVICING)


def deals_awaiting_approval(user, today) -> Figures:
    """Deals in compliance review that ``user`` may approve: not prepared by them (not the
    submitter, no create, edit or submit step of theirs in the audit trail). Two queries."""
    deals = without_makers(Deal.objects.filter(state=Deal.State.COMPLIANCE_REVIEW), "approve", user)
    total = deals.count()
    rows = [Row(label=d.name, value=format_money(d.target_size, d.currency), link=admin_change(d))
            for d in deals.order_by("closing_date", "name")[:LIST]]
    more = f"{total - len(rows):,} more; " if total > len(rows) else ""
    return Figures(rows=rows, link=admin_list(Deal, state__exact=Deal.State.COMPLIANCE_REVIEW),
                   link_text=f"{more}every deal in compliance review", empty="No deal awaits your approval.")


def deals_by_state(user, today) -> Figures:
    """How many deals are in each state (one query), in the order of the life cycle."""
    counts = dict(Deal.objects.order_by().values_list("state").annotate(n=Count("id")))
    rows = dashboard.count_rows(counts, dict(Deal.State.choices),
                                lambda s: admin_list(Deal, state__exact=s))
    return Figures(rows=rows, link=admin_list(Deal), link_text="Every deal", chart=True,
                   empty="No deals yet.")


def assets_under_management(user, today) -> Figures:
    """The outstanding principal (current principal of every tranche) of the deals issued or
    servicing, per currency, then per state within it (the chart's bars, scaled per currency).
    One query; amounts in different currencies are never added together."""
    totals = (Tranche.objects.filter(deal__state__in=AUM_STATES).order_by("deal__currency", "deal__state")
              .values_list("deal__currency", "deal__state")
              .annotate(total=Sum("current_principal"), deals=Count("deal", distinct=True)))
    by_currency: dict[str, list] = {}
    for currency, state, total, deals in totals:
        by_currency.setdefault(currency, []).append((state, total, deals))
    labels = dict(Deal.State.choices)
    rows = []
    for currency, parts in by_currency.items():
        rows.append(Row(label=currency, value=format_money(sum(t for _, t, _ in parts), currency),
                        link=admin_list(Deal, state__in=list(AUM_STATES), currency__exact=currency)))
        rows += [Row(label=f"{currency} {labels[state]} ({deals:,} deal{'s' if deals != 1 else ''})",
                     value=format_money(total, currency), bar=total, group=currency,
                     link=admin_list(Deal, state__exact=state, currency__exact=currency))
                 for state, total, deals in parts]
    return Figures(rows=rows, link=admin_list(Tranche, deal__state__in=list(AUM_STATES)),
                   link_text="The tranches outstanding", chart=True, empty="No deal is issued yet.")


def register() -> None:
    dashboard.register(
        Panel(key="deals-awaiting-approval", title="Deals awaiting my approval", kind=TODO, order=10,
              permission="issuance.approve_deal", compute=deals_awaiting_approval),
        Panel(key="assets-under-management", title="Assets under management", kind=FIGURE, order=10,
              permission="issuance.view_tranche", compute=assets_under_management),
        Panel(key="deals-by-state", title="Deals by state", kind=FIGURE, order=20,
              permission="issuance.view_deal", compute=deals_by_state),
    )
