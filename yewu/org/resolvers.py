"""Organisation look-ups that processes use to find people: heads, supervisor chains, holders, deputies."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from yewu.core.sql import Table, in_list, kept_cursor
from yewu.org.models import Delegation, Department, Employee, PartTimePosition, Position
from yewu.org.models.employees import EmployeeStatus


def _position(position: Position | str) -> Position | None:
    if isinstance(position, Position):
        return position
    return position_by_code(position)


def position_by_code(code: str) -> Position | None:
    found = _POSITIONS.select(f"{_POSITIONS.col('code')} = %s", [code])
    return found[0] if found else None


def department_by_code(code: str) -> Department | None:
    found = _DEPARTMENTS.select(f"{_DEPARTMENTS.col('code')} = %s", [code])
    return found[0] if found else None


# Holders and heads are read on every approval step that names a position or a department head, so
# they go through prepared statements (yewu.core.sql) with the employees' logins in the same row; the
# conditions and the order are the ones the ORM queries had (tested against them in test_resolvers).
_EMPLOYEES, _USERS, _POSITIONS = Table(Employee), Table(get_user_model()), Table(Position)
_DEPARTMENTS, _PART_TIME, _DELEGATIONS = Table(Department), Table(PartTimePosition), Table(Delegation)
_SQL: dict[tuple, str] = {}


def _employees(kind: str, params: list) -> list[Employee]:
    """Active employees (with their logins) matching one of the conditions below."""
    key = (kind, connection.vendor)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = _employees_sql(kind)
    with kept_cursor() as cursor:
        cursor.execute(sql, [*_now_params(), EmployeeStatus.ACTIVE, *params])
        rows = cursor.fetchall()
    return [employee for employee, _user in _linked(rows, employee_first=True)]


def _delegated_sql(employee_id: str) -> str:
    """A last column of the holder and login reads: has this employee a delegation in force now?
    An approval step that opens for them then needs no read of its own to know that nobody stands
    in (see workflow.assignment.delegates_for); which delegate it is is read only when one has."""
    return f"EXISTS ({_in_force_sql(f'= {employee_id}')})"


def _in_force_sql(principal: str) -> str:
    """Delegations of `principal` (SQL after the principal column) in force at the two `_now_params`."""
    q, t = connection.ops.quote_name, _DELEGATIONS
    return (f"SELECT 1 FROM {q(t.table)} dg WHERE dg.{t.col('principal_id')} {principal} "
            f"AND dg.{t.col('cancelled_at')} IS NULL AND dg.{t.col('starts_at')} <= %s AND dg.{t.col('ends_at')} > %s")


def _now_params() -> list:
    now = timezone.now()
    return [_DELEGATIONS.prep("starts_at", now), _DELEGATIONS.prep("ends_at", now)]


def any_delegation_in_force(employee_ids: list[int]) -> bool:
    """Whether any of these employees has a delegation in force now (one prepared statement)."""
    key = ("in_force", len(employee_ids), connection.vendor)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = _in_force_sql(f"IN {in_list(len(employee_ids))}") + " LIMIT 1"
    with kept_cursor() as cursor:
        cursor.execute(sql, [*employee_ids, *_now_params()])
        return cursor.fetchone() is not None


def _linked(rows: list[tuple], *, employee_first: bool) -> list[tuple[Employee | None, Any]]:
    """(employee, login) from rows of both tables' columns (the second table's may be empty: an
    outer join), each cached on the other as `select_related` would."""
    first, second = (_EMPLOYEES, _USERS) if employee_first else (_USERS, _EMPLOYEES)
    read_first, read_second, n = first.reader(), second.reader(), len(first.all_columns)
    end = n + len(second.all_columns)
    second_pk = n + second.all_columns.index(second.meta.pk.attname)
    out = []
    for row in rows:
        one = read_first(row[:n])
        two = read_second(row[n:end]) if row[second_pk] is not None else None
        employee, user = (one, two) if employee_first else (two, one)
        if employee is not None:
            Employee.user.field.set_cached_value(employee, user)
            employee._delegated_now = bool(row[end])  # _delegated_sql
        if user is not None:
            user._state.fields_cache["employee"] = employee
        out.append((employee, user))
    return out


def _employees_sql(kind: str) -> str:
    q = connection.ops.quote_name
    e, u, p, d, pt = _EMPLOYEES, _USERS, _POSITIONS, _DEPARTMENTS, _PART_TIME
    ecol, ptcol = (lambda n: f"e.{e.col(n)}"), (lambda n: f"pt.{pt.col(n)}")
    like = "LIKE %s ESCAPE '\\'"
    part_time = f"SELECT {ptcol('employee_id')} FROM {q(pt.table)} pt"
    pos_by_code = f"(SELECT {q('id')} FROM {q(p.table)} WHERE {p.col('code')} = %s)"
    dept_by_code = f"(SELECT {q('id')} FROM {q(d.table)} WHERE {d.col('code')} = %s)"
    where, order, limit = {
        "holders": (f"({ecol('position_id')} = %s OR e.{q('id')} IN ({part_time} WHERE {ptcol('position_id')} = %s))",
                    "employee_no", ""),
        "holders_in": (f"(({ecol('position_id')} = %s AND {ecol('department_id')} = %s) OR e.{q('id')} IN "
                       f"({part_time} WHERE {ptcol('position_id')} = %s AND {ptcol('department_id')} = %s))",
                       "employee_no", ""),
        "holders_code": (f"({ecol('position_id')} = {pos_by_code} OR e.{q('id')} IN ({part_time} "
                         f"WHERE {ptcol('position_id')} = {pos_by_code}))", "employee_no", ""),
        "holders_in_code": (f"(({ecol('position_id')} = {pos_by_code} AND {ecol('department_id')} = {dept_by_code}) "
                            f"OR e.{q('id')} IN ({part_time} WHERE {ptcol('position_id')} = {pos_by_code} "
                            f"AND {ptcol('department_id')} = {dept_by_code}))", "employee_no", ""),
        "holders_in_id": (f"(({ecol('position_id')} = {pos_by_code} AND {ecol('department_id')} = %s) "
                          f"OR e.{q('id')} IN ({part_time} WHERE {ptcol('position_id')} = {pos_by_code} "
                          f"AND {ptcol('department_id')} = %s))", "employee_no", ""),
        "holders_below": (
            f"(({ecol('position_id')} = %s AND {ecol('department_id')} IN (SELECT d.{q('id')} FROM {q(d.table)} d "
            f"WHERE d.{d.col('path')} {like})) OR e.{q('id')} IN ({part_time} INNER JOIN {q(d.table)} d "
            f"ON d.{q('id')} = {ptcol('department_id')} WHERE {ptcol('position_id')} = %s AND d.{d.col('path')} {like}))",
            "employee_no", ""),
        "head": (f"(({ecol('department_id')} = %s AND p.{p.col('is_department_head')} = %s) OR e.{q('id')} IN "
                 f"({part_time} INNER JOIN {q(p.table)} pp ON pp.{q('id')} = {ptcol('position_id')} "
                 f"WHERE {ptcol('department_id')} = %s AND pp.{p.col('is_department_head')} = %s))",
                 "head", " LIMIT 1"),
    }[kind]
    order_sql = (f"p.{p.col('rank')} DESC, {ecol('employee_no')}" if order == "head" else ecol("employee_no"))
    return (
        f"SELECT {e.columns_sql(alias='e')}, {u.columns_sql(alias='u')}, {_delegated_sql(f'e.{q(e.meta.pk.column)}')} "
        f"FROM {q(e.table)} e "
        f"LEFT OUTER JOIN {q(u.table)} u ON u.{q(u.meta.pk.column)} = {ecol('user_id')} "
        f"LEFT OUTER JOIN {q(p.table)} p ON p.{q('id')} = {ecol('position_id')} "
        f"WHERE {ecol('status')} = %s AND {where} ORDER BY {order_sql}{limit}"
    )


def logins(*, usernames: list[str] | None = None, ids: list[int] | None = None) -> list[Any]:
    """Active logins by username or by id, each with its employee record when it has one (cached on
    the login as `select_related("employee")` would), in no particular order. One prepared
    statement: a step whose rule names its approver by login runs it on every approval."""
    column = "username" if usernames is not None else "id"
    values = list(usernames if usernames is not None else ids or [])
    if not values:
        return []
    key = ("logins", column, len(values), connection.vendor)
    sql = _SQL.get(key)
    e, u = _EMPLOYEES, _USERS
    if sql is None:
        q = connection.ops.quote_name
        sql = _SQL[key] = (
            f"SELECT {u.columns_sql(alias='u')}, {e.columns_sql(alias='e')}, "
            f"{_delegated_sql(f'e.{q(e.meta.pk.column)}')} FROM {q(u.table)} u "
            f"LEFT OUTER JOIN {q(e.table)} e ON e.{e.col('user_id')} = u.{q(u.meta.pk.column)} "
            f"WHERE u.{u.col(column if column == 'username' else u.meta.pk.attname)} IN {in_list(len(values))} "
            f"AND u.{u.col('is_active')} = %s"
        )
    with kept_cursor() as cursor:
        cursor.execute(sql, [*_now_params(), *values, True])
        rows = cursor.fetchall()
    return [user for _employee, user in _linked(rows, employee_first=False)]


def _path_prefix(department: Department) -> str:
    return connection.ops.prep_for_like_query(department.path) + "%"


def holders(
    position: Position | str, department: Department | None = None, *, include_below: bool = False
) -> list[Employee]:
    """Active employees holding a position (primary or part-time), optionally within a department
    (or, with include_below, within it and the departments below), by employee number; each
    employee comes with their login."""
    pos = _position(position)
    if pos is None:
        return []
    if department is None:
        return _employees("holders", [pos.pk, pos.pk])
    if include_below:
        prefix = _path_prefix(department)
        return _employees("holders_below", [pos.pk, prefix, pos.pk, prefix])
    return _employees("holders_in", [pos.pk, department.pk, pos.pk, department.pk])


def holders_by_code(position_code: str, department: Department | str | None = None) -> list[Employee]:
    """`holders(position_by_code(position_code), department)` in one statement, the department given
    or named by its code (an approval step that names a position by code runs it on every
    approval); empty when a code names nothing."""
    if department is None:
        return _employees("holders_code", [position_code, position_code])
    if isinstance(department, Department):
        return _employees("holders_in_id", [position_code, department.pk, position_code, department.pk])
    return _employees("holders_in_code", [position_code, department, position_code, department])


def department_head(department: Department, *, climb: bool = True) -> Employee | None:
    """The head of a department: a holder of a head position there (the highest-ranking); else,
    with climb, the parent's head."""
    current: Department | None = department
    while current is not None:
        found = _employees("head", [current.pk, True, current.pk, True])
        if found or not climb:
            return found[0] if found else None
        current = _parent(current)
    return None


def _parent(department: Department) -> Department | None:
    if department.parent_id is None:
        return None
    cached = Department.parent.field.get_cached_value(department, default=None)
    if cached is not None:
        return cached
    found = _DEPARTMENTS.select(f"{_DEPARTMENTS.col('id')} = %s", [department.parent_id])
    return found[0] if found else None


def supervisor_of(employee: Employee) -> Employee | None:
    """The direct supervisor; when none is set, the head of the employee's department (not themself)."""
    if employee.supervisor_id:
        return employee.supervisor
    dept: Department | None = employee.department
    while dept is not None:
        head = department_head(dept, climb=False)
        if head is not None and head.pk != employee.pk:
            return head
        dept = dept.parent
    return None


def supervisor_chain(
    employee: Employee, *, levels: int | None = None, up_to_position: Position | str | None = None
) -> list[Employee]:
    """Supervisors upwards: N levels, or until (and including) someone holding `up_to_position`."""
    target = _position(up_to_position) if up_to_position is not None else None
    chain: list[Employee] = []
    seen = {employee.pk}
    current = employee
    while True:
        if levels is not None and len(chain) >= levels:
            break
        nxt = supervisor_of(current)
        if nxt is None or nxt.pk in seen:
            break
        chain.append(nxt)
        seen.add(nxt.pk)
        if target is not None and (
            nxt.position_id == target.pk or nxt.part_time_positions.filter(position=target).exists()
        ):
            break
        current = nxt
    return chain


def acting_for(
    employee: Employee, process_key: str | None = None, at: datetime.datetime | None = None
) -> Employee:
    """Who acts for this employee now: their delegate when a delegation is in force, else themself."""
    at = at or timezone.now()
    for delegation in Delegation.objects.in_force(at).filter(principal=employee).select_related("delegate"):
        if delegation.covers(process_key) and delegation.delegate.is_active:
            return delegation.delegate
    return employee
