"""Look-ups processes use to find people: department heads, supervisors, position holders, deputies."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.testing.factories import (
    DelegationFactory,
    DepartmentFactory,
    EmployeeFactory,
    PartTimePositionFactory,
    PositionFactory,
)
from yewu.org.models.employees import EmployeeStatus
from yewu.org.resolvers import (
    acting_for,
    department_head,
    holders,
    holders_by_code,
    logins,
    supervisor_chain,
    supervisor_of,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture
def org(company):
    """The persona company plus a CEO heading HQ (hq → sales → sales_east; hq → finance)."""
    company.ceo = PositionFactory(code="ceo", name="总经理", is_department_head=True, rank=100)
    company.hank = EmployeeFactory(name="Hank 汉克", department=company.hq, position=company.ceo)
    return company


# --- department heads ------------------------------------------------------------------------------


def test_department_head_holds_a_head_position_in_that_department(org):
    assert department_head(org.sales) == org.alice
    assert department_head(org.finance) == org.dave
    assert department_head(org.hq) == org.hank


def test_department_without_a_head_climbs_to_the_parents_head(org):
    assert department_head(org.sales_east) == org.alice
    assert department_head(org.sales_east, climb=False) is None


def test_no_head_anywhere_up_the_tree_gives_none(company):
    branch = DepartmentFactory(code="branch")
    office = DepartmentFactory(code="branch-office", parent=branch)
    EmployeeFactory(department=office, position=company.staff)

    assert department_head(office) is None
    assert department_head(company.hq) is None


def test_part_time_head_counts_as_head(org):
    PartTimePositionFactory(employee=org.bob, department=org.sales_east, position=org.head)

    assert department_head(org.sales_east, climb=False) == org.bob
    assert department_head(org.sales_east) == org.bob


def test_part_time_head_elsewhere_does_not_head_the_home_department(company):
    PartTimePositionFactory(employee=company.carol, department=company.hq, position=company.head)

    assert department_head(company.sales_east, climb=False) is None
    assert department_head(company.hq) == company.carol


def test_resigned_head_is_not_the_head(org):
    EmployeeFactory(department=org.sales_east, position=org.head, status=EmployeeStatus.RESIGNED)

    assert department_head(org.sales_east, climb=False) is None
    assert department_head(org.sales_east) == org.alice


def test_the_highest_ranked_of_several_heads_is_the_head(org):
    EmployeeFactory(department=org.hq, position=org.head)

    assert department_head(org.hq) == org.hank


# --- supervisors -----------------------------------------------------------------------------------


def test_supervisor_is_the_one_set_on_the_employee(org):
    assert supervisor_of(org.bob) == org.alice
    assert supervisor_of(org.carol) == org.alice


def test_without_a_supervisor_the_department_head_supervises(org):
    newcomer = EmployeeFactory(department=org.finance, position=org.staff)

    assert supervisor_of(newcomer) == org.dave


def test_without_a_head_in_the_department_the_nearest_head_above_supervises(org):
    newcomer = EmployeeFactory(department=org.sales_east, position=org.staff)

    assert supervisor_of(newcomer) == org.alice


def test_a_head_is_supervised_by_the_head_above_not_by_themself(org):
    assert supervisor_of(org.alice) == org.hank
    assert supervisor_of(org.dave) == org.hank
    assert supervisor_of(org.hank) is None


def test_supervisor_chain_goes_up_the_given_number_of_levels(org):
    assert supervisor_chain(org.carol) == [org.alice, org.hank]
    assert supervisor_chain(org.carol, levels=1) == [org.alice]
    assert supervisor_chain(org.carol, levels=5) == [org.alice, org.hank]
    assert supervisor_chain(org.carol, levels=0) == []


def test_supervisor_chain_stops_at_the_first_holder_of_a_position(org):
    assert supervisor_chain(org.carol, up_to_position=org.head) == [org.alice]
    assert supervisor_chain(org.carol, up_to_position="ceo") == [org.alice, org.hank]


def test_supervisor_chain_stops_at_a_part_time_holder_of_the_position(org):
    director = PositionFactory(code="director", rank=90)
    PartTimePositionFactory(employee=org.alice, department=org.hq, position=director)

    assert supervisor_chain(org.carol, up_to_position="director") == [org.alice]


def test_supervisor_chain_with_levels_and_position_stops_at_whichever_comes_first(org):
    assert supervisor_chain(org.carol, levels=1, up_to_position="ceo") == [org.alice]


def test_supervisor_chain_ends_on_a_reporting_loop(company):
    x = EmployeeFactory(department=company.finance)
    y = EmployeeFactory(department=company.finance, supervisor=x)
    x.supervisor = y
    x.save()

    assert supervisor_chain(x) == [y]


# --- position holders ------------------------------------------------------------------------------


def test_holders_of_a_position_across_the_company(org):
    assert holders(org.head) == [org.alice, org.dave]
    assert holders("manager") == [org.alice, org.dave]
    assert holders("no-such-position") == []


def test_holders_in_one_department(org):
    assert holders(org.head, org.sales) == [org.alice]
    assert holders(org.staff, org.sales) == [org.bob]
    assert holders(org.head, org.hq) == []


def test_holders_in_a_department_and_below(org):
    assert holders(org.head, org.hq, include_below=True) == [org.alice, org.dave]
    assert holders(org.staff, org.sales, include_below=True) == [org.bob, org.carol]
    assert holders(org.staff, org.finance, include_below=True) == []


def test_part_time_holders_are_holders_where_they_hold_it(org):
    PartTimePositionFactory(employee=org.bob, department=org.finance, position=org.head)

    assert holders(org.head) == [org.alice, org.bob, org.dave]
    assert holders(org.head, org.finance) == [org.bob, org.dave]
    # Bob's primary position (staff) is in sales, not where he holds the part-time one.
    assert holders(org.staff, org.finance) == []
    assert holders(org.head, org.sales) == [org.alice]


def test_part_time_holders_below_a_department(org):
    PartTimePositionFactory(employee=org.dave, department=org.sales_east, position=org.head)

    assert holders(org.head, org.sales, include_below=True) == [org.alice, org.dave]
    assert holders(org.head, org.finance, include_below=True) == [org.dave]


def test_resigned_employees_hold_nothing(org):
    gone = EmployeeFactory(department=org.sales, position=org.head, status=EmployeeStatus.RESIGNED)
    PartTimePositionFactory(employee=gone, department=org.finance, position=org.head)

    assert gone not in holders(org.head)
    assert holders(org.head, org.finance) == [org.dave]


# --- deputies --------------------------------------------------------------------------------------


def _delegation(principal, delegate, *, start: float, end: float, **kwargs):
    now = timezone.now()
    return DelegationFactory(
        principal=principal,
        delegate=delegate,
        starts_at=now + start * DAY,
        ends_at=now + end * DAY,
        **kwargs,
    )


def test_delegate_acts_while_a_delegation_is_in_force(org):
    _delegation(org.alice, org.bob, start=-1, end=1)

    assert acting_for(org.alice) == org.bob
    assert acting_for(org.alice, "purchase") == org.bob
    assert acting_for(org.carol) == org.carol


def test_expired_or_future_delegation_does_not_act(org):
    _delegation(org.alice, org.bob, start=-3, end=-1)
    _delegation(org.alice, org.carol, start=1, end=3)

    assert acting_for(org.alice) == org.alice
    assert acting_for(org.alice, at=timezone.now() + 2 * DAY) == org.carol
    assert acting_for(org.alice, at=timezone.now() - 2 * DAY) == org.bob


def test_cancelled_delegation_does_not_act(org):
    _delegation(org.alice, org.bob, start=-1, end=1, cancelled_at=timezone.now())

    assert acting_for(org.alice) == org.alice


def test_delegation_for_chosen_processes_acts_only_for_those(org):
    _delegation(
        org.alice, org.bob, start=-1, end=1, all_processes=False, process_keys_text='["leave"]'
    )
    _delegation(
        org.alice, org.carol, start=-1, end=1, all_processes=False, process_keys_text='["purchase"]'
    )

    assert acting_for(org.alice, "leave") == org.bob
    assert acting_for(org.alice, "purchase") == org.carol
    assert acting_for(org.alice, "expense") == org.alice
    assert acting_for(org.alice) == org.alice


def test_resigned_delegate_does_not_act(org):
    gone = EmployeeFactory(department=org.sales, status=EmployeeStatus.RESIGNED)
    _delegation(org.alice, gone, start=-1, end=1)

    assert acting_for(org.alice) == org.alice


# --- the prepared statements give what the ORM queries gave ---------------------------------------


def _orm_holders(position, department=None, include_below=False):
    from django.db.models import Q

    from yewu.org.models import Employee

    q = Q(position=position) | Q(part_time_positions__position=position)
    if department is not None and include_below:
        q = Q(position=position, department__path__startswith=department.path) | Q(
            part_time_positions__position=position, part_time_positions__department__path__startswith=department.path)
    elif department is not None:
        q = Q(position=position, department=department) | Q(
            part_time_positions__position=position, part_time_positions__department=department)
    return list(Employee.objects.filter(q, status=EmployeeStatus.ACTIVE).distinct().order_by("employee_no"))


def _orm_head(department):
    from django.db.models import Q

    from yewu.org.models import Employee

    return Employee.objects.filter(
        Q(department=department, position__is_department_head=True)
        | Q(part_time_positions__department=department, part_time_positions__position__is_department_head=True),
        status=EmployeeStatus.ACTIVE,
    ).distinct().order_by("-position__rank", "employee_no").first()


def test_holders_and_heads_match_the_orm_queries_on_a_mixed_organisation(org):
    from yewu.org.models import Department, Position

    deputy = PositionFactory(code="deputy", name="副经理", is_department_head=True, rank=70)
    clerk = PositionFactory(code="clerk", name="文员", rank=5)
    plant = DepartmentFactory(code="plant_10%", name="工厂", parent=org.sales)  # a LIKE wildcard in no path
    EmployeeFactory(name="Ivy", department=plant, position=deputy)
    EmployeeFactory(name="Jon", department=org.sales_east, position=clerk)
    gone = EmployeeFactory(name="Ken", department=org.sales_east, position=deputy, status=EmployeeStatus.RESIGNED)
    PartTimePositionFactory(employee=gone, department=org.finance, position=clerk)
    PartTimePositionFactory(employee=org.bob, department=plant, position=clerk)
    PartTimePositionFactory(employee=org.bob, department=org.finance, position=deputy)
    EmployeeFactory(name="Lea", department=org.finance, position=None, user=None)
    PartTimePositionFactory(employee=org.dave, department=org.sales_east, position=clerk)

    for position in Position.objects.all():
        assert holders(position) == _orm_holders(position)
        assert holders(position.code) == _orm_holders(position)
        assert holders_by_code(position.code) == _orm_holders(position)
        for department in Department.objects.all():
            for below in (False, True):
                assert holders(position, department, include_below=below) == _orm_holders(position, department, below)
            assert holders_by_code(position.code, department) == _orm_holders(position, department)
            assert holders_by_code(position.code, department.code) == _orm_holders(position, department)
    assert holders_by_code("no-such-position") == []
    assert holders_by_code(clerk.code, "no-such-department") == []
    for department in Department.objects.all():
        assert department_head(department, climb=False) == _orm_head(department)
    # the logins come with the employees: no query to reach them
    found = holders(clerk, org.sales, include_below=True)
    assert found
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert all(e.user is None or e.user.employee is e for e in found)
    assert len(ctx.captured_queries) == 0


def test_logins_by_username_or_id_come_with_their_employee_as_the_orm_gives_them(org):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yewu.core.testing.factories import UserFactory

    User = get_user_model()
    admin = UserFactory(username="root-admin", is_superuser=True)  # a login without an employee record
    inactive = UserFactory(username="gone-login", is_active=False)
    names = [org.alice.user.username, org.bob.user.username, admin.username, inactive.username, "nobody"]
    expected = list(User.objects.filter(username__in=names, is_active=True).select_related("employee").order_by("pk"))

    by_name = sorted(logins(usernames=names), key=lambda u: u.pk)
    by_id = sorted(logins(ids=[u.pk for u in expected] + [inactive.pk, 10**9]), key=lambda u: u.pk)
    for found in (by_name, by_id):
        assert found == expected
        with CaptureQueriesContext(connection) as ctx:
            employees = [getattr(u, "employee", None) for u in found]
            assert all(e is None or e.user is u for e, u in zip(employees, found, strict=True))
        assert len(ctx.captured_queries) == 0
        assert employees == [getattr(u, "employee", None) for u in expected]
        assert [u.username for u in found] == [u.username for u in expected]
    assert logins(usernames=[]) == [] and logins(ids=[]) == []
