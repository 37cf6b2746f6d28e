from yewu.core.scopes import Scope
from yewu.core.testing.factories import grant
from yewu.org.models import Employee


def test_department_scope_sees_own_department_only(company):
    grant(company.bob.user, "org.view_employee", Scope.DEPARTMENT)
    visible = set(Employee.objects.restrict(company.bob.user, "view"))
    assert visible == {company.alice, company.bob}


def test_subtree_scope_sees_sub_departments(company):
    grant(company.alice.user, "org.view_employee", Scope.SUBTREE)
    visible = set(Employee.objects.restrict(company.alice.user, "view"))
    assert visible == {company.alice, company.bob, company.carol}
