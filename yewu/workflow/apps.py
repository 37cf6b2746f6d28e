from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "yewu.workflow"
    label = "workflow"
    verbose_name = _("Processes and approvals")

    def ready(self) -> None:
        from yewu.core import periodic

        def due_tasks():
            from yewu.workflow.services import process_due_tasks

            counts = process_due_tasks()
            return counts if any(counts.values()) else None

        periodic.register("workflow.due_tasks", due_tasks)
        __import__("yewu.workflow.demo")  # registers the demo approvals loader with yewu.core.demo
        __import__("yewu.workflow.publishing")  # P21 moves the versions it publishes (workflow hooks)
        register_approval_centre()
        from yewu.org.signals import employee_resigned

        employee_resigned.connect(_hand_over_on_resignation, dispatch_uid="workflow.hand_over")
        _forget_versions_on_change()
        __import__("yewu.workflow.views_definitions", fromlist=["_"]).register_definition_menu()
        register_default_pack()


def _forget_versions_on_change() -> None:
    """Which process version is in force is remembered per transaction (workflow.services
    .startable_version); a saved or deleted process or version makes it read again."""
    from django.db.models.signals import post_delete, post_save

    from yewu.core.sql import forget
    from yewu.workflow.models import ProcessDefinition, ProcessVersion

    for model in (ProcessDefinition, ProcessVersion):
        post_save.connect(forget, sender=model, dispatch_uid=f"workflow.forget.save.{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"workflow.forget.delete.{model.__name__}")


def register_default_pack() -> None:
    """The default regulation pack, installed by `yewu process install default`."""
    from yewu.workflow import packs
    from yewu.workflow.pack import pack

    packs.register("default", _("Default regulation pack"), pack.install)


def _hand_over_on_resignation(sender, *, employee, actor, **kwargs) -> None:
    """Someone who left keeps no open task: their supervisor (else the administrator) gets them."""
    if employee.user_id:
        from yewu.workflow.services import hand_over_tasks

        hand_over_tasks(employee.user, actor=actor)


def register_approval_centre() -> None:
    """The approval centre's menu, its records in global search and its audit activity names."""
    from yewu.core.activities import register_labels, register_step_actions
    from yewu.core.navigation import MenuItem, Module, register, register_search
    from yewu.workflow.choices import Decision
    from yewu.workflow.models import ProcessInstance

    register(
        Module(
            key="approvals", label=_("Approvals"), icon="check2-square", order=5,
            items=[
                MenuItem(_("My approvals"), "workflow:inbox"),
                MenuItem(_("Start an approval"), "workflow:start", "workflow.add_processinstance"),
                MenuItem(_("All approvals"), "workflow:instance_list", "workflow.view_processinstance"),
            ],
        )
    )
    register_search(ProcessInstance, ("number", "title"), _("Approvals"))
    register_step_actions({
        **{d.value: d.label for d in Decision},
        "opened": _("Waiting for approval"),
        "skipped": _("Skipped: nobody to approve"),
        "signer_added": _("Signer added"),
        "reminded": _("Reminder before the time limit"),
        "escalated": _("Time limit passed"),
        "fired": _("Timer fired"),
    })
    register_labels({
        "process.started": _("Approval started"),
        "process.approved": _("Approval approved"),
        "process.rejected": _("Approval rejected"),
        "process.withdrawn": _("Withdrawn by the requester"),
        "process.cancelled": _("Ended: the record no longer needs it"),
        "process.copied": _("Copied to colleagues"),
        "process.urged": _("Reminder sent"),
    })
