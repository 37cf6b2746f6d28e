"""The approval centre's read side: who may see which approval, the inbox tabs and their counts.

Everything here reads the task projection (Task, CarbonCopy) and ProcessInstance rows; nothing
deserializes a workflow, and no list runs a query per row. Every page and API endpoint of the
approval centre takes its approvals from `visible_instances` and its tasks from `visible_tasks`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.models import Notification
from yewu.workflow.choices import InstanceStatus, TaskStatus
from yewu.workflow.models import CarbonCopy, ProcessInstance, Task
from yewu.workflow.models.instances import participant_q  # noqa: F401 - part of this module's API

TODO, DONE, STARTED, CC = "todo", "done", "started", "cc"
TABS = (TODO, DONE, STARTED, CC)
TAB_LABELS = {TODO: _("To do"), DONE: _("Done"), STARTED: _("Started by me"), CC: _("CC to me")}


# --- visibility ----------------------------------------------------------------------------------


def visible_instances(user: Any) -> QuerySet[ProcessInstance]:
    """The one answer to "may this user see this approval?": the participants always (see
    `participant_q`); others when a role grants workflow.view_processinstance with a scope reaching
    it (own = requested by them, department, department and below, all). The rule lives in
    ProcessInstance's restricted queryset, so global search, exports and `permissions.can` agree."""
    return ProcessInstance.objects.restrict(user, "view")


def visible_tasks(user: Any) -> QuerySet[Task]:
    """Tasks the user may see: those of approvals they may see, plus what a role grants on tasks
    directly (workflow.view_task with a scope: own = assigned to them, department, ...)."""
    return Task.objects.restrict(user, "view")


# --- the tabs ------------------------------------------------------------------------------------


#: Large text columns no list shows (engine state, form data, diagrams): left out of list rows so
#: that a page of 50 does not drag 50 diagrams and workflow states along.
_HEAVY = ("state", "form_json", "version__bpmn_xml", "version__dmn_xml", "version__steps_json",
          "version__form_json", "version__notes")


def _heavy(prefix: str = "") -> list[str]:
    return [f"{prefix}{name}" for name in _HEAVY]


#: The columns a task row of a list needs (the page, the API's inbox items, batch approval); the
#: others are not read, so a page of 50 rows with their joins costs a fraction of the full rows.
_TASK_ROW_FIELDS = (
    "instance_id", "step_id", "name", "spiff_task", "assignee_id", "principal_id", "order", "status",
    "decision", "created_at", "due_at", "completed_at", "escalated_at",
    "instance__number", "instance__title", "instance__status", "instance__started_at", "instance__ended_at",
    "instance__content_type_id", "instance__object_id", "instance__revision", "instance__requester_id",
    "instance__version__version", "instance__version__status", "instance__version__definition__key",
    "instance__version__definition__name", "instance__department__name",
)


def _people() -> QuerySet:
    """Logins with the employee name lists show (one query per page for requesters, one for
    principals: joining them into the rows' query made PostgreSQL plan a ten-table join, which
    took longer than running it)."""
    return get_user_model().objects.select_related("employee").only(
        "username", "first_name", "last_name", "employee__name", "employee__user_id"
    )


def _task_rows(qs: QuerySet[Task]) -> QuerySet[Task]:
    return (
        qs.select_related("instance__version__definition", "instance__department")
        .only(*_TASK_ROW_FIELDS)
        .prefetch_related(
            Prefetch("instance__requester", queryset=_people()),
            Prefetch("principal", queryset=_people()),
        )
    )


def _open_tasks_prefetch() -> Prefetch:
    """The people an approval waits for, in one extra query per page."""
    return Prefetch(
        "tasks",
        queryset=Task.objects.filter(status=TaskStatus.OPEN)
        .select_related("assignee__employee")
        .order_by("order", "pk"),
        to_attr="open_tasks",
    )


def _overdue_exists(now: datetime.datetime) -> Exists:
    return Exists(
        Task.objects.filter(instance=OuterRef("pk"), status=TaskStatus.OPEN, due_at__lt=now)
    )


def todo(user: Any) -> QuerySet[Task]:
    """待办: open tasks assigned to the user, oldest first (the most urgent wait longest)."""
    return _task_rows(Task.objects.filter(assignee=user, status=TaskStatus.OPEN)).order_by(
        "created_at", "pk"
    )


def done(user: Any) -> QuerySet[Task]:
    """已办: tasks the user completed (approved, rejected, returned, transferred, resubmitted)."""
    return _task_rows(Task.objects.filter(assignee=user, status=TaskStatus.DONE)).order_by(
        "-completed_at", "-pk"
    )


def _instance_rows(qs: QuerySet[ProcessInstance], now: datetime.datetime) -> QuerySet[ProcessInstance]:
    return (
        qs.select_related("version__definition", "requester__employee", "department")
        .defer(*_heavy())
        .annotate(overdue=_overdue_exists(now))
        .prefetch_related(_open_tasks_prefetch())
    )


def started(user: Any, now: datetime.datetime | None = None) -> QuerySet[ProcessInstance]:
    """我发起的: approvals the user requested, newest first."""
    return _instance_rows(ProcessInstance.objects.filter(requester=user), now or timezone.now())


def copied(user: Any, now: datetime.datetime | None = None) -> QuerySet[CarbonCopy]:
    """抄送我的: approvals the user was copied on, newest first."""
    now = now or timezone.now()
    return (
        CarbonCopy.objects.filter(user=user)
        .select_related(
            "instance__version__definition", "instance__requester__employee",
            "instance__department", "created_by__employee",
        )
        .defer(*_heavy("instance__"))
        .annotate(overdue=Exists(Task.objects.filter(
            instance=OuterRef("instance_id"), status=TaskStatus.OPEN, due_at__lt=now
        )))
        .prefetch_related(Prefetch(
            "instance__tasks",
            queryset=Task.objects.filter(status=TaskStatus.OPEN)
            .select_related("assignee__employee").order_by("order", "pk"),
            to_attr="open_tasks",
        ))
        .order_by("-created_at", "-pk")
    )


def counts(user: Any, now: datetime.datetime | None = None) -> dict[str, int]:
    """The number on each tab (and how many to-dos are overdue, and unread copies): three queries."""
    now = now or timezone.now()
    tasks = Task.objects.filter(assignee=user).aggregate(
        todo=Count("pk", filter=Q(status=TaskStatus.OPEN)),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_at__lt=now)),
    )
    mine = ProcessInstance.objects.filter(requester=user).aggregate(
        started=Count("pk"), running=Count("pk", filter=Q(status=InstanceStatus.RUNNING))
    )
    cc = CarbonCopy.objects.filter(user=user).aggregate(
        cc=Count("pk"), cc_unread=Count("pk", filter=Q(read_at__isnull=True))
    )
    return {**tasks, **mine, **cc}


# --- filters -------------------------------------------------------------------------------------


@dataclass
class InboxFilter:
    """What the user narrowed a tab to: process (definition key), approval status, a date range
    (when the item reached the tab) and a search over number and title."""

    process: str = ""
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> InboxFilter:
        def day(name: str) -> datetime.date | None:
            raw = (params.get(name) or "").strip()
            try:
                return datetime.date.fromisoformat(raw) if raw else None
            except ValueError:
                return None

        status = (params.get("status") or "").strip()
        return cls(
            process=(params.get("process") or "").strip()[:60],
            status=status if status in InstanceStatus.values else "",
            date_from=day("from"),
            date_to=day("to"),
            q=(params.get("q") or "").strip()[:100],
        )

    @property
    def active(self) -> bool:
        return bool(self.process or self.status or self.date_from or self.date_to or self.q)

    def apply(self, qs: QuerySet, *, instance: str, date_field: str) -> QuerySet:
        """Filter a tab's queryset; `instance` is the lookup prefix to the ProcessInstance."""
        if self.process:
            qs = qs.filter(**{f"{instance}version__definition__key": self.process})
        if self.status:
            qs = qs.filter(**{f"{instance}status": self.status})
        if self.q:
            qs = qs.filter(
                Q(**{f"{instance}number__icontains": self.q}) | Q(**{f"{instance}title__icontains": self.q})
            )
        tz = timezone.get_current_timezone()
        if self.date_from:
            start = datetime.datetime.combine(self.date_from, datetime.time.min, tzinfo=tz)
            qs = qs.filter(**{f"{date_field}__gte": start})
        if self.date_to:
            end = datetime.datetime.combine(
                self.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            qs = qs.filter(**{f"{date_field}__lt": end})
        return qs


def tab_queryset(user: Any, tab: str, flt: InboxFilter | None = None,
                 now: datetime.datetime | None = None) -> QuerySet:
    """The rows of one tab (tasks for to-do and done, approvals for started, copies for CC)."""
    now = now or timezone.now()
    flt = flt or InboxFilter()
    if tab == DONE:
        return flt.apply(done(user), instance="instance__", date_field="completed_at")
    if tab == STARTED:
        return flt.apply(started(user, now), instance="", date_field="started_at")
    if tab == CC:
        return flt.apply(copied(user, now), instance="instance__", date_field="created_at")
    return flt.apply(todo(user), instance="instance__", date_field="created_at")


# --- one row shape for every tab -----------------------------------------------------------------


def person(user: Any) -> str:
    """The name to show for a user: their employee name, else the login name ('' for nobody)."""
    if user is None:
        return ""
    try:
        return user.employee.name
    except ObjectDoesNotExist:  # a login without an employee record (e.g. an administrator)
        return user.get_username()


@dataclass
class InboxItem:
    """One line of any tab: the approval, and the task when the tab lists tasks."""

    instance: ProcessInstance
    task: Task | None
    since: datetime.datetime
    due: datetime.datetime | None
    overdue: bool
    waiting_for: list[str]
    copied_by: str = ""

    @property
    def url(self) -> str:
        return self.instance.get_absolute_url()

    @property
    def title(self) -> str:
        return self.instance.title

    @property
    def process(self) -> str:
        return self.instance.version.definition.name

    @property
    def requester(self) -> str:
        return person(self.instance.requester)

    @property
    def step(self) -> str:
        return self.task.name if self.task is not None else ""

    @property
    def on_behalf_of(self) -> str:
        return person(self.task.principal) if self.task is not None and self.task.principal_id else ""


def item(row: Any, tab: str, now: datetime.datetime | None = None) -> InboxItem:
    """Turn a row of `tab_queryset` into an InboxItem (no queries: everything is preloaded)."""
    now = now or timezone.now()
    if isinstance(row, Task):
        overdue = row.status == TaskStatus.OPEN and row.due_at is not None and row.due_at < now
        since = row.completed_at if tab == DONE and row.completed_at else row.created_at
        return InboxItem(row.instance, row, since, row.due_at, overdue, [])
    if isinstance(row, CarbonCopy):
        inst = row.instance
        waiting = [person(t.assignee) for t in getattr(inst, "open_tasks", [])]
        due = min((t.due_at for t in getattr(inst, "open_tasks", []) if t.due_at), default=None)
        return InboxItem(inst, None, row.created_at, due, bool(getattr(row, "overdue", False)),
                         waiting, copied_by=person(row.created_by))
    waiting = [person(t.assignee) for t in getattr(row, "open_tasks", [])]
    due = min((t.due_at for t in getattr(row, "open_tasks", []) if t.due_at), default=None)
    return InboxItem(row, None, row.started_at, due, bool(getattr(row, "overdue", False)), waiting)


class _Mapped(Sequence):
    """A lazy, sliceable sequence over a queryset that maps each row (slicing queries a page)."""

    def __init__(self, qs: QuerySet, fn: Callable[[Any], Any]) -> None:
        self._qs, self._fn = qs, fn

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._fn(r) for r in self._qs[index]]
        return self._fn(self._qs[index])

    def __len__(self) -> int:
        return self._qs.count()

    def __iter__(self) -> Iterator[Any]:
        return (self._fn(r) for r in self._qs.iterator(chunk_size=200))


def todos_for(user: Any) -> Sequence[InboxItem]:
    """The home page's "My to-dos": each has url, title, process, due (and overdue, step)."""
    now = timezone.now()
    return _Mapped(todo(user), lambda row: item(row, TODO, now))


# --- reading an approval -------------------------------------------------------------------------


def mark_read(user: Any, instance: ProcessInstance) -> int:
    """The user opened the approval: their notifications about it and their copy count as read."""
    now = timezone.now()
    CarbonCopy.objects.filter(instance=instance, user=user, read_at__isnull=True).update(read_at=now)
    return Notification.objects.filter(
        recipient=user, url=instance.get_absolute_url(), read_at__isnull=True
    ).update(read_at=now)


# --- the trail of one approval -------------------------------------------------------------------

#: Step activities that no task row shows (task decisions are shown from the task rows).
_STEP_EVENT_LABELS = {
    "signer_added": _("Signer added"),
    "escalated": _("Time limit passed"),
    "skipped": _("Skipped: nobody to approve"),
    "auto_approved": _("Approved automatically"),
}
_PROCESS_EVENTS = {
    "process.started", "process.approved", "process.rejected", "process.withdrawn", "process.cancelled",
    "process.copied", "process.urged",
}


@dataclass
class TrailEntry:
    """One line of an approval's trail: a task (who, for whom, decision, comment, time taken) or
    something that happened to the whole approval (started, copied, urged, withdrawn, ...)."""

    step: str
    who: str
    on_behalf_of: str
    at: datetime.datetime | None  # when it was decided or happened (None: still open)
    since: datetime.datetime | None = None  # when the task arrived
    label: str = ""
    code: str = ""  # decision / status code, for the colour of the tag
    comment: str = ""
    detail: str = ""
    is_task: bool = False

    @property
    def took(self) -> datetime.timedelta | None:
        if self.is_task and self.since and self.at:
            return self.at - self.since
        return None


def _user_names(ids: set[int]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids).select_related("employee")
    return {u.pk: person(u) for u in users}


def diagram_step_names(instance: ProcessInstance) -> dict[str, str]:
    """Step id → name from the approval's diagram (the engine's cached parsed spec); {} when the
    diagram cannot be parsed, so that a page still shows the ids."""
    from yewu.workflow import engine

    try:
        spec, _subprocesses = engine.specs_for(instance.version)
    except Exception:  # the page must not fail over a diagram the engine refuses
        return {}
    return {
        ts.bpmn_id: ts.bpmn_name for ts in spec.task_specs.values()
        if getattr(ts, "bpmn_id", None) and getattr(ts, "bpmn_name", None)
    }


def trail(instance: ProcessInstance, tasks: list[Task], events: list[Any]) -> list[TrailEntry]:
    """The full trail from the task rows and the approval's audit events, in time order.

    `tasks` with assignee/principal (and their employees) loaded, `events` with actor and
    on_behalf_of loaded; at most one more query (names of people copied or added as signers).
    """
    from yewu.core.activities import label_for
    from yewu.workflow.choices import Decision

    step_names = {t.step_id: t.name for t in tasks}
    if any(ev.activity.rpartition(".")[0] not in step_names for ev in events
           if ev.activity.rpartition(".")[2] in _STEP_EVENT_LABELS):
        # A step nobody got a task for (passed automatically, skipped): its name from the diagram.
        step_names = {**diagram_step_names(instance), **step_names}
    pending: dict[tuple[str, int | None], list[Any]] = {}
    for ev in events:
        pending.setdefault((ev.activity, ev.actor_id), []).append(ev)
    ids: set[int] = set()
    for ev in events:
        data = ev.payload
        if ev.activity.endswith(".signer_added") and isinstance(data.get("user"), int):
            ids.add(data["user"])
        if ev.activity.endswith(".transferred") and isinstance(data.get("to"), int):
            ids.add(data["to"])
        if ev.activity == "process.copied":
            ids.update(u for u in data.get("users", []) if isinstance(u, int))
    names = _user_names(ids)

    entries: list[TrailEntry] = []
    for t in tasks:
        if t.status == TaskStatus.OPEN:
            label, code = str(TaskStatus.OPEN.label), "open"
        elif t.status == TaskStatus.CANCELLED:
            label, code = str(TaskStatus.CANCELLED.label), "cancelled"
        elif t.status == TaskStatus.DONE:
            label = str(Decision(t.decision).label) if t.decision in Decision.values else t.decision
            code = t.decision
        else:  # waiting for its turn (sequential step, added signer)
            label, code = str(_("Waiting for an earlier signer")), "pending"
        detail = ""
        if t.decision in (Decision.RETURNED, Decision.TRANSFERRED):
            queue = pending.get((f"{t.step_id}.{t.decision}", t.assignee_id)) or []
            ev = queue.pop(0) if queue else None
            data = ev.payload if ev is not None else {}
            if t.decision == Decision.RETURNED and data.get("to"):
                detail = str(_("Back to %(step)s")) % {"step": step_names.get(data["to"], data["to"])}
            elif t.decision == Decision.TRANSFERRED and data.get("to") in names:
                detail = str(_("Handed to %(name)s")) % {"name": names[data["to"]]}
        entries.append(TrailEntry(
            step=t.name, who=person(t.assignee), on_behalf_of=person(t.principal) if t.principal_id else "",
            at=t.completed_at if t.status in (TaskStatus.DONE, TaskStatus.CANCELLED) else None,
            since=t.created_at, label=label, code=code, comment=t.comment, detail=detail, is_task=True,
        ))
    for ev in events:
        step_id, _dot, what = ev.activity.rpartition(".")
        data = ev.payload
        if ev.activity in _PROCESS_EVENTS:
            label, step = label_for(ev.activity), ""
        elif what in _STEP_EVENT_LABELS:
            label, step = str(_STEP_EVENT_LABELS[what]), step_names.get(step_id, step_id)
        else:
            continue
        detail = ""
        if ev.activity == "process.copied":
            detail = ", ".join(names.get(u, "?") for u in data.get("users", []) if isinstance(u, int))
        elif what == "signer_added" and data.get("user") in names:
            where = _("before") if data.get("before") else _("after")
            detail = f"{names[data['user']]} ({where})"
        entries.append(TrailEntry(
            step=step, who=person(ev.actor) if ev.actor_id else str(_("System")),
            on_behalf_of=person(ev.on_behalf_of) if ev.on_behalf_of_id else "",
            at=ev.timestamp, label=label, code=ev.activity.replace(".", "-"),
            comment=str(data.get("comment") or ""), detail=detail,
        ))
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    # Decided and happened in time order; what is still open comes last, in arrival order.
    entries.sort(key=lambda e: (e.at is None, e.at or far, e.since or far))
    return entries


def step_states(tasks: list[Task], events: list[Any]) -> dict[str, list[str]]:
    """Step ids for the diagram: done (decided or passed automatically) and current (open)."""
    current = sorted({t.step_id for t in tasks if t.status == TaskStatus.OPEN})
    done_ids = {t.step_id for t in tasks if t.status == TaskStatus.DONE}
    for ev in events:
        step_id, _dot, what = ev.activity.rpartition(".")
        if what in ("auto_approved", "skipped") and step_id:
            done_ids.add(step_id)
    return {"done": sorted(done_ids - set(current)), "current": current}


# --- one filter for the approval list page and the API -------------------------------------------


class InstanceFilterSet(django_filters.FilterSet):
    """Filters of the approval list (UI and API): search, process, status, requester, department,
    started between two dates."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    process = django_filters.CharFilter(
        field_name="version__definition__key", label=_("Process (key)"), max_length=60
    )
    status = django_filters.ChoiceFilter(choices=InstanceStatus.choices, label=_("Status"))
    started_from = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label=_("Started from")
    )
    started_to = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", label=_("Started until")
    )

    class Meta:
        model = ProcessInstance
        fields = ["q", "process", "status", "started_from", "started_to"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))


# --- one approval as its page and the API show it ------------------------------------------------


@dataclass
class ApprovalView:
    """Everything the approval page and the API detail show beyond the row itself; the buttons
    offered here are hints: the services decide whether an action is legal."""

    tasks: list[Task]
    trail: list[TrailEntry]
    steps: dict[str, list[str]]
    my_task: Task | None
    returnable: list[tuple[str, str]]
    can_withdraw: bool
    can_urge: bool
    can_cc: bool
    can_change: bool


def approval_view(instance: ProcessInstance, user: Any) -> ApprovalView:
    """Read one approval for `user` (already known to see it): four or five queries."""
    from yewu.core import permissions
    from yewu.core.models import Event
    from yewu.workflow import services
    from yewu.workflow.choices import Decision

    tasks = list(
        instance.tasks.select_related("assignee__employee", "principal__employee").order_by("created_at", "pk")
    )
    events = list(
        Event.objects.filter(process_instance=instance.number)
        .select_related("actor__employee", "on_behalf_of__employee")
        .order_by("timestamp", "pk")
    )
    for t in tasks:
        t.instance = instance  # spare a query per task where serializers read the approval
    mine = next((t for t in tasks if t.assignee_id == user.pk and t.status == TaskStatus.OPEN), None)
    running = instance.status == InstanceStatus.RUNNING
    is_requester = instance.requester_id == user.pk
    can_change = permissions.can(user, "change", instance)
    involved = is_requester or any(t.assignee_id == user.pk for t in tasks)
    decided = (Decision.APPROVED, Decision.REJECTED, Decision.RETURNED, Decision.TRANSFERRED)
    returnable = []
    if mine is not None:
        returnable = [s for s in services.returnable_steps(instance) if s[0] != mine.step_id]
    return ApprovalView(
        tasks=tasks,
        trail=trail(instance, tasks, events),
        steps=step_states(tasks, events),
        my_task=mine,
        returnable=returnable,
        # As withdraw_instance decides: the requester, while nobody else has decided.
        can_withdraw=is_requester and running
        and not any(t.decision in decided and t.assignee_id != user.pk for t in tasks),
        can_urge=running and (is_requester or can_change) and any(t.status == TaskStatus.OPEN for t in tasks),
        can_cc=running and (involved or can_change),
        can_change=can_change,
    )
