"""The audit trail in the admin, readable: each change as a before -> after table with the
fields' names and labels (states and other choices as people say them, amounts with thousands
separators), and each transition as "draft -> compliance review" in coloured state labels.

Used by ``AuditEventInline`` (every object's history) and ``AuditEventAdmin`` (the whole trail).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join

from core.admin_labels import state_classes
from core.fields import is_money_field
from core.money import canonical


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _value(field, value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return ", ".join(_value(None, item) for item in value) or "-"
    if field is not None and getattr(field, "flatchoices", None):
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and (is_money_field(field) or field.get_internal_type() == "DecimalField"):
        try:
            return f"{canonical(Decimal(str(value))):,}"
        except InvalidOperation:
            return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _label(field, name: str) -> str:
    return str(field.verbose_name) if field is not None else name.replace("_", " ")


def state_label(model, state: str) -> str:
    """A state as a coloured label, worded as the model's ``state`` choices say it."""
    if not state:
        return ""
    text = _value(_field(model, "state"), state)
    return format_html('<span class="state-label {}" data-state="{}">{}</span>',
                       state_classes(state), state, text)


def state_change_html(event) -> str:
    """``draft -> compliance review`` for a transition, in state labels; empty otherwise."""
    model = event.content_type.model_class() if event.content_type_id else None
    if not (event.from_state or event.to_state):
        return "-"
    return format_html('{} <span class="arrow">&rarr;</span> {}', state_label(model, event.from_state) or "-",
                       state_label(model, event.to_state))


def changes_html(event) -> str:
    """The edited fields as a table: field, before, after (``{field: [old, new]}`` in the event)."""
    if not event.changes:
        return "-"
    model = event.content_type.model_class() if event.content_type_id else None
    rows = []
    for name, pair in event.changes.items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = _field(model, name)
        rows.append((_label(field, name), _value(field, before), _value(field, after)))
    body = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td><td class="arrow">&rarr;</td>'
                            '<td>{}</td></tr>', rows)
    return format_html('<table class="audit-changes"><thead><tr><th>field</th><th>before</th><th></th>'
                       '<th>after</th></tr></thead><tbody>{}</tbody></table>', body)
