"""Home pages: the panels above the app list on the admin index, registered by each app.

``core`` knows no business app, so every app registers its own panels in ``<app>/dashboard.py``,
from its ``AppConfig.ready()``::

    register(Panel(key="invoices-overdue", title="Invoices overdue", kind=TODO,
                   permission="assets.record_payment_invoice", compute=invoices_overdue))

A panel is shown to whoever holds its ``permission`` (the role matrix, ``core.roles``): a to-do
panel asks for the permission to act on its rows, a figure the permission to view them. Its
``compute(user, today)`` returns :class:`Figures` and costs a constant number of queries whatever
the number of rows (aggregates and annotations, never a query per row); each row links to the
admin list filtered to the rows it counts. Amounts are per currency: a figure never adds, and a
chart never compares, amounts in different currencies (``Row.group``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from core import clock

TODO = "todo"  # what needs doing now
FIGURE = "figure"  # the figures that matter


@dataclass(frozen=True)
class Cell:
    text: str
    link: str = ""


@dataclass(frozen=True)
class Row:
    """One line of a panel: a label, its figure as shown, the admin list of its rows."""

    label: str
    value: str
    link: str = ""
    bar: Decimal | int | None = None  # what the chart draws for this row (None: no bar)
    group: str = ""  # bars are scaled within a group (a currency), never across groups
    cells: tuple[Cell, ...] = ()  # further columns, under Figures.columns


@dataclass(frozen=True)
class Figures:
    rows: list[Row]
    link: str = ""  # the admin list of every row the panel counts
    link_text: str = "Open the list"
    columns: tuple[str, ...] = ()  # headers of the rows' cells
    chart: bool = False
    empty: str = "Nothing to do."


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    permission: str
    compute: Callable[..., Figures]  # compute(user, today) -> Figures
    kind: str = TODO
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(*panels: Panel) -> None:
    """Add panels to the home page (called from an app's ``ready()``; registering a key again
    replaces it)."""
    for panel in panels:
        if panel.kind not in (TODO, FIGURE):
            raise ValueError(f"Panel {panel.key}: kind must be {TODO!r} or {FIGURE!r}.")
        _PANELS[panel.key] = panel


def registered() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.kind != TODO, p.order, p.key))


def panels_for(user) -> list[Panel]:
    """The panels ``user`` may see: those whose permission the user's roles hold."""
    if not (user.is_authenticated and user.is_staff):
        return []
    return [p for p in registered() if user.has_perm(p.permission)]


def home(user, today: date | None = None) -> list[tuple[Panel, Figures]]:
    """Each panel ``user`` may see with its figures for ``today`` (the business day)."""
    today = today or clock.today()
    return [(panel, panel.compute(user, today)) for panel in panels_for(user)]


# Helpers the apps' panels share.

def admin_list(model, **filters) -> str:
    """The admin changelist of ``model`` filtered by ``filters`` (admin lookups, ``__in`` values as
    lists): ``admin_list(Invoice, state__exact="overdue")`` ->
    ``/admin/assets/invoice/?state__exact=overdue``."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = {k: ",".join(str(x) for x in v) if isinstance(v, list | tuple) else str(v)
             for k, v in filters.items()}
    return f"{url}?{urlencode(query)}" if query else url


def admin_change(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def count_rows(counts: dict, labels: dict, link: Callable[[str], str]) -> list[Row]:
    """Rows of counts by key in ``labels``' order (keys without rows are left out), each a bar."""
    return [Row(label=str(text), value=f"{counts[key]:,}", link=link(key), bar=counts[key])
            for key, text in labels.items() if counts.get(key)]


def month_bounds(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    following = (first.replace(year=first.year + 1, month=1) if first.month == 12
                 else first.replace(month=first.month + 1))
    return first, date.fromordinal(following.toordinal() - 1)

