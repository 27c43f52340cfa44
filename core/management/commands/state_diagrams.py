"""Render docs/state-diagrams.md: one Mermaid diagram and one table per FSM model.

    manage.py state_diagrams           # print the Markdown
    manage.py state_diagrams --write   # write docs/state-diagrams.md

Everything comes from the django-fsm transitions declared on the models (the
same ``get_all_transitions`` that core/transitions.py runs), so the diagrams
cannot drift from the code: tests/core/test_docs_current.py compares the
committed file with a fresh rendering. No database and no graphviz needed.
"""

import re
from pathlib import Path

import django_fsm
from django.apps import apps

from core.management.doc_command import DocCommand

OUTPUT = Path("docs") / "state-diagrams.md"


def fsm_fields() -> list[tuple[type, django_fsm.FSMFieldMixin]]:
    """(model, field) for every FSM field, in app and model declaration order."""
    found = []
    for config in apps.get_app_configs():
        for model in config.get_models():
            if model._meta.proxy:
                continue
            for field in model._meta.local_fields:
                if isinstance(field, django_fsm.FSMFieldMixin):
                    found.append((model, field))
    return found


def _state_id(value: str) -> str:
    return re.sub(r"\W", "_", str(value))


def _mermaid(text: str) -> str:
    """Text safe in a Mermaid edge label: ':' and ';' end a label, '#' starts an entity code."""
    return text.replace("#", "#35;").replace(":", "#58;").replace(";", "#59;")


def _sources(t: django_fsm.Transition, states: list[str]) -> list[str]:
    if t.source == "*":
        return list(states)
    if t.source == "+":
        return [s for s in states if s != str(t.target)]
    return [str(t.source)]


def _targets(t: django_fsm.Transition) -> list[str]:
    """The states a transition may lead to (a ``RETURN_VALUE`` target names several)."""
    if isinstance(t.target, django_fsm.RETURN_VALUE):
        return [str(s) for s in t.target.allowed_states]
    return [str(t.target)]


def _permission(model: type, t: django_fsm.Transition, *, short: bool) -> str:
    if t.permission is None:
        return "none" if short else "(none)"
    if callable(t.permission):
        rule = t.custom.get("permission_text", "a custom rule")
        return rule if short else f"rule: {rule}"
    if short and t.permission.startswith(f"{model._meta.app_label}."):
        return t.permission.split(".", 1)[1]
    return t.permission if short else f"`{t.permission}`"


def _guards(t: django_fsm.Transition) -> list[str]:
    return [getattr(c, "__name__", "condition").replace("<lambda>", "lambda") for c in t.conditions]


def _flags(t: django_fsm.Transition) -> list[str]:
    flags = []
    if t.custom.get("reason_required"):
        flags.append("reason required")
    if t.custom.get("checker_of"):
        flags.append(f"maker-checker (actor is not {t.custom['checker_of']})")
    if t.custom.get("makers_from_audit"):
        flags.append("nor a maker in the audit trail (" + ", ".join(t.custom["makers_from_audit"]) + ")")
    if t.custom.get("bulk_only"):
        flags.append("bulk only")
    return flags


def _edge_label(model: type, t: django_fsm.Transition) -> str:
    perm = _permission(model, t, short=True)
    lines = [t.name, perm if callable(t.permission) else f"perm {perm}"]
    lines += _flags(t)
    if t.conditions:
        lines.append("guard " + ", ".join(_guards(t)))
    return "<br>".join(_mermaid(line) for line in lines)


def _by_name(model: type, field) -> dict[str, list[django_fsm.Transition]]:
    """Transitions by name, in the order the model declares them (its lifecycle, as written)."""
    declared: dict[str, int] = {}
    for cls in reversed(model.__mro__):
        for name in vars(cls):
            declared.setdefault(name, len(declared))
    by_name: dict[str, list[django_fsm.Transition]] = {}
    declared_transitions = field.get_all_transitions(model) if model in field.transitions else []
    for t in sorted(declared_transitions, key=lambda t: (declared.get(t.name, -1), t.name)):
        by_name.setdefault(t.name, []).append(t)
    return by_name


def render_model(model: type, field) -> list[str]:
    choices = [(str(value), str(label)) for value, label in field.choices]
    states = [value for value, _ in choices]
    order = {s: i for i, s in enumerate(states)}
    by_name = _by_name(model, field)
    title = model._meta.object_name
    if field.name != "state":
        title += f".{field.name}"

    lines = [f"## {title}", "", f"`{model._meta.label}`, field `{field.name}`.", "",
             "```mermaid", "stateDiagram-v2"]
    for value, label in choices:
        if label != value:
            lines.append(f'    state "{label}" as {_state_id(value)}')
    default = str(field.get_default())
    if default in order:
        lines.append(f"    [*] --> {_state_id(default)}")
    has_exit = set()
    for ts in by_name.values():
        for t in ts:
            for source in sorted(_sources(t, states), key=lambda s: order.get(s, len(order))):
                has_exit.add(source)
                for target in _targets(t):
                    lines.append(f"    {_state_id(source)} --> {_state_id(target)} : "
                                 f"{_edge_label(model, t)}")
    for value in states:
        if value not in has_exit:
            lines.append(f"    {_state_id(value)} --> [*]")
    lines += ["```", ""]

    lines += ["| transition | from | to | permission | guards | notes |",
              "| --- | --- | --- | --- | --- | --- |"]
    for name, ts in by_name.items():
        sources = sorted({s for t in ts for s in _sources(t, states)},
                         key=lambda s: order.get(s, len(order)))
        targets = sorted({s for t in ts for s in _targets(t)}, key=lambda s: order.get(s, len(order)))
        t = ts[0]
        guards = ", ".join(f"`{g}`" for g in _guards(t))
        lines.append(
            f"| `{name}` | {', '.join(f'`{s}`' for s in sources)} | "
            f"{', '.join(f'`{s}`' for s in targets)} | {_permission(model, t, short=False)} | "
            f"{guards} | {'; '.join(_flags(t))} |"
        )
    lines.append("")
    return lines


def render() -> str:
    lines = [
        "# State diagrams",
        "",
        "<!-- Generated by `manage.py state_diagrams --write` from the models' transitions; "
        "do not edit. -->",
        "",
        "One diagram per state machine, drawn from the django-fsm transitions declared on the",
        "models. Each edge is labelled with the transition's name (the API action is the name",
        "with hyphens, e.g. `POST /api/v1/deals/{id}/submit-for-review/`), the permission it",
        "needs (`perm`), and where they apply: `reason required` (the actor must say why),",
        "`maker-checker` (the actor must not be the person in the named field),",
        "`nor a maker in the audit trail` (nor anyone the audit trail shows taking one of the",
        "listed steps on the object: `create`, `update` or a transition), `bulk only`",
        "(no admin button or API action of its own; a service runs it as part of another",
        "action) and the guards (`guard`: functions on the model that must find nothing wrong).",
        "Services run each transition of one object through `core.transitions`; some deal",
        "transitions also move subscriptions in bulk (see docs/architecture.md).",
        "",
    ]
    for model, field in fsm_fields():
        lines += render_model(model, field)
    return "\n".join(lines).rstrip("\n") + "\n"


class Command(DocCommand):
    help = "Render the FSM state diagrams as Markdown + Mermaid (docs/state-diagrams.md with --write)."
    output = OUTPUT

    def render(self) -> str:
        return render()
