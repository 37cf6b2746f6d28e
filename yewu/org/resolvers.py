"""Organisation look-ups that processes use to find people: heads, supervisor chains, holders, deputies."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from yewu.org.models import Delegation, Department, Employee, Position
from yewu.org.models.employees import EmployeeStatus


def _position(position: Position | str) -> Position | None:
    if isinstance(position, Position):
        return position
    return Position.objects.filter(code=position).first()


def holders(
    position: Position | str, department: Department | None = None, *, include_below: bool = False
) -> list[Employee]:
    """Active employees holding a position (primary or part-time), optionally within a department."""
    pos = _position(position)
    if pos is None:
        return []
    q = Q(position=pos) | Q(part_time_positions__position=pos)
    if department is not None:
        if include_below:
            dq = Q(position=pos, department__path__startswith=department.path) | Q(
                part_time_positions__position=pos,
                part_time_positions__department__path__startswith=department.path,
            )
        else:
            dq = Q(position=pos, department=department) | Q(
                part_time_positions__position=pos, part_time_positions__department=department
            )
        q = dq
    return list(
        Employee.objects.filter(q, status=EmployeeStatus.ACTIVE).distinct().order_by("employee_no")
    )


def department_head(department: Department, *, climb: bool = True) -> Employee | None:
    """The head of a department: a holder of a head position there; else, with climb, the parent's head."""
    current: Department | None = department
    while current is not None:
        heads = Employee.objects.filter(
            Q(department=current, position__is_department_head=True)
            | Q(
                part_time_positions__department=current,
                part_time_positions__position__is_department_head=True,
            ),
            status=EmployeeStatus.ACTIVE,
        ).distinct().order_by("-position__rank", "employee_no")
        head = heads.first()
        if head is not None or not climb:
            return head
        current = current.parent
    return None


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
