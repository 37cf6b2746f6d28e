"""Approval centre API: approvals (list, read, start, withdraw, urge, copy), tasks (list, read,
approve, reject, return, transfer, add a signer, resubmit, batch approve) and the inbox tabs.

Approvals come from `inbox.visible_instances`, tasks from `inbox.visible_tasks`; every write
calls one service, whose refusals answer 400 with the service's code and message.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from yewu.core.errors import DomainError
from yewu.workflow import inbox, services
from yewu.workflow.api import serializers as s
from yewu.workflow.choices import TaskStatus
from yewu.workflow.models import ProcessDefinition, ProcessInstance, Task

_REFUSED = OpenApiResponse(description="The service refused: {code, message} (e.g. workflow.task_closed).")


class InstanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approvals the caller may see: their own, those they take part in or were copied on, and
    what a role's scope reaches."""

    queryset = ProcessInstance.objects.all()
    permission_classes = [IsAuthenticated]
    filterset_class = inbox.InstanceFilterSet
    search_fields = ["number", "title"]
    ordering_fields = ["started_at", "number", "ended_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return (
            inbox.visible_instances(self.request.user)
            .select_related("version__definition", "requester__employee", "department")
            .order_by("-started_at", "-id")
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.InstanceDetailSerializer
        return s.InstanceSerializer

    def _detail(self, instance: ProcessInstance, code: int = status.HTTP_200_OK) -> Response:
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(s.InstanceDetailSerializer(instance, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.StartSerializer, responses={201: s.InstanceDetailSerializer, 400: _REFUSED})
    def create(self, request, *args, **kwargs):
        """Start an approval of a published process as the caller (the requester): needs the add
        grant on approvals; the form is checked against the process's form schema (a refusal
        names each field in `fields`)."""
        ser = s.StartSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        definition = ProcessDefinition.objects.filter(key=data["process"]).first()
        if definition is None:
            raise exceptions.ValidationError({"process": [_("No process has this key.")]})
        instance = services.start_process(definition, actor=request.user, title=data["title"], form=data["form"])
        return self._detail(instance, status.HTTP_201_CREATED)

    @extend_schema(request=s.CommentSerializer, responses={200: s.InstanceDetailSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The requester takes the approval back, before anyone has decided on it."""
        instance = self.get_object()
        ser = s.CommentSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        instance = services.withdraw_instance(instance, actor=request.user, comment=ser.validated_data["comment"])
        return self._detail(instance)

    @extend_schema(request=None, responses={200: s.UrgeResultSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        """Remind the people the approval waits for (at most once an hour)."""
        return Response({"reminded": services.urge(self.get_object(), actor=request.user)})

    @extend_schema(request=s.CopySerializer, responses={200: s.InstanceDetailSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def cc(self, request, pk=None):
        """Keep colleagues informed (抄送): they can read the approval but not act on it."""
        instance = self.get_object()
        ser = s.CopySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.copy_to(instance, ser.validated_data["users"], actor=request.user)
        return self._detail(instance)


class _IdFilter(django_filters.NumberFilter):
    """A record id: a whole number within the database's range (else a 400, never an overflow)."""

    field_class = forms.IntegerField


class TaskFilterSet(django_filters.FilterSet):
    """Filters of the task list; ids are plain numbers, so a filter never tells whether a record
    the caller may not see exists."""

    mine = django_filters.BooleanFilter(method="filter_mine", label=gettext_lazy("Only tasks assigned to me"))
    instance = _IdFilter(field_name="instance_id", label=gettext_lazy("Approval id"), min_value=1, max_value=s.MAX_ID)
    status = django_filters.CharFilter(
        label=gettext_lazy("Status: open, done, cancelled or pending"), max_length=20
    )
    step = django_filters.CharFilter(field_name="step_id", label=gettext_lazy("Step id"), max_length=200)

    class Meta:
        model = Task
        fields = ["mine", "instance", "status", "step"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assignee=self.request.user) if value else queryset


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks of the approvals the caller may see; `?mine=true` lists only the caller's."""

    queryset = Task.objects.all()
    serializer_class = s.TaskSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = TaskFilterSet
    ordering_fields = ["created_at", "due_at", "completed_at"]

    def get_queryset(self):
        return inbox.visible_tasks(self.request.user).select_related(
            "instance", "assignee__employee", "principal__employee"
        ).order_by("-created_at", "-id")

    def _instance(self, instance: ProcessInstance, code: int = status.HTTP_200_OK) -> Response:
        # The actor holds a task on it, so the approval stays visible to them.
        instance = inbox.visible_instances(self.request.user).select_related(
            "version__definition", "requester__employee", "department"
        ).get(pk=instance.pk)
        return Response(s.InstanceDetailSerializer(instance, context=self.get_serializer_context()).data, status=code)

    def _task(self, task: Task) -> Response:
        task = Task.objects.select_related("instance", "assignee__employee", "principal__employee").get(pk=task.pk)
        return Response(s.TaskSerializer(task, context=self.get_serializer_context()).data)

    def _comment(self, serializer_class=s.CommentSerializer) -> dict:
        ser = serializer_class(data=self.request.data)
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    @extend_schema(request=s.CommentSerializer, responses={200: s.InstanceDetailSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the caller's task."""
        task, data = self.get_object(), self._comment()
        return self._instance(services.approve_task(task, actor=request.user, comment=data["comment"]))

    @extend_schema(request=s.RejectSerializer, responses={200: s.InstanceDetailSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject, with a reason (mandatory)."""
        task, data = self.get_object(), self._comment(s.RejectSerializer)
        return self._instance(services.reject_task(task, actor=request.user, comment=data["comment"]))

    @extend_schema(request=s.CommentSerializer, responses={200: s.InstanceDetailSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Complete the requester's own step (resubmit after the approval was sent back)."""
        task, data = self.get_object(), self._comment()
        return self._instance(services.submit_task(task, actor=request.user, comment=data["comment"]))

    @extend_schema(request=s.ReturnSerializer, responses={200: s.InstanceDetailSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk=None):
        """Send the approval back to an earlier step (see return-targets), with a reason."""
        task, data = self.get_object(), self._comment(s.ReturnSerializer)
        instance = services.return_task(task, actor=request.user, to_step=data["to_step"], comment=data["comment"])
        return self._instance(instance)

    @extend_schema(responses={200: s.ReturnTargetSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="return-targets", url_name="return-targets",
            pagination_class=None, filter_backends=[])
    def return_targets(self, request, pk=None):
        """Earlier steps this task can send the approval back to."""
        task = self.get_object()
        steps = services.returnable_steps(task.instance) if task.status == TaskStatus.OPEN else []
        return Response([{"step": sid, "name": name} for sid, name in steps if sid != task.step_id])

    @extend_schema(request=s.TransferSerializer, responses={200: s.TaskSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Hand the task over to a colleague (转交); returns the colleague's new task."""
        task, data = self.get_object(), self._comment(s.TransferSerializer)
        new = services.transfer_task(task, actor=request.user, to_user=data["to_user"], comment=data["comment"])
        return self._task(new)

    @extend_schema(request=s.AddSignerSerializer, responses={200: s.TaskSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"], url_path="add-signer", url_name="add-signer")
    def add_signer(self, request, pk=None):
        """Have a colleague sign this step too, before or after the caller (加签)."""
        task, data = self.get_object(), self._comment(s.AddSignerSerializer)
        new = services.add_signer(
            task, actor=request.user, user=data["user"], before=data["position"] == "before",
            comment=data["comment"],
        )
        return self._task(new)

    @extend_schema(request=s.BatchApproveSerializer, responses={200: s.BatchResultSerializer})
    @action(detail=False, methods=["post"], url_path="batch-approve", url_name="batch-approve")
    def batch_approve(self, request):
        """Approve several of the caller's to-dos with one comment; each refusal is listed."""
        data = self._comment(s.BatchApproveSerializer)
        ids = list(dict.fromkeys(data["ids"]))
        tasks = {t.pk: t for t in inbox.todo(request.user).filter(pk__in=ids)}
        approved, refused = [], []
        for pk in ids:
            task = tasks.get(pk)
            if task is None:
                refused.append({"id": pk, "code": "not_found", "message": _("This task is not waiting for you.")})
                continue
            try:
                services.approve_task(task, actor=request.user, comment=data["comment"])
            except DomainError as exc:
                refused.append({"id": pk, "code": exc.code, "message": exc.message})
            else:
                approved.append(pk)
        return Response({"approved": approved, "refused": refused})

    @extend_schema(
        parameters=[s.InboxQuerySerializer],
        responses=inline_serializer("Inbox", {
            "counts": s.InboxCountsSerializer(),
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": s.InboxItemSerializer(many=True),
        }),
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def inbox(self, request):
        """The inbox: the counts of every tab and the items of one (to do, done, started, CC)."""
        query = s.InboxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        flt = inbox.InboxFilter(
            process=q.get("process", ""), status=q.get("status", ""), date_from=q.get("date_from"),
            date_to=q.get("date_to"), q=q.get("q", ""),
        )
        now = timezone.now()
        tab = q["tab"]
        page = self.paginate_queryset(inbox.tab_queryset(request.user, tab, flt, now))
        items = [inbox.item(row, tab, now) for row in page]
        response = self.get_paginated_response(s.InboxItemSerializer(items, many=True).data)
        response.data = {"counts": inbox.counts(request.user, now), **response.data}
        return response
