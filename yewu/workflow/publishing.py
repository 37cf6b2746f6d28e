"""Publishing is itself a process (P21, key `process_standard` in the default pack).

Once P21 has a published version, a draft version of any process reaches review, trial run and
published only through a P21 approval bound to it (the approval's record is the version):

    submit_for_review(version)          draft → in review, and the P21 approval starts
    the head's and the countersigners' steps run        the version stays in review
    the trial-run confirmation opens    in review → trial run
    the general manager releases        trial run → published (the old published version retires)
    a rejection or a withdrawal         back to draft (change it and submit again)
    a return to a review step           trial run → in review

Each move is an audit event of the version naming the approval, written by the handlers below in
the transaction of the approval's step (yewu.workflow.hooks). Without a published P21 (a fresh
installation, most tests) the direct status change of definitions.set_version_status applies.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.org.models import Department, Employee
from yewu.workflow import definitions, forms_schema, hooks
from yewu.workflow.choices import ApprovalMode, InstanceStatus, VersionStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion

KEY = "process_standard"
#: P21 steps during which the version is in review, and those of its trial run.
#: The default pack's P21 steps, for versions installed before steps carried `version_state`.
REVIEW_STEPS = frozenset({"draft_confirm", "review_central", "review_legal"})
TRIAL_STEPS = frozenset({"trial_confirm", "release"})
TRIAL_DAYS = 14
REVIEW_MONTHS = 12


def publishing_definition() -> ProcessDefinition | None:
    """The P21 process when it has a published version (then it governs publishing), else None."""
    return ProcessDefinition.objects.filter(key=KEY, versions__status=VersionStatus.PUBLISHED).first()


def _version_type() -> ContentType:
    return ContentType.objects.get_for_model(ProcessVersion)


def approvals(version: ProcessVersion):
    """The publishing approvals of a version, newest first."""
    return ProcessInstance.objects.filter(content_type=_version_type(), object_id=str(version.pk)).order_by(
        "-started_at", "-pk"
    )


def running_approval(version: ProcessVersion) -> ProcessInstance | None:
    return approvals(version).filter(status=InstanceStatus.RUNNING).first()


# --- the P21 form, filled in from the version ----------------------------------------------------

_MODES = {ApprovalMode.SINGLE: "single", ApprovalMode.ALL: "all", ApprovalMode.ANY: "any",
          ApprovalMode.SEQUENTIAL: "all", ApprovalMode.QUORUM: "all"}


def _role(step: Any, settings: dict) -> str:
    rule = settings.get("assignee") or {}
    text = step.lane or rule.get("position") or rule.get("username") or rule.get("type") or "—"
    return str(text)[:60]


def _hours(settings: dict) -> int | None:
    try:
        hours = round(float(settings.get("due_hours") or 0))
    except (TypeError, ValueError):
        return None
    return min(max(hours, 1), 720) if hours else None


def default_form(version: ProcessVersion, actor: Any) -> dict[str, Any]:
    """The P21 form for a version: its process, owner, purpose and steps (each step's role, time
    limit and approval mode), a two-week trial run from today and a yearly re-review."""
    definition = version.definition
    settings = version.steps
    rows = []
    for step in definitions.steps_of(version)[:50]:
        values = settings.get(step.id) or {}
        row = {"step": (step.name or step.id)[:60], "role": _role(step, values)}
        if _hours(values):
            row["hours"] = _hours(values)
        mode = values.get("mode")
        row["approval"] = "none" if values.get("kind") == "submit" else _MODES.get(mode, "any")
        rows.append(row)
    department = definition.owner_department
    if department is None:
        employee = Employee.objects.filter(user=actor).select_related("department").first()
        department = employee.department if employee else Department.objects.filter(parent__isnull=True).first()
    today = timezone.localdate()
    published = definition.versions.filter(status=VersionStatus.PUBLISHED).exists()
    return {
        "process_name": definition.name[:60],
        "change_type": "revise" if published else "new",
        "process_code": definition.key[:60],
        "owner_department": department.pk if department else None,
        "purpose": (definition.description or version.notes or definition.name)[:2000],
        "steps": rows or [{"step": definition.name[:60], "role": "—", "approval": "none"}],
        "trial_period": [today.isoformat(), (today + datetime.timedelta(days=TRIAL_DAYS)).isoformat()],
        "review_months": REVIEW_MONTHS,
        "remarks": version.notes[:2000],
    }


# --- submitting ----------------------------------------------------------------------------------


@transaction.atomic
def submit_for_review(version: ProcessVersion, *, actor: Any, form: dict | None = None) -> ProcessInstance | None:
    """Send a draft for review. With a published P21 the version moves to review and a P21 approval
    starts, bound to it (returned); `form` overrides P21 form fields (purpose, trial period,
    remarks, …). Without one, the version just moves to review (None is returned)."""
    from yewu.workflow import services

    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    permissions.require(actor, "change", version)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(WorkflowError.BAD_TRANSITION, current=VersionStatus(version.status).label,
                          target=VersionStatus.REVIEW.label)
    governing = publishing_definition()
    if governing is None:
        definitions.set_version_status(version, VersionStatus.REVIEW, actor=actor)
        return None
    running = running_approval(version)
    if running is not None:
        raise DomainError(definitions.DefinitionError.APPROVAL_RUNNING, number=running.number)
    p21 = governing.published_version()
    values = forms_schema.clean(p21.form, {**default_form(version, actor), **(form or {})}, user=actor)
    definitions.move_version(version, VersionStatus.REVIEW, actor=actor, data={"via": KEY})
    return services.start_process(
        governing, actor=actor, title=_("Publish %(version)s") % {"version": str(version)},
        form=values, record=version, savepoint=False,
    )


# --- the approval moves the version --------------------------------------------------------------


def _bound_version(instance: ProcessInstance) -> ProcessVersion | None:
    if instance.content_type_id != _version_type().pk or not instance.object_id.isdecimal():
        return None  # a P21 approval started by hand, not bound to a version
    return (ProcessVersion.objects.select_for_update().select_related("definition")
            .filter(pk=int(instance.object_id)).first())


def state_of_steps(settings: dict[str, dict], steps: set[str]) -> VersionStatus | None:
    """The version state that the P21 steps which just opened stand for: each step's
    `version_state` setting ("review" or "trial"; an administrator who redraws P21 sets it on their
    steps). A P21 version whose steps carry none (installed before the setting existed) uses the
    default pack's step ids."""
    if any(isinstance(s, dict) and "version_state" in s for s in settings.values()):
        states = {(settings.get(step) or {}).get("version_state") for step in steps}
    else:
        states = ({"review"} if steps & REVIEW_STEPS else set()) | ({"trial"} if steps & TRIAL_STEPS else set())
    if "trial" in states:
        return VersionStatus.TRIAL
    if "review" in states:
        return VersionStatus.REVIEW
    return None


@hooks.on_progress(KEY)
def follow_steps(instance: ProcessInstance, *, steps: set[str], actor: Any) -> None:
    """The trial-run confirmation opened: trial run; a return to a review step: back in review."""
    target = state_of_steps(instance.version.steps, steps)
    if target is None:
        return
    version = _bound_version(instance)
    if version is None or version.status not in (VersionStatus.REVIEW, VersionStatus.TRIAL):
        return
    if version.status != target:
        definitions.move_version(version, target, actor=actor, data={"approval": instance.number})


@hooks.on_finish(KEY)
def finish(instance: ProcessInstance, *, actor: Any) -> None:
    """Approved: the version is published (by whoever released it); otherwise it is a draft again."""
    version = _bound_version(instance)
    if version is None or version.status not in (VersionStatus.REVIEW, VersionStatus.TRIAL):
        return
    target = VersionStatus.PUBLISHED if instance.status == InstanceStatus.APPROVED else VersionStatus.DRAFT
    definitions.move_version(version, target, actor=actor,
                             data={"approval": instance.number, "outcome": str(instance.status)})
