"""The procurement world: the persona company plus a central business management department, a
general manager, the default roles (bob staff, alice manager, erin purchaser, dave finance) and the
procurement approval processes installed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from yewu.core.testing.factories import (
    DepartmentFactory,
    EmployeeFactory,
    PositionFactory,
    UserFactory,
)


@dataclass
class Proc:
    company: Any
    central: Any
    erin: Any  # head of the central department, purchaser
    frank: Any  # general manager
    roles: dict

    def __getattr__(self, name: str) -> Any:
        return getattr(self.company, name)


@pytest.fixture
def proc(company):
    from yewu.core.roles import ensure_default_roles
    from yewu.procurement import approvals

    central = DepartmentFactory(name="业务集中管理部", code="central", parent=company.hq)
    erin = EmployeeFactory(user=UserFactory(username="erin"), name="Erin 艾琳", department=central,
                           position=company.head)
    gm = PositionFactory(code="gm", name="总经理", is_department_head=True, rank=100)
    frank = EmployeeFactory(user=UserFactory(username="frank"), name="Frank 弗兰克", department=company.hq,
                            position=gm)
    for person in (company.alice, company.dave):
        person.supervisor = frank
        person.save(update_fields=["supervisor"])
    roles = ensure_default_roles()
    company.bob.user.groups.add(roles["staff"])
    company.carol.user.groups.add(roles["staff"])
    company.alice.user.groups.add(roles["staff"], roles["manager"])
    erin.user.groups.add(roles["staff"], roles["purchaser"])
    company.dave.user.groups.add(roles["staff"], roles["finance_clerk"])
    approvals.install(company.admin)
    return Proc(company=company, central=central, erin=erin, frank=frank, roles=roles)


@pytest.fixture
def legal(proc):
    """The legal department (法务部) and its head, lena, who reviews purchase contracts."""
    lena = EmployeeFactory(user=UserFactory(username="lena"), name="Lena 莉娜",
                           department=DepartmentFactory(name="法务部", code="legal", parent=proc.hq),
                           position=proc.head)
    lena.user.groups.add(proc.roles["staff"], proc.roles["legal_reviewer"])
    return lena.user
