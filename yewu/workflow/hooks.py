"""What an approval does to its business record: handlers called by the approval services.

A module that binds its records to a process (P21 binds process versions; procurement will bind
requisitions) registers handlers here, keyed by the process key or by the bound record's type
("workflow.processversion"):

    @hooks.on_finish("process_standard")
    def released(instance, *, actor): ...        # the approval ended: approved, rejected, withdrawn

    @hooks.on_progress("process_standard")
    def moved(instance, *, steps, actor): ...    # after an engine step; `steps` are the ids of the
                                                 # steps now waiting for people

For the common case, a record whose `status` follows the approval's outcome, an on_finish handler
calls `follow_outcome(Model, instance, actor=…, waiting=…, approved=Outcome(…), rejected=…,
withdrawn=…)` (see yewu/procurement/services.py).

Handlers run inside the transaction of the step that triggered them, after the instance's new
status is known (`instance.status`) and before it is written: an exception in a handler rolls the
whole step back, so a record never disagrees with its approval. They must not start or act on the
same approval. An internal registry, not a plugin API (see STYLE.md): modules register in their
AppConfig.ready() (or at import of the module that WorkflowConfig.ready() imports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from SpiffWorkflow.util.task import TaskState

from yewu.core.sql import table_of

FinishHandler = Callable[..., None]
ProgressHandler = Callable[..., None]

_FINISH: dict[str, list[FinishHandler]] = {}
_PROGRESS: dict[str, list[ProgressHandler]] = {}


def on_finish(*keys: str) -> Callable[[FinishHandler], FinishHandler]:
    """Register `handler(instance, *, actor)` for approvals of these process keys or record types."""

    def register(handler: FinishHandler) -> FinishHandler:
        for key in keys:
            if handler not in _FINISH.setdefault(key, []):
                _FINISH[key].append(handler)
        return handler

    return register


def on_progress(*keys: str) -> Callable[[ProgressHandler], ProgressHandler]:
    """Register `handler(instance, *, steps, actor)`, called after each engine step of a running approval."""

    def register(handler: ProgressHandler) -> ProgressHandler:
        for key in keys:
            if handler not in _PROGRESS.setdefault(key, []):
                _PROGRESS[key].append(handler)
        return handler

    return register


def record_type(instance: Any) -> str:
    """The bound record's type as "app_label.model" ("" for a general approval)."""
    if not instance.content_type_id:
        return ""
    return ContentType.objects.get_for_id(instance.content_type_id).model_class()._meta.label_lower


def _handlers(registry: dict[str, list[Callable]], instance: Any) -> list[Callable]:
    if not registry:
        return []
    found = list(registry.get(instance.version.definition.key, ()))
    kind = record_type(instance)
    for handler in registry.get(kind, ()) if kind else ():
        if handler not in found:
            found.append(handler)
    return found


def finished(instance: Any, *, actor: Any) -> None:
    """The approval has ended (its status is set on `instance`): run the finish handlers."""
    for handler in _handlers(_FINISH, instance):
        handler(instance, actor=actor)


def progressed(instance: Any, workflow: Any, *, actor: Any) -> None:
    """The engine moved on and the approval still runs: run the progress handlers."""
    handlers = _handlers(_PROGRESS, instance)
    if not handlers:
        return
    steps = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for handler in handlers:
        handler(instance, steps=steps, actor=actor)


# --- the common case: the record's status follows the approval's outcome -------------------------


@dataclass(frozen=True)
class Outcome:
    """Where a bound record goes when its approval ends this way: its new status, the audit
    activity, and optionally a datetime field stamped with the moment (e.g. approved_at)."""

    status: str
    activity: str
    stamp: str = ""


def bound_pk(instance: Any) -> int | None:
    """The primary key of the record an approval is bound to (None when it is bound to nothing)."""
    object_id = str(getattr(instance, "object_id", "") or "")
    return int(object_id) if object_id.isdecimal() else None


def bound_record(instance: Any, user: Any) -> Any:
    """The record an approval is bound to, when `user` may view it (read through the model's
    restricted queryset); None when it is bound to nothing, gone, or out of the user's scope."""
    if not getattr(instance, "content_type_id", None) or not getattr(instance, "object_id", ""):
        return None
    model = instance.content_type.model_class()
    qs = model._default_manager.all() if model is not None else None
    if qs is None or not hasattr(qs, "restrict"):
        return None
    try:
        return qs.restrict(user, "view").filter(pk=instance.object_id).first()
    except (ValueError, ValidationError):  # an id that is no key of the model
        return None


def follow_step(
    obj: Any, instance: Any, *, steps: set[str], order: list[str], status_of: dict[str, str], activity: str,
    actor: Any, check: Callable[[Any, int], None] | None = None, also: dict[str, Any] | None = None,
) -> Any:
    """The approval opened `steps` (an on_progress handler): the bound record `obj` takes the
    status of the first of them in `order` (`status_of`), after `check(obj, index of that step)`
    has confirmed that what the steps before it record is there; `also`: more fields to set.
    One audit event `activity` when the status changes. Returns the record when it changed."""
    from yewu.core.audit import record_event

    waiting = [s for s in order if s in steps]
    if obj is None or not waiting:
        return None
    step = waiting[0]
    if check is not None:
        check(obj, order.index(step))
    target = status_of[step]
    if obj.status == target:
        return None
    old = obj.status
    obj.status = target
    for name, value in (also or {}).items():
        setattr(obj, name, value)
    obj.save(update_fields=["status", *(also or {})])
    record_event(obj, activity, actor=actor, department=getattr(obj, "department_id", None),
                 data={"status": [old, target], "process": instance.number})
    return obj


def follow_outcome(
    model: type[models.Model], instance: Any, *, actor: Any, waiting: str,
    approved: Outcome, rejected: Outcome, withdrawn: Outcome, record: Any = None,
) -> Any:
    """Move the record bound to `instance` from `waiting` to the status of the approval's outcome
    (`instance.status`: approved / rejected / anything else = withdrawn), remember the approval,
    and record one audit event. Call it from an on_finish handler (inside the step's transaction).
    Returns the record, or None when it is gone or no longer waits for this approval. `record`:
    the bound record when the caller has already read it with `select_for_update` (or None)."""
    from yewu.core.audit import record_event

    table = table_of(model)  # every approval's end runs this: prepared statements, no ORM compile
    if record is not None:
        obj = record
    else:
        try:
            obj = table.get(bound_pk(instance), lock=True)
        except model.DoesNotExist:
            obj = None
    if obj is None or obj.status != waiting:
        return None
    outcome = {"approved": approved, "rejected": rejected}.get(str(instance.status), withdrawn)
    old = obj.status
    obj.status = outcome.status
    obj.approval_id = instance.pk
    values = {"status": obj.status, "approval_id": obj.approval_id}
    if outcome.stamp:
        setattr(obj, outcome.stamp, timezone.now())
        values[outcome.stamp] = getattr(obj, outcome.stamp)
    table.update_pk(obj.pk, **values)
    record_event(obj, outcome.activity, actor=actor, department=getattr(obj, "department_id", None),
                 data={"status": [old, outcome.status], "approval": instance.number})
    return obj
