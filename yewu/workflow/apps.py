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
