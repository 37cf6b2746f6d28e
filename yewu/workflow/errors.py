from django.utils.translation import gettext_lazy as _

from yewu.core.errors import ErrorCode


class WorkflowError(ErrorCode):
    NOT_PUBLISHED = "workflow.not_published", _("The process %(name)s has no published version to start.")
    NO_APPROVER = "workflow.no_approver", _(
        "Nobody can approve the step %(step)s: %(reason)s. Ask an administrator to fix the process settings."
    )
    TASK_CLOSED = "workflow.task_closed", _("This task has already been handled.")
    NOT_ASSIGNEE = "workflow.not_assignee", _("This task is assigned to someone else.")
    CONFLICT = "workflow.conflict", _(
        "Someone else acted on this approval at the same moment. Reload the page and try again."
    )
    INSTANCE_CLOSED = "workflow.instance_closed", _("This approval is already finished.")
    REASON_REQUIRED = "workflow.reason_required", _("Give a reason when you reject.")
    WITHDRAW_AFTER_DECISION = "workflow.withdraw_after_decision", _(
        "The approval can no longer be withdrawn: someone has already decided on it."
    )
    NOT_REQUESTER = "workflow.not_requester", _("Only the requester can do this.")
    RETURN_TARGET = "workflow.return_target", _("The approval cannot go back to %(step)s: that step has not been done yet.")
    TRANSFER_SELF = "workflow.transfer_self", _("Choose someone else to hand this task to.")
    INACTIVE_USER = "workflow.inactive_user", _("%(name)s cannot receive tasks: the account is not active.")
    INVALID_FORM = "workflow.invalid_form", _("The form is not complete: %(errors)s")
    ENGINE = "workflow.engine", _("The process could not continue: %(reason)s")
    URGE_TOO_SOON = "workflow.urge_too_soon", _("A reminder was sent less than an hour ago.")
    BAD_TRANSITION = "workflow.bad_transition", _("A version in status %(current)s cannot move to %(target)s.")
    INVALID_BPMN = "workflow.invalid_bpmn", _("The BPMN file cannot be used: %(reason)s")
    VERSION_NOT_DRAFT = "workflow.version_not_draft", _("Only draft versions can be changed; create a new version instead.")
