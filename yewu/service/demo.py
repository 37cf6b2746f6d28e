"""Demo set-up for customer service: the complaint process installed, the customer-service role
for the central business department and the business department's customer-service group, and a few weeks of service work on the CRM demo customers —
consultations answered, routed and waiting (one past its time limit), complaints in every state
of their process (closed with a verified corrective action, closed with an external cause, being
planned, waiting for the central department, received from the web form), and one satisfaction
survey with answers by link and by phone and an improvement action.

Everything goes through the services at its own moment in the past (the demo clock); loading
again changes nothing. Importing this module registers the loader with yewu.core.demo."""

from __future__ import annotations

import datetime
from typing import Any

from yewu.core import demo as core_demo

ORDER = 55  # after the CRM (50): it needs the customers


def load() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from yewu.core.models import Notification
    from yewu.core.roles import ensure_default_roles
    from yewu.crm.models import Customer
    from yewu.org.models import Department, Employee
    from yewu.service import approvals
    from yewu.service.models import Complaint, Consultation, Survey

    User = get_user_model()
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return {}
    approvals.install(admin)
    roles = ensure_default_roles()
    # the central department takes complaints; the business department's customer-service group
    # (客户服务组) answers consultations and complaints day to day
    for employee in (Employee.objects.filter(Q(department__code="central") | Q(team__code="biz-service"),
                                             user__isnull=False).select_related("user")):
        employee.user.groups.add(roles["customer_service"])
    central = User.objects.filter(username="central").first()
    customers = list(Customer.objects.live().select_related("owner", "department").order_by("pk")[:8])
    if Complaint.objects.exists() or Consultation.objects.exists() or central is None or len(customers) < 5:
        return {"consultations": Consultation.objects.count(), "complaints": Complaint.objects.count(),
                "surveys": Survey.objects.count(), "created": 0}
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    real_now = timezone.now()
    now = [real_now - datetime.timedelta(days=40)]
    departments = {d.code: d for d in Department.objects.filter(code__in=("technology", "finance", "business"))}
    with transaction.atomic(), core_demo.clock(now):
        _consultations(central, customers, departments, now)
        _complaints(central, customers, now)
        survey = _survey(central, customers, now)
    # the story's notifications are history: never e-mailed to the demo people
    Notification.objects.filter(pk__gt=last_notification).update(emailed_at=real_now, pushed_at=real_now)
    return {"consultations": Consultation.objects.count(), "complaints": Complaint.objects.count(),
            "surveys": Survey.objects.count(), "survey": survey.name, "created": 1}


def _consultations(central: Any, customers: list, departments: dict, now: list) -> None:
    from yewu.service import services

    first, second, third = customers[0], customers[1], customers[2]
    now[0] += datetime.timedelta(days=1)
    asked = services.record_consultation(
        actor=central, channel="phone", customer=first, contact_name="采购部", phone=first.phone or "0571-00000000",
        subject="设备保修期咨询", question="去年采购的设备保修期到什么时候？保修期外的维修如何收费？")
    now[0] += datetime.timedelta(hours=3)
    services.answer_consultation(asked, actor=central, answer="整机保修两年，至明年三月；保修期外按公司维修价目表收费，可签年度维保合同。")
    now[0] = timezone_now() - datetime.timedelta(hours=6)
    routed = services.record_consultation(
        actor=central, channel="email", customer=second, contact_name="信息部", email=second.email or "it@example.cn",
        subject="接口对接技术问题", question="贵司系统能否提供 REST 接口与我方 ERP 对接？需要哪些资料？")
    if departments.get("technology"):
        now[0] += datetime.timedelta(hours=2)
        services.route_consultation(routed, actor=central, department=departments["technology"])
    now[0] = timezone_now() - datetime.timedelta(hours=30)
    services.record_consultation(
        actor=None, channel="web", contact_name="陈女士", phone="13912345678", company_name="常州新材料有限公司",
        subject="产品报价", question="想了解标准版的价格和实施周期，请尽快联系。")
    now[0] = timezone_now() - datetime.timedelta(hours=2)
    services.record_consultation(
        actor=None, channel="web", customer=third, contact_name="行政部", phone=third.phone or "13800000000",
        subject="发票开具", question="上月服务费的增值税专用发票何时寄出？")


def timezone_now() -> datetime.datetime:
    """The real time (the demo clock replaces django.utils.timezone.now while the story runs)."""
    return datetime.datetime.now(datetime.UTC)


def _complaints(central: Any, customers: list, now: list) -> None:
    from yewu.service import services

    def record(customer: Any, **values: Any) -> Any:
        return services.record_complaint(actor=central, customer=customer, **values)

    # 1. closed: internal cause, corrective action done and verified
    now[0] = timezone_now() - datetime.timedelta(days=30)
    c = customers[0]
    handler = c.owner
    obj = record(c, channel="phone", product="业务管理系统 标准版", category="quality", severity="high",
                 description="月末结账时系统多次卡顿，导致财务报表延迟一天提交。")
    now[0] += datetime.timedelta(hours=3)
    obj = services.accept_complaint(obj, actor=central, department=c.department, handler=handler)
    now[0] += datetime.timedelta(hours=20)
    obj = services.record_investigation(obj, actor=handler, cause_kind="internal", cause_category="product",
                                        expectation="尽快修复并保证下次月结正常", notes="月结批处理缺少索引，数据量大时查询超时。")
    now[0] += datetime.timedelta(hours=6)
    obj = services.record_plan(obj, actor=handler, plan="两日内发布补丁增加索引；月结前安排工程师现场值守。")
    action = services.add_corrective_action(obj, actor=handler, description="发布前增加大数据量月结性能测试",
                                            owner=handler, due_on=(now[0] + datetime.timedelta(days=14)).date())
    now[0] += datetime.timedelta(hours=20)
    obj = services.reply_to_customer(obj, actor=handler, reply="补丁已发布，本月月结我们将派工程师现场保障。")
    now[0] += datetime.timedelta(days=2)
    services.record_follow_up(obj, actor=central, satisfaction="satisfied", notes="客户确认月结顺利完成。")
    now[0] += datetime.timedelta(days=7)
    services.complete_corrective_action(action, actor=handler, result="性能测试已纳入发布检查单。")
    now[0] += datetime.timedelta(days=1)
    services.verify_corrective_action(action, actor=central)
    # 2. closed: external cause
    now[0] = timezone_now() - datetime.timedelta(days=20)
    c = customers[1]
    obj = record(c, channel="email", product="实施服务", category="delivery", severity="medium",
                 description="上线时间比合同约定晚了一周。")
    now[0] += datetime.timedelta(hours=5)
    obj = services.accept_complaint(obj, actor=central, department=c.department, handler=c.owner)
    now[0] += datetime.timedelta(days=1)
    obj = services.record_investigation(obj, actor=c.owner, cause_kind="external", cause_category="customer",
                                        expectation="说明原因并确认后续计划", notes="客户方基础数据提供延迟两周。")
    now[0] += datetime.timedelta(hours=4)
    obj = services.record_plan(obj, actor=c.owner, plan="提供进度记录，与客户确认数据交付节点。")
    now[0] += datetime.timedelta(hours=4)
    obj = services.reply_to_customer(obj, actor=c.owner, reply="已书面说明延期原因，并确认了剩余工作计划。")
    now[0] += datetime.timedelta(days=3)
    services.record_follow_up(obj, actor=central, satisfaction="partly", notes="客户理解原因，希望今后提前预警。")
    # 3. in planning
    now[0] = timezone_now() - datetime.timedelta(days=3)
    c = customers[2]
    obj = record(c, channel="walk_in", product="售后服务", category="attitude", severity="medium",
                 description="维修人员上门迟到两小时且未提前告知。")
    now[0] += datetime.timedelta(hours=2)
    obj = services.accept_complaint(obj, actor=central, department=c.department, handler=c.owner)
    now[0] += datetime.timedelta(hours=26)
    services.record_investigation(obj, actor=c.owner, cause_kind="internal", cause_category="personnel",
                                  expectation="道歉并保证以后准时", notes="派工单未同步到维修人员手机。")
    # 4. waiting for the central department (registered today)
    now[0] = timezone_now() - datetime.timedelta(hours=3)
    record(customers[3], channel="phone", product="业务管理系统 标准版", category="price", severity="low",
           description="续费报价比去年上涨较多，希望说明原因。")
    # 5. received from the web form, not registered yet
    now[0] = timezone_now() - datetime.timedelta(hours=1)
    c = customers[4]
    services.record_complaint(actor=None, channel="web", product="培训服务", category="other",
                              description="培训资料没有按约定提前发送。", contact_name="人事部", phone=c.phone,
                              email=c.email)


def _survey(central: Any, customers: list, now: list) -> Any:
    from yewu.service import surveys

    now[0] = timezone_now() - datetime.timedelta(days=14)
    start = now[0].date()
    survey = surveys.create_survey(actor=central, name=f"{start.year} 年客户满意度调查", period_start=start,
                                   period_end=start + datetime.timedelta(days=30), target="重点客户与普通客户")
    q1 = surveys.add_question(survey, actor=central, text="您对我们产品质量的总体评价", kind="rating")
    q2 = surveys.add_question(survey, actor=central, text="您对售后服务响应速度的评价", kind="rating")
    q3 = surveys.add_question(survey, actor=central, text="您最希望我们改进哪一方面", kind="choice",
                              options=["产品功能", "服务响应", "价格", "培训"])
    q4 = surveys.add_question(survey, actor=central, text="其他意见和建议", kind="text", required=False)
    respondents = surveys.add_respondents(survey, customers[:6], actor=central)
    surveys.open_survey(survey, actor=central)
    answers = [("5", "4", "产品功能", "希望增加移动端审批。"), ("4", "2", "服务响应", "报修后等待时间较长。"),
               ("4", "3", "服务响应", "")]
    for i, (respondent, (a1, a2, a3, a4)) in enumerate(zip(respondents, answers, strict=False)):
        now[0] += datetime.timedelta(days=1)
        values = {str(q1.pk): a1, str(q2.pk): a2, str(q3.pk): a3, str(q4.pk): a4}
        if i == 2:
            surveys.enter_answers(respondent, values, actor=central, channel="phone")
        else:
            surveys.answer_by_link(respondent.token, values)
    now[0] += datetime.timedelta(days=1)
    surveys.add_improvement(survey, actor=central, question=q2, owner=central,
                            description="售后报修实行 4 小时响应承诺，并在系统中跟踪响应时间。",
                            due_on=now[0].date() + datetime.timedelta(days=30))
    return survey


core_demo.register(ORDER, "service", load)
