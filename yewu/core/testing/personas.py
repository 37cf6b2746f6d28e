"""A small company for tests: HQ with two departments, one with a sub-department, and people in each.

    hq (总部)
    ├── sales (销售部)            alice (head), bob
    │   └── sales_east (华东组)   carol
    └── finance (财务部)          dave (head)

Nobody holds any grant until a test gives one with `factories.grant`.
"""

from __future__ import annotations

from dataclasses import dataclass

from yewu.core.testing.factories import (
    DepartmentFactory,
    EmployeeFactory,
    PositionFactory,
    UserFactory,
)
from yewu.org.models import Department, Employee, Position


@dataclass
class Company:
    hq: Department
    sales: Department
    sales_east: Department
    finance: Department
    head: Position
    staff: Position
    alice: Employee
    bob: Employee
    carol: Employee
    dave: Employee
    admin: object


def build_company() -> Company:
    hq = DepartmentFactory(name="总部", code="hq")
    sales = DepartmentFactory(name="销售部", code="sales", parent=hq)
    sales_east = DepartmentFactory(name="华东组", code="sales-east", parent=sales)
    finance = DepartmentFactory(name="财务部", code="finance", parent=hq)
    head = PositionFactory(code="manager", name="部门经理", is_department_head=True, rank=80)
    staff = PositionFactory(code="staff", name="职员", rank=10)
    alice = EmployeeFactory(user=UserFactory(username="alice"), name="Alice 艾丽斯", department=sales, position=head)
    bob = EmployeeFactory(user=UserFactory(username="bob"), name="Bob 鲍勃", department=sales, position=staff, supervisor=alice)
    carol = EmployeeFactory(user=UserFactory(username="carol"), name="Carol 卡罗尔", department=sales_east, position=staff, supervisor=alice)
    dave = EmployeeFactory(user=UserFactory(username="dave"), name="Dave 戴夫", department=finance, position=head)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    return Company(hq, sales, sales_east, finance, head, staff, alice, bob, carol, dave, admin)
