"""Demo approvals for the demo company: the default pack, and six weeks of approvals in every state.

Everything goes through the services (start_process, approve_task, reject_task, withdraw_instance,
copy_to) as the people the steps name, so the trail, task projection, audit events and
notifications are what real use would leave. The demo clock (yewu.core.demo.clock) runs the
services "in the past": actions happen on working days, in time order, hours apart; approvals
still waiting on someone since long ago are overdue. Loading again changes nothing. Importing this module registers the loader with
yewu.core.demo (see WorkflowConfig.ready).
"""

from __future__ import annotations

import datetime
import heapq
import random
from dataclasses import dataclass, field
from typing import Any

from yewu.core import demo as core_demo

ORDER = 30  # after the organisation (loaded first by load_all), before modules that bind records to processes

APPROVE = ["同意。", "同意。", "情况属实，同意。", "同意，请注意控制费用。", "已核对，同意。", "同意，按规定办理。"]
REJECT = {
    "business_trip": "出差必要性不足，建议改为视频会议沟通。",
    "seal_use": "合同付款条款对我方不利，请与对方重新协商后再提交。",
    "general_request": "本月预算已用完，请下月再申请。",
    "process_standard": "与现行合同流程的审批权限有冲突，请调整后重新提交。",
}


@dataclass(order=True)
class _Action:
    at: datetime.datetime
    seq: int
    case: _Case = field(compare=False)


@dataclass
class _Case:
    key: str
    requester: str
    title: str
    form: dict
    plan: list[str]  # one entry per decision: "a" approve, "r" reject, "w" withdraw; then it waits
    cc: list[str] = field(default_factory=list)
    instance: Any = None


def _working_time(rng: random.Random, day: datetime.datetime, *, back: bool = False) -> datetime.datetime:
    """A time between 9:00 and 18:00 on that day, or on the next (with `back`, the previous) working day."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=-1 if back else 1)
    return day.replace(hour=rng.randint(9, 17), minute=rng.randrange(0, 60, 5), second=0, microsecond=0)


def _later(rng: random.Random, at: datetime.datetime) -> datetime.datetime:
    """The next action: a few working hours later, sometimes the next working day."""
    nxt = at + datetime.timedelta(minutes=rng.randint(20, 60 * 26))
    if nxt.hour >= 19 or nxt.hour < 8:
        nxt = _working_time(rng, (nxt + datetime.timedelta(hours=12)))
    return _working_time(rng, nxt) if nxt.weekday() >= 5 else nxt


def _cases(rng: random.Random, users: dict[str, Any], departments: dict[str, Any]) -> list[tuple[int, _Case]]:
    """(days ago, case) pairs: who asks for what, and how it goes."""
    trips = [
        ("上海", "domestic", "拜访重点客户，洽谈年度框架合同"), ("深圳", "domestic", "参加电子元器件行业展会"),
        ("杭州", "domestic", "项目现场验收"), ("成都", "domestic", "西南区域渠道商走访"),
        ("苏州", "domestic", "供应商现场考察"), ("武汉", "domestic", "处理客户投诉，现场排查问题"),
        ("北京", "domestic", "参加行业协会年会"), ("香港", "overseas", "与海外客户商谈代理协议"),
        ("新加坡", "overseas", "参加东南亚市场推介会"), ("广州", "domestic", "华南客户回访"),
    ]
    seals = [
        ("contract", ["contract"], "销售合同（华东某制造企业）", "华东某制造企业", "186000.00"),
        ("contract", ["contract"], "技术服务协议（年度运维）", "某信息科技公司", "48000.00"),
        ("letter", ["company"], "关于调整交货期的函", "某机械设备公司", None),
        ("certificate", ["company"], "营业执照复印件（投标用）", None, None),
        ("report", ["company", "finance"], "年度审计报送材料", None, None),
        ("contract", ["contract", "legal_rep"], "办公设备采购合同", "某办公设备公司", "23600.00"),
    ]
    requests = [
        ("it", "申请更换故障显示器", "现用显示器出现花屏，影响日常工作，申请更换一台 27 英寸显示器。", "1299.00"),
        ("it", "申请开通 CRM 系统账号", "新入职同事需要使用客户管理系统，申请开通账号并分配销售角色。", None),
        ("expense", "申请支付市场活动场地费", "本月客户沙龙活动场地租赁费用，已比价三家。", "6800.00"),
        ("office", "申请采购办公用品", "部门季度办公用品补充：打印纸、文件夹、白板笔等。", "860.00"),
        ("personnel", "申请调整办公座位", "项目组集中办公，申请将 3 名同事调整到同一区域。", None),
        ("expense", "申请购买行业研究报告", "用于年度市场分析，报告来源为行业权威机构。", "4500.00"),
    ]
    standards = [
        ("客户投诉处理流程", "revise", "central"), ("供应商准入与考评流程", "new", "central"),
        ("合同归档流程", "new", "legal"), ("培训需求申报流程", "revise", "hr"),
    ]

    def trip(i: int, requester: str, plan: str, cost: str | None = None) -> _Case:
        place, kind, purpose = trips[i % len(trips)]
        days = rng.choice([1, 2, 2, 3, 3, 4, 5, 6])
        start = datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randint(0, 300))
        transport, hotel = rng.randint(4, 30) * 100, days * rng.choice([350, 450, 550])
        allowance = days * 100
        total = int(cost) if cost else transport + hotel + allowance
        form = {
            "destination": place, "trip_type": kind, "period": [str(start), str(start + datetime.timedelta(days=max(0, days - 1)))],
            "days": days, "purpose": purpose, "transport": "plane" if kind == "overseas" or transport > 1500 else "train",
            "estimated_cost": str(total), "cost_items": [
                {"item": "transport", "amount": str(transport)}, {"item": "hotel", "amount": str(hotel)},
                {"item": "allowance", "amount": str(allowance)},
                *([{"item": "other", "amount": str(total - transport - hotel - allowance), "note": "会务及资料费"}]
                  if total > transport + hotel + allowance else []),
            ],
        }
        return _Case("business_trip", requester, f"出差申请：{place} {days} 天", form, list(plan), cc=["finance"])

    def seal(i: int, requester: str, plan: str) -> _Case:
        doc_type, seal_types, title, counterparty, amount = seals[i % len(seals)]
        form = {"doc_type": doc_type, "seal_types": seal_types, "doc_title": title, "counterparty": counterparty,
                "copies": rng.choice([1, 2, 2, 3, 4]), "contract_amount": amount,
                "use_date": str(datetime.date(2026, 11, 1) + datetime.timedelta(days=rng.randint(0, 40))),
                "reason": f"{title}需加盖公司印章后寄出。"}
        return _Case("seal_use", requester, f"用印申请：{title}", form, list(plan))

    def request(i: int, requester: str, plan: str, second: str | None = None) -> _Case:
        category, subject, content, amount = requests[i % len(requests)]
        form = {"category": category, "subject": subject, "content": content, "amount": amount,
                "second_approver": users[second].pk if second else None}
        return _Case("general_request", requester, subject, form, list(plan))

    def standard(i: int, requester: str, plan: str) -> _Case:
        name, change, owner = standards[i % len(standards)]
        form = {
            "process_name": name, "change_type": change, "owner_department": departments[owner].pk,
            "purpose": f"规范{name.removesuffix('流程')}工作，明确各环节的责任岗位和办理时限。",
            "steps": [{"step": "提交申请", "role": "业务专员", "hours": 8, "approval": "none"},
                      {"step": "部门审核", "role": "部门经理", "hours": 24, "approval": "single"},
                      {"step": "归口部门确认", "role": "业务集中管理部", "hours": 48, "approval": "any"}],
            "trial_period": ["2026-10-12", "2026-11-06"], "review_months": 12,
        }
        return _Case("process_standard", requester, f"流程标准发布：{name}", form, list(plan))

    # (days ago, case): finished ones weeks back, waiting ones recent or (overdue) a week old
    return [
        (41, trip(0, "pm", "a")), (40, seal(0, "pm", "aaa")), (39, request(0, "pm", "a")),
        (38, standard(0, "central", "aaa")), (37, trip(1, "bizmgr", "a")), (36, seal(1, "bizmgr", "aaa")),
        (35, request(1, "hr", "aa", second="central")), (34, trip(7, "pm", "ar")),
        (32, request(2, "pm", "aa", second="finance")), (31, trip(2, "finance", "a")), (30, seal(3, "legal", "aa")),
        (29, standard(1, "pm", "aaaaa")), (28, trip(3, "pm", "r")), (27, request(3, "sales", "a")),
        (26, seal(4, "finance", "aa")), (24, request(4, "auditor", "r")), (23, seal(5, "pm", "ar")),
        (22, trip(5, "pm", "aa", cost="15800")), (21, standard(2, "legal", "ar")), (19, trip(6, "auditor", "a")),
        (18, seal(0, "hr", "aaa")), (17, request(0, "finance", "w")), (16, trip(8, "bizmgr", "a")),
        (15, seal(2, "central", "aa")), (14, request(1, "pm", "r")), (12, standard(3, "hr", "aaaa")),
        (11, seal(1, "pm", "w")), (10, trip(0, "legal", "a")),
        # still waiting: these have been waiting for days, past their time limits
        (9, request(2, "pm", "", second="finance")), (8, seal(0, "pm", "a")), (8, trip(1, "central", "")),
        (7, standard(0, "finance", "aa")), (7, request(3, "sales", "")),
        # still waiting, within their time limits
        (1, trip(2, "pm", "")), (1, seal(3, "bizmgr", "")), (0, request(4, "pm", "a", second="central")),
        (0, trip(3, "hr", "")), (0, standard(1, "auditor", "")),
    ]


def _act(case: _Case, users: dict[str, Any], rng: random.Random) -> bool:
    """Take the case's next planned decision; False when it has nothing more to do."""
    from yewu.workflow import services
    from yewu.workflow.choices import InstanceStatus, TaskStatus

    instance = case.instance
    instance.refresh_from_db(fields=["status", "revision"])
    if instance.status != InstanceStatus.RUNNING or not case.plan:
        return False
    move = case.plan.pop(0)
    if move == "w":
        services.withdraw_instance(instance, actor=users[case.requester], comment="信息填写有误，撤回后重新提交。")
        return False
    task = instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee").order_by("created_at", "pk").first()
    if task is None:
        return False
    if move == "r":
        services.reject_task(task, actor=task.assignee, comment=REJECT[case.key])
        return False
    services.approve_task(task, actor=task.assignee, comment=rng.choice(APPROVE))
    return True


def load() -> dict[str, int]:
    """Install the default pack and, once, the demo approvals; returns counts by status."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from yewu.core.models import Notification
    from yewu.org.models import Department
    from yewu.workflow import forms_schema, pack, services
    from yewu.workflow.models import ProcessDefinition, ProcessInstance

    User = get_user_model()
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return {}
    keys = [p.key for p in pack.PROCESSES]
    pack.install(admin)
    existing = ProcessInstance.objects.filter(version__definition__key__in=keys)
    if existing.exists() or not Department.objects.filter(code="company").exists():
        return _counts(existing)
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    departments = {d.code: d for d in Department.objects.all()}
    rng = random.Random(20261123)
    real_now = timezone.now()
    today = timezone.localtime(real_now).replace(hour=0, minute=0, second=0, microsecond=0)
    queue: list[_Action] = []
    for seq, (days_ago, case) in enumerate(_cases(rng, users, departments)):
        if case.requester not in users:
            continue
        at = _working_time(rng, today - datetime.timedelta(days=days_ago), back=True)
        if at > real_now - datetime.timedelta(minutes=30):  # not yet today's working hours: the day before
            at = _working_time(rng, today - datetime.timedelta(days=days_ago + 1), back=True)
        heapq.heappush(queue, _Action(at, seq, case))
    forms = {d.key: d.published_version().form for d in ProcessDefinition.objects.filter(key__in=keys)}
    names = dict(ProcessDefinition.objects.filter(key__in=keys).values_list("key", "name"))
    now = [real_now]
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic(), core_demo.clock(now):
        while queue:
            action = heapq.heappop(queue)
            case = action.case
            if action.at >= real_now:
                continue  # the next step would be in the future: the approval waits for it
            now[0] = action.at
            if case.instance is None:
                requester = users[case.requester]
                values = forms_schema.clean(forms[case.key], case.form, user=requester)
                case.instance = services.start_process(case.key, actor=requester, title=case.title or names[case.key],
                                                       form=values)
                ProcessInstance.objects.filter(pk=case.instance.pk).update(started_at=action.at)
                if case.cc and case.cc[0] in users:
                    services.copy_to(case.instance, [users[u] for u in case.cc if u in users], actor=requester)
                more = bool(case.plan)
            else:
                more = _act(case, users, rng)
            if more:
                heapq.heappush(queue, _Action(_later(rng, action.at), action.seq, case))
        # History is history: no e-mail or IM copies of it; what is done has been read.
        demo = Notification.objects.filter(pk__gt=last_notification)
        demo.update(emailed_at=real_now, pushed_at=real_now)
        for instance in existing.exclude(status="running"):
            demo.filter(url=instance.get_absolute_url()).update(read_at=instance.ended_at)
    return _counts(existing)


def _counts(instances: Any) -> dict[str, int]:
    from django.db.models import Count

    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    counts = {f"approvals {row['status']}": row["n"] for row in instances.values("status").annotate(n=Count("id"))}
    counts["tasks overdue"] = Task.objects.overdue().filter(instance__in=instances).count()
    counts["tasks open"] = Task.objects.filter(instance__in=instances, status=TaskStatus.OPEN).count()
    return counts


core_demo.register(ORDER, "workflow", load)
