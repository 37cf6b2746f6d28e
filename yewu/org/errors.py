from django.utils.translation import gettext_lazy as _

from yewu.core.errors import ErrorCode


class OrgError(ErrorCode):
    DEPARTMENT_CYCLE = "org.department_cycle", _(
        "A department cannot be placed under itself or one of its own sub-departments."
    )
    DEPARTMENT_NOT_EMPTY = "org.department_not_empty", _(
        "The department %(name)s still has active employees or active sub-departments."
    )
    DEPARTMENT_INACTIVE = "org.department_inactive", _("The department %(name)s is no longer active.")
    CODE_TAKEN = "org.code_taken", _("The code %(code)s is already in use.")
    SUPERVISOR_CYCLE = "org.supervisor_cycle", _(
        "%(name)s cannot report to %(supervisor)s: that would make a reporting loop."
    )
    SUPERVISOR_RESIGNED = "org.supervisor_resigned", _("%(name)s has resigned and cannot be a supervisor.")
    TEAM_OTHER_DEPARTMENT = "org.team_other_department", _(
        "The group %(team)s belongs to another department."
    )
    EMPLOYEE_RESIGNED = "org.employee_resigned", _("%(name)s has already resigned.")
    EMPLOYEE_HAS_REPORTS = "org.employee_has_reports", _(
        "%(name)s still supervises %(count)s active employees; assign them a new supervisor first."
    )
    EMPLOYEE_NO_TAKEN = "org.employee_no_taken", _("Employee number %(number)s is already in use.")
    USERNAME_TAKEN = "org.username_taken", _("The login name %(username)s is already in use.")
    DELEGATION_SELF = "org.delegation_self", _("Nobody can delegate to themselves.")
    DELEGATION_PERIOD = "org.delegation_period", _("A delegation must end after it starts.")
    DELEGATION_PROCESSES = "org.delegation_processes", _(
        "Choose at least one process, or delegate all processes."
    )
    DELEGATION_OVERLAP = "org.delegation_overlap", _(
        "%(name)s already has a delegation in force for part of this period."
    )
    DELEGATION_CHAIN = "org.delegation_chain", _(
        "%(name)s is already part of another delegation in this period; delegations cannot be chained."
    )
    DELEGATE_RESIGNED = "org.delegate_resigned", _("%(name)s has resigned and cannot act for anyone.")
    DELEGATION_CANCELLED = "org.delegation_cancelled", _("This delegation is already cancelled or over.")
    PART_TIME_DUPLICATE = "org.part_time_duplicate", _("%(name)s already holds this position there.")
