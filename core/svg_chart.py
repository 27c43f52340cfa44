"""Small bar charts drawn on the server as inline SVG (no script, nothing fetched).

Bars are scaled within their group: rows in different currencies each get their own scale, so a
chart never compares amounts in different currencies.
"""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 320
LABEL = 130  # the labels' column
BAR = 130  # the longest bar
ROW = 18


def bar_chart(rows, *, title: str) -> SafeString:
    """A horizontal bar per row that has a ``bar`` (a ``core.dashboard.Row``), labelled with its
    label and value; an empty string when no row has one."""
    rows = [r for r in rows if r.bar is not None]
    if not rows:
        return SafeString("")
    top: dict[str, Decimal] = {}
    for r in rows:
        top[r.group] = max(top.get(r.group, Decimal(0)), Decimal(r.bar))
    bars = []
    for i, r in enumerate(rows):
        scale = top[r.group]
        length = int(Decimal(BAR) * Decimal(r.bar) / scale) if scale > 0 else 0
        y = i * ROW
        bars.append((y + 12, _short(r.label), LABEL, y + 3, max(length, 1) if r.bar else 0,
                     LABEL + length + 4, y + 12, r.value))
    height = len(rows) * ROW
    body = format_html_join(
        "", '<text x="0" y="{}">{}</text><rect x="{}" y="{}" width="{}" height="12" rx="2"></rect>'
            '<text x="{}" y="{}">{}</text>', bars)
    return format_html(
        '<svg class="home-chart" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="11">{}</svg>',
        title, WIDTH + 60, height, WIDTH + 60, height, body)


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
