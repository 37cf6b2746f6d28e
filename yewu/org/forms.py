from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yewu.org.models import Delegation, Department, Employee, Position, Team


class ScopedModelForm(forms.ModelForm):
    """Choice fields list only records the user may view."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "restrict"):
                field.queryset = qs.model.objects.restrict(user, "view")


class DepartmentForm(ScopedModelForm):
    class Meta:
        model = Department
        fields = ["name", "code", "parent", "description", "sort_order"]


class PositionForm(ScopedModelForm):
    class Meta:
        model = Position
        fields = ["name", "code", "rank", "is_department_head", "responsibilities"]


class TeamForm(ScopedModelForm):
    class Meta:
        model = Team
        fields = ["name", "code", "department", "leader", "description"]


class EmployeeForm(ScopedModelForm):
    username = forms.SlugField(label=_("Login name"), required=False, max_length=150)
    password = forms.CharField(label=_("Initial password"), required=False, widget=forms.PasswordInput)

    class Meta:
        model = Employee
        fields = [
            "employee_no", "name", "department", "position", "team", "supervisor", "mobile", "email",
            "hired_on",
        ]
        widgets = {"hired_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["username"]
            del self.fields["password"]
        self.fields["supervisor"].queryset = self.fields["supervisor"].queryset.filter(status="active")


class PartTimePositionForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.restrict(user, "view").filter(is_active=True)
        self.fields["position"].queryset = Position.objects.restrict(user, "view")


class DelegationForm(ScopedModelForm):
    process_keys = forms.CharField(
        label=_("Processes"), required=False,
        help_text=_("Process keys separated by commas; leave empty with 'all processes' ticked."),
    )

    class Meta:
        model = Delegation
        fields = ["principal", "delegate", "starts_at", "ends_at", "all_processes", "reason"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone active can be chosen as the acting person; the principal must be within scope.
        self.fields["delegate"].queryset = Employee.objects.filter(status="active")
        self.fields["principal"].queryset = Employee.objects.restrict(self.user, "view").filter(status="active")
