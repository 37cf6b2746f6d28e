"""The complaint process (客户投诉处理, key `service_complaint`), installed like the procurement
approvals, and the hooks through which it moves the complaint bound to it.

    accept        the manager of the central business department takes the complaint, names the
                  responsible department and the handler
    investigate   the handler finds the cause (internal / external, category) and what the
                  customer expects
    plan          the handler writes the handling plan
    reply         the handler replies to the customer
    follow_up     whoever registered the complaint asks the customer whether they are satisfied

Each step has a time limit, a reminder before it and an escalation to the supervisor (the engine's
worker does both). The steps are completed by the services in yewu.service.services, which check
the rules first; a step completed some other way (the generic inbox) is refused by the hooks below
when the complaint lacks what that step must record, so the rules cannot be bypassed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yewu.workflow import definitions, hooks
from yewu.workflow.models import ProcessDefinition, ProcessInstance

HERE = Path(__file__).resolve().parent / "processes"
KEY = "service_complaint"
CENTRAL = {"type": "position", "position": "manager", "department": "central"}


def _step(assignee: dict, *, due: int, remind: int, sop: str) -> dict[str, Any]:
    return {"assignee": assignee, "mode": "any", "due_hours": due, "remind_before_hours": remind,
            "escalation": "notify_supervisor", "requester_is_approver": "approve", "dedupe": False, "sop": sop}


HANDLER = {"type": "field", "field": "handler"}
RECORDER = {"type": "field", "field": "recorder"}

STEPS: dict[str, dict[str, Any]] = {
    "accept": _step(CENTRAL, due=8, remind=2, sop=(
        "1. 阅读投诉内容，确认投诉对象、产品或服务以及严重程度。\n"
        "2. 指定负责处理的部门和处理人，严重投诉应由部门负责人亲自处理。")),
    "investigate": _step(HANDLER, due=48, remind=8, sop=(
        "1. 与客户沟通，核实事实经过。\n"
        "2. 判定原因属于公司内部还是外部，并选择原因类别。\n"
        "3. 记录客户对处理结果的期望。")),
    "plan": _step(HANDLER, due=24, remind=4, sop=(
        "1. 根据调查结果和客户期望提出处理方案。\n"
        "2. 原因在内部的，同时登记纠正措施（责任人、完成期限）。")),
    "reply": _step(HANDLER, due=24, remind=4, sop="将处理方案和结果答复客户，并记录答复内容。"),
    "follow_up": _step(RECORDER, due=72, remind=12, sop=(
        "1. 回访客户，了解其对处理结果是否满意。\n"
        "2. 内部原因的投诉须已登记纠正措施，方可关闭。")),
}
FORM = [
    {"name": "complaint", "label": "投诉编号", "type": "text", "required": True, "max_length": 40},
    {"name": "product", "label": "产品或服务", "type": "text", "max_length": 200},
    {"name": "description", "label": "投诉内容", "type": "textarea", "max_length": 5000},
    {"name": "handler", "label": "处理人", "type": "user"},
    {"name": "recorder", "label": "登记人", "type": "user"},
]


def bpmn_xml() -> str:
    return (HERE / "complaint.bpmn").read_text(encoding="utf-8")


def install(actor: Any) -> ProcessDefinition:
    """Create the complaint process with version 1 published, unless it exists (then it is left as
    its administrators made it)."""
    return definitions.install_published(
        KEY, name="客户投诉处理", category="客户服务",
        description="客户投诉从登记、受理、调查、制定方案、答复到满意度回访的全过程，各环节有时限和超时上报。",
        owner="central", bpmn_xml=bpmn_xml(), steps=STEPS, form=FORM, notes="客户服务模块（版本 1）", via="service",
        actor=actor,
    )


@hooks.on_progress(KEY)
def complaint_moved(instance: ProcessInstance, *, steps: set[str], actor: Any) -> None:
    """A step of the complaint process opened: the complaint's status names it."""
    from yewu.service import services

    services.follow_complaint_steps(instance, steps=steps, actor=actor)


@hooks.on_finish(KEY)
def complaint_finished(instance: ProcessInstance, *, actor: Any) -> None:
    """The process ended: closed after the follow-up, or back to received when rejected or withdrawn."""
    from yewu.service import services

    services.follow_complaint_end(instance, actor=actor)

