"""Who works on a step: resolve a step's assignee rule against the organisation at run time.

A step's settings (ProcessVersion.steps_json) name the rule, e.g.
    {"assignee": {"type": "department_head"}}
    {"assignee": {"type": "position", "position": "manager", "department": "central"}}
    {"assignee": {"type": "supervisor", "levels": 2}}            连续多级主管 (each level in turn; default 1)
    {"assignee": {"type": "supervisor", "up_to": "gm"}}          up to and including a holder of position gm
    {"assignee": {"type": "user", "username": "gm"}}
    {"assignee": {"type": "field", "field": "approver"}}         a user-type form field / chosen by requester
    {"assignee": {"type": "department_head", "field": "target_department"}}
    {"assignee": {"type": "position", "position": "accountant", "department": "requester",
                  "include_below": true}}                        holders in the requester's department and below
The result is an ordered list of users; duplicates removed, resigned people dropped. When nobody
is found, the reason says why (for the step's empty-approver rule and its error message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from yewu.org import resolvers
from yewu.org.models import Department, Employee, Position
from yewu.org.models.employees import EmployeeStatus


@dataclass
class Resolution:
    users: list[Any]
    reason: str = ""  # why nobody was found, for the "empty approver" rule


def _employee_of(user: Any) -> Employee | None:
    return Employee.objects.select_related("department", "position").filter(user=user).first()


def _users(employees: list[Employee]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for e in employees:
        if e is None or e.status != EmployeeStatus.ACTIVE or e.user_id is None or not e.user.is_active:
            continue
        if e.user_id not in seen:
            seen.add(e.user_id)
            out.append(e.user)
    return out


def _field_value(form: dict, field: str) -> Any:
    value = form.get(field)
    if isinstance(value, list):
        return value
    return [value] if value not in (None, "") else []


def _positive_int(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def resolve(rule: dict, *, requester: Any, department: Department, form: dict) -> Resolution:
    """The people a step's assignee rule names for this requester, department and form."""
    kind = (rule or {}).get("type", "")
    User = get_user_model()
    if kind == "user":
        names = rule.get("usernames") or [rule.get("username")]
        users = list(User.objects.filter(username__in=[n for n in names if n], is_active=True))
        order: dict[str, int] = {}
        for i, n in enumerate(names):
            order.setdefault(n, i)  # the first mention counts
        users.sort(key=lambda u: order.get(u.username, 0))
        wanted = ", ".join(n for n in names if n) or "nobody"
        return Resolution(_users([_employee_of(u) or _FakeEmployee(u) for u in users]),
                          f"{wanted}: no active account")
    if kind == "field":
        ids = [v for v in _field_value(form, rule.get("field", "")) if str(v).isdigit()]
        users = list(User.objects.filter(pk__in=ids, is_active=True))
        order: dict[str, int] = {}
        for i, v in enumerate(ids):
            order.setdefault(str(v), i)
        users.sort(key=lambda u: order.get(str(u.pk), 0))
        return Resolution(_users([_employee_of(u) or _FakeEmployee(u) for u in users]), "the form names nobody")
    requester_emp = _employee_of(requester)
    if kind == "department_head":
        dept = department
        if rule.get("field"):
            ids = _field_value(form, rule["field"])
            dept = Department.objects.filter(pk__in=[i for i in ids if str(i).isdigit()]).first()
            if dept is None:
                return Resolution([], "the form names no department")
        head = resolvers.department_head(dept)
        if head is None:
            return Resolution([], f"{dept} has no head")
        if requester_emp is not None and head.pk == requester_emp.pk:
            # The head asks for themselves: their own supervisor decides.
            head = resolvers.supervisor_of(head)
            if head is None:
                return Resolution([], f"the requester heads {dept} and has no supervisor")
        return Resolution(_users([head]), f"the head of {dept} cannot receive tasks")
    if kind == "supervisor":
        if requester_emp is None:
            return Resolution([], "the requester is not an employee")
        up_to = rule.get("up_to") or None
        if up_to and not Position.objects.filter(code=up_to).exists():
            return Resolution([], f"no position {up_to!r}")
        # Up to a position: as many levels as it takes (or at most `levels` when also given).
        levels = _positive_int(rule.get("levels"), 1) if rule.get("levels") or not up_to else None
        chain = resolvers.supervisor_chain(requester_emp, levels=levels, up_to_position=up_to)
        return Resolution(_users(chain), "the requester has no supervisor")
    if kind == "position":
        position = Position.objects.filter(code=rule.get("position", "")).first()
        if position is None:
            return Resolution([], f"no position {rule.get('position')!r}")
        target = None
        if rule.get("department") == "requester":
            target = department
        elif rule.get("department"):
            target = Department.objects.filter(code=rule["department"]).first()
            if target is None:
                return Resolution([], f"no department {rule['department']!r}")
        holders = resolvers.holders(position, target, include_below=bool(rule.get("include_below")))
        where = f" in {target}" + (" or below" if rule.get("include_below") else "") if target else ""
        return Resolution(_users(holders), f"nobody holds {position}{where}")
    return Resolution([], "the step names no approver rule")


@dataclass
class _FakeEmployee:
    """A login without an employee record (e.g. an administrator) named directly by a rule."""

    user: Any
    status: str = EmployeeStatus.ACTIVE

    @property
    def user_id(self) -> int:
        return self.user.pk


def delegate_for(user: Any, process_key: str) -> tuple[Any, Any | None]:
    """(who gets the task, on whose behalf): the delegate when a delegation is in force."""
    emp = _employee_of(user)
    if emp is None:
        return user, None
    acting = resolvers.acting_for(emp, process_key)
    if acting.pk != emp.pk and acting.user_id and acting.user.is_active:
        return acting.user, user
    return user, None
