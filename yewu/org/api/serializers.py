from __future__ import annotations

from rest_framework import serializers

from yewu.org.models import Delegation, Department, Employee, Position, Team


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the user may only point at records they can see."""

    def get_queryset(self):
        request = self.context.get("request")
        model = self.queryset.model
        return model.objects.restrict(request.user, "view") if request else model.objects.none()


class DepartmentSerializer(serializers.ModelSerializer):
    parent = ScopedRelatedField(queryset=Department.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Department
        fields = ["id", "name", "code", "parent", "path", "description", "sort_order", "is_active"]
        read_only_fields = ["path", "is_active"]


class PositionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "name", "code", "responsibilities", "is_department_head", "rank"]


class TeamSerializer(serializers.ModelSerializer):
    department = ScopedRelatedField(queryset=Department.objects.all())
    leader = ScopedRelatedField(queryset=Employee.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "code", "department", "leader", "description"]


class EmployeeSerializer(serializers.ModelSerializer):
    department = ScopedRelatedField(queryset=Department.objects.all())
    position = ScopedRelatedField(queryset=Position.objects.all(), allow_null=True, required=False)
    team = ScopedRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    supervisor = ScopedRelatedField(queryset=Employee.objects.all(), allow_null=True, required=False)
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True)

    class Meta:
        model = Employee
        fields = [
            "id", "employee_no", "name", "username", "department", "position", "team", "supervisor",
            "mobile", "email", "hired_on", "left_on", "status",
        ]
        read_only_fields = ["left_on", "status"]


class DelegationSerializer(serializers.ModelSerializer):
    principal = ScopedRelatedField(queryset=Employee.objects.all())
    delegate = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.filter(status="active"))
    process_keys = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )

    class Meta:
        model = Delegation
        fields = [
            "id", "principal", "delegate", "starts_at", "ends_at", "all_processes", "process_keys",
            "reason", "created_at", "cancelled_at",
        ]
        read_only_fields = ["created_at", "cancelled_at"]
