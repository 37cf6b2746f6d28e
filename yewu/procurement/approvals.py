"""The procurement approvals: two process definitions, installed like the default pack, and the
workflow hooks through which the approvals move the records bound to them.

    procurement_requisition   department head → central business management department → general
                              manager when the decision table "采购审批层级" says so (default: above
                              50,000 CNY; administrators change the table, not the diagram)
    procurement_order         the central department reviews a purchase order before it is issued
    procurement_contract      legal review of a purchase contract (by the manager of the legal
                              department, 法务部) before it is signed; its decision table "采购合同要求" says
                              which orders need a contract (default: from 100,000 CNY, or flagged
                              important) — administrators change the table, not the code

A requisition follows its approval: approved → approved, rejected → rejected, withdrawn → draft.
An order follows its review: approved → issued (or waiting for its contract when it needs one that
is not signed yet), rejected → rejected, withdrawn → draft. A contract follows its legal review:
approved → approved (ready to sign), rejected or withdrawn → draft. The
handlers run inside the transaction of the approval's step (yewu.workflow.hooks), so a record
never disagrees with its approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from yewu.workflow import definitions, hooks
from yewu.workflow.models import ProcessDefinition, ProcessInstance

HERE = Path(__file__).resolve().parent / "processes"
REQUISITION_KEY = "procurement_requisition"
ORDER_KEY = "procurement_order"
CONTRACT_KEY = "procurement_contract"
#: The decision of the contract process's table that says whether an order needs a contract.
CONTRACT_DECISION = "contract_required"


def _step(assignee: dict, *, sop: str, due: int, remind: int, mode: str = "any", **extra: Any) -> dict[str, Any]:
    return {"assignee": assignee, "mode": mode, "due_hours": due, "remind_before_hours": remind,
            "escalation": "notify_supervisor", "sop": sop, **extra}


CENTRAL = {"type": "position", "position": "manager", "department": "central"}
LEGAL = {"type": "position", "position": "manager", "department": "legal"}


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

CONTRACT = Process(
    key=CONTRACT_KEY,
    name="采购合同法务审核",
    description="金额较大或重要的采购在签订合同前，合同文本由法务部审核，审核通过后方可签订、归档。"
                "哪些订单必须签订合同由决策表“采购合同要求”判定"
                "（默认：订单金额达到 10 万元或标记为重要采购）。",
    dmn=True,
    steps={
        "legal_review": _step(
            LEGAL, due=48, remind=8, requester_is_approver="approve",
            sop="1. 核对合同主体与订单供应商一致，供应商仍在合格供应商名录内。\n"
                "2. 核对合同金额不超过订单金额，标的、数量、单价与订单一致。\n"
                "3. 审查质量标准、交货、验收、付款、违约责任和争议解决条款是否明确，风险是否可控。\n"
                "4. 同意后合同可以签订；需要修改的请驳回并写明修改意见，合同退回草稿。",
        ),
    },
    form=[
        {"name": "contract", "label": "合同编号", "type": "text", "required": True, "max_length": 40},
        {"name": "order", "label": "采购订单编号", "type": "text", "max_length": 40},
        {"name": "supplier", "label": "供应商", "type": "text", "max_length": 200},
        {"name": "amount", "label": "合同金额", "type": "money", "required": True},
        {"name": "title", "label": "合同名称", "type": "text", "max_length": 200},
        {"name": "terms", "label": "合同条款", "type": "textarea", "max_length": 20000},
    ],
)

PROCESSES: tuple[Process, ...] = (REQUISITION, ORDER, CONTRACT)


def install(actor: Any) -> list[ProcessDefinition]:
    """Create the procurement processes that do not exist yet, each with version 1 published.

    A process that exists already is left as its administrators made it (like the pack's install).
    """
    with transaction.atomic():
        return [
            definitions.install_published(
                process.key, name=process.name, category="采购管理", description=process.description,
                owner="central", bpmn_xml=process.bpmn_xml(), dmn_xml=process.dmn_xml(), steps=process.steps,
                form=process.form, notes="采购模块（版本 1）", via="procurement", actor=actor,
            )
            for process in PROCESSES
        ]


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


@hooks.on_finish(CONTRACT_KEY)
def contract_decided(instance: ProcessInstance, *, actor: Any) -> None:
    """The legal review ended: the bound contract may be signed, or goes back to draft."""
    from yewu.procurement import services

    services.follow_contract_review(instance, actor=actor)


# --- which orders need a contract ----------------------------------------------------------------


def contract_rules_xml() -> str:
    """The decision table in force: the published (else trial) version's of the contract process,
    else the one shipped with the module (before the process is installed)."""
    from yewu.workflow.services import startable_version

    version = startable_version(CONTRACT_KEY)
    if version is not None and (version.dmn_xml or "").strip():
        return version.dmn_xml
    return CONTRACT.dmn_xml()


@lru_cache(maxsize=8)
def _contract_decision(dmn_xml: str) -> Any:
    from yewu.workflow import engine

    parser = engine._Parser(strict_decisions=True)
    parser.add_dmn_xml(engine._xml(dmn_xml), filename=f"{CONTRACT_KEY}.dmn")
    return parser.get_engine(CONTRACT_DECISION, None)


def contract_required(amount: Any, *, important: bool) -> bool:
    """Does an order of this amount (and importance) need a signed contract? The table is
    evaluated by the engine's DMN reader with the safe expressions, as a business rule task is."""
    return _contract_needed(contract_rules_xml(), str(amount), bool(important))


@lru_cache(maxsize=1024)
def _contract_needed(dmn_xml: str, amount: str, important: bool) -> bool:
    """The table's answer, remembered per table text and inputs (an order is checked when it is
    saved and again when it is submitted)."""
    from types import SimpleNamespace

    from yewu.workflow.expressions import SCRIPT_ENGINE

    task = SimpleNamespace(data={"amount": amount, "important": important},
                           workflow=SimpleNamespace(script_engine=SCRIPT_ENGINE))
    return bool(_contract_decision(dmn_xml).result(task).get("need_contract"))


