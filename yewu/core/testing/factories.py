"""factory_boy factories for core and org records (tests build what they need, no fixture files)."""

from __future__ import annotations

import datetime
import functools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from yewu.core.models import Grant
from yewu.core.scopes import Scope
from yewu.org.models import Delegation, Department, Employee, PartTimePosition, Position, Team

TEST_PASSWORD = "pw-Test-2026"


@functools.cache
def _password_hash() -> str:
    """Hash the test password once (argon2 is deliberately slow), reuse it for every test user."""
    from django.contrib.auth.hashers import make_password

    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.LazyFunction(lambda: _password_hash())


class DepartmentFactory(factory.django.DjangoModelFactory):
    """Departments built directly; their materialised path is derived after save."""

    class Meta:
        model = Department
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"dept-{n}")
    parent = None

    @factory.post_generation
    def fix_path(obj, create, extracted, **kwargs):  # noqa: N805
        path = f"{obj.parent.path if obj.parent_id else '/'}{obj.pk}/"
        if obj.path != path:
            Department.objects.filter(pk=obj.pk).update(path=path)
            obj.path = path


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"岗位{n}")
    code = factory.Sequence(lambda n: f"pos-{n}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    user = factory.SubFactory(UserFactory)
    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    department = factory.SubFactory(DepartmentFactory)
    position = None


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"小组{n}")
    code = factory.Sequence(lambda n: f"team-{n}")
    department = factory.SubFactory(DepartmentFactory)


class PartTimePositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartTimePosition

    employee = factory.SubFactory(EmployeeFactory)
    department = factory.SubFactory(DepartmentFactory)
    position = factory.SubFactory(PositionFactory)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    principal = factory.SubFactory(EmployeeFactory)
    delegate = factory.SubFactory(EmployeeFactory)
    starts_at = factory.Faker("past_datetime", tzinfo=datetime.UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(days=5))


def grant(user, perm: str, scope: str = Scope.ALL, role_name: str | None = None) -> Group:
    """Give `user` a role granting `perm` ("app.codename") with `scope`; returns the role."""
    app_label, codename = perm.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    role, _ = Group.objects.get_or_create(name=role_name or f"role-{user.username}-{scope}")
    Grant.objects.update_or_create(role=role, permission=permission, defaults={"scope": scope})
    user.groups.add(role)
    from yewu.core.permissions import clear_cache

    clear_cache(user)
    return role
