"""Who works on a step: resolve a step's assignee rule against the organisation at run time.

A step's settings (ProcessVersion.steps_json) name the rule, e.g.
    {"assignee": {"type": "department_head"}}
    {"assignee": {"type": "position", "position": "manager", "department": "central"}}
    {"assignee": {"type": "supervisor", "levels": 2}}            连续多级主管 (each level in turn; default 1)
    {"assignee": {"type": "supervisor", "up_to": "gm"}}          up to and including a holder of position gm
    {"assignee": {"type": "user", "username": "gm"}}
    {"assignee": {"type": "field", "field": "approver"}}         a user-type form field / chosen by requester
    {"assignee": {"type": "department_head", "field": "target_department"}}
    {"assignee": {"type": "department_heads", "departments": ["central", "legal"]}}
    {"assignee": {"type": "department_heads", "field": "review_departments"}}
                                                                 the heads of several departments
                                                                 (codes in the settings, "requester"
                                                                 for the approval's; and/or a
                                                                 department-type form field); the
                                                                 step's mode says how they decide:
                                                                 "all" 会签, "any" 或签, "quorum"
    {"assignee": {"type": "position", "position": "accountant", "department": "requester",
                  "include_below": true}}                        holders in the requester's department and below
The result is an ordered list of users; duplicates removed, resigned people dropped. When nobody
is found, the reason says why (for the step's empty-approver rule and its error message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from yewu.core.sql import Table, kept_cursor
from yewu.org import resolvers
from yewu.org.models import Delegation, Department, Employee, Position
from yewu.org.models.employees import EmployeeStatus


@dataclass
class Resolution:
    users: list[Any]
    reason: str = ""  # why nobody was found, for the "empty approver" rule


def employee_of(user: Any) -> Employee | None:
    """The user's employee record with its department and position (one prepared statement: every
    step whose rule starts from the requester reads it)."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    sql = _EMPLOYEE_SQL.get(connection.vendor)
    if sql is None:
        q, e, d, p = connection.ops.quote_name, _EMPLOYEES, _DEPARTMENTS, _POSITIONS
        sql = _EMPLOYEE_SQL[connection.vendor] = (
            f"SELECT {e.columns_sql()}, {d.columns_sql()}, {p.columns_sql()} FROM {q(e.table)} "
            f"INNER JOIN {q(d.table)} ON {q(d.table)}.{q('id')} = {q(e.table)}.{e.col('department_id')} "
            f"LEFT OUTER JOIN {q(p.table)} ON {q(p.table)}.{q('id')} = {q(e.table)}.{e.col('position_id')} "
            f"WHERE {q(e.table)}.{e.col('user_id')} = %s"
        )
    with kept_cursor() as cursor:
        cursor.execute(sql, [user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    ne, nd = len(_EMPLOYEES.all_columns), len(_DEPARTMENTS.all_columns)
    employee = _EMPLOYEES.reader()(row[:ne])
    employee.department = _DEPARTMENTS.reader()(row[ne:ne + nd])
    employee.position = _POSITIONS.reader()(row[ne + nd:]) if row[ne + nd] is not None else None
    return employee


_EMPLOYEES, _DEPARTMENTS, _POSITIONS = Table(Employee), Table(Department), Table(Position)
_EMPLOYEE_SQL: dict[str, str] = {}


def _as_employees(users: list[Any]) -> list[Any]:
    """The employee records of logins loaded with `select_related("employee")` (a stand-in for
    logins without one)."""
    out = []
    for user in users:
        employee = getattr(user, "employee", None)
        out.append(_FakeEmployee(user) if employee is None else employee)
    return out


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
    if kind == "user":
        names = rule.get("usernames") or [rule.get("username")]
        users = resolvers.logins(usernames=list(dict.fromkeys(n for n in names if isinstance(n, str) and n)))
        order: dict[str, int] = {}
        for i, n in enumerate(names):
            order.setdefault(n, i)  # the first mention counts
        users.sort(key=lambda u: order.get(u.username, 0))
        wanted = ", ".join(n for n in names if n) or "nobody"
        return Resolution(_users(_as_employees(users)), f"{wanted}: no active account")
    if kind == "field":
        ids = [v for v in _field_value(form, rule.get("field", "")) if str(v).isdecimal()]
        users = resolvers.logins(ids=list(dict.fromkeys(int(v) for v in ids)))
        order: dict[str, int] = {}
        for i, v in enumerate(ids):
            order.setdefault(str(v), i)
        users.sort(key=lambda u: order.get(str(u.pk), 0))
        return Resolution(_users(_as_employees(users)), "the form names nobody")
    requester_emp = employee_of(requester) if kind in ("department_head", "department_heads", "supervisor") else None
    if kind == "department_head":
        dept = department
        if rule.get("field"):
            ids = _field_value(form, rule["field"])
            dept = Department.objects.filter(pk__in=[i for i in ids if str(i).isdecimal()]).first()
            if dept is None:
                return Resolution([], "the form names no department")
        head, reason = _head_of(dept, requester_emp)
        return Resolution(_users([head]) if head else [], reason)
    if kind == "department_heads":
        return _heads_of_departments(rule, requester_emp, department, form)
    if kind == "supervisor":
        if requester_emp is None:
            return Resolution([], "the requester is not an employee")
        up_to = rule.get("up_to") or None
        if up_to and resolvers.position_by_code(up_to) is None:
            return Resolution([], f"no position {up_to!r}")
        # Up to a position: as many levels as it takes (or at most `levels` when also given).
        levels = _positive_int(rule.get("levels"), 1) if rule.get("levels") or not up_to else None
        chain = resolvers.supervisor_chain(requester_emp, levels=levels, up_to_position=up_to)
        return Resolution(_users(chain), "the requester has no supervisor")
    if kind == "position":
        code, dept_code = rule.get("position", ""), rule.get("department")
        if (isinstance(code, str) and code and (not dept_code or isinstance(dept_code, str))
                and not rule.get("include_below")):
            # Usually somebody holds it: one statement; the look-ups below only explain why nobody does.
            found = _users(resolvers.holders_by_code(
                code, None if not dept_code else department if dept_code == "requester" else dept_code
            ))
            if found:
                return Resolution(found)
        position = resolvers.position_by_code(rule.get("position", ""))
        if position is None:
            return Resolution([], f"no position {rule.get('position')!r}")
        target = None
        if rule.get("department") == "requester":
            target = department
        elif rule.get("department"):
            target = resolvers.department_by_code(rule["department"])
            if target is None:
                return Resolution([], f"no department {rule['department']!r}")
        holders = resolvers.holders(position, target, include_below=bool(rule.get("include_below")))
        where = f" in {target}" + (" or below" if rule.get("include_below") else "") if target else ""
        return Resolution(_users(holders), f"nobody holds {position}{where}")
    return Resolution([], "the step names no approver rule")


def _head_of(dept: Department, requester_emp: Employee | None) -> tuple[Employee | None, str]:
    """The head who decides for `dept` (a department without one: its parent's), and why nobody
    when there is none. A head asking for themselves: their own supervisor decides."""
    head = resolvers.department_head(dept)
    if head is None:
        return None, f"{dept} has no head"
    if requester_emp is not None and head.pk == requester_emp.pk:
        head = resolvers.supervisor_of(head)
        if head is None:
            return None, f"the requester heads {dept} and has no supervisor"
    return head, f"the head of {dept} cannot receive tasks"


def _heads_of_departments(rule: dict, requester_emp: Employee | None, department: Department,
                          form: dict) -> Resolution:
    """The heads of the departments the step names (codes; "requester": the approval's department)
    and then those a form field names, in that order, each once. A code that names no department
    makes the rule find nobody (a settings mistake must not quietly drop a department's review)."""
    codes = rule.get("departments") or []
    if isinstance(codes, str):
        codes = [codes]
    named = {d.code: d for d in Department.objects.filter(code__in=[c for c in codes if c != "requester"])}
    unknown = [c for c in codes if c != "requester" and c not in named]
    if unknown:
        return Resolution([], "no department " + ", ".join(repr(c) for c in unknown))
    depts = [department if c == "requester" else named[c] for c in codes]
    if rule.get("field"):
        ids = [int(i) for i in _field_value(form, rule["field"]) if str(i).isdecimal()]
        found = Department.objects.in_bulk(ids)
        depts += [found[i] for i in ids if i in found]
    if not depts:
        return Resolution([], "the step and the form name no department")
    heads, reasons = [], []
    for dept in dict.fromkeys(depts):
        head, reason = _head_of(dept, requester_emp)
        if head is None or not _users([head]):
            reasons.append(reason)
        else:
            heads.append(head)
    return Resolution(_users(heads), "; ".join(reasons) or "nobody")


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
    return delegates_for([user], process_key)[0]


def delegates_for(users: list[Any], process_key: str) -> list[tuple[Any, Any | None]]:
    """`delegate_for` for the people of one step at once (at most two queries, whatever their number).

    Same rule as org.resolvers.acting_for: the latest-starting delegation in force that covers
    the process and whose delegate is active and can sign in.
    """
    employees: dict[int, Any] = {}
    unknown = []
    for user in users:  # users resolved by a rule usually come with their employee row
        cache = getattr(getattr(user, "_state", None), "fields_cache", {})
        if "employee" not in cache:
            unknown.append(user.pk)
        elif isinstance(cache["employee"], Employee):
            employees[user.pk] = cache["employee"]
    if unknown:
        employees.update({e.user_id: e for e in Employee.objects.filter(user__in=unknown)})
    acting: dict[int, Any] = {}
    read_with = [getattr(e, "_delegated_now", None) for e in employees.values()]  # org.resolvers' rows
    if None in read_with:
        anyone = bool(employees) and resolvers.any_delegation_in_force([e.pk for e in employees.values()])
    else:
        anyone = any(read_with)
    if anyone:
        delegations = (
            Delegation.objects.in_force(timezone.now())
            .filter(principal__in=list(employees.values()))
            .select_related("delegate__user")
            .order_by("-starts_at", "pk")
        )
        for delegation in delegations:
            delegate = delegation.delegate
            if (delegation.principal_id in acting or not delegation.covers(process_key) or not delegate.is_active
                    or not delegate.user_id or not delegate.user.is_active):
                continue
            acting[delegation.principal_id] = delegate.user
    out = []
    for user in users:
        employee = employees.get(user.pk)
        delegate = acting.get(employee.pk) if employee is not None else None
        out.append((delegate, user) if delegate is not None and delegate.pk != user.pk else (user, None))
    return out
