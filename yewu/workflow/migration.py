"""Move running approvals of a process version to a newer published version of the same process.

Running instances keep the version they started with; an administrator may move selected or all
of them where the engine allows. SpiffWorkflow 3.2 compares the two specs (SpecDiff aligns task
specs by BPMN id, WorkflowDiff maps each task of the instance) and `migrate_workflow` swaps the
spec under the task tree, resetting the branches that wait (READY, WAITING) so that what comes next
is predicted from the new diagram. The ready engine tasks keep their ids, so the task rows stay
linked. An instance moves when:

  * it still runs, on the version being migrated from;
  * every step done so far (the completed path) still exists, under the same id, in the new version;
  * every step waiting now (for people, a timer, a join) exists under the same id;
  * its sub-processes exist in the new version;
  * after the move the engine waits for exactly the same people's steps as before and nothing
    would run by itself (otherwise the projection would disagree with the engine).

Otherwise it stays on its version, and the report says why (naming the step). Each instance moves
in its own transaction: the engine state, the version, the task rows (step names and roles from
the new diagram) and an audit event `process.migrated`, together.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import DomainError, ErrorCode
from yewu.workflow import engine, hooks
from yewu.workflow.choices import InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.models import ProcessInstance, ProcessVersion, Task

LIVE = [TaskStatus.OPEN, "pending"]
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_PREDICTED = TaskState.MAYBE | TaskState.LIKELY | TaskState.FUTURE


class MigrationError(ErrorCode):
    TARGET = "workflow.migration_target", _(
        "Approvals can move only to a newer published version of the same process (%(reason)s)."
    )
    INSTANCE = "workflow.migration_instance", _("Approval %(number)s is not a running approval of version %(version)s.")


@dataclass
class Outcome:
    """What happened to one approval: moved, or refused with the reason."""

    instance: ProcessInstance
    moved: bool
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.instance.pk, "number": self.instance.number, "title": self.instance.title,
                "moved": self.moved, "reason": self.reason}


@dataclass
class Report:
    source: ProcessVersion
    target: ProcessVersion
    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def moved(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.moved]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.moved]

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source.pk, "target": self.target.pk, "from_version": self.source.version,
                "to_version": self.target.version, "dry_run": self.dry_run,
                "moved": [o.as_dict() for o in self.moved], "refused": [o.as_dict() for o in self.refused]}


def targets(source: ProcessVersion) -> list[ProcessVersion]:
    """The versions the approvals of `source` may move to: newer published ones of the same process."""
    return list(source.definition.versions.filter(status=VersionStatus.PUBLISHED, version__gt=source.version)
                .order_by("-version"))


def check_target(source: ProcessVersion, target: ProcessVersion) -> None:
    reason = ""
    if target.definition_id != source.definition_id:
        reason = _t("version %(version)s belongs to another process") % {"version": target}
    elif target.version <= source.version:
        reason = _t("version %(target)s is not newer than version %(source)s") % {
            "target": target.version, "source": source.version}
    elif target.status != VersionStatus.PUBLISHED:
        reason = _t("version %(version)s is not published") % {"version": target.version}
    if reason:
        raise DomainError(MigrationError.TARGET, reason=reason)


def running(source: ProcessVersion) -> models.QuerySet:
    return ProcessInstance.objects.filter(version=source, status=InstanceStatus.RUNNING).order_by("started_at", "pk")


# --- the engine's part ---------------------------------------------------------------------------


def _name(task_spec: Any) -> str:
    return task_spec.bpmn_name or task_spec.bpmn_id or task_spec.name


def _step(task: Any) -> str:
    spec = task.task_spec
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    name = getattr(spec, "bpmn_name", None)
    return f"{name} ({bpmn_id})" if name and name != bpmn_id else str(bpmn_id)


def _ready(workflow: Any) -> dict[str, str]:
    return {str(t.id): t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def _problem(workflow: Any, top: Any, subs: dict[Any, Any], target: ProcessVersion) -> str:
    """Why this workflow cannot take the new spec ("" when it can)."""
    for sp_id, diff in subs.items():
        if diff is None:
            sub = workflow.subprocesses[sp_id]
            return _t("the sub-process %(name)s is not in version %(version)s") % {
                "name": sub.spec.name, "version": target.version}
    parts = [top, *subs.values()]
    for diff in parts:
        for task, new_spec in [*((t, None) for t in diff.removed), *diff.alignment.items()]:
            if new_spec is not None and new_spec.name == task.task_spec.name:
                continue  # the same element (by id) in the new version
            if task.has_state(TaskState.COMPLETED):
                return _t("the step %(step)s was done already, and version %(version)s has no such step") % {
                    "step": _step(task), "version": target.version}
            if task.has_state(_OPEN):
                return _t("the approval waits at %(step)s, which version %(version)s does not have") % {
                    "step": _step(task), "version": target.version}
    return ""


def _migrate_engine(workflow: Any, target: ProcessVersion) -> str:
    """Give `workflow` the target's spec in place; "" or the reason it cannot (nothing changed then)."""
    new_spec, new_subs = engine.specs_for(target)
    top, subs = diff_workflow(engine.SERIALIZER.registry, workflow, new_spec, new_subs)
    problem = _problem(workflow, top, subs, target)
    if problem:
        return problem
    before = _ready(workflow)
    for sp_id, diff in subs.items():
        migrate_workflow(diff, workflow.subprocesses[sp_id], new_subs[workflow.subprocesses[sp_id].spec.name])
    migrate_workflow(top, workflow, new_spec)
    workflow.subprocess_specs = new_subs
    stale = [t for t in workflow.get_tasks() if t.task_spec not in _specs_of(new_spec, new_subs)]
    if stale:
        return _t("the engine cannot move the part of the approval after %(step)s") % {"step": _step(stale[0])}
    if _ready(workflow) != before:
        return _t("in version %(version)s the approval would wait for other steps than now") % {
            "version": target.version}
    if workflow.get_tasks(state=TaskState.READY, manual=False):
        return _t("in version %(version)s the approval would move on by itself; move it after its next step") % {
            "version": target.version}
    return ""


def _specs_of(spec: Any, subs: dict[str, Any]) -> set[Any]:
    found = set(spec.task_specs.values())
    for sub in subs.values():
        found.update(sub.task_specs.values())
    return found


# --- the service ---------------------------------------------------------------------------------


def _case(instance: ProcessInstance) -> Any:
    kind = hooks.record_type(instance)
    return (kind, instance.object_id) if kind and instance.object_id else instance


def _next_due(instance: ProcessInstance, workflow: Any) -> datetime.datetime | None:
    due = [d for d in (
        instance.tasks.filter(status=TaskStatus.OPEN, due_at__isnull=False, escalated_at__isnull=True)
        .aggregate(m=models.Min("due_at"))["m"],
        engine.timer_due(workflow),
    ) if d is not None]
    return min(due) if due else None


def _move_one(pk: int, source: ProcessVersion, target: ProcessVersion, actor: Any, dry_run: bool) -> Outcome:
    instance = (ProcessInstance.objects.select_for_update(of=("self",)).select_related("version__definition")
                .get(pk=pk))
    if instance.status != InstanceStatus.RUNNING:
        return Outcome(instance, False, _t("the approval is no longer running"))
    if instance.version_id != source.pk:
        return Outcome(instance, False, _t("the approval runs version %(version)s") % {
            "version": instance.version.version})
    try:
        workflow = engine.load(instance.version, instance.state)
        problem = _migrate_engine(workflow, target)
        state = "" if problem else engine.dump(workflow)
        if state:
            engine.load(target, state)  # the moved state must read back with the new spec
    except Exception as exc:  # noqa: BLE001 - an engine failure refuses this approval, with the reason
        problem = _t("the engine cannot move it: %(reason)s") % {"reason": engine.describe_error(exc)}
    if problem or dry_run:
        return Outcome(instance, not problem, problem)
    names = {t.task_spec.bpmn_id: (_name(t.task_spec), t.task_spec.lane or "")
             for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for row in instance.tasks.filter(status__in=LIVE):
        name, lane = names.get(row.step_id, (row.name, row.lane))
        if (name, lane) != (row.name, row.lane):
            Task.objects.filter(pk=row.pk).update(name=name[:200], lane=lane[:200])
    updated = ProcessInstance.objects.filter(pk=instance.pk, revision=instance.revision).update(
        version=target, state=state, revision=instance.revision + 1, next_timer_due=_next_due(instance, workflow),
    )
    if updated != 1:
        from yewu.workflow.errors import WorkflowError

        raise DomainError(WorkflowError.CONFLICT)
    record_event(_case(instance), "process.migrated", actor=actor, process_instance=instance.number,
                 data={"from_version": source.version, "to_version": target.version,
                       "waiting": sorted(set(names))})
    instance.version = target
    return Outcome(instance, True)


def migrate_instances(
    source: ProcessVersion, target: ProcessVersion, *, actor: Any, instances: list[int] | None = None,
    dry_run: bool = False,
) -> Report:
    """Move the running approvals of `source` (all, or those whose ids are given) to `target`.

    Each approval moves in its own transaction; the report lists what moved and what did not, and
    why. `dry_run` checks each one the same way and changes nothing.
    """
    source = ProcessVersion.objects.select_related("definition").get(pk=source.pk)
    target = ProcessVersion.objects.select_related("definition").get(pk=target.pk)
    permissions.require(actor, "change", source.definition)
    check_target(source, target)
    if instances is None:
        pks = list(running(source).values_list("pk", flat=True))
    else:
        wanted = [int(i) for i in instances]
        found = dict(ProcessInstance.objects.filter(pk__in=wanted).values_list("pk", "version_id"))
        for pk in wanted:
            if found.get(pk) != source.pk:
                number = ProcessInstance.objects.filter(pk=pk).values_list("number", flat=True).first() or str(pk)
                raise DomainError(MigrationError.INSTANCE, number=number, version=source.version)
        pks = list(dict.fromkeys(wanted))
    report = Report(source, target, dry_run)
    for pk in pks:
        with transaction.atomic():
            outcome = _move_one(pk, source, target, actor, dry_run)
            if dry_run:
                transaction.set_rollback(True)
        report.outcomes.append(outcome)
    if not dry_run and report.moved:
        record_event(source, "version.instances_migrated", actor=actor,
                     department=source.definition.owner_department,
                     data={"to_version": target.version, "moved": [o.instance.number for o in report.moved],
                           "refused": {o.instance.number: o.reason for o in report.refused}})
    return report


def report_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False)
