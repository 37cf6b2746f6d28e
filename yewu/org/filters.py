from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yewu.org.models import Delegation, Department, Employee, Position, Team
from yewu.org.models.employees import EmployeeStatus


class ScopedFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    search_fields: tuple[str, ...] = ("name",)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        for f in self.filters.values():
            # Model choice filters keep their queryset on `f.queryset` and copy it into `extra` when
            # their form field is built: both must be the restricted one, or the choices (and the
            # values accepted) would reach records outside the user's scope.
            qs = getattr(f, "queryset", None)
            if qs is None:
                qs = f.extra.get("queryset")
            if qs is not None and hasattr(qs, "restrict") and request is not None:
                restricted = qs.model.objects.restrict(request.user, "view")
                if hasattr(f, "queryset"):
                    f.queryset = restricted
                f.extra["queryset"] = restricted

    def search(self, queryset, name, value):
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)


class DepartmentFilterSet(ScopedFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = Department
        fields = ["q", "is_active"]


class PositionFilterSet(ScopedFilterSet):
    search_fields = ("name", "code", "responsibilities")

    class Meta:
        model = Position
        fields = ["q", "is_department_head"]


class TeamFilterSet(ScopedFilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("Department"))

    class Meta:
        model = Team
        fields = ["q", "department"]


class EmployeeFilterSet(ScopedFilterSet):
    search_fields = ("name", "employee_no", "mobile", "email")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), label=_("Department"), method="in_department"
    )
    position = django_filters.ModelChoiceFilter(queryset=Position.objects.all(), label=_("Position"))
    status = django_filters.ChoiceFilter(choices=EmployeeStatus.choices, label=_("Status"))

    class Meta:
        model = Employee
        fields = ["q", "department", "position", "status"]

    def in_department(self, queryset, name, value):
        return queryset.filter(department__path__startswith=value.path)


class DelegationFilterSet(ScopedFilterSet):
    search_fields = ("principal__name", "delegate__name", "reason")

    class Meta:
        model = Delegation
        fields = ["q", "all_processes"]
