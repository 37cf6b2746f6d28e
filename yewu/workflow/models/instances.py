from __future__ import annotations

import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.links import record_url
from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus


def participant_q(user, prefix: str = "") -> Q:
    """Approvals the user takes part in: requested, holds or held a task (also as the person a
    delegate acts for), or was copied on."""
    tasks = Task.objects.filter(Q(assignee=user) | Q(principal=user)).values("instance_id")
    copies = CarbonCopy.objects.filter(user=user).values("instance_id")
    return (
        Q(**{f"{prefix}requester": user})
        | Q(**{f"{prefix}pk__in": tasks})
        | Q(**{f"{prefix}pk__in": copies})
    )


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class ProcessInstanceQuerySet(RestrictedQuerySet):
    """Approvals are visible to their participants whatever their grants, and to others as a role's
    workflow.view_processinstance scope reaches. The one place this rule lives: lists, pages,
    search, exports, the API and `permissions.can` all go through `restrict`.

    Participants may also comment (comments need "view") and attach files: the action "attach"
    is granted to them and to whoever a role lets change the approval. Other actions follow the
    role grants alone."""

    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        if action not in ("view", ATTACH):
            return super().restrict(user, action)
        from yewu.core.permissions import scope_q

        if not _active(user):
            return self.none()
        granted = scope_q(user, self.model, "view" if action == "view" else "change")
        if granted is True:
            return self.all()
        q = participant_q(user)
        if granted is not None:
            q |= granted
        return self.filter(q)


class TaskQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        """Tasks one may see: those of the approvals one may see (subquery on their ids: no join
        fan-out, no DISTINCT), plus what a role grants on tasks directly (workflow.view_task)."""
        if action != "view":
            return super().restrict(user, action)
        from yewu.core.permissions import scope_q

        if not _active(user):
            return self.none()
        granted = scope_q(user, self.model, "view")
        if granted is True:
            return self.all()
        q = Q(instance__in=ProcessInstance.objects.restrict(user, "view").values("pk"))
        if granted is not None:
            q |= granted
        return self.filter(q)

    def open(self) -> TaskQuerySet:
        return self.filter(status=TaskStatus.OPEN)

    def for_user(self, user) -> TaskQuerySet:
        return self.filter(assignee=user)

    def overdue(self, at=None) -> TaskQuerySet:
        return self.open().filter(due_at__lt=at or timezone.now())


#: The action that lets someone add files to an approval (see ProcessInstanceQuerySet).
ATTACH = "attach"


class ProcessInstance(ScopedModel):
    """One run of a process version for one business record (or a general approval form).

    `state` holds the engine's serialized state without the spec (the spec comes from a cache of
    parsed versions); `revision` increases on every step so that concurrent steps cannot both apply.
    """

    scope_owner_field = "requester"
    scope_department_field = "department"
    attachment_action = ATTACH

    version = models.ForeignKey(
        "workflow.ProcessVersion", verbose_name=_("process version"), on_delete=models.PROTECT,
        related_name="instances",
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, blank=True, default="")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    form_json = models.TextField(_("form data"), default="{}")
    state = models.TextField(default="{}")
    revision = models.PositiveIntegerField(default=0)
    next_timer_due = models.DateTimeField(null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = ProcessInstanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["requester", "status"], name="instance_requester"),
            models.Index(fields=["content_type", "object_id"], name="instance_record"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return record_url("workflow:instance_detail", self.pk)

    @property
    def form_data(self) -> dict:
        try:
            value = json.loads(self.form_json or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def is_running(self) -> bool:
        return self.status == InstanceStatus.RUNNING


class Task(ScopedModel):
    """The relational projection of work: one row per person per step, read by inboxes and dashboards."""

    scope_owner_field = "assignee"
    scope_department_field = "instance__department"

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="tasks")
    step_id = models.CharField(_("step"), max_length=200)
    name = models.CharField(_("step name"), max_length=200)
    lane = models.CharField(_("role"), max_length=200, blank=True, default="")
    spiff_task = models.CharField(max_length=40, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="workflow_tasks",
    )
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("on behalf of"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("Set when the assignee acts as a delegate for someone else."),
    )
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True, default="")
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["assignee", "status", "-created_at"], name="task_inbox"),
            models.Index(fields=["instance", "status"], name="task_instance"),
            models.Index(fields=["status", "due_at"], name="task_due"),
        ]

    def __str__(self) -> str:
        return f"{self.instance.number} · {self.name}"

    def get_absolute_url(self) -> str:
        return self.instance.get_absolute_url()

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN


class CarbonCopy(models.Model):
    """A person kept informed of an approval (抄送) without acting on it."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="carbon_copies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("carbon copy")
        verbose_name_plural = _("carbon copies")
        constraints = [models.UniqueConstraint(fields=["instance", "user"], name="cc_unique")]

    def __str__(self) -> str:
        return f"{self.instance} → {self.user}"
