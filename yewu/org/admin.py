"""The organisation is edited in Yewu's own pages (services, audit); the admin only shows it."""

from django.contrib import admin

from yewu.core.admin import ReadOnlyAdmin
from yewu.org.models import Delegation, Department, Employee, Position, Team


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "parent", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "rank", "is_department_head"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "department", "leader"]


@admin.register(Employee)
class EmployeeAdmin(ReadOnlyAdmin):
    list_display = ["employee_no", "name", "department", "position", "status"]
    search_fields = ["name", "employee_no"]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ["principal", "delegate", "starts_at", "ends_at", "cancelled_at"]
