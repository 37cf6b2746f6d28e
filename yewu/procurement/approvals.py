"""The procurement approvals: two process definitions, installed like the default pack, and the
workflow hooks through which the approvals move the records bound to them.

    procurement_requisition   department head → central business management department → general
                              manager when the decision table "采购审批层级" says so (default: above
                              50,000 CNY; administrators change the table, not the diagram)
    procurement_order         the central department reviews a purchase order before it is issued

A requisition follows its approval: approved → approved, rejected → rejected, withdrawn → draft.
An order follows its review: approved → issued, rejected → rejected, withdrawn → draft. The
handlers run inside the transaction of the approval's step (yewu.workflow.hooks), so a record
never disagrees with its approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from yewu.workflow import definitions, hooks
from yewu.workflow.models import ProcessDefinition, ProcessInstance

HERE = Path(__file__).resolve().parent / "processes"
REQUISITION_KEY = "procurement_requisition"
ORDER_KEY = "procurement_order"


def _step(assignee: dict, *, sop: str, due: int, remind: int, mode: str = "any", **extra: Any) -> dict[str, Any]:
    return {"assignee": assignee, "mode": mode, "due_hours": due, "remind_before_hours": remind,
            "escalation": "notify_supervisor", "sop": sop, **extra}


CENTRAL = {"type": "position", "position": "manager", "department": "central"}


@dataclass(frozen=True)
class Process:
    key: str
    name: str
    description: str
    steps: dict[str, dict[str, Any]]
    form: list[dict[str, Any]]
    dmn: bool = False

    def bpmn_xml(self) -> str:
        return (HERE / f"{self.key}.bpmn").read_text(encoding="utf-8")

    def dmn_xml(self) -> str:
        return (HERE / f"{self.key}.dmn").read_text(encoding="utf-8") if self.dmn else ""


REQUISITION = Process(
    key=REQUISITION_KEY,
    name="采购需求审批",
    description="各部门提报的采购需求：部门负责人审核后交业务集中管理部审核；预算金额超过审批阈值的"
                "（决策表“采购审批层级”，默认 5 万元）报总经理审批。",
    dmn=True,
    steps={
        "dept_head": _step(
            {"type": "department_head"}, mode="single", due=24, remind=4,
            sop="1. 核对采购事项确属本部门业务需要，用途写得清楚。\n"
                "2. 逐行检查物品名称、规格、数量和预算单价是否合理，数量与实际需要相符。\n"
                "3. 核对需用日期是否留出了采购和验收的时间。\n"
                "4. 同意后转业务集中管理部审核；需要修改的请退回并写明要求。",
        ),
        "central_review": _step(
            CENTRAL, due=48, remind=8,
            sop="1. 对照公司采购计划，检查有无重复采购，能否与其他部门的需求合并采购。\n"
                "2. 核对预算单价与市场价格是否相符，规格是否写到了供应商能报价的程度。\n"
                "3. 同意后，金额超过审批阈值的由系统转总经理审批，其余直接获批。",
        ),
        "gm": _step(
            {"type": "position", "position": "gm"}, due=48, remind=8,
            sop="1. 预算金额超过审批阈值的采购需求，由总经理审批。\n"
                "2. 重点关注采购的必要性、金额和对经营的影响。\n"
                "3. 请在意见中简要写明同意或驳回的理由。",
        ),
    },
    form=[
        {"name": "requisition", "label": "采购需求编号", "type": "text", "required": True, "max_length": 40},
        {"name": "amount", "label": "预算金额", "type": "money", "required": True},
        {"name": "purpose", "label": "采购用途", "type": "textarea", "max_length": 3000},
        {"name": "needed_by", "label": "需用日期", "type": "date"},
    ],
)

ORDER = Process(
    key=ORDER_KEY,
    name="采购订单审核",
    description="采购订单发送给供应商之前，由业务集中管理部审核供应商资格、价格、交货和付款条件。",
    steps={
        "central_review": _step(
            CENTRAL, due=24, remind=4, requester_is_approver="approve",
            sop="1. 核对供应商在合格供应商名录中，资质文件在有效期内。\n"
                "2. 核对订单的物品、数量和单价与获批的采购需求一致，金额没有超出获批预算。\n"
                "3. 检查交货日期、交货地点和分期付款条件是否明确；付款以验收合格为前提。\n"
                "4. 同意即下达订单；有问题请驳回并写明原因。",
        ),
    },
    form=[
        {"name": "order", "label": "采购订单编号", "type": "text", "required": True, "max_length": 40},
        {"name": "requisition", "label": "采购需求编号", "type": "text", "max_length": 40},
        {"name": "supplier", "label": "供应商", "type": "text", "max_length": 200},
        {"name": "amount", "label": "订单金额", "type": "money", "required": True},
        {"name": "delivery_date", "label": "交货日期", "type": "date"},
    ],
)

PROCESSES: tuple[Process, ...] = (REQUISITION, ORDER)


def install(actor: Any) -> list[ProcessDefinition]:
    """Create the procurement processes that do not exist yet, each with version 1 published.

    A process that exists already is left as its administrators made it (like the pack's install).
    """
    from yewu.org.models import Department

    installed = []
    with transaction.atomic():
        for process in PROCESSES:
            definition = ProcessDefinition.objects.filter(key=process.key).first()
            if definition is None:
                definition = definitions.save_definition(None, {
                    "key": process.key, "name": process.name, "category": "采购管理",
                    "description": process.description,
                    "owner_department": Department.objects.filter(code="central").first(),
                }, actor=actor)
            if not definition.versions.exists():
                version = definitions.create_version(
                    definition, actor=actor, bpmn_xml=process.bpmn_xml(), dmn_xml=process.dmn_xml(),
                    steps=process.steps, form=process.form, notes="采购模块（版本 1）", process_id=process.key,
                )
                definitions.release_without_approval(version, actor=actor, via="procurement")
            installed.append(definition)
    return installed


# --- the approvals move their records ------------------------------------------------------------


@hooks.on_finish(REQUISITION_KEY)
def requisition_decided(instance: ProcessInstance, *, actor: Any) -> None:
    """The requisition approval ended: the bound requisition becomes approved, rejected or a draft."""
    from yewu.procurement import services

    services.follow_requisition_approval(instance, actor=actor)


@hooks.on_finish(ORDER_KEY)
def order_decided(instance: ProcessInstance, *, actor: Any) -> None:
    """The order review ended: the bound order is issued, rejected or a draft again."""
    from yewu.procurement import services

    services.follow_order_review(instance, actor=actor)


