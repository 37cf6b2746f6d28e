"""The demo company 示例科技有限公司: departments, positions, groups, ~80 employees, delegations."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from yewu.org import services
from yewu.org.models import Delegation, Department, Employee, Team

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕辉鹏斌宇浩凯健俊帆帅旭宁龙林欣怡佳琪子涵雨欣梓萱思远一鸣晓东建国志强海燕春梅文博"

POSITIONS = [
    # code, name, rank, heads the department, responsibilities
    ("gm", "总经理", 100, True, "主持公司经营管理工作，审批重大业务、合同与流程标准的正式发布。"),
    ("deputy-gm", "副总经理", 90, False, "协助总经理分管业务条线，审批权限内的业务事项。"),
    ("manager", "部门经理", 80, True, "负责本部门的计划、人员与业务目标，审批本部门业务申请。"),
    ("deputy-manager", "部门副经理", 70, False, "协助部门经理开展工作，经理外出时代为处理部门事务。"),
    ("project-manager", "项目经理", 50, False, "负责业务项目从立项、策划、执行到验收的全过程管理。"),
    ("specialist", "业务专员", 30, False, "承担客户开发、需求分析、合同跟进等具体业务工作。"),
    ("team-leader", "组长", 40, False, "带领小组完成分派的任务，汇总组内工作报告。"),
    ("staff", "职员", 10, False, "按岗位说明书完成本职工作。"),
]

# code, name, parent code, head position; staff counts per position after the head
DEPARTMENTS = [
    ("company", "示例科技有限公司", None, "gm", {"deputy-gm": 2}),
    ("gmo", "总经理办公室", "company", "manager", {"staff": 3}),
    ("central", "业务集中管理部", "company", "manager", {"deputy-manager": 1, "specialist": 4}),
    ("business", "业务部", "company", "manager", {"deputy-manager": 2, "project-manager": 3, "specialist": 4}),
    ("biz-east", "华东业务部", "business", "manager", {"project-manager": 1, "specialist": 4}),
    ("biz-south", "华南业务部", "business", "manager", {"project-manager": 1, "specialist": 3}),
    ("finance", "财务部", "company", "manager", {"staff": 4}),
    ("hr", "人力资源部", "company", "manager", {"staff": 3}),
    ("legal", "法务部", "company", "manager", {"staff": 2}),
    ("production", "生产部", "company", "manager", {"deputy-manager": 1, "staff": 6}),
    ("technology", "技术部", "company", "manager", {"project-manager": 1, "staff": 5}),
    ("quality", "质量部", "company", "manager", {"staff": 3}),
    ("logistics", "物流部", "company", "manager", {"staff": 3}),
    ("archives", "档案室", "company", "manager", {"staff": 1}),
    ("audit", "内部审计部", "company", "manager", {"staff": 2}),
]

TEAMS = [
    ("biz-market", "市场拓展组", "business"),
    ("biz-sales", "销售组", "business"),
    ("biz-service", "客户服务组", "business"),
]

# login, department code, position code, role keys, superuser
DEMO_LOGINS = [
    ("admin", "gmo", "staff", ["staff"], True, "系统管理员"),
    ("gm", "company", "gm", ["staff", "executive"], False, "总经理"),
    ("central", "central", "manager", ["staff", "manager", "executive"], False, "业务集中管理部经理"),
    ("bizmgr", "business", "manager", ["staff", "manager"], False, "业务部经理"),
    ("pm", "business", "project-manager", ["staff"], False, "项目经理"),
    ("sales", "biz-east", "specialist", ["staff"], False, "业务专员（华东）"),
    ("finance", "finance", "manager", ["staff", "manager"], False, "财务部经理"),
    ("hr", "hr", "manager", ["staff", "manager", "hr"], False, "人力资源部经理"),
    ("legal", "legal", "manager", ["staff", "manager"], False, "法务部经理"),
    ("auditor", "audit", "manager", ["staff", "manager", "auditor"], False, "内部审计部经理"),
    # approvers in the demo approvals: the seal keeper (用印) and the head of the east sales team
    ("gmo", "gmo", "manager", ["staff", "manager"], False, "总经理办公室经理（用印）"),
    ("bizeast", "biz-east", "manager", ["staff", "manager"], False, "华东业务部经理"),
]
#: The logins `yewu demo` lists with their roles; the others are named on one line after them.
FEATURED_LOGINS = ("admin", "gm", "central", "bizmgr", "pm", "sales", "finance", "auditor")
DEMO_PASSWORD = "Yewu@2026"


def _names(rng: random.Random):
    seen: set[str] = set()
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name not in seen:
            seen.add(name)
            yield name


def load(actor=None) -> dict[str, int]:
    """Load the demo organisation once; running it again changes nothing."""
    from yewu.core.roles import ensure_default_roles

    roles = ensure_default_roles()
    User = get_user_model()
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_superuser": True, "is_staff": True, "first_name": "系统管理员"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    actor = actor or admin
    if Department.objects.filter(code="company").exists():
        return {"departments": Department.objects.count(), "employees": Employee.objects.count()}

    rng = random.Random(20260101)
    names = _names(rng)
    positions = {}
    for code, name, rank, head, text in POSITIONS:
        positions[code] = services.save_position(
            None, {"code": code, "name": name, "rank": rank, "is_department_head": head, "responsibilities": text},
            actor=actor,
        )
    depts: dict[str, Department] = {}
    for order, (code, name, parent, _head, _staff) in enumerate(DEPARTMENTS):
        depts[code] = services.save_department(
            None, {"code": code, "name": name, "parent": depts.get(parent), "sort_order": order}, actor=actor
        )
    login_for = {(d, p): (login, roles_, su, label) for login, d, p, roles_, su, label in DEMO_LOGINS}
    counter = iter(range(1, 1000))
    heads: dict[str, Employee] = {}
    today = timezone.localdate()

    def hire(dept_code: str, pos_code: str, supervisor: Employee | None) -> Employee:
        number = f"E{next(counter):04d}"
        login = login_for.pop((dept_code, pos_code), None)
        name = next(names)
        values = {
            "employee_no": number, "name": name, "department": depts[dept_code], "position": positions[pos_code],
            "supervisor": supervisor, "mobile": f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}",
            "email": f"{number.lower()}@example.cn",
            "hired_on": today - datetime.timedelta(days=rng.randint(60, 3650)),
        }
        if login is None:
            return services.save_employee(None, values, actor=actor)
        username, role_keys, superuser, _label = login
        if username == "admin":
            emp = services.save_employee(None, values, actor=actor)
            emp.user = admin
            Employee.objects.filter(pk=emp.pk).update(user=admin)
        else:
            values["email"] = f"{username}@example.cn"
            emp = services.save_employee(None, values, actor=actor, username=username, password=DEMO_PASSWORD)
        emp.user.groups.add(*[roles[k] for k in role_keys])
        return emp

    for code, _name, parent, head_pos, staff in DEPARTMENTS:
        parent_head = heads.get(parent) if parent else None
        head = hire(code, head_pos, parent_head)
        heads[code] = head
        for pos_code, count in staff.items():
            for _ in range(count):
                hire(code, pos_code, head)
    # logins that sit below a head (project manager, specialist, admin) get their own records
    for (dept_code, pos_code) in list(login_for):
        hire(dept_code, pos_code, heads[dept_code])

    # groups inside the business department, with members
    business = depts["business"]
    members = list(Employee.objects.filter(department=business, position__code="specialist"))
    for i, (code, name, dept_code) in enumerate(TEAMS):
        leader = hire(dept_code, "team-leader", heads[dept_code])
        team = services.save_team(None, {"code": code, "name": name, "department": depts[dept_code], "leader": leader}, actor=actor)
        services.save_employee(leader, {"team": team}, actor=actor)
        for emp in members[i::len(TEAMS)]:
            services.save_employee(emp, {"team": team}, actor=actor)
        for _ in range(3):
            member = hire(dept_code, "specialist", leader)
            services.save_employee(member, {"team": team}, actor=actor)

    # part-time positions: the central department's deputy also acts as project manager in business
    central_deputy = Employee.objects.filter(department=depts["central"], position__code="deputy-manager").first()
    if central_deputy:
        services.add_part_time_position(central_deputy, business, positions["project-manager"], actor=actor)
    tech_pm = Employee.objects.filter(department=depts["technology"], position__code="project-manager").first()
    if tech_pm:
        services.add_part_time_position(tech_pm, depts["quality"], positions["deputy-manager"], actor=actor)

    # delegations: the business manager is travelling next week; a deputy acts for procurement only
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    biz_deputies = list(Employee.objects.filter(department=business, position__code="deputy-manager"))
    services.create_delegation(
        heads["business"], biz_deputies[0], starts_at=now + datetime.timedelta(days=7),
        ends_at=now + datetime.timedelta(days=12), all_processes=True, reason="出差：华南客户拜访", actor=actor,
    )
    services.create_delegation(
        heads["finance"], Employee.objects.filter(department=depts["finance"]).exclude(pk=heads["finance"].pk).first(),
        starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=3),
        all_processes=False, process_keys=["procurement", "expense"], reason="年假", actor=actor,
    )
    services.create_delegation(
        heads["production"], biz_deputies[1] if len(biz_deputies) > 1 else biz_deputies[0],
        starts_at=now - datetime.timedelta(days=30), ends_at=now - datetime.timedelta(days=25),
        all_processes=True, reason="培训", actor=actor,
    )
    return {"departments": Department.objects.count(), "employees": Employee.objects.count(),
            "delegations": Delegation.objects.count(), "groups": Team.objects.count()}


def logins() -> list[tuple[str, str]]:
    """Every demo login and what it is, the featured ones first (all share DEMO_PASSWORD)."""
    rows = [(login, label) for login, _d, _p, _r, _s, label in DEMO_LOGINS]
    return sorted(rows, key=lambda row: row[0] not in FEATURED_LOGINS)
