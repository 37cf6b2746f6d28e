from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yw_text(value):
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return value




@register.filter
def activity_label(activity: str) -> str:
    """A readable, translated label for an audit activity code such as 'employee.hired'."""
    from yewu.core.activities import label_for

    return label_for(activity)


@register.filter
def delta_rows(event):
    """[(field, old, new)] for an event whose data is a field delta; other data as (key, value, None)."""
    rows = []
    for key, value in event.payload.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((key, value[0], value[1]))
        else:
            rows.append((key, None, value))
    return rows


@register.simple_tag
def yes_no(value):
    return _("Yes") if value else _("No")
