"""Approvals: start a process, act on its tasks, and keep the task projection and audit trail in step.

Each action runs in one transaction: lock the instance row, check the rule, drive the engine,
write the engine state, the task rows, the audit events and the in-app notifications (their e-mail
and IM copies go out after commit). A refused action raises DomainError before anything is
written, and a failure half-way rolls everything back. The engine decides who acts next; these
functions decide whether an act is legal.

Task rows are the projection of the engine's ready user tasks: one row per person, `open` when it
is their turn, `pending` while they wait for an earlier signer (sequential steps, added signers),
`done` with a decision, or `cancelled` when the step no longer needs them. A row's `spiff_task`
links it to the engine task; when a return sends the approval back, the rows of the engine tasks
that were reset keep their history but lose that link (`spiff_task == ""`), so that their decisions
no longer count for the step that runs again.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import json
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.util.task import TaskState

from yewu.core import permissions
from yewu.core.audit import atomic, record_event
from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.core.services import next_number, notify
from yewu.core.sql import Increment, Statement, Table, in_list, kept_cursor, memo, memo_many
from yewu.org.models import Department, Employee
from yewu.org.models.employees import EmployeeStatus
from yewu.workflow import assignment, engine, forms_schema, hooks
from yewu.workflow.choices import ApprovalMode, Decision, InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.form_errors import FormError
from yewu.workflow.models import (
    CarbonCopy,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
    Task,
)

PENDING = "pending"  # a task row waiting for its turn (sequential steps, add-signer-before)
LIVE = [TaskStatus.OPEN, PENDING]
#: Decisions by a person that end the requester's right to withdraw.
DECISIONS = [Decision.APPROVED, Decision.REJECTED, Decision.RETURNED, Decision.TRANSFERRED, Decision.AUTO_APPROVED]
URGE_INTERVAL = datetime.timedelta(hours=1)


# --- helpers -------------------------------------------------------------------------------------


def _case(instance: ProcessInstance) -> Any:
    if instance.content_type_id and instance.object_id:
        model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
        return (model._meta.label_lower, instance.object_id)
    return instance


def _event(instance: ProcessInstance, activity: str, *, actor: Any, data: dict | None = None,
           on_behalf_of: Any = None, new: bool = False) -> None:
    """One audit event of the approval. A step's events ("<step id>.<action>") carry the step's
    name, so the history of the approval (or of its bound record) can say which step it was."""
    step_id, _dot, _action = activity.rpartition(".")
    if step_id and step_id != "process" and "step" not in (data or {}):
        data = {"step": _step_name(instance, step_id), **(data or {})}
    record_event(
        _case(instance), activity, actor=actor, on_behalf_of=on_behalf_of, data=data or {},
        process_instance=instance.number, new=new,
    )


def _step_name(instance: ProcessInstance, step_id: str) -> str:
    spec, subprocesses = engine.specs_for(instance.version)
    for process in (spec, *subprocesses.values()):
        task_spec = process.task_specs.get(step_id)
        if task_spec is not None:
            return getattr(task_spec, "bpmn_name", None) or step_id
    return step_id


def _lock(instance: ProcessInstance | int) -> ProcessInstance:
    """The approval row, locked until the transaction ends (only that row: `FOR UPDATE OF` it,
    else PostgreSQL would also lock its version and requester), with its requester and version.

    One statement through yewu.core.sql (this runs on every action); the version and its process
    come from `_version`'s cache."""
    pk = instance if isinstance(instance, int) else instance.pk
    sql, n_instance, n_user, n_dept = _lock_sql()
    with kept_cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        raise ProcessInstance.DoesNotExist(f"approval {pk} does not exist")
    return _locked(row, n_instance, n_user, n_dept)


def _locked(row: tuple, n_instance: int, n_user: int, n_dept: int) -> ProcessInstance:
    locked = _INSTANCES.reader()(row[:n_instance])
    end = n_instance + n_user
    locked.requester = _users().reader()(row[n_instance:end])
    locked.department = _DEPARTMENTS.reader()(row[end:end + n_dept])
    locked.version = _version(locked.version_id, row[end + n_dept], row[end + n_dept + 1])
    return locked


def _lock_with_rows(task: Task) -> tuple[ProcessInstance, list[Task]]:
    """`_lock(task.instance_id)` and the approval's task rows a decision on `task` needs: the task,
    the rest of its step, every live row and the approvals that stand (for "a duplicate approver
    approves once" when the next step opens), by order then id.

    On PostgreSQL the rows are read by a second statement once the lock is held: a statement that
    waited for the lock sees the locked row as the other writer left it, but rows it joins as they
    were when it began (two clicks would both find the task open). SQLite takes the database's
    write lock when the transaction begins (transaction_mode IMMEDIATE), so one statement reads
    both there."""
    wanted = [task.pk, task.spiff_task, *LIVE, Decision.APPROVED]  # the parameters of _rows_wanted
    if not _writers_serialised():
        instance = _lock(task.instance_id)
        c = _TASKS.col
        rows = _TASKS.select(f"{c('instance_id')} = %s AND {_rows_wanted(c)}", [instance.pk, *wanted],
                             order_by=f"{c('order')}, {c('id')}")
        return instance, rows
    sql, n_instance, n_user, n_dept = _lock_sql(with_rows=True)
    with kept_cursor() as cursor:
        cursor.execute(sql, [*wanted, task.instance_id])
        found = cursor.fetchall()
    if not found:
        raise ProcessInstance.DoesNotExist(f"approval {task.instance_id} does not exist")
    instance = _locked(found[0], n_instance, n_user, n_dept)
    start = n_instance + n_user + n_dept + 2
    read, pk_at = _TASKS.reader(), start + _TASKS.all_columns.index("id")
    rows = [read(row[start:]) for row in found if row[pk_at] is not None]
    return instance, rows


_INSTANCES = Table(ProcessInstance)
_TASKS = Table(Task)
_DEPARTMENTS = Table(Department)
_LOCK_SQL: dict[str, Any] = {}


@functools.cache
def _users() -> Table:
    return Table(get_user_model())  # the user model is known once apps are loaded, not at import


def _rows_wanted(c: Any) -> str:
    """The task rows a decision reads (see _lock_with_rows), `c` naming a task column: the task, the
    rest of its step, the live rows and the approvals that stand."""
    return (f"({c('id')} = %s OR {c('spiff_task')} = %s OR {c('status')} IN (%s, %s) "
            f"OR ({c('decision')} = %s AND {c('spiff_task')} <> ''))")


def _writers_serialised() -> bool:
    """Does each transaction hold the database's write lock from its start (SQLite, IMMEDIATE)?"""
    return connection.vendor == "sqlite" and (
        str(connection.settings_dict.get("OPTIONS", {}).get("transaction_mode", "")).upper() == "IMMEDIATE"
    )


def _lock_sql(*, with_rows: bool = False) -> tuple[str, int, int, int]:
    key = (connection.vendor, with_rows)
    hit = _LOCK_SQL.get(key)
    if hit is None:
        q = connection.ops.quote_name
        users, depts = _users(), _DEPARTMENTS
        version = ProcessVersion._meta.db_table
        me = q(_INSTANCES.table)
        rows_columns = rows_join = order = ""
        if with_rows:
            def c(name: str) -> str:
                return f"t.{_TASKS.col(name)}"

            rows_columns = f", {_TASKS.columns_sql(alias='t')}"
            rows_join = (
                f"LEFT OUTER JOIN {q(_TASKS.table)} t ON {c('instance_id')} = {me}.{q('id')} AND {_rows_wanted(c)} "
            )
            order = f" ORDER BY {c('order')}, {c('id')}"
        sql = (
            f"SELECT {_INSTANCES.columns_sql()}, {users.columns_sql()}, {depts.columns_sql()}, "
            f"{q(version)}.{q('status')}, {q(version)}.{q('created_at')}{rows_columns} FROM {me} "
            f"INNER JOIN {q(users.table)} ON {q(users.table)}.{q(users.meta.pk.column)} = "
            f"{me}.{_INSTANCES.col('requester_id')} "
            f"INNER JOIN {q(depts.table)} ON {q(depts.table)}.{q('id')} = "
            f"{me}.{_INSTANCES.col('department_id')} "
            f"INNER JOIN {q(version)} ON {q(version)}.{q('id')} = {me}.{_INSTANCES.col('version_id')} "
            f"{rows_join}WHERE {me}.{q('id')} = %s{order}"
        )
        if connection.features.has_select_for_update_of:
            sql += f" FOR UPDATE OF {me}"
        hit = _LOCK_SQL[key] = (
            sql, len(_INSTANCES.all_columns), len(users.all_columns), len(depts.all_columns)
        )
    return hit


_VERSIONS: dict[int, tuple[Any, ProcessVersion]] = {}


def _version(pk: int, status: str, created_at: Any) -> ProcessVersion:
    """A process version with its process. Only a draft's diagram, steps, form and DMN change, and
    approvals never run on drafts; other versions are kept per process (keyed by their creation time
    too: a primary key reused after a restore or a rolled-back test is another version). Each caller
    gets its own copy, with the status read under the lock."""
    hit = _VERSIONS.get(pk)
    if hit is None or hit[0] != created_at or status == VersionStatus.DRAFT:
        version = ProcessVersion.objects.select_related("definition").get(pk=pk)
        version.steps  # noqa: B018 -- parsed once, shared by the copies
        if status == VersionStatus.DRAFT:
            return version
        if len(_VERSIONS) > 500:
            _VERSIONS.clear()
        _VERSIONS[pk] = hit = (created_at, version)
    version = copy.copy(hit[1])
    version.status = status
    return version


def _save_state(instance: ProcessInstance, workflow: Any, **fields: Any) -> None:
    """Write engine state with an optimistic version check (the row lock makes it a formality)."""
    updated = _INSTANCES.update(
        f"{_INSTANCES.col('id')} = %s AND {_INSTANCES.col('revision')} = %s", [instance.pk, instance.revision],
        state=engine.dump(workflow), revision=instance.revision + 1, **fields,
    )
    if updated != 1:
        raise DomainError(WorkflowError.CONFLICT)
    instance.revision += 1
    for key, value in fields.items():
        setattr(instance, key, value)


def _touch(instance: ProcessInstance, **fields: Any) -> None:
    """A change to the task rows without an engine step still moves the revision on."""
    _INSTANCES.update_pk(instance.pk, revision=Increment(1), **fields)
    instance.revision += 1
    for key, value in fields.items():
        setattr(instance, key, value)


@contextlib.contextmanager
def _engine_errors() -> Iterator[None]:
    """Engine failures (a refused expression, a broken diagram) become DomainError(workflow.engine)."""
    try:
        yield
    except (DomainError, DatabaseError):
        raise
    except Exception as exc:  # SpiffWorkflow raises many types; each becomes a reason, never a 500
        raise DomainError(WorkflowError.ENGINE, reason=engine.describe_error(exc)) from exc


def _ready_user_tasks(workflow: Any) -> list[Any]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def _step_settings(instance: ProcessInstance, step_id: str) -> dict:
    return instance.version.step(step_id)


def _mode(settings_: dict) -> str:
    """How a step's people decide: the step's `mode`, else one after another for a supervisor
    chain (连续多级主管), countersign for the heads of several departments, and or-sign for
    everything else."""
    if settings_.get("mode"):
        return settings_["mode"]
    rule_type = (settings_.get("assignee") or {}).get("type")
    if rule_type == "supervisor":
        return ApprovalMode.SEQUENTIAL
    if rule_type == "department_heads":  # several departments review: each must agree (会签)
        return ApprovalMode.ALL
    return ApprovalMode.ANY


def _is_submit(settings_: dict) -> bool:
    return settings_.get("kind") == "submit"


def _due(settings_: dict, start: datetime.datetime) -> datetime.datetime | None:
    hours = settings_.get("due_hours")
    try:
        return start + datetime.timedelta(hours=float(hours)) if hours else None
    except (TypeError, ValueError):
        return None


def _admins() -> list[Any]:
    return list(get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk")[:1])


def _approved_by(instance: ProcessInstance) -> set[int]:
    """People whose approval still stands in this approval (for "a duplicate approver approves once").

    Approvals undone by a return (rows detached from the engine) do not count; a delegate's
    approval counts for the person they stood in for.
    """
    known = instance.__dict__.get("_approved")  # read with the rows under the lock (_decide_locked)
    if known is not None:
        return set(known)
    rows = _TASKS.values(
        f"{_TASKS.col('instance_id')} = %s AND {_TASKS.col('decision')} = %s AND {_TASKS.col('spiff_task')} <> ''",
        [instance.pk, Decision.APPROVED], names=("assignee_id", "principal_id"),
    )
    return {principal or assignee for assignee, principal in rows}


def _url(instance: ProcessInstance) -> str:
    return instance.get_absolute_url()


def _notify_tasks(tasks: list[Task]) -> None:
    for task in tasks:
        if task.status == TaskStatus.OPEN and task.assignee_id:
            notify(
                [task.assignee],
                title=_("To approve: %(title)s") % {"title": task.instance.title},
                body=_("Step: %(step)s") % {"step": task.name},
                url=_url(task.instance),
            )


def _tell_requester(instance: ProcessInstance) -> None:
    label = InstanceStatus(instance.status).label
    notify(
        [instance.requester],
        title=_("%(title)s: %(status)s") % {"title": instance.title, "status": label},
        url=_url(instance),
    )


def _next_due(
    instance: ProcessInstance, workflow: Any = None, open_rows: list[Task] | None = None
) -> datetime.datetime | None:
    """The next moment the worker must look at this approval: the earliest time limit of an open
    task not yet escalated, or the earliest BPMN timer the engine waits for. `open_rows`: every
    open task row of the approval, when the caller has them (else they are read)."""
    candidates = []
    if open_rows is None:
        task_due = instance.tasks.filter(
            status=TaskStatus.OPEN, due_at__isnull=False, escalated_at__isnull=True
        ).aggregate(m=models.Min("due_at"))["m"]
    else:
        task_due = min(
            (r.due_at for r in open_rows
             if r.status == TaskStatus.OPEN and r.due_at is not None and r.escalated_at is None),
            default=None,
        )
    if task_due is not None:
        candidates.append(task_due)
    if workflow is None and engine.has_timers(instance.version):
        workflow = engine.load(instance.version, instance.state)
    if workflow is not None:
        timer = engine.timer_due(workflow)
        if timer is not None:
            candidates.append(timer)
    return min(candidates) if candidates else None


# --- opening steps -------------------------------------------------------------------------------


def _open_step(
    instance: ProcessInstance, spiff_task: Any, actor: Any, *, now: datetime.datetime, starting: bool
) -> tuple[list[Task], bool]:
    """Create the task rows of a newly ready step; returns (rows, completed_automatically).

    Empty approver rule (`empty`): "skip" (the step passes), "admin" (default: the first active
    administrator), "refuse" (DomainError workflow.no_approver, nothing is saved). The requester as
    approver passes automatically unless `requester_is_approver` says otherwise; someone whose
    approval already stands approves once (`dedupe`, default on). A requester's own step
    (`kind: submit`) is done by the act of starting; it opens for them again after a return.
    """
    spec = spiff_task.task_spec
    step_id = spec.bpmn_id
    step_name = spec.bpmn_name or step_id
    settings_ = _step_settings(instance, step_id)
    process_key = instance.version.definition.key
    requester = instance.requester
    if _is_submit(settings_):
        if starting:
            row = Task.objects.create(
                instance=instance, step_id=step_id, name=step_name, lane=spec.lane or "",
                spiff_task=str(spiff_task.id), assignee=requester, status=TaskStatus.DONE,
                decision=Decision.SUBMITTED, created_at=now, completed_at=now,
            )
            _event(instance, f"{step_id}.submitted", actor=requester, data={"task": row.pk})
            return [], True
        users = [requester]
    else:
        resolution = assignment.resolve(
            settings_.get("assignee") or {}, requester=requester, department=instance.department,
            form=instance.form_data,
        )
        users = resolution.users
        if not users:
            rule = settings_.get("empty", "admin")
            if rule == "refuse":
                raise DomainError(WorkflowError.NO_APPROVER, step=step_name, reason=resolution.reason)
            if rule == "skip":
                _event(instance, f"{step_id}.skipped", actor=None, data={"reason": resolution.reason})
                return [], True
            users = _admins()
            if not users:
                raise DomainError(WorkflowError.NO_APPROVER, step=step_name, reason=resolution.reason)
        if settings_.get("requester_is_approver", "auto_pass") == "auto_pass":
            users = [u for u in users if u.pk != requester.pk]
            if not users:
                _event(instance, f"{step_id}.auto_approved", actor=None, data={"reason": "requester"})
                return [], True
        if settings_.get("dedupe", True) and not starting:  # nobody has approved anything yet at the start
            done = _approved_by(instance)
            remaining = [u for u in users if u.pk not in done]
            if not remaining:
                _event(instance, f"{step_id}.auto_approved", actor=None, data={"reason": "already approved"})
                return [], True
            users = remaining
    mode = _mode(settings_)
    rows = []
    for order, (assignee, principal) in enumerate(assignment.delegates_for(users, process_key)):
        waits = mode == ApprovalMode.SEQUENTIAL and order > 0
        rows.append(
            _TASKS.build(
                instance=instance, step_id=step_id, name=step_name, lane=spec.lane or "",
                spiff_task=str(spiff_task.id), assignee=assignee, principal=principal, order=order,
                status=PENDING if waits else TaskStatus.OPEN, created_at=now,
                due_at=None if waits else _due(settings_, now),
            )
        )
    _TASKS.insert_objects(rows)
    _event(
        instance, f"{step_id}.opened", actor=actor,
        data={"assignees": [r.assignee_id for r in rows], "mode": str(mode),
              "on_behalf_of": [r.principal_id for r in rows if r.principal_id]},
    )
    return rows, False


def _sync(instance: ProcessInstance, workflow: Any, now: datetime.datetime, live: set[str] | None = None,
          ready_tasks: list[Any] | None = None) -> None:
    """Rows whose engine task is no longer waiting for people (the step was interrupted by a
    timer, cut off by a terminate end, or the approval ended) are cancelled. `live`: the engine
    task ids of the open rows when the caller knows them (nothing to do when all are ready);
    `ready_tasks`: the engine's ready user tasks, when the caller has just listed them."""
    if ready_tasks is None:
        ready_tasks = _ready_user_tasks(workflow)
    ready = [str(t.id) for t in ready_tasks]
    if live is not None and live <= set(ready):
        return
    instance.tasks.filter(status__in=LIVE).exclude(spiff_task__in=ready).update(
        status=TaskStatus.CANCELLED, completed_at=now
    )


def _advance(
    instance: ProcessInstance, workflow: Any, actor: Any, *, now: datetime.datetime | None = None,
    starting: bool = False, live: set[str] | None = None,
) -> list[Task]:
    """Run the engine until it waits for people; open every newly ready step. Returns new task rows.

    `live`: the engine task ids that have live rows, when the caller knows them (else read here)."""
    now = now or timezone.now()
    opened: list[Task] = []
    if starting:
        live = set()
    projected: set[str] = set(live) if live is not None else set(
        instance.tasks.filter(status__in=LIVE).values_list("spiff_task", flat=True)
    )
    ready = None  # the ready user tasks, once the engine waits for people
    for _round in range(100):  # steps that complete automatically let the engine move on
        with _engine_errors():
            workflow.do_engine_steps()
        auto_done = False
        listed = _ready_user_tasks(workflow)
        for spiff_task in listed:
            if str(spiff_task.id) in projected:
                continue
            rows, completed = _open_step(instance, spiff_task, actor, now=now, starting=starting)
            opened.extend(rows)
            projected.update(r.spiff_task for r in rows if r.status in LIVE)
            if completed:
                step_id = spiff_task.task_spec.bpmn_id
                spiff_task.data.update({"decision": Decision.APPROVED, f"{step_id}_decision": Decision.APPROVED})
                with _engine_errors():
                    spiff_task.run()
                auto_done = True
        if not auto_done:
            ready = listed
            break
    _sync(instance, workflow, now, live=projected, ready_tasks=ready)
    return opened


def _end_status(instance: ProcessInstance, workflow: Any) -> str:
    """How a completed workflow ended: an end event's settings may say {"status": "rejected"};
    otherwise the approval is rejected when the last decision before the end was a rejection
    (a gateway routed a rejection to the end, `on_reject: route`), approved otherwise."""
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if type(t.task_spec).__name__ == "EndEvent"]
    for end in ends:
        status = _step_settings(instance, end.task_spec.bpmn_id).get("status")
        if status in (InstanceStatus.APPROVED, InstanceStatus.REJECTED):
            return status
    last = max(ends, key=lambda t: t.last_state_change, default=None)
    if last is not None and last.data.get("decision") == Decision.REJECTED:
        return InstanceStatus.REJECTED
    return InstanceStatus.APPROVED


def _finish(instance: ProcessInstance, workflow: Any, actor: Any, *, on_behalf_of: Any = None,
            open_rows: list[Task] | None = None) -> dict:
    """Fields to save after an engine step: the end of the approval, or its next timer.
    `open_rows`: all open task rows of the approval, when the caller knows them."""
    if not workflow.is_completed():
        hooks.progressed(instance, workflow, actor=actor)  # the bound record follows the steps
        return {"next_timer_due": _next_due(instance, workflow, open_rows)}
    status = _end_status(instance, workflow)
    _event(instance, f"process.{status}", actor=actor, on_behalf_of=on_behalf_of)
    instance.status = status
    hooks.finished(instance, actor=actor)  # completion handlers, in this transaction
    _tell_requester(instance)
    return {"status": status, "ended_at": timezone.now(), "next_timer_due": None}


# --- starting ------------------------------------------------------------------------------------


def start_process(
    definition: ProcessDefinition | str,
    *,
    actor: Any,
    title: str,
    form: dict | None = None,
    record: models.Model | None = None,
    department: Department | None = None,
    data: dict | None = None,
    defer_attachments: bool = False,
    savepoint: bool = True,
    along: Sequence[Statement] = (),
) -> ProcessInstance:
    """Start the published version of a process for `actor` (the requester).

    Guards, before anything is written: the actor may start approvals (the add grant on
    approvals; an approval bound to a `record` is started by that record's own service, which has
    checked the actor's right to act on it), the process has a version to start, and `form`
    passes the version's form schema (forms_schema.clean: FormError, code workflow.invalid_form,
    naming each field). The approval keeps the cleaned values (plain JSON: money as "1234.50").
    A version without a schema keeps the values as given, made plain JSON (Decimal and dates as
    text). `defer_attachments`: the caller attaches the files of attachment fields to the new
    approval in the same transaction (the web start page). `savepoint=False`: the caller's own
    transaction (or savepoint) ends with any error raised here, as a record's service does that
    lets the error through; the start then takes no savepoint of its own (two round trips fewer).
    `along`: the caller's own updates (yewu.core.sql `update_statement`, e.g. its record's status),
    run with the approval's insert, before any step opens (one round trip on PostgreSQL).
    """
    if record is None:
        permissions.require_new(actor, "add", ProcessInstance, owner=actor, department=department)
    version = startable_version(definition)
    if version is None:
        if isinstance(definition, str):
            definition = _definition(definition)
            if definition is None:
                raise ProcessDefinition.DoesNotExist("no such process")
        raise DomainError(WorkflowError.NOT_PUBLISHED, name=definition.name)
    definition = version.definition
    form = _clean_form(version, form, actor=actor, defer_attachments=defer_attachments)
    if department is None:
        employee = assignment.employee_of(actor)
        department = employee.department if employee else None
    if department is None:
        department = Department.objects.filter(parent__isnull=True).order_by("pk").first()
    with atomic(savepoint=savepoint):
        instance = ProcessInstance(
            version=version,
            number=next_number("AP"),
            title=title[:200],
            requester=actor,
            department=department,
            form_json=json.dumps(form, ensure_ascii=False),
        )
        if record is not None:
            instance.content_type = ContentType.objects.get_for_model(record)
            instance.object_id = str(record.pk)
        _INSTANCES.insert_objects([instance], along=along)
        payload = {**form, **(data or {}), "form": form, "requester": actor.pk, "department": department.pk}
        with _engine_errors():
            workflow = engine.new_workflow(version, payload)
        _event(instance, "process.started", actor=actor, data={"version": version.version, "key": definition.key},
               new=record is None)  # a bound approval's events go to its record's case
        opened = _advance(instance, workflow, actor, starting=True)
        fields = _finish(instance, workflow, actor, open_rows=opened)
        _save_state(instance, workflow, **fields)
        _notify_tasks(opened)
    return instance


_DEFINITIONS = Table(ProcessDefinition)
_VERSION_ROWS = Table(ProcessVersion)


def definition_by_key(key: str) -> ProcessDefinition | None:
    """The process with this key (None when there is none); shared within the transaction (see
    yewu.core.sql.memo): treat it as read-only."""
    return memo(("process", key), lambda: _first(_DEFINITIONS.select(f"{_DEFINITIONS.col('key')} = %s", [key])))


_definition = definition_by_key


def _first(rows: list) -> Any:
    return rows[0] if rows else None


def startable_version(definition: ProcessDefinition | str) -> ProcessVersion | None:
    """The version new approvals start on: the latest published, else the latest in trial run
    (None when there is none, or no process with that key). Read with one prepared statement, once
    per transaction, and shared from the cache of versions (see `_version`): treat it as read-only."""
    if isinstance(definition, str):
        found = _startable_by_key(definition)
        row = found[1] if found else None
    else:
        row = memo(("startable", definition.pk), lambda: _best(_VERSION_ROWS.values(
            f"{_VERSION_ROWS.col('definition_id')} = %s AND {_VERSION_ROWS.col('status')} IN (%s, %s)",
            [definition.pk, VersionStatus.PUBLISHED, VersionStatus.TRIAL],
            names=("id", "status", "created_at", "version"),
        )))
    return None if row is None else _version(*row)


def process_exists(key: str) -> bool:
    """Whether a process with this key is installed (once per transaction, like startable_version)."""
    return _startable_by_key(key) is not None


def _startable_by_key(key: str) -> tuple[int, tuple | None] | None:
    """(process id, (version id, status, created_at) of the startable version or None), or None
    when there is no such process: one statement, remembered for the transaction."""
    return read_processes(key)[key]


def read_processes(*keys: str) -> dict[str, tuple[int, tuple | None] | None]:
    """`_startable_by_key` of several processes in one statement, remembered for the transaction:
    a service that checks and starts more than one process reads them all at once."""

    def read(memo_keys: list) -> dict:
        wanted = [k for _kind, k in memo_keys]
        sql = _STARTABLE_SQL.get((connection.vendor, len(wanted)))
        if sql is None:
            q, d, v = connection.ops.quote_name, _DEFINITIONS, _VERSION_ROWS
            sql = _STARTABLE_SQL[(connection.vendor, len(wanted))] = (
                f"SELECT d.{d.col('key')}, d.{q('id')}, {v.columns_sql(('id', 'status', 'created_at', 'version'), alias='v')} "
                f"FROM {q(d.table)} d LEFT OUTER JOIN {q(v.table)} v ON v.{v.col('definition_id')} = d.{q('id')} "
                f"AND v.{v.col('status')} IN (%s, %s) WHERE d.{d.col('key')} IN {in_list(len(wanted))}"
            )
        with kept_cursor() as cursor:
            cursor.execute(sql, [VersionStatus.PUBLISHED, VersionStatus.TRIAL, *wanted])
            rows = cursor.fetchall()
        found: dict[str, tuple[int, list]] = {}
        for key, pk, *version in rows:
            entry = found.setdefault(key, (pk, []))
            if version[0] is not None:
                entry[1].append(version)
        return {("startable-key", k): (found[k][0], _best(found[k][1])) if k in found else None for k in wanted}

    got = memo_many([("startable-key", k) for k in keys], read)
    return {k: got[("startable-key", k)] for k in keys}


def _best(rows: list) -> tuple | None:
    """The startable one of (id, status, created_at, version) rows: published first, then the latest."""
    if not rows:
        return None
    pk, status, created_at, _number = max(rows, key=lambda r: (r[1] == VersionStatus.PUBLISHED, r[3]))
    return pk, status, created_at


_STARTABLE_SQL: dict[tuple[str, int], str] = {}


def _clean_form(version: Any, form: Any, *, actor: Any, defer_attachments: bool = False) -> dict:
    """The form values an approval keeps: checked against the version's schema when it has one."""
    if forms_schema.fields_of(version.form):
        return forms_schema.clean(version.form, form, user=actor, defer_attachments=defer_attachments)
    if form is None:
        return {}
    if not isinstance(form, dict):
        raise FormError([("", "", _("The form values must be an object of field names and values."))])
    return json.loads(json.dumps(form, ensure_ascii=False, default=str))


# --- acting on tasks -----------------------------------------------------------------------------


def _task_for_update(task: Task, actor: Any) -> tuple[ProcessInstance, Task]:
    """Lock the approval, re-read the task, and check that `actor` may act on it now."""
    instance, rows = _lock_with_rows(task)
    for r in rows:
        r.instance = instance
    task = next((r for r in rows if r.pk == task.pk), None)
    if task is None:
        raise Task.DoesNotExist("the task does not exist")
    if task.assignee_id == actor.pk:
        task.assignee = actor  # the principal (rare) is read when an event names it
    instance._rows = rows  # taken by _decide_locked (one read instead of three)
    if task.status != TaskStatus.OPEN:
        raise DomainError(WorkflowError.TASK_CLOSED)  # decided, withdrawn, or not yet their turn
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    if task.assignee_id != actor.pk:
        raise DomainError(WorkflowError.NOT_ASSIGNEE)
    return instance, task


def _close(task: Task, decision: str, comment: str, status: str = TaskStatus.DONE) -> None:
    task.status = status
    task.decision = decision
    task.comment = comment
    task.completed_at = timezone.now()
    _TASKS.update_pk(
        task.pk, status=task.status, decision=task.decision, comment=task.comment, completed_at=task.completed_at
    )


def _step_rows(instance: ProcessInstance, spiff_task_id: str) -> list[Task]:
    return list(instance.tasks.filter(spiff_task=spiff_task_id).order_by("order", "pk"))


def _step_outcome(instance: ProcessInstance, task: Task, step_rows: list[Task] | None = None) -> str | None:
    """After one decision: 'approved' / 'rejected' when the step is decided, None while it waits."""
    if step_rows is None:
        step_rows = _step_rows(instance, task.spiff_task)
    rows = [
        r for r in step_rows
        if r.status != TaskStatus.CANCELLED and r.decision not in (Decision.TRANSFERRED, Decision.RETURNED)
    ]
    settings_ = _step_settings(instance, task.step_id)
    mode = _mode(settings_)
    approved = sum(r.decision in (Decision.APPROVED, Decision.AUTO_APPROVED, Decision.SUBMITTED) for r in rows)
    rejected = sum(r.decision == Decision.REJECTED for r in rows)
    total = len(rows)
    if mode in (ApprovalMode.ANY, ApprovalMode.SINGLE):
        return Decision.REJECTED if rejected else Decision.APPROVED if approved else None
    if mode == ApprovalMode.QUORUM:
        try:
            wanted = int(settings_.get("quorum") or 1)
        except (TypeError, ValueError):
            wanted = 1
        need = max(1, min(wanted, total))
        if approved >= need:
            return Decision.APPROVED
        return Decision.REJECTED if rejected > total - need else None
    # all / sequential: one rejection ends the step; everyone must approve
    if rejected:
        return Decision.REJECTED
    return Decision.APPROVED if approved == total else None


def approve_task(task: Task, *, actor: Any, comment: str = "") -> ProcessInstance:
    """Approve (同意) one's own open task; the step completes when its mode says so."""
    return _decide(task, actor=actor, decision=Decision.APPROVED, comment=comment)


def reject_task(task: Task, *, actor: Any, comment: str) -> ProcessInstance:
    """Reject (拒绝) with a mandatory reason; ends the approval unless the step routes rejections."""
    if not (comment or "").strip():
        raise DomainError(WorkflowError.REASON_REQUIRED)
    return _decide(task, actor=actor, decision=Decision.REJECTED, comment=comment)


def submit_task(task: Task, *, actor: Any, comment: str = "", form: dict | None = None) -> ProcessInstance:
    """Complete a requester's own step (e.g. revise the form and resubmit after a return); revised
    form values are checked against the version's schema together with the values they amend."""
    if form is not None:
        instance = ProcessInstance.objects.select_related("version").get(pk=task.instance_id)
        cleaned = _clean_form(instance.version, {**instance.form_data, **form}, actor=actor)
        form = {k: v for k, v in cleaned.items() if k in form}
    return _decide(task, actor=actor, decision=Decision.SUBMITTED, comment=comment, form=form)


@atomic()
def _decide(task: Task, *, actor: Any, decision: str, comment: str, form: dict | None = None) -> ProcessInstance:
    instance, task = _task_for_update(task, actor)
    return _decide_locked(instance, task, actor=actor, decision=decision, comment=comment, form=form)


def _decide_locked(
    instance: ProcessInstance, task: Task, *, actor: Any, decision: str, comment: str,
    form: dict | None = None, data: dict | None = None,
) -> ProcessInstance:
    """Record one person's decision on their task and move the step and the engine on."""
    settings_ = _step_settings(instance, task.step_id)
    if _is_submit(settings_) and decision == Decision.APPROVED:
        decision = Decision.SUBMITTED
    elif not _is_submit(settings_) and decision == Decision.SUBMITTED:
        decision = Decision.APPROVED
    comment = (comment or "").strip()
    rows = instance.__dict__.pop("_rows", None)  # read under the lock by _task_for_update, if it ran
    _close(task, decision, comment)
    _event(
        instance, f"{task.step_id}.{decision}", actor=actor, on_behalf_of=task.principal,
        data={"task": task.pk, "comment": comment[:500], **(data or {})},
    )
    now = timezone.now()
    if rows is None:
        step_rows = _step_rows(instance, task.spiff_task)
        live = None
    else:
        step_rows = [r for r in rows if r.spiff_task == task.spiff_task]
        live = {r.spiff_task for r in rows if r.status in LIVE and r.spiff_task != task.spiff_task}
    nxt = None
    if decision != Decision.REJECTED:
        # Sequential steps and added signers: the next person in line gets the task now.
        nxt = next((r for r in step_rows if r.status == PENDING and r.order > task.order), None)
    if nxt is not None:
        nxt.status = TaskStatus.OPEN
        nxt.created_at = now
        nxt.due_at = _due(settings_, now)
        nxt.save(update_fields=["status", "created_at", "due_at"])
        _notify_tasks([nxt])
        _touch(instance, next_timer_due=_next_due(instance))
        return instance
    step_rows = [task if r.pk == task.pk else r for r in step_rows]  # with this decision
    outcome = _step_outcome(instance, task, step_rows)
    if outcome is None:  # the step waits for more decisions (countersign, quorum)
        _touch(instance, next_timer_due=_next_due(instance))
        return instance
    # The step is decided: withdraw what is still open for it, tell the engine, move on.
    if any(r.status in LIVE for r in step_rows):
        instance.tasks.filter(spiff_task=task.spiff_task, status__in=LIVE).update(
            status=TaskStatus.CANCELLED, completed_at=now
        )
    with _engine_errors():
        workflow = engine.load(instance.version, instance.state)
        spiff_task = workflow.get_task_from_id(UUID(task.spiff_task))
    on_reject = settings_.get("on_reject", "end")
    if outcome == Decision.REJECTED and on_reject != "route":
        with _engine_errors():
            workflow.cancel()
        instance.tasks.filter(status__in=LIVE).update(status=TaskStatus.CANCELLED, completed_at=now)
        _event(instance, "process.rejected", actor=actor, on_behalf_of=task.principal)
        instance.status = InstanceStatus.REJECTED
        hooks.finished(instance, actor=actor)  # completion handlers, in this transaction
        _tell_requester(instance)
        fields = {"status": InstanceStatus.REJECTED, "ended_at": now, "next_timer_due": None}
    else:
        extra: dict[str, Any] = {}
        if form:
            merged = {**instance.form_data, **form}
            spiff_task.data.update(form)
            spiff_task.data["form"] = {**spiff_task.data.get("form", {}), **form}
            extra["form_json"] = json.dumps(merged, ensure_ascii=False, default=str)
        spiff_task.data.update({"decision": outcome, f"{task.step_id}_decision": outcome})
        with _engine_errors():
            spiff_task.run()
        if "form_json" in extra:
            instance.form_json = extra["form_json"]
        if rows is not None:  # whose approval stands now: the rows read under the lock and this decision
            instance._approved = {r.principal_id or r.assignee_id for r in rows
                                  if r.pk != task.pk and r.decision == Decision.APPROVED and r.spiff_task}
            if task.decision == Decision.APPROVED:
                instance._approved.add(task.principal_id or task.assignee_id)
        try:
            opened = _advance(instance, workflow, actor, live=live)
        finally:
            instance.__dict__.pop("_approved", None)
        open_rows = None
        if rows is not None:  # every open row: the other steps' (read under the lock) and the new ones
            open_rows = [r for r in rows if r.spiff_task in live and r.status == TaskStatus.OPEN] + opened
        fields = {**_finish(instance, workflow, actor, on_behalf_of=task.principal, open_rows=open_rows), **extra}
        _notify_tasks(opened)
    _save_state(instance, workflow, **fields)
    return instance


def _new_row(instance: ProcessInstance, like: Task, user: Any, **fields: Any) -> Task:
    """A task row in the same step as `like` for `user` (or their delegate when one is in force)."""
    assignee, principal = assignment.delegate_for(user, instance.version.definition.key)
    values = {
        "instance": instance, "step_id": like.step_id, "name": like.name, "lane": like.lane,
        "spiff_task": like.spiff_task, "assignee": assignee, "principal": principal,
        "created_at": timezone.now(), **fields,
    }
    return Task.objects.create(**values)


def hand_over_tasks(user: Any, *, actor: Any, to_user: Any = None) -> int:
    """The open and waiting tasks of someone who can no longer act (they left the company) go to
    `to_user`, by default their supervisor, else the administrator; each hand-over is a transfer
    in the trail ("{step}.transferred", reason "left"). Returns the number of tasks moved."""
    employee = Employee.objects.filter(user=user).select_related("supervisor__user").first()
    if to_user is None:
        boss = employee.supervisor if employee is not None else None
        if boss is not None and boss.status == EmployeeStatus.ACTIVE and boss.user_id and boss.user.is_active:
            to_user = boss.user
        else:
            to_user = next(iter(_admins()), None)
    if to_user is None or to_user.pk == user.pk:
        return 0
    reason = _("%(name)s has left the company") % {"name": employee.name if employee else user.get_username()}
    moved = 0
    instance_ids = (
        Task.objects.filter(assignee=user, status__in=LIVE, instance__status=InstanceStatus.RUNNING)
        .values_list("instance_id", flat=True).distinct()
    )
    for instance_id in list(instance_ids):
        with atomic():
            instance = _lock(instance_id)
            for task in instance.tasks.filter(assignee=user, status__in=LIVE).order_by("order", "pk"):
                _transfer_locked(instance, task, actor=actor, to_user=to_user, comment=reason, data={"reason": "left"})
                moved += 1
    return moved


def _check_person(user: Any, actor: Any) -> None:
    if user.pk == actor.pk:
        raise DomainError(WorkflowError.TRANSFER_SELF)
    if not user.is_active:
        raise DomainError(WorkflowError.INACTIVE_USER, name=str(user))


@atomic()
def transfer_task(task: Task, *, actor: Any, to_user: Any, comment: str = "") -> Task:
    """Hand an open task to someone else (转交); the step's rule and time limit are unchanged."""
    instance, task = _task_for_update(task, actor)
    _check_person(to_user, actor)
    return _transfer_locked(instance, task, actor=actor, to_user=to_user, comment=comment)


def _transfer_locked(instance: ProcessInstance, task: Task, *, actor: Any, to_user: Any, comment: str,
                     data: dict | None = None) -> Task:
    comment = (comment or "").strip()
    waiting = task.status  # open, or pending when the task is handed over before its turn
    _close(task, Decision.TRANSFERRED, comment)
    new = _new_row(
        instance, task, to_user, order=task.order, status=waiting, due_at=task.due_at,
        reminded_at=task.reminded_at, escalated_at=task.escalated_at,
    )
    _event(instance, f"{task.step_id}.transferred", actor=actor, on_behalf_of=task.principal,
           data={"task": task.pk, "from": task.assignee_id, "to": new.assignee_id, "comment": comment[:500],
                 **(data or {})})
    _touch(instance)
    _notify_tasks([new])
    return new


@atomic()
def hand_over_step(instance: ProcessInstance, step_id: str, *, actor: Any, to_user: Any, comment: str = "") -> int:
    """The bound record's own service moves the open tasks of one step to `to_user` (e.g. a lead
    handed to another assignee while its needs analysis waits); each is a transfer in the trail
    and keeps its time limit. Returns the number of tasks moved."""
    instance = _lock(instance)
    moved = 0
    for task in instance.tasks.filter(step_id=step_id, status=TaskStatus.OPEN).exclude(assignee=to_user):
        _transfer_locked(instance, task, actor=actor, to_user=to_user, comment=comment)
        moved += 1
    return moved


@atomic()
def add_signer(task: Task, *, actor: Any, user: Any, before: bool, comment: str = "") -> Task:
    """加签: someone else signs this step too, before the actor (the actor waits) or right after them."""
    instance, task = _task_for_update(task, actor)
    _check_person(user, actor)
    comment = (comment or "").strip()
    # Everyone in line after the actor (or from the actor on, when signing before) moves back one.
    shift_from = task.order if before else task.order + 1
    instance.tasks.filter(spiff_task=task.spiff_task, status__in=LIVE, order__gte=shift_from).exclude(
        pk=task.pk
    ).update(order=models.F("order") + 1)
    if before:
        new = _new_row(instance, task, user, order=task.order, due_at=task.due_at)
        Task.objects.filter(pk=task.pk).update(status=PENDING, order=task.order + 1)
        _notify_tasks([new])
    else:
        new = _new_row(instance, task, user, order=task.order + 1, status=PENDING, due_at=None)
    _event(instance, f"{task.step_id}.signer_added", actor=actor, on_behalf_of=task.principal,
           data={"task": task.pk, "user": user.pk, "before": before, "comment": comment[:500]})
    _touch(instance)
    return new


@atomic()
def return_task(task: Task, *, actor: Any, to_step: str, comment: str) -> ProcessInstance:
    """Send the approval back to an earlier step (退回), chosen from `returnable_steps`; it runs again
    from there and that step's people get new tasks."""
    if not (comment or "").strip():
        raise DomainError(WorkflowError.REASON_REQUIRED)
    instance, task = _task_for_update(task, actor)
    return _return_locked(instance, task, actor=actor, to_step=to_step, comment=comment)


def _return_locked(instance: ProcessInstance, task: Task, *, actor: Any, to_step: str, comment: str,
                   data: dict | None = None) -> ProcessInstance:
    names = dict(returnable_steps(instance))
    if to_step not in names or to_step == task.step_id:
        raise DomainError(WorkflowError.RETURN_TARGET, step=to_step)
    with _engine_errors():
        workflow = engine.load(instance.version, instance.state)
    target = next(
        (t for t in reversed(workflow.get_tasks(state=TaskState.COMPLETED)) if t.task_spec.bpmn_id == to_step),
        None,
    )
    if target is None:
        raise DomainError(WorkflowError.RETURN_TARGET, step=names.get(to_step, to_step))
    comment = (comment or "").strip()
    _close(task, Decision.RETURNED, comment)
    _event(instance, f"{task.step_id}.returned", actor=actor, on_behalf_of=task.principal,
           data={"task": task.pk, "to": to_step, "comment": comment[:500], **(data or {})})
    with _engine_errors():
        workflow.reset_from_task_id(target.id)
    # Decisions on the engine tasks that were reset or discarded no longer stand.
    live = {str(i) for i in workflow.tasks} - {str(target.id)}
    for subprocess in workflow.subprocesses.values():
        live.update(str(i) for i in subprocess.tasks)
    instance.tasks.exclude(spiff_task="").exclude(status__in=LIVE).exclude(spiff_task__in=live).update(
        spiff_task=""
    )
    opened = _advance(instance, workflow, actor)
    fields = _finish(instance, workflow, actor)
    _save_state(instance, workflow, **fields)
    _notify_tasks(opened)
    return instance


def returnable_steps(instance: ProcessInstance) -> list[tuple[str, str]]:
    """Steps people have done so far (id, name), oldest first, that an approver may send the
    approval back to; steps waiting for people right now are left out."""
    current = set(instance.tasks.filter(status__in=LIVE).values_list("step_id", flat=True))
    seen: dict[str, str] = {}
    rows = instance.tasks.filter(
        status=TaskStatus.DONE, decision__in=[Decision.APPROVED, Decision.SUBMITTED, Decision.AUTO_APPROVED]
    ).exclude(spiff_task="").order_by("completed_at", "pk")
    for step_id, name in rows.values_list("step_id", "name"):
        if step_id not in current:
            seen.setdefault(step_id, name)
    return list(seen.items())


@atomic()
def withdraw_instance(instance: ProcessInstance, *, actor: Any, comment: str = "") -> ProcessInstance:
    """The requester takes the approval back (撤回), only before anyone has decided on it."""
    instance = _lock(instance)
    if instance.requester_id != actor.pk:
        raise DomainError(WorkflowError.NOT_REQUESTER)
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    if instance.tasks.filter(decision__in=DECISIONS).exclude(assignee=actor).exists():
        raise DomainError(WorkflowError.WITHDRAW_AFTER_DECISION)
    return _end_early(instance, InstanceStatus.WITHDRAWN, "process.withdrawn", actor=actor, comment=comment)


@atomic()
def cancel_instance(instance: ProcessInstance, *, actor: Any, comment: str = "") -> ProcessInstance:
    """End a running approval that its bound record no longer needs (e.g. the lead was closed or
    converted while its intake was still running): open tasks lapse and the status is cancelled.
    Called by the record's own service, which has checked the actor's right to act on the record."""
    instance = _lock(instance)
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    return _end_early(instance, InstanceStatus.CANCELLED, "process.cancelled", actor=actor, comment=comment)


def _end_early(instance: ProcessInstance, status: str, activity: str, *, actor: Any, comment: str) -> ProcessInstance:
    """Stop a running approval (locked by the caller): the engine cancels, open tasks lapse, one
    event, the completion handlers run in this transaction, and the state is written."""
    with _engine_errors():
        workflow = engine.load(instance.version, instance.state)
        workflow.cancel()
    now = timezone.now()
    instance.tasks.filter(status__in=LIVE).update(status=TaskStatus.CANCELLED, completed_at=now)
    _event(instance, activity, actor=actor, data={"comment": (comment or "").strip()[:500]})
    instance.status = status
    hooks.finished(instance, actor=actor)
    _save_state(instance, workflow, status=status, ended_at=now, next_timer_due=None)
    return instance


def can_copy(instance: ProcessInstance, user: Any) -> bool:
    """Who may CC (抄送) an approval: its requester, anyone who has or had a task in it, or someone
    who may change it."""
    return (
        instance.requester_id == user.pk
        or instance.tasks.filter(Q(assignee=user) | Q(principal=user)).exists()
        or permissions.can(user, "change", instance)
    )


@atomic()
def copy_to(instance: ProcessInstance, users: list[Any], *, actor: Any) -> list[CarbonCopy]:
    """抄送: keep people informed; they can read the approval but not act on it."""
    instance = _lock(instance)
    if not can_copy(instance, actor):
        raise DomainError(WorkflowError.NOT_ASSIGNEE)
    for user in users:
        if not user.is_active:
            raise DomainError(WorkflowError.INACTIVE_USER, name=str(user))
    created = []
    for user in users:
        cc, made = CarbonCopy.objects.get_or_create(instance=instance, user=user, defaults={"created_by": actor})
        if made:
            created.append(cc)
    if created:
        _event(instance, "process.copied", actor=actor, data={"users": [c.user_id for c in created]})
        notify(
            [c.user for c in created], title=_("For your information: %(title)s") % {"title": instance.title},
            url=_url(instance),
        )
    return created


@atomic()
def urge(instance: ProcessInstance, *, actor: Any, now: datetime.datetime | None = None) -> int:
    """催办: remind the people whose decision the approval waits for (at most once an hour)."""
    instance = _lock(instance)
    if instance.requester_id != actor.pk and not permissions.can(actor, "change", instance):
        raise DomainError(WorkflowError.NOT_REQUESTER)
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    now = now or timezone.now()
    if Event.objects.filter(
        process_instance=instance.number, activity="process.urged", timestamp__gt=now - URGE_INTERVAL
    ).exists():
        raise DomainError(WorkflowError.URGE_TOO_SOON)
    open_tasks = list(instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee"))
    _event(instance, "process.urged", actor=actor, data={"tasks": [t.pk for t in open_tasks]})
    notify(
        [t.assignee for t in open_tasks if t.assignee_id],
        title=_("Reminder: %(title)s is waiting for you") % {"title": instance.title}, url=_url(instance),
    )
    return len(open_tasks)


# --- time limits and timers (run by the worker) --------------------------------------------------


def process_due_tasks(now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind before due times, escalate breaches as each step's settings say, and fire the BPMN
    timers that are due (the worker's periodic job; `now` lets tests move the clock).

    Step settings: `due_hours`, `remind_before_hours`, and `escalation`:
      "notify_supervisor" (default) the assignee and their supervisor are told;
      "reassign"     the task moves to `escalate_to` (an assignee rule; default: the assignee's
                     supervisor), keeping its due time;
      "auto_approve" the task is approved automatically (decision auto_approved);
      "auto_return"  the approval goes back to the previous step people did (the requester's
                     submit step included); with none before it, the supervisor is told instead.
    Each task is escalated once only; each runs in its own transaction.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0, "timers": 0}
    soon = Task.objects.filter(status=TaskStatus.OPEN, due_at__gt=now, reminded_at__isnull=True)
    for task in soon.select_related("instance__version")[:1000]:
        before = _hours(_step_settings(task.instance, task.step_id).get("remind_before_hours"))
        if before and task.due_at - datetime.timedelta(hours=before) <= now:
            counts["reminded"] += _remind(task.pk, now)
    overdue = Task.objects.filter(status=TaskStatus.OPEN, due_at__lte=now, escalated_at__isnull=True)
    for pk in list(overdue.values_list("pk", flat=True)[:1000]):
        counts["escalated"] += _escalate(pk, now)
    counts["timers"] = fire_timers(now)
    return counts


def _hours(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


@atomic()
def _remind(task_pk: int, now: datetime.datetime) -> int:
    task = Task.objects.select_related("instance", "assignee").get(pk=task_pk)
    instance = _lock(task.instance_id)
    if not Task.objects.filter(pk=task_pk, status=TaskStatus.OPEN, reminded_at__isnull=True).update(reminded_at=now):
        return 0
    _event(instance, f"{task.step_id}.reminded", actor=None, data={"task": task.pk, "due": task.due_at.isoformat()})
    notify([task.assignee], title=_("Due soon: %(title)s") % {"title": instance.title},
           body=_("Step: %(step)s") % {"step": task.name}, url=_url(instance))
    return 1


@atomic()
def _escalate(task_pk: int, now: datetime.datetime) -> int:
    task = Task.objects.get(pk=task_pk)
    instance = _lock(task.instance_id)
    task = Task.objects.select_related("assignee", "principal").get(pk=task_pk)
    if task.status != TaskStatus.OPEN or task.escalated_at is not None or instance.status != InstanceStatus.RUNNING:
        return 0
    settings_ = _step_settings(instance, task.step_id)
    action = settings_.get("escalation", "notify_supervisor")
    Task.objects.filter(pk=task.pk).update(escalated_at=now)
    task.escalated_at = now
    problem = ""
    if action in ("auto_return", "auto_approve", "reassign"):
        try:
            with atomic():
                if _escalate_automatically(instance, task, action, settings_):
                    return 1
                problem = "nobody to hand over to" if action == "reassign" else "no earlier step"
        except DomainError as exc:  # e.g. the next step finds no approver: a person must look at it
            problem = exc.message
            instance.refresh_from_db(fields=["revision", "status", "next_timer_due"])
    supervisors = assignment.resolve({"type": "supervisor", "levels": 1}, requester=task.assignee,
                                     department=instance.department, form={}).users
    _event(instance, f"{task.step_id}.escalated", actor=None,
           data={"task": task.pk, "action": "notify_supervisor", "configured": action, "problem": problem,
                 "notified": [u.pk for u in supervisors]})
    notify(
        [task.assignee, *supervisors], title=_("Overdue: %(title)s") % {"title": instance.title},
        body=_("Step %(step)s has passed its time limit.") % {"step": task.name}, url=_url(instance),
    )
    ProcessInstance.objects.filter(pk=instance.pk).update(next_timer_due=_next_due(instance))
    return 1


def _escalate_automatically(instance: ProcessInstance, task: Task, action: str, settings_: dict) -> bool:
    """Reassign, auto-approve or auto-return an overdue task inline (same transaction), acting in
    the assignee's name since the act stands for their missed decision; the event data and the
    comment say it was automatic. False when there is nobody / nothing to do it with."""
    automatic = {"automatic": True, "reason": "time limit"}
    if action == "auto_return":
        earlier = [s for s, _name in returnable_steps(instance) if s != task.step_id]
        if not earlier:
            return False
        _event(instance, f"{task.step_id}.escalated", actor=None,
               data={"task": task.pk, "action": action, "to": earlier[-1]})
        _return_locked(instance, task, actor=task.assignee, to_step=earlier[-1],
                       comment=_("Returned automatically after the time limit."), data=automatic)
        return True
    if action == "auto_approve":
        _event(instance, f"{task.step_id}.escalated", actor=None, data={"task": task.pk, "action": action})
        _decide_locked(instance, task, actor=task.assignee, decision=Decision.AUTO_APPROVED,
                       comment=_("Approved automatically after the time limit."), data=automatic)
        return True
    rule = settings_.get("escalate_to") or {"type": "supervisor", "levels": 1}
    resolution = assignment.resolve(rule, requester=task.assignee, department=instance.department,
                                    form=instance.form_data)
    to_user = next((u for u in resolution.users if u.pk != task.assignee_id), None)
    if to_user is None:
        return False
    _event(instance, f"{task.step_id}.escalated", actor=None,
           data={"task": task.pk, "action": action, "to": to_user.pk})
    _transfer_locked(instance, task, actor=task.assignee, to_user=to_user,
                     comment=_("Reassigned after the time limit."), data=automatic)
    ProcessInstance.objects.filter(pk=instance.pk).update(next_timer_due=_next_due(instance))
    return True


def fire_timers(now: datetime.datetime | None = None) -> int:
    """Fire the BPMN timer events (boundary and intermediate) of approvals whose next timer is due.

    The worker calls this (through `process_due_tasks`); the engine's timers read `now`, so a
    restart or a late worker fires them on the next run. Returns how many timers fired.
    """
    now = now or timezone.now()
    due = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, next_timer_due__lte=now)
    fired = 0
    for pk in list(due.order_by("next_timer_due").values_list("pk", flat=True)[:500]):
        fired += _fire_instance(pk, now)
    return fired


@atomic()
def _fire_instance(pk: int, now: datetime.datetime) -> int:
    instance = _lock(pk)
    if instance.status != InstanceStatus.RUNNING:
        return 0
    if not engine.has_timers(instance.version):
        ProcessInstance.objects.filter(pk=pk).update(next_timer_due=_next_due(instance))
        return 0
    with _engine_errors():
        workflow = engine.load(instance.version, instance.state)
    waiting = engine.waiting_timer_ids(workflow)
    fired: list[str] = []

    def record_fired() -> None:
        still = engine.waiting_timer_ids(workflow)
        for task_id in [i for i in waiting if i not in still]:
            fired.append(waiting.pop(task_id))
            _event(instance, f"{fired[-1]}.fired", actor=None, data={"at": now.isoformat()})

    with engine.clock(now):
        with _engine_errors():
            workflow.refresh_timers()
        record_fired()
        if not fired:
            ProcessInstance.objects.filter(pk=pk).update(next_timer_due=_next_due(instance, workflow))
            return 0
        opened = _advance(instance, workflow, None, now=now)
        record_fired()
    fields = _finish(instance, workflow, None)
    _save_state(instance, workflow, **fields)
    _notify_tasks(opened)
    return len(fired)
