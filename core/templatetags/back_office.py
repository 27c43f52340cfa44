"""Template helpers of the admin theme (docs/admin.md)."""

from django import template

from core import admin_labels

register = template.Library()


@register.simple_tag
def state_classes(state) -> str:
    return admin_labels.state_classes(state)
