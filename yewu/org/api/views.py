from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yewu.core.api.base import ScopedViewSet
from yewu.org import services
from yewu.org.api.serializers import (
    DelegationSerializer,
    DepartmentSerializer,
    EmployeeSerializer,
    PositionSerializer,
    TeamSerializer,
)
from yewu.org.models import Delegation, Department, Employee, Position, Team


class _ServiceWrites(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Create and update call the app's service; validation first, rules in the service."""

    save_service = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = type(self).save_service(None, dict(ser.validated_data), actor=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        obj = type(self).save_service(obj, dict(ser.validated_data), actor=request.user)
        return Response(self.get_serializer(obj).data)


class DepartmentViewSet(_ServiceWrites):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    save_service = staticmethod(services.save_department)
    filterset_fields = ["parent", "is_active", "code"]
    search_fields = ["name", "code"]
    ordering_fields = ["path", "name", "code"]


class PositionViewSet(_ServiceWrites):
    queryset = Position.objects.all()
    serializer_class = PositionSerializer
    save_service = staticmethod(services.save_position)
    filterset_fields = ["is_department_head", "code"]
    search_fields = ["name", "code"]


class TeamViewSet(_ServiceWrites):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    save_service = staticmethod(services.save_team)
    filterset_fields = ["department"]
    search_fields = ["name", "code"]


class EmployeeViewSet(_ServiceWrites):
    queryset = Employee.objects.all()
    serializer_class = EmployeeSerializer
    save_service = staticmethod(services.save_employee)
    select_related = ("user",)
    filterset_fields = ["department", "position", "team", "supervisor", "status"]
    search_fields = ["name", "employee_no", "mobile", "email"]
    ordering_fields = ["employee_no", "name"]

    @extend_schema(request=None, responses=EmployeeSerializer)
    @action(detail=True, methods=["post"])
    def resign(self, request, pk=None):
        employee = services.resign_employee(self.get_object(), actor=request.user)
        return Response(self.get_serializer(employee).data)

    def scope_action(self) -> str:
        return "change" if self.action == "resign" else super().scope_action()


class DelegationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Delegation.objects.all()
    serializer_class = DelegationSerializer
    filterset_fields = ["principal", "delegate", "all_processes"]
    ordering_fields = ["starts_at", "ends_at"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        delegation = services.create_delegation(
            data["principal"], data["delegate"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            all_processes=data.get("all_processes", True), process_keys=data.get("process_keys") or [],
            reason=data.get("reason", ""), actor=request.user,
        )
        return Response(self.get_serializer(delegation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DelegationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        delegation = services.cancel_delegation(self.get_object(), actor=request.user)
        return Response(self.get_serializer(delegation).data)

    def scope_action(self) -> str:
        return "change" if self.action == "cancel" else super().scope_action()
