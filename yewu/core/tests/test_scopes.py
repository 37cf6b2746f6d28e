"""The restricted queryset path: grants, scopes, unions of roles, custom actions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.core.scopes import Scope
from yewu.core.testing.factories import EmployeeFactory, grant
from yewu.org.models import Delegation, Department, Employee


def test_no_grant_sees_nothing(company):
    assert not Employee.objects.restrict(company.bob.user, "view").exists()


def test_anonymous_and_inactive_users_see_nothing(company):
    grant(company.bob.user, "org.view_employee", Scope.ALL)
    assert not Employee.objects.restrict(AnonymousUser(), "view").exists()
    company.bob.user.is_active = False
    assert not Employee.objects.restrict(company.bob.user, "view").exists()


def test_superuser_sees_everything(company):
    assert Employee.objects.restrict(company.admin, "view").count() == Employee.objects.count()


def test_own_scope_sees_only_own_record(company):
    grant(company.bob.user, "org.view_employee", Scope.OWN)
    assert list(Employee.objects.restrict(company.bob.user, "view")) == [company.bob]


def test_department_scope_includes_part_time_departments(company):
    from yewu.org.models import PartTimePosition

    PartTimePosition.objects.create(employee=company.bob, department=company.finance, position=company.staff)
    grant(company.bob.user, "org.view_employee", Scope.DEPARTMENT)
    visible = set(Employee.objects.restrict(company.bob.user, "view"))
    assert visible == {company.alice, company.bob, company.dave}


def test_department_self_scope_for_departments(company):
    grant(company.alice.user, "org.view_department", Scope.SUBTREE)
    visible = set(Department.objects.restrict(company.alice.user, "view"))
    assert visible == {company.sales, company.sales_east}


def test_roles_combine_as_a_union(company):
    grant(company.carol.user, "org.view_employee", Scope.OWN, role_name="r1")
    grant(company.carol.user, "org.view_delegation", Scope.ALL, role_name="r2")
    assert list(Employee.objects.restrict(company.carol.user, "view")) == [company.carol]
    # A second role widening the same permission widens what is visible.
    grant(company.carol.user, "org.view_employee", Scope.DEPARTMENT, role_name="r3")
    assert set(Employee.objects.restrict(company.carol.user, "view")) == {company.carol}
    grant(company.bob.user, "org.view_employee", Scope.OWN, role_name="r4")
    grant(company.bob.user, "org.view_employee", Scope.SUBTREE, role_name="r5")
    assert set(Employee.objects.restrict(company.bob.user, "view")) == {company.alice, company.bob, company.carol}


def test_grant_for_one_action_does_not_give_another(company):
    grant(company.bob.user, "org.view_employee", Scope.ALL)
    assert not Employee.objects.restrict(company.bob.user, "change").exists()
    with pytest.raises(DomainError) as exc:
        permissions.require(company.bob.user, "change", company.alice)
    assert exc.value.code == "core.permission_denied"


def test_out_of_scope_object_is_refused_with_its_own_code(company):
    grant(company.bob.user, "org.change_employee", Scope.DEPARTMENT)
    permissions.require(company.bob.user, "change", company.alice)
    with pytest.raises(DomainError) as exc:
        permissions.require(company.bob.user, "change", company.dave)
    assert exc.value.code == "core.out_of_scope"


def test_custom_actions_such_as_approve_are_scoped_like_any_other(company):
    ct = ContentType.objects.get_for_model(Delegation)
    Permission.objects.get_or_create(codename="approve_delegation", content_type=ct, defaults={"name": "Can approve"})
    d_sales = Delegation.objects.create(
        principal=company.bob, delegate=company.alice,
        starts_at="2026-01-01T00:00Z", ends_at="2026-01-05T00:00Z",
    )
    d_fin = Delegation.objects.create(
        principal=company.dave, delegate=company.alice,
        starts_at="2026-01-01T00:00Z", ends_at="2026-01-05T00:00Z",
    )
    grant(company.alice.user, "org.approve_delegation", Scope.SUBTREE)
    assert list(Delegation.objects.restrict(company.alice.user, "approve")) == [d_sales]
    assert permissions.can(company.alice.user, "approve", d_sales)
    assert not permissions.can(company.alice.user, "approve", d_fin)
    assert company.alice.user.has_perm("org.approve_delegation")
    assert not company.bob.user.has_perm("org.approve_delegation")


def test_require_new_checks_the_target_department(company):
    grant(company.alice.user, "org.add_employee", Scope.SUBTREE)
    permissions.require_new(company.alice.user, "add", Employee, department=company.sales_east)
    with pytest.raises(DomainError) as exc:
        permissions.require_new(company.alice.user, "add", Employee, department=company.finance)
    assert exc.value.code == "core.out_of_scope"


def test_audit_events_follow_scopes(company):
    from yewu.core.audit import record_event

    e1 = record_event(company.bob, "employee.changed", actor=company.bob.user)
    e2 = record_event(company.dave, "employee.changed", actor=company.dave.user)
    grant(company.alice.user, "core.view_event", Scope.SUBTREE)
    assert list(Event.objects.restrict(company.alice.user, "view")) == [e1]
    grant(company.carol.user, "core.view_event", Scope.ALL)
    assert set(Event.objects.restrict(company.carol.user, "view")) == {e1, e2}


def test_django_has_perm_uses_grants_only(company):
    other = EmployeeFactory(department=company.finance)
    assert not other.user.has_perm("org.view_employee")
    grant(other.user, "org.view_employee", Scope.OWN)
    assert other.user.has_perm("org.view_employee")


def test_a_grant_on_all_rows_decides_can_without_a_query_unless_the_model_restricts_itself(
    company, django_assert_num_queries
):
    from yewu.workflow.models import ProcessInstance

    grant(company.bob.user, "org.view_employee", Scope.ALL)
    grant(company.bob.user, "org.view_delegation", Scope.OWN, role_name="r2")
    permissions.scopes_for(company.bob.user, Employee, "view")  # grants read once per user
    permissions.departments_of(company.bob.user)
    with django_assert_num_queries(0):
        assert permissions.can(company.bob.user, "view", company.carol)
    assert not permissions.can(company.bob.user, "change", company.carol)  # another action: no grant
    # approvals widen their restricted queryset to participants: always decided by the query
    assert type(ProcessInstance._default_manager.all()).restrict is not type(Employee._default_manager.all()).restrict
