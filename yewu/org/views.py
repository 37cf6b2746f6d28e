from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from yewu.core.views.generic import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from yewu.org import filters, forms, resolvers, services
from yewu.org.models import Delegation, Department, Employee, PartTimePosition, Position, Team
from yewu.org.models.employees import EmployeeStatus


@login_required
def org_chart(request):
    """The department tree with heads and head-counts, limited to the departments the user may view."""
    depts = list(
        Department.objects.restrict(request.user, "view").filter(is_active=True).annotate(
            staff=Count("employees", filter=Q(employees__status=EmployeeStatus.ACTIVE))
        )
    )
    by_parent: dict[int | None, list] = {}
    ids = {d.pk for d in depts}
    for d in depts:
        parent = d.parent_id if d.parent_id in ids else None
        by_parent.setdefault(parent, []).append(d)
    for children in by_parent.values():
        children.sort(key=lambda d: (d.sort_order, d.name))

    def build(parent_id):
        return [
            {"dept": d, "head": resolvers.department_head(d, climb=False), "children": build(d.pk)}
            for d in by_parent.get(parent_id, [])
        ]

    return render(request, "org/chart.html", {"tree": build(None), "title": _("Organisation chart")})


# --- departments ---------------------------------------------------------------------------------


class DepartmentListView(ObjectListView):
    model = Department
    filterset_class = filters.DepartmentFilterSet
    select_related = ("parent",)
    create_url_name = "org:department_add"
    columns = [
        Column("name", _("Name"), link=True),
        Column("code", _("Code")),
        Column("parent", _("Parent department")),
        Column("is_active", _("Active"), kind="bool"),
    ]


class DepartmentDetailView(ObjectDetailView):
    model = Department
    template_name = "org/department_detail.html"
    fields = [
        Column("code", _("Code")),
        Column("parent", _("Parent department")),
        Column("description", _("Description")),
        Column("is_active", _("Active"), kind="bool"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        dept = ctx["object"]
        ctx["head"] = resolvers.department_head(dept, climb=False)
        ctx["members"] = Employee.objects.restrict(self.request.user, "view").filter(
            department=dept, status=EmployeeStatus.ACTIVE
        ).select_related("position", "team")
        ctx["teams"] = Team.objects.restrict(self.request.user, "view").filter(department=dept)
        ctx["children"] = Department.objects.restrict(self.request.user, "view").filter(parent=dept)
        return ctx


class DepartmentEditView(ObjectEditView):
    model = Department
    form_class = forms.DepartmentForm

    def save(self, form):
        return services.save_department(self.object, form.cleaned_data, actor=self.request.user)


class DepartmentDeactivateView(ObjectActionView):
    model = Department

    def perform(self, obj):
        services.deactivate_department(obj, actor=self.request.user)


# --- positions -----------------------------------------------------------------------------------


class PositionListView(ObjectListView):
    model = Position
    filterset_class = filters.PositionFilterSet
    create_url_name = "org:position_add"
    columns = [
        Column("name", _("Name"), link=True),
        Column("code", _("Code")),
        Column("rank", _("Rank")),
        Column("is_department_head", _("Heads the department"), kind="bool"),
    ]


class PositionDetailView(ObjectDetailView):
    model = Position
    template_name = "org/position_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        holders = resolvers.holders(ctx["object"])
        visible = set(
            Employee.objects.restrict(self.request.user, "view")
            .filter(pk__in=[e.pk for e in holders]).values_list("pk", flat=True)
        )
        ctx["holders"] = [e for e in holders if e.pk in visible]
        return ctx
    fields = [
        Column("code", _("Code")),
        Column("rank", _("Rank")),
        Column("is_department_head", _("Heads the department"), kind="bool"),
        Column("responsibilities", _("Responsibilities"), kind="multiline"),
    ]


class PositionEditView(ObjectEditView):
    model = Position
    form_class = forms.PositionForm

    def save(self, form):
        return services.save_position(self.object, form.cleaned_data, actor=self.request.user)


# --- groups --------------------------------------------------------------------------------------


class TeamListView(ObjectListView):
    model = Team
    filterset_class = filters.TeamFilterSet
    select_related = ("department", "leader")
    create_url_name = "org:team_add"
    columns = [
        Column("name", _("Name"), link=True),
        Column("code", _("Code")),
        Column("department", _("Department")),
        Column("leader", _("Leader")),
    ]


class TeamDetailView(ObjectDetailView):
    model = Team
    template_name = "org/team_detail.html"
    fields = [
        Column("code", _("Code")),
        Column("department", _("Department")),
        Column("leader", _("Leader")),
        Column("description", _("Description")),
    ]


class TeamEditView(ObjectEditView):
    model = Team
    form_class = forms.TeamForm

    def save(self, form):
        return services.save_team(self.object, form.cleaned_data, actor=self.request.user)


# --- employees -----------------------------------------------------------------------------------


class EmployeeListView(ObjectListView):
    model = Employee
    filterset_class = filters.EmployeeFilterSet
    select_related = ("department", "position", "supervisor", "team")
    create_url_name = "org:employee_add"
    columns = [
        Column("employee_no", _("Employee number")),
        Column("name", _("Name"), link=True),
        Column("department", _("Department")),
        Column("position", _("Position")),
        Column("team", _("Group")),
        Column("supervisor", _("Supervisor")),
        Column("get_status_display", _("Status"), kind="tag"),
    ]


class EmployeeDetailView(ObjectDetailView):
    model = Employee
    template_name = "org/employee_detail.html"
    fields = [
        Column("employee_no", _("Employee number")),
        Column("user.username", _("Login name")),
        Column("department", _("Department")),
        Column("position", _("Position")),
        Column("team", _("Group")),
        Column("supervisor", _("Supervisor")),
        Column("mobile", _("Mobile")),
        Column("email", _("E-mail")),
        Column("hired_on", _("Hired on"), kind="date"),
        Column("get_status_display", _("Status"), kind="tag"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        emp = ctx["object"]
        ctx["part_time"] = emp.part_time_positions.select_related("department", "position")
        ctx["part_time_form"] = forms.PartTimePositionForm(user=self.request.user)
        ctx["chain"] = resolvers.supervisor_chain(emp)
        ctx["delegations"] = Delegation.objects.restrict(self.request.user, "view").filter(
            Q(principal=emp) | Q(delegate=emp)
        ).select_related("principal", "delegate")[:20]
        return ctx


class EmployeeEditView(ObjectEditView):
    model = Employee
    form_class = forms.EmployeeForm

    def save(self, form):
        data = dict(form.cleaned_data)
        username = data.pop("username", None) or None
        password = data.pop("password", None) or None
        return services.save_employee(
            self.object, data, actor=self.request.user, username=username, password=password
        )


class EmployeePartTimeAddView(ObjectActionView):
    """Add a part-time position from the employee page."""

    model = Employee

    def perform(self, obj):
        form = forms.PartTimePositionForm(self.request.POST, user=self.request.user)
        if not form.is_valid():
            from django.contrib import messages

            messages.error(self.request, _("Choose a department and a position."))
            return
        services.add_part_time_position(
            obj, form.cleaned_data["department"], form.cleaned_data["position"], actor=self.request.user
        )


class EmployeePartTimeRemoveView(ObjectActionView):
    model = PartTimePosition
    action = "view"

    def perform(self, obj):
        services.remove_part_time_position(obj, actor=self.request.user)

    def success_url(self, obj) -> str:
        return obj.employee.get_absolute_url()


class EmployeeResignView(ObjectActionView):
    model = Employee

    def perform(self, obj):
        services.resign_employee(obj, actor=self.request.user)


# --- delegations ---------------------------------------------------------------------------------


class DelegationListView(ObjectListView):
    model = Delegation
    filterset_class = filters.DelegationFilterSet
    select_related = ("principal", "delegate")
    create_url_name = "org:delegation_add"
    columns = [
        Column("principal", _("Principal"), link=True),
        Column("delegate", _("Acting person")),
        Column("starts_at", _("From"), kind="datetime"),
        Column("ends_at", _("Until"), kind="datetime"),
        Column("all_processes", _("All processes"), kind="bool"),
        Column("cancelled_at", _("Cancelled at"), kind="datetime"),
    ]


class DelegationDetailView(ObjectDetailView):
    model = Delegation
    template_name = "org/delegation_detail.html"
    fields = [
        Column("principal", _("Principal")),
        Column("delegate", _("Acting person")),
        Column("starts_at", _("From"), kind="datetime"),
        Column("ends_at", _("Until"), kind="datetime"),
        Column("all_processes", _("All processes"), kind="bool"),
        Column("process_keys", _("Processes")),
        Column("reason", _("Reason")),
        Column("cancelled_at", _("Cancelled at"), kind="datetime"),
    ]


class DelegationCreateView(ObjectEditView):
    model = Delegation
    form_class = forms.DelegationForm
    action = "add"

    def save(self, form):
        d = form.cleaned_data
        keys = [k for k in (d.get("process_keys") or "").replace("，", ",").split(",") if k.strip()]
        return services.create_delegation(
            d["principal"], d["delegate"], starts_at=d["starts_at"], ends_at=d["ends_at"],
            all_processes=d.get("all_processes", False), process_keys=keys, reason=d.get("reason", ""),
            actor=self.request.user,
        )


class DelegationCancelView(ObjectActionView):
    model = Delegation

    def perform(self, obj):
        services.cancel_delegation(obj, actor=self.request.user)
