from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yewu.workflow import inbox
from yewu.workflow.choices import InstanceStatus, TaskStatus
from yewu.workflow.models import ProcessInstance, Task

MAX_ID = 2**63 - 1


def _person(user: Any) -> str:
    return inbox.person(user)


class PersonField(serializers.SlugRelatedField):
    """A colleague by login name (only active accounts can receive work)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(**kwargs)


class InstanceSerializer(serializers.ModelSerializer):
    """An approval as lists show it."""

    process = serializers.CharField(source="version.definition.key", read_only=True)
    process_name = serializers.CharField(source="version.definition.name", read_only=True)
    version = serializers.IntegerField(source="version.version", read_only=True)
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    requester_name = serializers.SerializerMethodField()
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = ProcessInstance
        fields = [
            "id", "number", "title", "process", "process_name", "version", "status", "requester",
            "requester_name", "department", "department_name", "started_at", "ended_at",
        ]
        read_only_fields = fields

    def get_requester_name(self, obj: ProcessInstance) -> str:
        return _person(obj.requester)


class TaskSerializer(serializers.ModelSerializer):
    """One person's part in one step: who, for whom, since when, due when, and what they decided."""

    instance_number = serializers.CharField(source="instance.number", read_only=True)
    instance_title = serializers.CharField(source="instance.title", read_only=True)
    step = serializers.CharField(source="step_id", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    principal = serializers.SlugRelatedField(slug_field="username", read_only=True)
    principal_name = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text=_(
        "open, done, cancelled (no longer needed) or pending (waiting for an earlier signer)"
    ))
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id", "instance", "instance_number", "instance_title", "step", "name", "lane", "assignee",
            "assignee_name", "principal", "principal_name", "status", "decision", "comment",
            "created_at", "due_at", "completed_at", "overdue",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj: Task) -> str:
        return _person(obj.assignee)

    def get_principal_name(self, obj: Task) -> str:
        return _person(obj.principal) if obj.principal_id else ""

    def get_overdue(self, obj: Task) -> bool:
        return bool(obj.status == TaskStatus.OPEN and obj.due_at and obj.due_at < timezone.now())


class TrailEntrySerializer(serializers.Serializer):
    step = serializers.CharField()
    who = serializers.CharField()
    on_behalf_of = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    label = serializers.CharField()
    code = serializers.CharField()
    comment = serializers.CharField()
    detail = serializers.CharField()
    took_seconds = serializers.SerializerMethodField()

    def get_took_seconds(self, obj: inbox.TrailEntry) -> float | None:
        took = obj.took
        return took.total_seconds() if took is not None else None


class StepsSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.CharField())
    current = serializers.ListField(child=serializers.CharField())


class InstanceActionsSerializer(serializers.Serializer):
    """What the caller may do now (the services decide for good)."""

    task = serializers.IntegerField(allow_null=True, help_text=_("The caller's open task, if any."))
    return_targets = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    can_withdraw = serializers.BooleanField()
    can_urge = serializers.BooleanField()
    can_cc = serializers.BooleanField()


class InstanceDetailSerializer(InstanceSerializer):
    """An approval in full: form, form schema, tasks, trail, diagram state and the caller's actions."""

    form = serializers.JSONField(source="form_data", read_only=True)
    form_schema = serializers.JSONField(source="version.form", read_only=True)
    tasks = serializers.SerializerMethodField()
    trail = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(InstanceSerializer.Meta):
        fields = [*InstanceSerializer.Meta.fields, "form", "form_schema", "tasks", "trail", "steps", "actions"]
        read_only_fields = fields

    def _view(self, obj: ProcessInstance) -> inbox.ApprovalView:
        cache = self.context.setdefault("approval_views", {})
        if obj.pk not in cache:
            cache[obj.pk] = inbox.approval_view(obj, self.context["request"].user)
        return cache[obj.pk]

    @extend_schema_field(TaskSerializer(many=True))
    def get_tasks(self, obj: ProcessInstance) -> list:
        return TaskSerializer(self._view(obj).tasks, many=True, context=self.context).data

    @extend_schema_field(TrailEntrySerializer(many=True))
    def get_trail(self, obj: ProcessInstance) -> list:
        return TrailEntrySerializer(self._view(obj).trail, many=True).data

    @extend_schema_field(StepsSerializer)
    def get_steps(self, obj: ProcessInstance) -> dict:
        return self._view(obj).steps

    @extend_schema_field(InstanceActionsSerializer)
    def get_actions(self, obj: ProcessInstance) -> dict:
        view = self._view(obj)
        return {
            "task": view.my_task.pk if view.my_task is not None else None,
            "return_targets": [{"step": s, "name": n} for s, n in view.returnable],
            "can_withdraw": view.can_withdraw,
            "can_urge": view.can_urge,
            "can_cc": view.can_cc,
        }


# --- requests ------------------------------------------------------------------------------------


class StartSerializer(serializers.Serializer):
    process = serializers.SlugField(max_length=60, help_text=_("The process key, e.g. seal-use."))
    title = serializers.CharField(max_length=200)
    form = serializers.DictField(
        required=False, default=dict, help_text=_("The form values, by field name.")
    )

    def validate_form(self, value: dict) -> dict:
        if len(value) > 200:
            raise serializers.ValidationError(_("A form has at most 200 fields."))
        for key in value:
            if not isinstance(key, str) or not key or len(key) > 100:
                raise serializers.ValidationError(_("Field names are 1 to 100 characters long."))
        return value


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RejectSerializer(CommentSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text=_("The reason; a rejection without one is refused (workflow.reason_required)."),
    )


class ReturnSerializer(CommentSerializer):
    to_step = serializers.CharField(max_length=200, help_text=_("The id of an earlier step (see return-targets)."))


class TransferSerializer(CommentSerializer):
    to_user = PersonField(help_text=_("Login name of the colleague who takes the task over."))


class AddSignerSerializer(CommentSerializer):
    user = PersonField(help_text=_("Login name of the colleague who signs too."))
    position = serializers.ChoiceField(choices=[("before", _("before me")), ("after", _("after me"))])


class CopySerializer(serializers.Serializer):
    users = serializers.ListField(child=PersonField(), min_length=1, max_length=50)


class BatchApproveSerializer(CommentSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=100
    )


class RefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()


class BatchResultSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.IntegerField())
    refused = RefusalSerializer(many=True)


class UrgeResultSerializer(serializers.Serializer):
    reminded = serializers.IntegerField(help_text=_("How many people were reminded."))


class ReturnTargetSerializer(serializers.Serializer):
    step = serializers.CharField()
    name = serializers.CharField()


# --- inbox ---------------------------------------------------------------------------------------


class InboxQuerySerializer(serializers.Serializer):
    tab = serializers.ChoiceField(choices=[(t, inbox.TAB_LABELS[t]) for t in inbox.TABS], default=inbox.TODO)
    process = serializers.CharField(required=False, max_length=60, help_text=_("Process key."))
    status = serializers.ChoiceField(choices=InstanceStatus.choices, required=False)
    date_from = serializers.DateField(required=False, help_text=_("Arrived (or started, copied, handled) on or after."))
    date_to = serializers.DateField(required=False, help_text=_("... on or before."))
    q = serializers.CharField(required=False, max_length=100, help_text=_("Search in number and title."))


class InboxCountsSerializer(serializers.Serializer):
    todo = serializers.IntegerField()
    done = serializers.IntegerField()
    started = serializers.IntegerField()
    cc = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Open to-dos past their due time."))
    running = serializers.IntegerField(help_text=_("Own approvals still in progress."))
    cc_unread = serializers.IntegerField()


class InboxItemSerializer(serializers.Serializer):
    instance = InstanceSerializer()
    task = serializers.IntegerField(source="task.pk", allow_null=True, default=None)
    step = serializers.CharField()
    on_behalf_of = serializers.CharField()
    decision = serializers.CharField(source="task.decision", default="")
    since = serializers.DateTimeField()
    due_at = serializers.DateTimeField(source="due", allow_null=True)
    overdue = serializers.BooleanField()
    waiting_for = serializers.ListField(child=serializers.CharField())
    copied_by = serializers.CharField()
