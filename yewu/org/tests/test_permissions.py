"""Every org model against every data scope, through every channel (see yewu/core/testing/permissions.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from yewu.core.testing.factories import (
    DelegationFactory,
    DepartmentFactory,
    EmployeeFactory,
    PartTimePositionFactory,
    PositionFactory,
    TeamFactory,
)
from yewu.core.testing.permissions import Place, ScopedModelSpec, ScopedModelTests, register, unique
from yewu.org.models import Delegation, Department, Employee, PartTimePosition, Position, Team


def _in_force(principal, delegate) -> Delegation:
    now = timezone.now()
    return DelegationFactory(
        principal=principal,
        delegate=delegate,
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=5),
    )


def _department_payload(world, place):
    if place == Place.OWNED:
        return None
    return {
        "name": unique("新部门"),
        "code": unique("new-dept-"),
        "parent": world.department(place).pk,
    }


def _employee_payload(world, place):
    if place == Place.OWNED:
        return None  # a user owns exactly one employee record: their own
    return {
        "employee_no": unique("N"),
        "name": unique("新员工"),
        "department": world.department(place).pk,
    }


def _team_payload(world, place):
    return {
        "name": unique("新小组"),
        "code": unique("new-team-"),
        "department": world.department(place).pk,
    }


def _delegation_payload(world, place):
    principal = (
        world.me if place == Place.OWNED else EmployeeFactory(department=world.department(place))
    )
    now = timezone.now()
    return {
        "principal": principal.pk,
        "delegate": EmployeeFactory(department=world.company.finance).pk,
        "starts_at": (now + datetime.timedelta(days=30)).isoformat(),
        "ends_at": (now + datetime.timedelta(days=35)).isoformat(),
    }


def _move(factory, field):
    """A fresh record in the user's own department and the PATCH that moves it to `place`."""

    def move(world, place):
        return factory(world.company.sales), {field: world.department(place).pk}

    return move


class TestDepartmentPermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            Department,
            make=lambda world, dept: dept,  # a department is its own place
            list_url="org:department_list",
            detail_url="org:department_detail",
            search_field="name",
            api_path="/api/org/departments/",
            api_patch=lambda obj: {"description": unique("changed ")},
            edit_url="org:department_edit",
            edit_changes=lambda obj: {"description": unique("changed ")},
            api_create=_department_payload,
            api_move=_move(lambda home: DepartmentFactory(parent=home), "parent"),
        )
    )


class TestEmployeePermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            Employee,
            make=lambda world, dept: EmployeeFactory(department=dept, position=world.company.staff),
            make_owned=lambda world: world.me,
            list_url="org:employee_list",
            detail_url="org:employee_detail",
            search_field="name",
            api_path="/api/org/employees/",
            api_patch=lambda obj: {"mobile": unique("1390000")},
            edit_url="org:employee_edit",
            edit_changes=lambda obj: {"mobile": unique("1390000")},
            api_create=_employee_payload,
            api_move=_move(lambda home: EmployeeFactory(department=home), "department"),
        )
    )


class TestTeamPermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            Team,
            make=lambda world, dept: TeamFactory(department=dept),
            list_url="org:team_list",
            detail_url="org:team_detail",
            api_path="/api/org/groups/",
            api_patch=lambda obj: {"description": unique("changed ")},
            edit_url="org:team_edit",
            edit_changes=lambda obj: {"description": unique("changed ")},
            api_create=_team_payload,
            api_move=_move(lambda home: TeamFactory(department=home), "department"),
        )
    )


class TestDelegationPermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            Delegation,
            make=lambda world, dept: _in_force(
                EmployeeFactory(department=dept), EmployeeFactory(department=dept)
            ),
            make_owned=lambda world: _in_force(
                world.me, EmployeeFactory(department=world.company.finance)
            ),
            list_url="org:delegation_list",
            detail_url="org:delegation_detail",
            api_path="/api/org/delegations/",
            api_change_action="cancel",
            ui_change_action_url="org:delegation_cancel",
            api_create=_delegation_payload,
        )
    )


class TestPositionPermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            Position,
            make=lambda world, dept: PositionFactory(),  # company-wide: no department, no owner
            list_url="org:position_list",
            detail_url="org:position_detail",
            search_field="name",
            api_path="/api/org/positions/",
            api_patch=lambda obj: {"responsibilities": unique("changed ")},
            edit_url="org:position_edit",
            edit_changes=lambda obj: {"responsibilities": unique("changed ")},
            api_create=lambda world, place: {"name": unique("新岗位"), "code": unique("new-pos-")},
        )
    )


class TestPartTimePositionPermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            PartTimePosition,
            make=lambda world, dept: PartTimePositionFactory(
                employee=EmployeeFactory(department=world.company.finance),
                department=dept,
                position=world.company.staff,
            ),
            # Held by the user in their own department, so the user's departments stay the same.
            make_owned=lambda world: PartTimePositionFactory(
                employee=world.me, department=world.company.sales, position=world.company.head
            ),
            change_action="delete",
            ui_change_action_url="org:part_time_remove",
        )
    )
