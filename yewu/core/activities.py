"""Readable names for audit activity codes; apps add theirs in AppConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

_labels: dict[str, Any] = {
    "attachment.added": _("Attachment added"),
    "comment.added": _("Comment added"),
    "department.created": _("Department created"),
    "department.changed": _("Department changed"),
    "department.deactivated": _("Department deactivated"),
    "position.created": _("Position created"),
    "position.changed": _("Position changed"),
    "team.created": _("Group created"),
    "team.changed": _("Group changed"),
    "employee.hired": _("Employee added"),
    "employee.changed": _("Employee changed"),
    "employee.resigned": _("Employee resigned"),
    "employee.part_time_added": _("Part-time position added"),
    "employee.part_time_removed": _("Part-time position removed"),
    "delegation.created": _("Delegation created"),
    "delegation.cancelled": _("Delegation cancelled"),
    "role.granted": _("Role permission granted"),
    "role.changed": _("Role permission changed"),
    "role.revoked": _("Role permission revoked"),
    "saved_view.created": _("Saved view created"),
    "saved_view.renamed": _("Saved view renamed"),
    "saved_view.shared": _("Saved view shared"),
    "saved_view.unshared": _("Saved view no longer shared"),
    "saved_view.deleted": _("Saved view deleted"),
}


#: What can happen at a step of an approval ("<step id>.<action>" activities): the label names the
#: step (its name from the event's data, else its id) and the action.
_step_actions: dict[str, Any] = {}


def register_labels(labels: dict[str, Any]) -> None:
    _labels.update(labels)


def register_step_actions(actions: dict[str, Any]) -> None:
    _step_actions.update(actions)


def label_for(activity: str, data: dict | None = None) -> str:
    label = _labels.get(activity)
    if label is not None:
        return str(label)
    step, _dot, action = activity.rpartition(".")
    if step and action in _step_actions:
        name = (data or {}).get("step") if isinstance(data, dict) else None
        return _("%(step)s: %(action)s") % {"step": name or step, "action": _step_actions[action]}
    return activity
