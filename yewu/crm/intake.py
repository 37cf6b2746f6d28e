"""The business-intake process (业务承接, key `crm_lead_intake`, P05): the first part of a lead's
life run by the process engine, installed like the complaint process (the "crm" pack).

    evaluate         the manager of the lead's business department decides whether the lead is
                     within the company's business scope; out of scope ends the process
    assign           the same manager hands the lead to a project manager or business specialist
    needs_analysis   the assignee writes the needs analysis (客户需求分析) and attaches the report

Each step has a time limit, a reminder before it and an escalation to the supervisor (the engine's
worker does both). The steps are completed by the lead services in yewu.crm.services
(evaluate_lead, assign_lead, record_needs_analysis), which check the rules first and then complete
the actor's task; a step completed some other way (the generic inbox) is refused by the hooks
below when the lead lacks what the step must record. Closing, converting or merging the lead ends
the process (cancelled). A lead registered while the process is not installed is moved by the
services directly, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yewu.core.errors import DomainError
from yewu.crm.choices import LeadStatus
from yewu.crm.errors import CrmError
from yewu.workflow import hooks

HERE = Path(__file__).resolve().parent / "processes"
KEY = "crm_lead_intake"
#: The lead status while each step waits.
STEP_STATUS: dict[str, str] = {
    "evaluate": LeadStatus.NEW,
    "assign": LeadStatus.QUALIFIED,
    "needs_analysis": LeadStatus.ASSIGNED,
}
STEP_LABELS: dict[str, Any] = {
    "evaluate": _("first evaluation"),
    "assign": _("assignment"),
    "needs_analysis": _("needs analysis"),
}
_ORDER = list(STEP_STATUS)


def _step(assignee: dict, *, due: int, remind: int, sop: str) -> dict[str, Any]:
    return {"assignee": assignee, "mode": "any", "due_hours": due, "remind_before_hours": remind,
            "escalation": "notify_supervisor", "requester_is_approver": "approve", "dedupe": False, "sop": sop}


STEPS: dict[str, dict[str, Any]] = {
    # the head of the lead's department (业务部门经理); a head registering a lead: their supervisor
    "evaluate": _step({"type": "department_head"}, due=48, remind=8, sop=(
        "1. 阅读线索登记的客户信息和需求。\n"
        "2. 判断是否属于公司业务范围；不属于的，写明理由，流程结束。")),
    "assign": _step({"type": "field", "field": "evaluator"}, due=24, remind=4, sop=(
        "根据客户需求和人员负荷，指派项目经理或业务专员承接。")),
    "needs_analysis": _step({"type": "field", "field": "assignee"}, due=120, remind=24, sop=(
        "1. 与客户沟通，了解其目标、范围、时间和预算。\n"
        "2. 编写客户需求分析报告，作为附件上传到线索，并在线索中填写需求分析摘要。")),
}
FORM = [
    {"name": "lead", "label": "线索编号", "type": "text", "required": True, "max_length": 40},
    {"name": "company", "label": "客户名称", "type": "text", "max_length": 200},
    {"name": "need", "label": "需求", "type": "textarea", "max_length": 5000},
    {"name": "scope", "label": "首次评估", "type": "select",
     "options": [{"value": "pending", "label": "待评估"}, {"value": "in", "label": "属于业务范围"},
                 {"value": "out", "label": "不属于业务范围"}]},
    {"name": "evaluator", "label": "评估人", "type": "user"},
    {"name": "assignee", "label": "承接人", "type": "user"},
]


def bpmn_xml() -> str:
    return (HERE / "lead_intake.bpmn").read_text(encoding="utf-8")


def install(actor: Any) -> Any:
    """Create the intake process with version 1 published, unless it exists (then it is left as
    its administrators made it)."""
    from yewu.workflow import definitions

    return definitions.install_published(
        KEY, name="业务承接", category="客户关系",
        description="业务线索登记后由业务部门经理首次评估、指派承接人，承接人完成客户需求分析；各环节有时限和超时上报。",
        owner=("business", "central"), bpmn_xml=bpmn_xml(), steps=STEPS, form=FORM, notes="客户关系模块（版本 1）",
        via="crm", actor=actor,
    )


def register() -> None:
    """Called from CrmConfig.ready(): the "crm" pack and the labels of the intake's lead events."""
    from yewu.core.activities import register_labels
    from yewu.workflow import packs

    packs.register("crm", _("Customer relations processes"), lambda actor: [install(actor)])
    register_labels({
        "lead.intake_started": _("Business intake started"),
        "lead.needs_analysed": _("Needs analysis recorded"),
        "lead.moved": _("Lead moved to the next intake step"),
        "lead.intake_ended": _("Business intake ended"),
    })


# --- used by the lead services -------------------------------------------------------------------


def start(lead: Any, actor: Any) -> Any:
    """Start the intake for a newly registered lead; None when the process is not installed (the
    lead is then moved by the services directly, as before the process existed)."""
    from yewu.core.audit import record_event
    from yewu.workflow import services as workflow
    from yewu.workflow.models import ProcessDefinition

    definition = ProcessDefinition.objects.filter(key=KEY).first()
    if definition is None or workflow.startable_version(definition) is None:
        return None
    instance = workflow.start_process(
        definition, actor=actor, title=gettext("Lead %(number)s %(name)s") % {
            "number": lead.number, "name": lead.company_name},
        form={"lead": lead.number, "company": lead.company_name[:200], "need": str(lead.need)[:5000],
              "scope": "pending"},
        record=lead, department=lead.department, savepoint=False,
    )
    type(lead).objects.filter(pk=lead.pk).update(process=instance)
    lead.process = instance
    record_event(lead, "lead.intake_started", actor=actor, department=lead.department,
                 data={"process": instance.number})
    return instance


def running(lead: Any) -> bool:
    """Whether the lead is moved by a running intake process."""
    from yewu.workflow.choices import InstanceStatus
    from yewu.workflow.models import ProcessInstance

    return bool(lead.process_id) and ProcessInstance.objects.filter(
        pk=lead.process_id, status=InstanceStatus.RUNNING).exists()


def open_task(lead: Any, step: str, user: Any) -> Any:
    """The user's open task of this step of the lead's intake, else None."""
    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    if not lead.process_id or user is None:
        return None
    return Task.objects.filter(instance_id=lead.process_id, step_id=step, assignee=user,
                               status=TaskStatus.OPEN).first()


def waiting_step(lead: Any) -> str | None:
    """The step of the running intake that waits now (None when none runs)."""
    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    if not lead.process_id:
        return None
    steps = set(Task.objects.filter(instance_id=lead.process_id, status=TaskStatus.OPEN)
                .values_list("step_id", flat=True))
    return next((s for s in _ORDER if s in steps), None)


def step_task(lead: Any, step: str, actor: Any) -> Any:
    """The actor's open task of `step` when the intake runs (None when it does not: the direct
    path); refused when the intake waits for another step or for someone else."""
    if not running(lead):
        return None
    if lead.status != STEP_STATUS[step]:
        raise DomainError(CrmError.INTAKE_WRONG_STEP, number=lead.number, step=str(STEP_LABELS[step]))
    task = open_task(lead, step, actor)
    if task is None:
        raise DomainError(CrmError.INTAKE_NOT_YOUR_TASK, number=lead.number, step=str(STEP_LABELS[step]))
    return task


def complete(task: Any, *, actor: Any, form: dict | None = None, comment: str = "") -> None:
    """Complete the actor's task (the hooks below then move the lead to the next step's status)."""
    from yewu.workflow import services as workflow

    workflow.submit_task(task, actor=actor, comment=comment[:500], form=form)


def end(lead: Any, *, actor: Any, reason: str) -> None:
    """The lead no longer needs its intake (closed, converted, merged): the process is cancelled."""
    from yewu.workflow import services as workflow

    if running(lead):
        workflow.cancel_instance(lead.process, actor=actor, comment=reason)


# --- the process moves the lead (hooks, inside the step's transaction) ---------------------------


def _bound_lead(instance: Any) -> Any:
    from yewu.crm.models import Lead

    pk = hooks.bound_pk(instance)
    return Lead.objects.select_for_update().filter(pk=pk).first() if pk else None


def _attachments(lead: Any) -> bool:
    from django.contrib.contenttypes.models import ContentType

    from yewu.core.models import Attachment

    ct = ContentType.objects.get_for_model(lead)
    return Attachment.objects.filter(content_type=ct, object_id=str(lead.pk)).exists()


def _done(lead: Any, step: str) -> bool:
    """Whether the lead holds what `step` must record."""
    if step == "evaluate":
        return lead.evaluated_at is not None
    if step == "assign":
        return lead.assigned_at is not None
    return bool(lead.needs_analysis.strip()) or _attachments(lead)


def _check_left(lead: Any, upto: int) -> None:
    """The steps before `upto` are done: the lead must hold what each records."""
    for step in _ORDER[:upto]:
        if not _done(lead, step):
            raise DomainError(CrmError.INTAKE_STEP_MISSING, number=lead.number, step=str(STEP_LABELS[step]))


@hooks.on_progress(KEY)
def lead_moved(instance: Any, *, steps: set[str], actor: Any) -> None:
    """A step of the intake opened: the lead's status names it."""
    hooks.follow_step(_bound_lead(instance), instance, steps=steps, order=_ORDER, status_of=STEP_STATUS,
                      activity="lead.moved", actor=actor, check=_check_left)


@hooks.on_finish(KEY)
def lead_intake_finished(instance: Any, *, actor: Any) -> None:
    """The intake ended. Normally: out of scope after the evaluation, or the needs analysis done.
    Cancelled: the lead service that ended it has already moved the lead. A rejection or a
    withdrawal from the generic inbox is refused: the lead is closed on its own page instead."""
    from yewu.core.audit import record_event
    from yewu.workflow.choices import InstanceStatus

    lead = _bound_lead(instance)
    if lead is None:
        return
    if instance.status == InstanceStatus.CANCELLED:
        record_event(lead, "lead.intake_ended", actor=actor, department=lead.department,
                     data={"process": instance.number, "status": lead.status})
        return
    if instance.status != InstanceStatus.APPROVED:
        raise DomainError(CrmError.INTAKE_END_ON_LEAD, number=lead.number)
    if lead.status == LeadStatus.DISQUALIFIED:
        _check_left(lead, 1)
    else:
        _check_left(lead, len(_ORDER))
    record_event(lead, "lead.intake_ended", actor=actor, department=lead.department,
                 data={"process": instance.number, "status": lead.status})
