"""``{% home_panels %}``: the panels of the signed-in user's home page (core.dashboard)."""

from django import template

from core.dashboard import TODO, home
from core.svg_chart import bar_chart

register = template.Library()


@register.inclusion_tag("admin/home_panels.html", takes_context=True)
def home_panels(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    panels = home(user) if user is not None else []
    shown = [{"panel": p, "figures": f, "todo": p.kind == TODO,
              "chart": bar_chart(f.rows, title=p.title) if f.chart else ""} for p, f in panels]
    return {"todo": [s for s in shown if s["todo"]], "figures": [s for s in shown if not s["todo"]]}
