"""Demo set-up for the CRM: settings (lead sources, customer classes with their cadence, greeting
templates, the holidays of 2026 and 2027), the sales role for the business departments, and a year
of customer work for the demo company's sales people — leads registered, evaluated, assigned and
converted (through the business-intake process), visits planned and checked in, communications,
follow-ups and greetings.

Everything goes through the services, each action at its own time in the past (a demo clock);
loading again changes nothing. Importing this module registers the loader with yewu.core.demo.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from collections.abc import Iterator
from typing import Any

from yewu.core import demo as core_demo

ORDER = 50  # after procurement (40)

SOURCES = [("fair", "行业展会"), ("web", "网站咨询"), ("referral", "客户转介绍"), ("cold", "电话开发"),
           ("partner", "合作伙伴"), ("tender", "招标信息")]
CLASSES = [("key", "重点客户", 30), ("normal", "普通客户", 90), ("potential", "潜在客户", 0)]
TEMPLATES = [
    ("birthday", "生日祝福", "{contact}您好！今天是您的生日，示例科技全体同仁祝您生日快乐、身体健康、万事如意！"),
    ("holiday", "节日问候", "{contact}您好！{holiday}将至，感谢贵司一直以来对示例科技的信任与支持，祝您节日快乐、阖家幸福！"),
]
#: Holidays as data: lunar dates are looked up per year and entered, never computed.
HOLIDAYS = [
    ("元旦", "2026-01-01"), ("春节", "2026-02-17"), ("端午节", "2026-06-19"), ("中秋节", "2026-09-25"),
    ("国庆节", "2026-10-01"), ("元旦", "2027-01-01"), ("春节", "2027-02-06"), ("端午节", "2027-06-09"),
    ("中秋节", "2027-09-15"), ("国庆节", "2027-10-01"),
]
CUSTOMERS = [
    # name, class, industry, region, rating, limit, tags, contact, title, phone, birthday
    ("杭州明远机械制造有限公司", "key", "装备制造", "浙江杭州", "AA", "800000", ["制造业", "老客户"], "周建国", "采购总监",
     "13905710001", (3, 12)),
    ("苏州恒信电子科技有限公司", "key", "电子信息", "江苏苏州", "A", "500000", ["电子", "华东"], "吴晓东", "总经理",
     "13862000002", (7, 8)),
    ("上海东方物流股份有限公司", "normal", "物流运输", "上海", "A", "300000", ["物流"], "钱海燕", "运营经理",
     "13601700003", (11, 23)),
    ("南京金陵医药有限公司", "normal", "医药", "江苏南京", "B", "200000", ["医药"], "孙志强", "信息部主任",
     "13770400004", (1, 30)),
    ("宁波港湾贸易有限公司", "potential", "贸易", "浙江宁波", "", "0", ["外贸"], "李春梅", "业务经理",
     "13957400005", (5, 5)),
    ("广州粤海食品有限公司", "key", "食品", "广东广州", "AA", "600000", ["食品", "华南"], "黄文博", "副总经理",
     "13802200006", (9, 17)),
    ("深圳鹏程智能设备有限公司", "normal", "智能硬件", "广东深圳", "A", "250000", ["硬件", "华南"], "郑一鸣", "技术总监",
     "13923700007", (12, 3)),
    ("佛山南海建材有限公司", "potential", "建材", "广东佛山", "C", "50000", ["建材"], "梁思远", "采购经理",
     "13690700008", (4, 26)),
    ("无锡太湖纺织集团有限公司", "normal", "纺织", "江苏无锡", "B", "150000", ["纺织"], "陈佳琪", "财务经理",
     "13861700009", (8, 14)),
    ("合肥创新软件有限公司", "potential", "软件", "安徽合肥", "", "0", ["软件"], "刘子涵", "创始人",
     "13856900010", (6, 1)),
]
LEADS = [
    # company, source, contact, phone, need, plan ("convert", "assign", "qualify", "out", "new", "close")
    ("常州龙城精密部件有限公司", "fair", "唐雨欣", "13915000011", "生产计划与质量追溯系统", "convert"),
    ("绍兴越州印染有限公司", "web", "蒋磊", "13757500012", "能耗监测与报表", "assign"),
    ("东莞华科塑胶制品有限公司", "referral", "邓丽", "13827200013", "ERP 升级咨询", "qualify"),
    ("厦门海晟游艇俱乐部", "cold", "许娜", "13906000014", "会员管理小程序", "out"),
    ("珠海横琴跨境电商有限公司", "partner", "冯洋", "13631200015", "跨境订单与仓储管理", "new"),
    ("温州瓯江阀门有限公司", "tender", "曹勇", "13857700016", "设备远程运维平台", "close"),
    ("嘉兴南湖新材料有限公司", "fair", "彭静", "13867300017", "实验室信息管理", "new"),
]
CHANNEL_TEXT = [
    ("phone", "电话沟通项目进展，客户关注交付周期。", "希望下月前看到详细方案"),
    ("im", "微信发送产品资料与案例。", "资料已收到，内部讨论中"),
    ("email", "邮件确认需求清单与报价范围。", "对报价基本认可"),
    ("meeting", "到访我司参观，产品演示。", "对演示效果满意"),
    ("phone", "例行回访，了解系统使用情况。", "使用稳定，提出两点改进建议"),
]


@contextlib.contextmanager
def _clock(now: list[datetime.datetime]) -> Iterator[None]:
    """Make django.utils.timezone.now() return now[0] while the demo runs (single-threaded loader)."""
    from django.utils import timezone

    real = timezone.now
    timezone.now = lambda: now[0]
    try:
        yield
    finally:
        timezone.now = real


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    from django.utils import timezone

    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(9, 17), rng.randrange(0, 60, 5))))


def _settings(admin: Any) -> dict[str, Any]:
    from yewu.crm import services
    from yewu.crm.models import CareTemplate, CustomerClass, Holiday, LeadSource

    for order, (code, name) in enumerate(SOURCES):
        if not LeadSource.objects.filter(code=code).exists():
            services.save_setting(LeadSource, None, {"code": code, "name": name, "sort_order": order}, actor=admin)
    for order, (code, name, days) in enumerate(CLASSES):
        if not CustomerClass.objects.filter(code=code).exists():
            services.save_setting(CustomerClass, None, {"code": code, "name": name, "follow_up_days": days,
                                                        "sort_order": order}, actor=admin)
    for kind, name, body in TEMPLATES:
        if not CareTemplate.objects.filter(kind=kind, name=name).exists():
            services.save_setting(CareTemplate, None, {"kind": kind, "name": name, "body": body, "is_default": True},
                                  actor=admin)
    for name, day in HOLIDAYS:
        date = datetime.date.fromisoformat(day)
        if not Holiday.objects.filter(name=name, date=date).exists():
            services.save_setting(Holiday, None, {"name": name, "date": date}, actor=admin)
    return {
        "sources": {s.code: s for s in LeadSource.objects.all()},
        "classes": {c.code: c for c in CustomerClass.objects.all()},
    }


def _holder(lead: Any, step: str, fallback: Any) -> Any:
    """Who holds the lead's open intake task of `step` (the demo acts as them), else `fallback`."""
    from yewu.workflow.models import Task

    task = (Task.objects.filter(instance_id=lead.process_id, step_id=step, status="open")
            .select_related("assignee").first() if lead.process_id else None)
    return task.assignee if task is not None else fallback


def load() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from yewu.core.roles import ensure_default_roles
    from yewu.crm import intake, services
    from yewu.crm.models import Customer, Lead
    from yewu.org.models import Employee

    User = get_user_model()
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return {}
    roles = ensure_default_roles()
    sellers = []
    for employee in (Employee.objects.filter(department__code__in=("business", "biz-east", "biz-south"),
                                             user__isnull=False, status="active")
                     .select_related("user", "position", "department").order_by("employee_no")):
        employee.user.groups.add(roles["sales"])
        if employee.position and employee.position.code in ("project-manager", "specialist"):
            sellers.append(employee.user)
    for employee in Employee.objects.filter(department__code="central", user__isnull=False).select_related("user"):
        employee.user.groups.add(roles["crm_admin"])
    conf = _settings(admin)
    intake.install(admin)  # leads registered below run through the business-intake process
    if Customer.objects.exists() or Lead.objects.exists() or not sellers:
        return {"customers": Customer.objects.count(), "leads": Lead.objects.count(), "created": 0}
    manager = User.objects.filter(username="bizmgr").first() or admin
    sales = User.objects.filter(username="sales").first()
    if sales is not None and sales in sellers:  # the featured login gets the first customers
        sellers.remove(sales)
        sellers.insert(0, sales)
    rng = random.Random(20260505)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=360)
    now = [_at(start, rng)]
    real_now = timezone.now()
    with transaction.atomic(), _clock(now):
        customers = []
        for i, (name, cls, industry, region, rating, limit, tags, contact, title, phone, birthday) in enumerate(
                CUSTOMERS):
            owner = sellers[i % len(sellers)] if i % 3 else sellers[0]
            now[0] = _at(start + datetime.timedelta(days=i * 9), rng)
            source = list(conf["sources"].values())[i % len(conf["sources"])]
            lead = services.save_lead(None, {"source": source, "company_name": name, "contact_name": contact,
                                             "contact_title": title, "phone": phone, "industry": industry,
                                             "region": region, "need": "信息化建设与业务流程优化"}, actor=owner)
            now[0] += datetime.timedelta(hours=20)
            lead = services.evaluate_lead(lead, in_scope=True, actor=_holder(lead, "evaluate", manager))
            lead = services.assign_lead(lead, assignee=owner, actor=_holder(lead, "assign", manager))
            now[0] += datetime.timedelta(days=3)
            services.log_communication({"channel": "phone", "content": "首次电话沟通，了解需求背景。",
                                        "feedback": "愿意进一步交流"}, lead=lead, actor=owner)
            services.record_needs_analysis(lead, summary="客户希望打通生产、库存与财务数据，一年内分两期上线，预算已列入年度计划。",
                                           actor=owner)
            now[0] += datetime.timedelta(days=4)
            customer = services.convert_lead(lead, values={
                "customer_class": conf["classes"][cls], "credit_rating": rating, "credit_limit": limit,
                "tags": tags, "address": f"{region}示例路{10 + i}号"}, actor=owner)
            contact_obj = customer.contacts.first()
            services.save_contact(contact_obj, {"birthday_month": birthday[0], "birthday_day": birthday[1],
                                                "is_primary": True}, actor=owner)
            customers.append(customer)
        # a year of visits and communications, every two weeks or so per customer
        for week in range(0, 51, 2):
            day = start + datetime.timedelta(days=week * 7 + rng.randint(0, 4))
            if day >= today:
                break
            for customer in rng.sample(customers, k=3):
                customer.refresh_from_db()
                if customer.created_at.date() > day:
                    continue
                now[0] = _at(day, rng)
                owner = customer.owner
                if rng.random() < 0.4:
                    visit = services.plan_visit(customer, {"planned_on": now[0].date(), "purpose": "拜访客户，介绍新功能"},
                                                actor=owner)
                    now[0] += datetime.timedelta(hours=3)
                    services.check_in_visit(visit, {"notes": "与客户面谈，演示新版本。", "outcome": "客户有采购意向",
                                                    "next_step": "准备报价"}, actor=owner)
                else:
                    channel, content, feedback = rng.choice(CHANNEL_TEXT)
                    services.log_communication({"channel": channel, "content": content, "feedback": feedback},
                                               customer=customer, actor=owner)
        # what is still ahead: planned visits and agreed actions
        now[0] = real_now
        for customer in customers[:4]:
            customer.refresh_from_db()
            services.plan_visit(customer, {"planned_on": today + datetime.timedelta(days=rng.randint(1, 20)),
                                           "purpose": "季度回访与续约沟通"}, actor=customer.owner)
        services.log_communication({"channel": "phone", "content": "客户来电咨询扩容方案。", "feedback": "需要报价",
                                    "follow_up_action": "发送扩容报价",
                                    "follow_up_due": today + datetime.timedelta(days=2)},
                                   customer=customers[1], actor=customers[1].owner)
        for i, (company, source, contact, phone, need, plan) in enumerate(LEADS):
            owner = sellers[(i + 1) % len(sellers)]
            lead = services.save_lead(None, {"source": conf["sources"][source], "company_name": company,
                                             "contact_name": contact, "phone": phone, "need": need}, actor=owner)
            if plan in ("convert", "assign", "qualify"):
                lead = services.evaluate_lead(lead, in_scope=True, actor=_holder(lead, "evaluate", manager))
            if plan == "out":
                lead = services.evaluate_lead(lead, in_scope=False, reason="需求不在公司业务范围内",
                                              actor=_holder(lead, "evaluate", manager))
            if plan in ("convert", "assign"):
                lead = services.assign_lead(lead, assignee=owner, actor=_holder(lead, "assign", manager))
            if plan == "convert":
                services.record_needs_analysis(lead, summary=f"{need}：范围、进度和预算已与客户确认。", actor=owner)
                services.convert_lead(lead, values={"customer_class": conf["classes"]["normal"]}, actor=owner)
            if plan == "close":
                services.close_lead(lead, reason="客户预算取消", actor=owner)
    # the worker's view of today: regular follow-ups due (and missed), greetings coming up
    follow_ups = services.run_follow_ups(today)
    care = services.generate_care_tasks(today)
    return {"customers": Customer.objects.count(), "leads": Lead.objects.count(), "created": len(CUSTOMERS),
            "follow_ups": follow_ups, "greetings": care["created"]}


core_demo.register(ORDER, "crm", load)
