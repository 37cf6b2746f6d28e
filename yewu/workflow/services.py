"""Approvals: start a process, act on its tasks, and keep the task projection and audit trail in step.

Each action runs in one transaction: lock the instance row, check the rule, drive the engine,
write the engine state, the task rows and the audit events, then notify after commit.
The engine decides who acts next; these functions decide whether an act is legal.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.util.task import TaskState

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import DomainError
from yewu.core.services import next_number, notify
from yewu.org.models import Department, Employee
from yewu.workflow import assignment, engine
from yewu.workflow.choices import ApprovalMode, Decision, InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import (
    CarbonCopy,
    ProcessDefinition,
    ProcessInstance,
    Task,
)

PENDING = "pending"  # a task row waiting for its turn (sequential steps, add-signer-before)


# --- helpers -------------------------------------------------------------------------------------


def _case(instance: ProcessInstance) -> Any:
    if instance.content_type_id and instance.object_id:
        return (instance.content_type.model_class()._meta.label_lower, instance.object_id)
    return instance


def _event(instance: ProcessInstance, activity: str, *, actor: Any, data: dict | None = None,
           on_behalf_of: Any = None) -> None:
    record_event(
        _case(instance), activity, actor=actor, on_behalf_of=on_behalf_of, data=data or {},
        process_instance=instance.number,
    )


def _lock(instance: ProcessInstance) -> ProcessInstance:
    return ProcessInstance.objects.select_for_update().select_related("version__definition").get(pk=instance.pk)


def _save_state(instance: ProcessInstance, workflow: Any, **fields: Any) -> None:
    """Write engine state with an optimistic version check (the row lock makes it a formality)."""
    updated = ProcessInstance.objects.filter(pk=instance.pk, revision=instance.revision).update(
        state=engine.dump(workflow), revision=instance.revision + 1, **fields
    )
    if updated != 1:
        raise DomainError(WorkflowError.CONFLICT)
    instance.revision += 1
    for key, value in fields.items():
        setattr(instance, key, value)


def _ready_user_tasks(workflow: Any) -> list[Any]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def _step_settings(instance: ProcessInstance, step_id: str) -> dict:
    return instance.version.step(step_id)


def _due(settings_: dict, start: datetime.datetime) -> datetime.datetime | None:
    hours = settings_.get("due_hours")
    try:
        return start + datetime.timedelta(hours=float(hours)) if hours else None
    except (TypeError, ValueError):
        return None


def _admins() -> list[Any]:
    return list(get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk")[:1])


def _approved_by(instance: ProcessInstance) -> set[int]:
    return set(
        instance.tasks.filter(decision__in=[Decision.APPROVED, Decision.AUTO_APPROVED]).values_list(
            "assignee_id", flat=True
        )
    )


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


# --- opening steps -------------------------------------------------------------------------------


def _open_step(instance: ProcessInstance, spiff_task: Any, actor: Any) -> tuple[list[Task], bool]:
    """Create the task rows of a newly ready step; returns (rows, completed_automatically)."""
    spec = spiff_task.task_spec
    step_id = spec.bpmn_id
    settings_ = _step_settings(instance, step_id)
    now = timezone.now()
    process_key = instance.version.definition.key
    requester = instance.requester
    if settings_.get("kind") == "submit":
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
                raise DomainError(WorkflowError.NO_APPROVER, step=spec.bpmn_name or step_id, reason=resolution.reason)
            if rule == "skip":
                _event(instance, f"{step_id}.skipped", actor=None, data={"reason": resolution.reason})
                return [], True
            users = _admins()
            if not users:
                raise DomainError(WorkflowError.NO_APPROVER, step=spec.bpmn_name or step_id, reason=resolution.reason)
        # The requester approving their own request passes automatically (unless the step says not).
        if settings_.get("requester_is_approver", "auto_pass") == "auto_pass" and settings_.get("kind") != "submit":
            users = [u for u in users if u.pk != requester.pk] or []
            if not users:
                _event(instance, f"{step_id}.auto_approved", actor=None, data={"reason": "requester"})
                return [], True
        # Someone who already approved earlier in this approval approves once only.
        if settings_.get("dedupe", True) and settings_.get("kind") != "submit":
            done = _approved_by(instance)
            remaining = [u for u in users if u.pk not in done]
            if not remaining:
                _event(instance, f"{step_id}.auto_approved", actor=None, data={"reason": "already approved"})
                return [], True
            users = remaining
    mode = settings_.get("mode") or (ApprovalMode.SEQUENTIAL if (settings_.get("assignee") or {}).get("type") == "supervisor" else ApprovalMode.ANY)
    rows = []
    for order, user in enumerate(users):
        assignee, principal = assignment.delegate_for(user, process_key)
        rows.append(
            Task(
                instance=instance, step_id=step_id, name=spec.bpmn_name or step_id, lane=spec.lane or "",
                spiff_task=str(spiff_task.id), assignee=assignee, principal=principal, order=order,
                status=PENDING if (mode == ApprovalMode.SEQUENTIAL and order > 0) else TaskStatus.OPEN,
                created_at=now, due_at=_due(settings_, now),
            )
        )
    Task.objects.bulk_create(rows)
    _event(
        instance, f"{step_id}.opened", actor=actor,
        data={"assignees": [r.assignee_id for r in rows], "mode": str(mode)},
    )
    return rows, False


def _advance(instance: ProcessInstance, workflow: Any, actor: Any) -> list[Task]:
    """Run the engine until it waits for people; open every newly ready step. Returns new task rows."""
    opened: list[Task] = []
    for _round in range(100):  # steps that complete automatically let the engine move on
        try:
            workflow.do_engine_steps()
        except Exception as exc:  # the engine reports expression or structure errors here
            raise DomainError(WorkflowError.ENGINE, reason=str(exc)[:300]) from exc
        projected = set(
            instance.tasks.filter(status__in=[TaskStatus.OPEN, PENDING]).values_list("spiff_task", flat=True)
        )
        auto_done = False
        for spiff_task in _ready_user_tasks(workflow):
            if str(spiff_task.id) in projected:
                continue
            rows, completed = _open_step(instance, spiff_task, actor)
            opened.extend(rows)
            if completed:
                spiff_task.data.update({"decision": Decision.APPROVED, f"{spiff_task.task_spec.bpmn_id}_decision": Decision.APPROVED})
                spiff_task.run()
                auto_done = True
        if not auto_done:
            break
    return opened


def _finish_if_done(instance: ProcessInstance, workflow: Any, actor: Any) -> dict:
    if workflow.is_completed():
        now = timezone.now()
        _event(instance, "process.approved", actor=actor)
        return {"status": InstanceStatus.APPROVED, "ended_at": now, "next_timer_due": None}
    return {"next_timer_due": _next_due(instance)}


def _next_due(instance: ProcessInstance) -> datetime.datetime | None:
    return instance.tasks.filter(status=TaskStatus.OPEN, due_at__isnull=False).aggregate(
        m=models.Min("due_at")
    )["m"]


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
) -> ProcessInstance:
    """Start the published version of a process for `actor` (the requester)."""
    if isinstance(definition, str):
        definition = ProcessDefinition.objects.get(key=definition)
    version = (
        definition.versions.filter(status=VersionStatus.PUBLISHED).order_by("-version").first()
        or definition.versions.filter(status=VersionStatus.TRIAL).order_by("-version").first()
    )
    if version is None:
        raise DomainError(WorkflowError.NOT_PUBLISHED, name=definition.name)
    employee = Employee.objects.filter(user=actor).select_related("department").first()
    department = department or (employee.department if employee else None)
    if department is None:
        department = Department.objects.filter(parent__isnull=True).order_by("pk").first()
    form = dict(form or {})
    with transaction.atomic():
        instance = ProcessInstance(
            version=version,
            number=next_number("AP"),
            title=title[:200],
            requester=actor,
            department=department,
            form_json=json.dumps(form, ensure_ascii=False, default=str),
        )
        if record is not None:
            instance.content_type = ContentType.objects.get_for_model(record)
            instance.object_id = str(record.pk)
        instance.save()
        payload = {**form, **(data or {}), "form": form, "requester": actor.pk, "department": department.pk}
        workflow = engine.new_workflow(version, payload)
        _event(instance, "process.started", actor=actor, data={"version": version.version, "key": definition.key})
        opened = _advance(instance, workflow, actor)
        fields = _finish_if_done(instance, workflow, actor)
        _save_state(instance, workflow, **fields)
        transaction.on_commit(lambda: _notify_tasks(opened))
    return instance


# --- acting on tasks -----------------------------------------------------------------------------


def _task_for_update(task: Task, actor: Any) -> tuple[ProcessInstance, Task]:
    instance = _lock(task.instance)
    task = Task.objects.select_related("assignee", "principal").get(pk=task.pk)
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    if task.status != TaskStatus.OPEN:
        raise DomainError(WorkflowError.TASK_CLOSED)
    if task.assignee_id != actor.pk:
        raise DomainError(WorkflowError.NOT_ASSIGNEE)
    return instance, task


def _close(task: Task, decision: str, comment: str, status: str = TaskStatus.DONE) -> None:
    task.status = status
    task.decision = decision
    task.comment = comment
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "decision", "comment", "completed_at"])


def _step_rows(instance: ProcessInstance, spiff_task_id: str) -> list[Task]:
    return list(instance.tasks.filter(spiff_task=spiff_task_id).order_by("order", "pk"))


def _step_outcome(instance: ProcessInstance, task: Task) -> str | None:
    """After one decision: 'approved' / 'rejected' when the step is decided, None while it waits."""
    rows = [r for r in _step_rows(instance, task.spiff_task) if r.decision != Decision.TRANSFERRED]
    settings_ = _step_settings(instance, task.step_id)
    mode = settings_.get("mode") or ApprovalMode.ANY
    approved = sum(r.decision == Decision.APPROVED for r in rows)
    rejected = sum(r.decision == Decision.REJECTED for r in rows)
    total = len(rows)
    if mode in (ApprovalMode.ANY, ApprovalMode.SINGLE):
        return Decision.REJECTED if rejected else Decision.APPROVED if approved else None
    if mode == ApprovalMode.QUORUM:
        need = max(1, min(int(settings_.get("quorum") or 1), total))
        if approved >= need:
            return Decision.APPROVED
        return Decision.REJECTED if rejected > total - need else None
    # all / sequential: one rejection ends the step; everyone must approve
    if rejected:
        return Decision.REJECTED
    return Decision.APPROVED if approved == total else None


def approve_task(task: Task, *, actor: Any, comment: str = "") -> ProcessInstance:
    return _decide(task, actor=actor, decision=Decision.APPROVED, comment=comment)


def reject_task(task: Task, *, actor: Any, comment: str) -> ProcessInstance:
    if not (comment or "").strip():
        raise DomainError(WorkflowError.REASON_REQUIRED)
    return _decide(task, actor=actor, decision=Decision.REJECTED, comment=comment)


def submit_task(task: Task, *, actor: Any, comment: str = "", form: dict | None = None) -> ProcessInstance:
    """Complete a requester's own step (e.g. revise and resubmit after a return)."""
    return _decide(task, actor=actor, decision=Decision.APPROVED, comment=comment, form=form)


@transaction.atomic
def _decide(task: Task, *, actor: Any, decision: str, comment: str, form: dict | None = None) -> ProcessInstance:
    instance, task = _task_for_update(task, actor)
    _close(task, decision, comment.strip())
    _event(
        instance, f"{task.step_id}.{decision}", actor=actor, on_behalf_of=task.principal,
        data={"task": task.pk, "comment": comment.strip()[:500]},
    )
    workflow = engine.load(instance.version, instance.state)
    opened: list[Task] = []
    fields: dict[str, Any] = {}
    nxt = None
    if decision == Decision.APPROVED:
        # Sequential steps and added signers: the next person in line gets the task now.
        nxt = instance.tasks.filter(spiff_task=task.spiff_task, status=PENDING).order_by("order", "pk").first()
    outcome = None if nxt is not None else _step_outcome(instance, task)
    if outcome is None:
        if nxt is not None:
            nxt.status = TaskStatus.OPEN
            nxt.created_at = timezone.now()
            nxt.due_at = _due(_step_settings(instance, nxt.step_id), nxt.created_at)
            nxt.save(update_fields=["status", "created_at", "due_at"])
            opened.append(nxt)
        fields["next_timer_due"] = _next_due(instance)
    else:
        # The step is decided: withdraw what is still open for it, tell the engine, move on.
        instance.tasks.filter(spiff_task=task.spiff_task, status__in=[TaskStatus.OPEN, PENDING]).update(
            status=TaskStatus.CANCELLED, completed_at=timezone.now()
        )
        spiff_task = workflow.get_task_from_id(UUID(task.spiff_task))
        on_reject = _step_settings(instance, task.step_id).get("on_reject", "end")
        if outcome == Decision.REJECTED and on_reject != "route":
            workflow.cancel()
            instance.tasks.filter(status__in=[TaskStatus.OPEN, PENDING]).update(
                status=TaskStatus.CANCELLED, completed_at=timezone.now()
            )
            _event(instance, "process.rejected", actor=actor, on_behalf_of=task.principal)
            fields = {"status": InstanceStatus.REJECTED, "ended_at": timezone.now(), "next_timer_due": None}
        else:
            if form:
                spiff_task.data.update(form)
                spiff_task.data["form"] = {**spiff_task.data.get("form", {}), **form}
            spiff_task.data.update({"decision": outcome, f"{task.step_id}_decision": outcome})
            spiff_task.run()
            opened = _advance(instance, workflow, actor)
            fields = _finish_if_done(instance, workflow, actor)
    _save_state(instance, workflow, **fields)
    transaction.on_commit(lambda: _notify_tasks(opened))
    if fields.get("status") in (InstanceStatus.APPROVED, InstanceStatus.REJECTED):
        _tell_requester(instance)
    return instance


def _tell_requester(instance: ProcessInstance) -> None:
    label = InstanceStatus(instance.status).label
    transaction.on_commit(
        lambda: notify(
            [instance.requester],
            title=_("%(title)s: %(status)s") % {"title": instance.title, "status": label},
            url=_url(instance),
        )
    )


@transaction.atomic
def transfer_task(task: Task, *, actor: Any, to_user: Any, comment: str = "") -> Task:
    """Hand an open task to someone else (转交); the step's rule is unchanged."""
    instance, task = _task_for_update(task, actor)
    if to_user.pk == actor.pk:
        raise DomainError(WorkflowError.TRANSFER_SELF)
    if not to_user.is_active:
        raise DomainError(WorkflowError.INACTIVE_USER, name=str(to_user))
    _close(task, Decision.TRANSFERRED, comment.strip())
    new = Task.objects.create(
        instance=instance, step_id=task.step_id, name=task.name, lane=task.lane, spiff_task=task.spiff_task,
        assignee=to_user, order=task.order, created_at=timezone.now(), due_at=task.due_at,
    )
    _event(instance, f"{task.step_id}.transferred", actor=actor, on_behalf_of=task.principal,
           data={"from": actor.pk, "to": to_user.pk, "comment": comment.strip()[:500]})
    instance.revision = ProcessInstance.objects.filter(pk=instance.pk).values_list("revision", flat=True).get()
    ProcessInstance.objects.filter(pk=instance.pk).update(revision=instance.revision + 1)
    transaction.on_commit(lambda: _notify_tasks([new]))
    return new


@transaction.atomic
def add_signer(task: Task, *, actor: Any, user: Any, before: bool, comment: str = "") -> Task:
    """加签: someone else signs this step too, before the actor (actor waits) or after them."""
    instance, task = _task_for_update(task, actor)
    if user.pk == actor.pk:
        raise DomainError(WorkflowError.TRANSFER_SELF)
    if not user.is_active:
        raise DomainError(WorkflowError.INACTIVE_USER, name=str(user))
    now = timezone.now()
    rows = _step_rows(instance, task.spiff_task)
    if before:
        new = Task.objects.create(
            instance=instance, step_id=task.step_id, name=task.name, lane=task.lane, spiff_task=task.spiff_task,
            assignee=user, order=task.order, created_at=now, due_at=task.due_at,
        )
        # The actor's own task waits until the added signer has approved.
        Task.objects.filter(pk=task.pk).update(status=PENDING, order=task.order + 1)
        for r in rows:
            if r.pk != task.pk and r.order > task.order:
                Task.objects.filter(pk=r.pk).update(order=r.order + 1)
        opened = [new]
    else:
        new = Task.objects.create(
            instance=instance, step_id=task.step_id, name=task.name, lane=task.lane, spiff_task=task.spiff_task,
            assignee=user, order=max(r.order for r in rows) + 1, status=PENDING, created_at=now, due_at=None,
        )
        opened = []
    # Added signers make the step sequential for everyone involved.
    _event(instance, f"{task.step_id}.signer_added", actor=actor,
           data={"user": user.pk, "before": before, "comment": comment.strip()[:500]})
    ProcessInstance.objects.filter(pk=instance.pk).update(revision=models.F("revision") + 1)
    transaction.on_commit(lambda: _notify_tasks(opened))
    return new


@transaction.atomic
def return_task(task: Task, *, actor: Any, to_step: str, comment: str) -> ProcessInstance:
    """Send the approval back to an earlier step (退回), which runs again from there."""
    if not (comment or "").strip():
        raise DomainError(WorkflowError.REASON_REQUIRED)
    instance, task = _task_for_update(task, actor)
    workflow = engine.load(instance.version, instance.state)
    target = next(
        (t for t in reversed(workflow.get_tasks(state=TaskState.COMPLETED)) if t.task_spec.bpmn_id == to_step),
        None,
    )
    if target is None:
        raise DomainError(WorkflowError.RETURN_TARGET, step=to_step)
    _close(task, Decision.RETURNED, comment.strip())
    now = timezone.now()
    instance.tasks.filter(status__in=[TaskStatus.OPEN, PENDING]).update(status=TaskStatus.CANCELLED, completed_at=now)
    workflow.reset_from_task_id(target.id)
    _event(instance, f"{task.step_id}.returned", actor=actor, on_behalf_of=task.principal,
           data={"to": to_step, "comment": comment.strip()[:500]})
    opened = _advance(instance, workflow, actor)
    fields = _finish_if_done(instance, workflow, actor)
    _save_state(instance, workflow, **fields)
    transaction.on_commit(lambda: _notify_tasks(opened))
    return instance


def returnable_steps(instance: ProcessInstance) -> list[tuple[str, str]]:
    """Steps done so far (id, name), oldest first, that an approver may send the approval back to."""
    seen: dict[str, str] = {}
    for row in instance.tasks.filter(status=TaskStatus.DONE).order_by("completed_at", "pk"):
        seen.setdefault(row.step_id, row.name)
    return list(seen.items())


@transaction.atomic
def withdraw_instance(instance: ProcessInstance, *, actor: Any, comment: str = "") -> ProcessInstance:
    """The requester takes the approval back (撤回), only before anyone has decided on it."""
    instance = _lock(instance)
    if instance.requester_id != actor.pk:
        raise DomainError(WorkflowError.NOT_REQUESTER)
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    if instance.tasks.filter(
        decision__in=[Decision.APPROVED, Decision.REJECTED, Decision.RETURNED, Decision.TRANSFERRED]
    ).exclude(assignee=actor).exists():
        raise DomainError(WorkflowError.WITHDRAW_AFTER_DECISION)
    workflow = engine.load(instance.version, instance.state)
    workflow.cancel()
    now = timezone.now()
    instance.tasks.filter(status__in=[TaskStatus.OPEN, PENDING]).update(status=TaskStatus.CANCELLED, completed_at=now)
    _event(instance, "process.withdrawn", actor=actor, data={"comment": comment.strip()[:500]})
    _save_state(instance, workflow, status=InstanceStatus.WITHDRAWN, ended_at=now, next_timer_due=None)
    return instance


@transaction.atomic
def copy_to(instance: ProcessInstance, users: list[Any], *, actor: Any) -> list[CarbonCopy]:
    """抄送: keep people informed; they can read the approval but not act on it."""
    instance = _lock(instance)
    if not (instance.requester_id == actor.pk or instance.tasks.filter(assignee=actor).exists()
            or permissions.can(actor, "change", instance)):
        raise DomainError(WorkflowError.NOT_ASSIGNEE)
    created = []
    for user in users:
        cc, made = CarbonCopy.objects.get_or_create(instance=instance, user=user, defaults={"created_by": actor})
        if made:
            created.append(cc)
    if created:
        _event(instance, "process.copied", actor=actor, data={"users": [c.user_id for c in created]})
        transaction.on_commit(lambda: notify(
            [c.user for c in created], title=_("For your information: %(title)s") % {"title": instance.title},
            url=_url(instance),
        ))
    return created


@transaction.atomic
def urge(instance: ProcessInstance, *, actor: Any) -> int:
    """催办: remind the people whose decision the approval waits for (at most once an hour)."""
    instance = _lock(instance)
    if instance.requester_id != actor.pk and not permissions.can(actor, "change", instance):
        raise DomainError(WorkflowError.NOT_REQUESTER)
    if instance.status != InstanceStatus.RUNNING:
        raise DomainError(WorkflowError.INSTANCE_CLOSED)
    now = timezone.now()
    open_tasks = list(instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee"))
    if any(t.reminded_at and now - t.reminded_at < datetime.timedelta(hours=1) for t in open_tasks):
        raise DomainError(WorkflowError.URGE_TOO_SOON)
    Task.objects.filter(pk__in=[t.pk for t in open_tasks]).update(reminded_at=now)
    _event(instance, "process.urged", actor=actor, data={"tasks": [t.pk for t in open_tasks]})
    transaction.on_commit(lambda: notify(
        [t.assignee for t in open_tasks if t.assignee_id],
        title=_("Reminder: %(title)s is waiting for you") % {"title": instance.title}, url=_url(instance),
    ))
    return len(open_tasks)


# --- time limits (run by the worker) -------------------------------------------------------------


def process_due_tasks(now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind before due times and escalate breaches as each step's settings say."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    soon = Task.objects.filter(status=TaskStatus.OPEN, due_at__isnull=False, reminded_at__isnull=True)
    for task in soon.select_related("instance__version", "assignee")[:1000]:
        before = float(_step_settings(task.instance, task.step_id).get("remind_before_hours") or 0)
        if before and task.due_at - datetime.timedelta(hours=before) <= now < task.due_at:
            Task.objects.filter(pk=task.pk).update(reminded_at=now)
            notify([task.assignee], title=_("Due soon: %(title)s") % {"title": task.instance.title},
                   url=_url(task.instance))
            counts["reminded"] += 1
    overdue = Task.objects.filter(status=TaskStatus.OPEN, due_at__lt=now, escalated_at__isnull=True)
    for task in overdue.select_related("instance__version", "assignee")[:1000]:
        _escalate(task, now)
        counts["escalated"] += 1
    return counts


@transaction.atomic
def _escalate(task: Task, now: datetime.datetime) -> None:
    instance = _lock(task.instance)
    task = Task.objects.select_related("assignee").get(pk=task.pk)
    if task.status != TaskStatus.OPEN or task.escalated_at is not None:
        return
    settings_ = _step_settings(instance, task.step_id)
    action = settings_.get("escalation", "notify_supervisor")
    Task.objects.filter(pk=task.pk).update(escalated_at=now)
    _event(instance, f"{task.step_id}.escalated", actor=None, data={"task": task.pk, "action": action})
    if action == "auto_approve":
        transaction.on_commit(lambda: approve_task(task, actor=task.assignee, comment=_("Approved automatically after the time limit.")))
        return
    if action == "reassign":
        resolution = assignment.resolve(settings_.get("escalate_to") or {"type": "supervisor", "levels": 1},
                                        requester=task.assignee, department=instance.department, form=instance.form_data)
        if resolution.users:
            to_user = resolution.users[0]
            transaction.on_commit(lambda: transfer_task(task, actor=task.assignee, to_user=to_user,
                                                        comment=_("Reassigned after the time limit.")))
            return
    supervisors = assignment.resolve({"type": "supervisor", "levels": 1}, requester=task.assignee,
                                     department=instance.department, form={}).users
    transaction.on_commit(lambda: notify(
        [task.assignee, *supervisors], title=_("Overdue: %(title)s") % {"title": instance.title},
        body=_("Step %(step)s has passed its time limit.") % {"step": task.name}, url=_url(instance),
    ))
