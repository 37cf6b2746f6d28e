"""The customer-service world: the persona company with the default roles (bob and carol sales,
alice the sales manager), a central business department whose manager erin works in customer
service, customers of bob's and carol's, and the complaint process installed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache


@dataclass
class Svc:
    company: Any
    roles: dict
    central: Any
    erin: Any  # manager of the central department, customer service
    bobs: Any  # bob's customer (sales department)
    carols: Any  # carol's customer (east group)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.company, name)


@pytest.fixture
def svc(company):
    from yewu.core.roles import ensure_default_roles
    from yewu.core.testing.factories import DepartmentFactory, EmployeeFactory, UserFactory
    from yewu.crm.tests import factories as f
    from yewu.service import approvals

    cache.clear()
    roles = ensure_default_roles()
    central = DepartmentFactory(name="业务集中管理部", code="central", parent=company.hq)
    erin = EmployeeFactory(user=UserFactory(username="erin"), name="Erin 艾琳", department=central,
                           position=company.head)
    erin.user.groups.add(roles["staff"], roles["customer_service"])
    for person in (company.bob, company.carol):
        person.user.groups.add(roles["staff"], roles["sales"])
    company.alice.user.groups.add(roles["staff"], roles["manager"], roles["sales"])
    company.dave.user.groups.add(roles["staff"], roles["manager"])
    bobs = f.customer(company.bob.user, company.sales, name="杭州明远机械制造有限公司", phone="0571-8888 0001",
                      email="buy@mingyuan.example")
    carols = f.customer(company.carol.user, company.sales_east, name="苏州恒信电子科技有限公司", phone="13862000002")
    approvals.install(company.admin)
    return Svc(company=company, roles=roles, central=central, erin=erin, bobs=bobs, carols=carols)
