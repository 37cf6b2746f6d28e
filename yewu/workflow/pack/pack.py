"""The default regulation pack: processes every Yewu installation starts with, ready to run.

Each process is a BPMN file beside this module (pool, lanes and diagram layout for bpmn-js), an
optional DMN file for thresholds an administrator edits without touching the diagram, and below:
its name, category, owner department, per-step settings (who acts, how they decide, time limit,
reminder, escalation, SOP text) and the form people fill in. `install` makes them published
definitions once; after that they belong to the administrators, and installing again changes
nothing.

Assignee rules use the default organisation's codes (positions gm / manager, departments central,
legal, gmo; see yewu.org.demo). A company with other codes adjusts the step settings in a new
version. Form fields that conditions read (doc_type, days, trip_type, estimated_cost,
second_approver) are required or tested for emptiness, so a condition never meets a missing value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from yewu.workflow import definitions
from yewu.workflow.models import ProcessDefinition

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PackProcess:
    """One process of the pack: what `install` turns into a definition and its first version."""

    key: str
    name: str
    category: str
    owner: str  # department code
    description: str
    bpmn: str  # file name beside this module
    steps: dict[str, dict[str, Any]]
    form: list[dict[str, Any]]
    dmn: str = ""
    notes: str = field(default="默认流程包（版本 1）")

    def bpmn_xml(self) -> str:
        return (HERE / self.bpmn).read_text(encoding="utf-8")

    def dmn_xml(self) -> str:
        return (HERE / self.dmn).read_text(encoding="utf-8") if self.dmn else ""


def _step(assignee: dict, *, sop: str, due: int, remind: int, mode: str = "", escalation: str = "notify_supervisor",
          **extra: Any) -> dict[str, Any]:
    settings = {"assignee": assignee, "due_hours": due, "remind_before_hours": remind, "escalation": escalation,
                "sop": sop, **extra}
    if mode:
        settings["mode"] = mode
    return settings


HEAD = {"type": "department_head"}
SUPERVISOR = {"type": "supervisor", "levels": 1}
GM = {"type": "position", "position": "gm"}


def _manager_of(department: str) -> dict:
    return {"type": "position", "position": "manager", "department": department}


# --- P21 流程标准发布 --------------------------------------------------------------------------------

PROCESS_STANDARD = PackProcess(
    key="process_standard",
    name="流程标准发布",
    category="流程与标准",
    owner="central",
    description="新建、修订或废止一项业务流程标准：部门负责人审定草案，业务集中管理部与法务部会签，"
                "试运行合格后由总经理批准正式发布。",
    bpmn="process_standard.bpmn",
    steps={
        "draft_confirm": _step(
            _manager_of("requester"), mode="any", due=48, remind=8, empty="skip", version_state="review",
            sop="1. 打开申请，核对流程名称、归口部门和发布类型（新建、修订或废止）是否填写正确。\n"
                "2. 逐条检查“环节清单”：每个环节都要写明责任岗位和办理时限，审批方式与本部门的实际分工一致。\n"
                "3. 查看附件中的流程图和操作手册，确认图上的环节与清单一一对应，部门之间的交接点没有遗漏。\n"
                "4. 确认试运行时间可行（一般不少于两周），复审周期已经填写。\n"
                "5. 内容完整就点同意；需要修改时用“退回”写明修改要求，而不是直接驳回。\n"
                "说明：起草人本身就是部门负责人时，本环节自动通过。",
        ),
        "review_central": _step(
            _manager_of("central"), mode="all", due=72, remind=12, version_state="review",
            sop="1. 对照公司现行流程目录，检查本流程与已发布的流程有无重复、冲突或断点，"
                "尤其是与采购、合同、报销等流程的衔接。\n"
                "2. 核实每个环节的责任岗位在组织架构中确实存在，办理时限符合公司的统一要求。\n"
                "3. 检查关键控制点是否保留：金额审批权限、合同审核、付款前的验收依据等。\n"
                "4. 原则性问题请驳回并说明理由；文字性问题可以同意，并在意见中附上修改建议。",
        ),
        "review_legal": _step(
            _manager_of("legal"), mode="all", due=72, remind=12, version_state="review",
            sop="1. 审查流程是否符合法律法规和公司规章，是否涉及合同签订、用印、对外承诺等有法律风险的环节。\n"
                "2. 对涉及合同或对外文件的环节，确认流程中安排了法务审核，或写明了审核标准。\n"
                "3. 检查审批记录、附件和归档等留痕要求，是否足以在发生纠纷时作为证据。\n"
                "4. 有合规问题时驳回并写明依据；没有问题就同意。",
        ),
        "trial_confirm": _step(
            _manager_of("central"), mode="any", due=720, remind=72, dedupe=False, requester_is_approver="approve",
            version_state="trial",
            sop="1. 按申请中的试运行时间组织试运行，期间收集执行部门遇到的问题和改进建议。\n"
                "2. 试运行结束后核对：各环节是否顺畅，时限能否做到，有没有需要增加或减少的审批节点。\n"
                "3. 在审批意见中简要记录试运行情况：办理了多少笔、平均用时、主要问题及处理方式。\n"
                "4. 效果达不到要求时退回起草部门修改，修改后重新会签；达到要求就同意，提交总经理发布。",
        ),
        "release": _step(
            GM, mode="any", due=72, remind=12, dedupe=False, version_state="trial",
            sop="1. 阅读会签意见和试运行记录，确认各部门提出的问题都已处理。\n"
                "2. 同意即正式发布：此后新发起的业务按新版本办理，已在办理中的业务仍按原版本办完。\n"
                "3. 发布后由业务集中管理部在系统中发布对应的流程版本、通知相关部门，并按复审周期安排定期复审。\n"
                "4. 不同意发布时请写明原因，由起草部门修订后重新提交。",
        ),
    },
    form=[
        {"name": "process_name", "label": "流程名称", "type": "text", "required": True, "max_length": 60},
        {"name": "change_type", "label": "发布类型", "type": "select", "required": True, "options": [
            {"value": "new", "label": "新建流程"}, {"value": "revise", "label": "修订流程"},
            {"value": "retire", "label": "废止流程"}]},
        {"name": "process_code", "label": "流程编码", "type": "text", "max_length": 60,
         "help": "系统中的流程标识，如 seal_use；新建流程可以不填。"},
        {"name": "owner_department", "label": "归口部门", "type": "department", "required": True},
        {"name": "purpose", "label": "目的与适用范围", "type": "textarea", "required": True, "max_length": 2000},
        {"name": "steps", "label": "环节清单", "type": "table", "required": True, "max_rows": 50, "columns": [
            {"name": "step", "label": "环节", "type": "text", "required": True, "max_length": 60},
            {"name": "role", "label": "责任岗位", "type": "text", "required": True, "max_length": 60},
            {"name": "hours", "label": "时限（小时）", "type": "number", "decimals": 0, "min": 1, "max": 720},
            {"name": "approval", "label": "审批方式", "type": "select", "options": [
                {"value": "single", "label": "单人审批"}, {"value": "all", "label": "会签"},
                {"value": "any", "label": "或签"}, {"value": "none", "label": "无需审批"}]},
        ]},
        {"name": "trial_period", "label": "试运行时间", "type": "daterange", "required": True},
        {"name": "review_months", "label": "复审周期（月）", "type": "number", "required": True, "decimals": 0,
         "min": 1, "max": 36, "help": "正式发布后多久复审一次，一般为 12 个月。"},
        {"name": "documents", "label": "流程图与操作手册", "type": "attachment", "max_files": 10},
        {"name": "remarks", "label": "备注", "type": "textarea"},
    ],
)

# --- 用印申请 ------------------------------------------------------------------------------------

SEAL_USE = PackProcess(
    key="seal_use",
    name="用印申请",
    category="行政事务",
    owner="gmo",
    description="在合同、公函、证明等文件上加盖公司印章前的审批：部门负责人审批，合同先经法务部审核，"
                "由总经理办公室核对后用印并登记。",
    bpmn="seal_use.bpmn",
    steps={
        "dept_head": _step(
            HEAD, mode="single", due=24, remind=4,
            sop="1. 核对用印事由是否属于本部门的职责，文件名称、份数与附件是否一致。\n"
                "2. 确认所选印章与文件性质相符：合同优先用合同专用章，财务票据用财务专用章。\n"
                "3. 涉及对外承诺、担保或金额较大的文件，确认事先已取得相应授权。\n"
                "4. 同意后，合同类文件自动转法务部审核，其他文件直接转总经理办公室用印。",
        ),
        "legal_review": _step(
            _manager_of("legal"), mode="any", due=48, remind=8,
            sop="1. 核对附件中的合同文本是否为最终定稿，与之前审核过的版本是否一致。\n"
                "2. 重点审查签约主体、标的、价款与支付方式、违约责任和争议解决条款。\n"
                "3. 金额超出授权或条款存在重大风险时驳回，并写明需要修改的条款。\n"
                "4. 审核通过后，在意见中注明“已审核，可用印”。",
        ),
        "seal_keeper": _step(
            _manager_of("gmo"), mode="any", due=24, remind=4, dedupe=False, requester_is_approver="approve",
            sop="1. 核对纸质文件与审批通过的附件是否一致、份数是否相符；不一致的一律不用印。\n"
                "2. 按申请的印章类型用印，多页合同加盖骑缝章。\n"
                "3. 在意见中登记用印日期、份数和领取人。印章原则上不外带，确需外带的另行审批并按时归还。\n"
                "4. 用印完成后点同意，申请人收到通知后领取文件。",
        ),
    },
    form=[
        {"name": "doc_type", "label": "文件类型", "type": "select", "required": True, "options": [
            {"value": "contract", "label": "合同/协议"}, {"value": "letter", "label": "公函/函件"},
            {"value": "certificate", "label": "证明/证照复印件"}, {"value": "report", "label": "报送材料"},
            {"value": "other", "label": "其他"}],
         "help": "选择“合同/协议”时，由法务部先审核合同文本。"},
        {"name": "seal_types", "label": "印章类型", "type": "select", "required": True, "multiple": True, "options": [
            {"value": "company", "label": "公章"}, {"value": "contract", "label": "合同专用章"},
            {"value": "finance", "label": "财务专用章"}, {"value": "legal_rep", "label": "法定代表人名章"}]},
        {"name": "doc_title", "label": "文件名称", "type": "text", "required": True, "max_length": 100},
        {"name": "counterparty", "label": "对方单位", "type": "text", "max_length": 100,
         "help": "合同或函件的对方；其他文件可以不填。"},
        {"name": "copies", "label": "用印份数", "type": "number", "required": True, "decimals": 0, "min": 1, "max": 200},
        {"name": "contract_amount", "label": "合同金额", "type": "money", "help": "文件类型为合同时填写。"},
        {"name": "use_date", "label": "用印日期", "type": "date", "required": True},
        {"name": "reason", "label": "用印事由", "type": "textarea", "required": True, "max_length": 1000},
        {"name": "files", "label": "用印文件", "type": "attachment", "max_files": 10},
    ],
)

# --- 出差申请 ------------------------------------------------------------------------------------

BUSINESS_TRIP = PackProcess(
    key="business_trip",
    name="出差申请",
    category="差旅费用",
    owner="hr",
    description="出差前的审批：直属主管审批，超过 3 天的加部门负责人，境外出差或预计费用超过阈值的报总经理"
                "（阈值在决策表“出差审批层级”中设置）。",
    bpmn="business_trip.bpmn",
    dmn="business_trip.dmn",
    steps={
        "supervisor": _step(
            SUPERVISOR, mode="sequential", due=24, remind=4,
            sop="1. 确认出差事由与当前工作安排相符，出差确有必要；能用电话或视频解决的尽量不出差。\n"
                "2. 核对出差日期、天数和地点是否合理，出差期间的工作已安排人衔接。\n"
                "3. 检查预计费用及明细是否符合公司差旅标准（交通工具等级、住宿标准、补助标准）。\n"
                "4. 同意后，超过 3 天的出差转部门负责人审批；是否报总经理由系统按“出差审批层级”规则判断。",
        ),
        "dept_head": _step(
            HEAD, mode="single", due=24, remind=4,
            sop="1. 出差超过 3 天，重点评估对部门工作的影响以及人员安排。\n"
                "2. 核对预计费用是否在部门预算之内；超出预算的，请申请人在意见中说明原因。\n"
                "3. 同意后，系统按“出差审批层级”规则判断是否还需报总经理审批。",
        ),
        "gm": _step(
            GM, mode="any", due=48, remind=8,
            sop="1. 境外出差，或预计费用超过审批阈值的出差，由总经理审批。\n"
                "2. 重点关注出差的必要性、预期成果和费用是否合理。\n"
                "3. 请在意见中简要说明同意或驳回的理由；驳回后申请人可以调整方案重新提交。",
        ),
    },
    form=[
        {"name": "destination", "label": "出差地点", "type": "text", "required": True, "max_length": 100},
        {"name": "trip_type", "label": "出差类型", "type": "select", "required": True, "options": [
            {"value": "domestic", "label": "境内"}, {"value": "overseas", "label": "境外（含港澳台）"}]},
        {"name": "period", "label": "出差日期", "type": "daterange", "required": True},
        {"name": "days", "label": "出差天数", "type": "number", "required": True, "decimals": 1, "min": 0.5,
         "max": 60, "help": "超过 3 天需部门负责人审批。"},
        {"name": "purpose", "label": "出差事由", "type": "textarea", "required": True, "max_length": 1000},
        {"name": "transport", "label": "交通方式", "type": "select", "required": True, "options": [
            {"value": "plane", "label": "飞机"}, {"value": "train", "label": "高铁/火车"},
            {"value": "coach", "label": "长途汽车"}, {"value": "car", "label": "自驾/公务车"},
            {"value": "other", "label": "其他"}]},
        {"name": "companions", "label": "同行人员", "type": "user", "multiple": True},
        {"name": "estimated_cost", "label": "预计费用", "type": "money", "required": True, "max": 1000000,
         "help": "境外出差或预计费用超过审批阈值（默认 1 万元）需总经理审批。"},
        {"name": "cost_items", "label": "费用预算明细", "type": "table", "max_rows": 20, "columns": [
            {"name": "item", "label": "费用项目", "type": "select", "required": True, "options": [
                {"value": "transport", "label": "交通费"}, {"value": "hotel", "label": "住宿费"},
                {"value": "allowance", "label": "伙食补助"}, {"value": "meeting", "label": "会务费"},
                {"value": "other", "label": "其他"}]},
            {"name": "amount", "label": "金额", "type": "money", "required": True},
            {"name": "note", "label": "说明", "type": "text", "max_length": 100},
        ]},
    ],
)

# --- 通用申请 ------------------------------------------------------------------------------------

GENERAL_REQUEST = PackProcess(
    key="general_request",
    name="通用申请",
    category="通用审批",
    owner="gmo",
    description="没有专门流程的日常事项：直属主管审批；需要时由申请人指定第二审批人。",
    bpmn="general_request.bpmn",
    steps={
        "supervisor": _step(
            SUPERVISOR, mode="sequential", due=48, remind=8,
            sop="1. 阅读申请内容，确认事项清楚、理由充分，需要的附件已经上传。\n"
                "2. 涉及金额的，核对金额是否合理、是否在预算之内。\n"
                "3. 申请人指定了第二审批人的，你同意后自动转给第二审批人；没有指定的，你同意即审批完成。",
        ),
        "second": _step(
            {"type": "field", "field": "second_approver"}, mode="single", due=48, remind=8, empty="skip",
            sop="1. 你是申请人指定的第二审批人，请从你所在部门或专业的角度审核这件事。\n"
                "2. 事项与你无关、或不在你的职权范围内，请用“转交”交给合适的同事，不要直接驳回。\n"
                "3. 同意即审批完成，申请人会收到通知。",
        ),
    },
    form=[
        {"name": "category", "label": "申请类别", "type": "select", "required": True, "options": [
            {"value": "office", "label": "办公用品"}, {"value": "it", "label": "IT 与设备"},
            {"value": "expense", "label": "费用事项"}, {"value": "personnel", "label": "人事事项"},
            {"value": "other", "label": "其他"}]},
        {"name": "subject", "label": "申请事项", "type": "text", "required": True, "max_length": 100},
        {"name": "content", "label": "申请内容", "type": "textarea", "required": True, "max_length": 3000},
        {"name": "amount", "label": "涉及金额", "type": "money"},
        {"name": "expected_date", "label": "期望完成日期", "type": "date"},
        {"name": "second_approver", "label": "第二审批人", "type": "user",
         "help": "需要其他同事把关时选择；不选则直属主管同意后即完成。"},
        {"name": "files", "label": "附件", "type": "attachment", "max_files": 10},
    ],
)

PROCESSES: tuple[PackProcess, ...] = (PROCESS_STANDARD, SEAL_USE, BUSINESS_TRIP, GENERAL_REQUEST)


def get(key: str) -> PackProcess:
    return next(p for p in PROCESSES if p.key == key)


def install(actor: Any) -> list[ProcessDefinition]:
    """Create each pack process that does not exist yet, with version 1 published; return them all.

    A process that exists already (with any versions) is left exactly as it is.
    """
    with transaction.atomic():
        return [
            definitions.install_published(
                process.key, name=process.name, category=process.category, description=process.description,
                owner=process.owner, bpmn_xml=process.bpmn_xml(), dmn_xml=process.dmn_xml(), steps=process.steps,
                form=process.form, notes=process.notes, via="pack", actor=actor, check_form=True,
            )
            for process in PROCESSES
        ]
