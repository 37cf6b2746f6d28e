from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "yewu.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from yewu.core.navigation import MenuItem, Module, register, register_search
        from yewu.org.models import Department, Employee, Position

        register(
            Module(
                key="org", label=_("Organisation"), icon="diagram-3", order=10,
                items=[
                    MenuItem(_("Organisation chart"), "org:chart", "org.view_department"),
                    MenuItem(_("Departments"), "org:department_list", "org.view_department"),
                    MenuItem(_("Employees"), "org:employee_list", "org.view_employee"),
                    MenuItem(_("Positions"), "org:position_list", "org.view_position"),
                    MenuItem(_("Groups"), "org:team_list", "org.view_team"),
                    MenuItem(_("Delegations"), "org:delegation_list", "org.view_delegation"),
                ],
            )
        )
        register_search(Employee, ("name", "employee_no", "mobile", "email"), _("Employees"))
        register_search(Department, ("name", "code"), _("Departments"))
        register_search(Position, ("name", "code"), _("Positions"))
