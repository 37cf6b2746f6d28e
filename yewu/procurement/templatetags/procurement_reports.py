"""Template filters of the procurement reports."""

from __future__ import annotations

from django import template

from yewu.procurement import documents

register = template.Library()


@register.filter
def can_print(order) -> bool:
    """The order passed review and is still valid: its PDF may go to the supplier."""
    return documents.can_print(order)
