"""The chain's panel on the home page (core.dashboard): transactions not confirmed."""

from django.db.models import Count

from chain.models import ChainTransaction
from core import dashboard
from core.dashboard import TODO, Figures, Panel, admin_list

# Still on their way (planned to mined) or stopped for a person to look at (held).
NOT_CONFIRMED = [*ChainTransaction.OPEN_STATES, ChainTransaction.State.HELD]


def transactions_not_confirmed(user, today) -> Figures:
    """Chain transactions not yet confirmed, per state (one query)."""
    counts = dict(ChainTransaction.objects.filter(state__in=NOT_CONFIRMED).order_by()
                  .values_list("state").annotate(n=Count("id")))
    labels = {s: ChainTransaction.State(s).label for s in NOT_CONFIRMED}
    rows = dashboard.count_rows(counts, labels, lambda s: admin_list(ChainTransaction, state__exact=s))
    return Figures(rows=rows, chart=True, link=admin_list(ChainTransaction, state__in=NOT_CONFIRMED),
                   link_text="Every transaction not confirmed", empty="Every transaction is confirmed.")


def register() -> None:
    dashboard.register(
        Panel(key="chain-not-confirmed", title="Chain transactions not confirmed", kind=TODO, order=70,
              permission="chain.follow_chaintransaction", compute=transactions_not_confirmed),
    )
