"""Every change to the organisation goes through these functions: checks, save, audit event."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from yewu.core import permissions
from yewu.core.audit import delta, record_event, snapshot
from yewu.core.errors import DomainError
from yewu.org.errors import OrgError
from yewu.org.models import Delegation, Department, Employee, PartTimePosition, Position, Team
from yewu.org.models.employees import EmployeeStatus
from yewu.org.signals import employee_resigned

DEPARTMENT_FIELDS = ("name", "code", "parent", "description", "sort_order")
POSITION_FIELDS = ("name", "code", "responsibilities", "is_department_head", "rank")
TEAM_FIELDS = ("department", "name", "code", "leader", "description")
EMPLOYEE_FIELDS = (
    "employee_no", "name", "department", "position", "team", "supervisor", "mobile", "email", "hired_on",
)


def _apply(obj: Any, fields: tuple[str, ...], values: dict[str, Any]) -> None:
    for name in fields:
        if name in values:
            setattr(obj, name, values[name])


def _unique_code(model: type, code: str, exclude_pk: int | None) -> None:
    qs = model.objects.filter(code=code)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise DomainError(OrgError.CODE_TAKEN, code=code)


# --- departments ---------------------------------------------------------------------------------


def _path_for(dept: Department) -> str:
    return f"{dept.parent.path if dept.parent_id else '/'}{dept.pk}/"


@transaction.atomic
def save_department(dept: Department | None, values: dict[str, Any], *, actor: Any) -> Department:
    """Create (dept=None) or change a department; moving it re-roots its whole subtree."""
    creating = dept is None
    if creating:
        permissions.require(actor, "add", Department)
        dept = Department()
        before: dict[str, Any] = {}
    else:
        dept = Department.objects.select_for_update().get(pk=dept.pk)
        permissions.require(actor, "change", dept)
        before = snapshot(dept, DEPARTMENT_FIELDS)
    old_path = dept.path
    _apply(dept, DEPARTMENT_FIELDS, values)
    _unique_code(Department, dept.code, dept.pk)
    if creating:
        permissions.require_new(actor, "add", Department, department=dept.parent)
    elif before.get("parent") != dept.parent_id:
        permissions.require_new(actor, "change", Department, department=dept.parent)
    parent = Department.objects.select_for_update().get(pk=dept.parent_id) if dept.parent_id else None
    dept.parent = parent
    if parent is not None:
        if not creating and (parent.pk == dept.pk or parent.path.startswith(old_path)):
            raise DomainError(OrgError.DEPARTMENT_CYCLE)
        if not parent.is_active:
            raise DomainError(OrgError.DEPARTMENT_INACTIVE, name=parent.name)
    dept.save()
    new_path = _path_for(dept)
    if new_path != dept.path:
        Department.objects.filter(pk=dept.pk).update(path=new_path)
        if not creating:
            for child in Department.objects.filter(path__startswith=old_path).exclude(pk=dept.pk):
                Department.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path):])
        dept.path = new_path
    record_event(
        dept, "department.created" if creating else "department.changed",
        actor=actor, data=delta(before, snapshot(dept, DEPARTMENT_FIELDS)),
    )
    return dept


@transaction.atomic
def deactivate_department(dept: Department, *, actor: Any) -> Department:
    dept = Department.objects.select_for_update().get(pk=dept.pk)
    permissions.require(actor, "change", dept)
    if (
        dept.employees.filter(status=EmployeeStatus.ACTIVE).exists()
        or dept.children.filter(is_active=True).exists()
    ):
        raise DomainError(OrgError.DEPARTMENT_NOT_EMPTY, name=dept.name)
    dept.is_active = False
    dept.save(update_fields=["is_active"])
    record_event(dept, "department.deactivated", actor=actor, data={"is_active": [True, False]})
    return dept


# --- positions and groups ------------------------------------------------------------------------


@transaction.atomic
def save_position(position: Position | None, values: dict[str, Any], *, actor: Any) -> Position:
    creating = position is None
    if creating:
        permissions.require_new(actor, "add", Position)
        position, before = Position(), {}
    else:
        position = Position.objects.select_for_update().get(pk=position.pk)
        permissions.require(actor, "change", position)
        before = snapshot(position, POSITION_FIELDS)
    _apply(position, POSITION_FIELDS, values)
    _unique_code(Position, position.code, position.pk)
    position.save()
    record_event(
        position, "position.created" if creating else "position.changed",
        actor=actor, data=delta(before, snapshot(position, POSITION_FIELDS)),
    )
    return position


@transaction.atomic
def save_team(team: Team | None, values: dict[str, Any], *, actor: Any) -> Team:
    creating = team is None
    if creating:
        team, before = Team(), {}
    else:
        team = Team.objects.select_for_update().get(pk=team.pk)
        permissions.require(actor, "change", team)
        before = snapshot(team, TEAM_FIELDS)
    _apply(team, TEAM_FIELDS, values)
    if creating:
        permissions.require_new(actor, "add", Team, department=team.department)
    elif before.get("department") != team.department_id:
        permissions.require_new(actor, "change", Team, department=team.department)
        if team.members.exists():
            raise DomainError(OrgError.TEAM_OTHER_DEPARTMENT, team=team.name)
    _unique_code(Team, team.code, team.pk)
    if team.leader_id and team.leader.department_id != team.department_id:
        raise DomainError(OrgError.TEAM_OTHER_DEPARTMENT, team=team.name)
    team.save()
    record_event(
        team, "team.created" if creating else "team.changed",
        actor=actor, data=delta(before, snapshot(team, TEAM_FIELDS)), department=team.department,
    )
    return team


# --- employees -----------------------------------------------------------------------------------


def _check_supervisor(employee: Employee, supervisor: Employee | None) -> None:
    if supervisor is None:
        return
    if supervisor.status != EmployeeStatus.ACTIVE:
        raise DomainError(OrgError.SUPERVISOR_RESIGNED, name=supervisor.name)
    seen: set[int] = set()
    current_id: int | None = supervisor.pk
    while current_id is not None and current_id not in seen:
        if employee.pk is not None and current_id == employee.pk:
            raise DomainError(OrgError.SUPERVISOR_CYCLE, name=employee.name, supervisor=supervisor.name)
        seen.add(current_id)
        current_id = Employee.objects.filter(pk=current_id).values_list("supervisor_id", flat=True).first()


@transaction.atomic
def save_employee(
    employee: Employee | None,
    values: dict[str, Any],
    *,
    actor: Any,
    username: str | None = None,
    password: str | None = None,
) -> Employee:
    """Create or change an employee; with `username` a login is created for a new employee."""
    creating = employee is None
    if creating:
        permissions.require(actor, "add", Employee)
        employee, before = Employee(), {}
    else:
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        permissions.require(actor, "change", employee)
        before = snapshot(employee, EMPLOYEE_FIELDS)
    _apply(employee, EMPLOYEE_FIELDS, values)
    if creating:
        permissions.require_new(actor, "add", Employee, department=employee.department)
    elif before.get("department") != employee.department_id:
        # Moving someone into a department needs scope over the target department too.
        permissions.require_new(actor, "change", Employee, department=employee.department)
    if Employee.objects.filter(employee_no=employee.employee_no).exclude(pk=employee.pk).exists():
        raise DomainError(OrgError.EMPLOYEE_NO_TAKEN, number=employee.employee_no)
    if not employee.department.is_active:
        raise DomainError(OrgError.DEPARTMENT_INACTIVE, name=employee.department.name)
    if employee.team_id and employee.team.department_id != employee.department_id:
        raise DomainError(OrgError.TEAM_OTHER_DEPARTMENT, team=employee.team.name)
    _check_supervisor(employee, employee.supervisor)
    if creating and username:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise DomainError(OrgError.USERNAME_TAKEN, username=username)
        user = User(username=username, email=employee.email, first_name=employee.name)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        employee.user = user
    employee.save()
    record_event(
        employee, "employee.hired" if creating else "employee.changed",
        actor=actor, data=delta(before, snapshot(employee, EMPLOYEE_FIELDS)),
    )
    return employee


@transaction.atomic
def resign_employee(employee: Employee, *, actor: Any, left_on=None) -> Employee:
    """Mark an employee as resigned and close their login; their records and history stay."""
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    permissions.require(actor, "change", employee)
    if employee.status == EmployeeStatus.RESIGNED:
        raise DomainError(OrgError.EMPLOYEE_RESIGNED, name=employee.name)
    reports = employee.reports.filter(status=EmployeeStatus.ACTIVE).count()
    if reports:
        raise DomainError(OrgError.EMPLOYEE_HAS_REPORTS, name=employee.name, count=reports)
    employee.status = EmployeeStatus.RESIGNED
    employee.left_on = left_on or timezone.localdate()
    employee.save(update_fields=["status", "left_on"])
    if employee.user_id:
        type(employee.user).objects.filter(pk=employee.user_id).update(is_active=False)
    now = timezone.now()
    for delegation in Delegation.objects.select_for_update().filter(
        delegate=employee, cancelled_at__isnull=True, ends_at__gt=now
    ):
        delegation.cancelled_at = now
        delegation.save(update_fields=["cancelled_at"])
        record_event(
            delegation, "delegation.cancelled", actor=actor, department=delegation.principal.department,
            data={"cancelled_at": [None, now], "reason": "delegate resigned"},
        )
    record_event(
        employee, "employee.resigned", actor=actor,
        data={"status": [EmployeeStatus.ACTIVE, EmployeeStatus.RESIGNED], "left_on": [None, employee.left_on]},
    )
    employee_resigned.send(sender=Employee, employee=employee, actor=actor)  # e.g. open tasks are handed over
    return employee


@transaction.atomic
def add_part_time_position(
    employee: Employee, department: Department, position: Position, *, actor: Any
) -> PartTimePosition:
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    permissions.require(actor, "change", employee)
    permissions.require_new(actor, "add", PartTimePosition, department=department)
    if PartTimePosition.objects.filter(employee=employee, department=department, position=position).exists():
        raise DomainError(OrgError.PART_TIME_DUPLICATE, name=employee.name)
    ptp = PartTimePosition.objects.create(employee=employee, department=department, position=position)
    record_event(
        employee, "employee.part_time_added", actor=actor,
        data={"department": department.pk, "position": position.pk},
    )
    return ptp


@transaction.atomic
def remove_part_time_position(ptp: PartTimePosition, *, actor: Any) -> None:
    permissions.require(actor, "delete", ptp)
    employee = ptp.employee
    data = {"department": ptp.department_id, "position": ptp.position_id}
    ptp.delete()
    record_event(employee, "employee.part_time_removed", actor=actor, data=data)


# --- delegations ---------------------------------------------------------------------------------


@transaction.atomic
def create_delegation(
    principal: Employee,
    delegate: Employee,
    *,
    starts_at,
    ends_at,
    actor: Any,
    all_processes: bool = True,
    process_keys: list[str] | None = None,
    reason: str = "",
) -> Delegation:
    """Record that `delegate` acts for `principal` in a period (all processes or chosen ones)."""
    permissions.require_new(
        actor, "add", Delegation, owner=principal.user_id, department=principal.department
    )
    if principal.pk == delegate.pk:
        raise DomainError(OrgError.DELEGATION_SELF)
    if ends_at <= starts_at:
        raise DomainError(OrgError.DELEGATION_PERIOD)
    keys = sorted({k.strip() for k in (process_keys or []) if k and k.strip()})
    if not all_processes and not keys:
        raise DomainError(OrgError.DELEGATION_PROCESSES)
    if not delegate.is_active:
        raise DomainError(OrgError.DELEGATE_RESIGNED, name=delegate.name)
    overlapping = Delegation.objects.filter(
        principal=principal, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    for other in overlapping:
        if all_processes or other.all_processes or set(keys) & set(other.process_keys):
            raise DomainError(OrgError.DELEGATION_OVERLAP, name=principal.name)
    if Delegation.objects.filter(
        principal=delegate, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        raise DomainError(OrgError.DELEGATION_CHAIN, name=delegate.name)
    if Delegation.objects.filter(
        delegate=principal, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        raise DomainError(OrgError.DELEGATION_CHAIN, name=principal.name)
    delegation = Delegation.objects.create(
        principal=principal,
        delegate=delegate,
        starts_at=starts_at,
        ends_at=ends_at,
        all_processes=all_processes,
        process_keys_text=json.dumps(keys),
        reason=reason,
    )
    record_event(
        delegation, "delegation.created", actor=actor, department=principal.department,
        data={
            "principal": principal.pk, "delegate": delegate.pk, "starts_at": starts_at,
            "ends_at": ends_at, "all_processes": all_processes, "process_keys": keys,
        },
    )
    return delegation


@transaction.atomic
def cancel_delegation(delegation: Delegation, *, actor: Any) -> Delegation:
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    permissions.require(actor, "change", delegation)
    now = timezone.now()
    if delegation.cancelled_at is not None or delegation.ends_at <= now:
        raise DomainError(OrgError.DELEGATION_CANCELLED)
    delegation.cancelled_at = now
    delegation.save(update_fields=["cancelled_at"])
    record_event(delegation, "delegation.cancelled", actor=actor, department=delegation.principal.department, data={"cancelled_at": [None, now]})
    return delegation
