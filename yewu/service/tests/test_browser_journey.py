"""A real-browser journey in Chinese (Debian's Chromium driven by Playwright, the live server with
the demo company), from a lead to a complaint handled within its time limits:

the salesperson registers a lead; the head of its department evaluates it in scope and assigns it; the
salesperson converts it, plans a visit, checks in and logs a communication, then signs out. The
customer's contact, as an anonymous visitor, sends a complaint through the public contact form
(its anti-spam refuses a form sent the instant it opened). The manager of the central business
department, told of it by a notification, registers the complaint and accepts it, naming the responsible department and a handler;
the handler, from the step in the to-dos, opens the complaint, investigates, records a corrective action and the handling plan, and replies; the
central manager, who registered it, follows up the customer's satisfaction. The complaint closes
with every step on time, its history lists the steps, and the engine's worker, with the clock
moved past every time limit, escalates nothing.

Run with: YEWU_DATA_DIR=/tmp/yw-browser .venv/bin/pytest -q -m browser yewu/service/tests/test_browser_journey.py
"""

# ruff: noqa: F811 - the browser fixtures are imported from yewu.core.testing.browser and named as arguments
from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from yewu.core.testing.browser import (  # noqa: F401 - fixtures
    browser,
    chromium_path,
    demo,
    shot,
    sign_out,
    static_files,
)
from yewu.workflow.tests.test_browser import People, expect, t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

COMPANY = "无锡太湖精密机械有限公司"
CONTACT = "沈立"
PHONE = "13861500321"


def field(page, label: str):
    """The value shown for `label` in the record's field list."""
    return page.locator(
        f"xpath=//dl[contains(@class,'yw-fields')]/dt[normalize-space()='{label}']/following-sibling::dd[1]")


def submit(page, testid: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(testid).locator("button").last.click()


def no_error(page) -> None:
    expect(page.locator(".alert-danger")).to_have_count(0)


def complete_step(page, step: str, values: dict[str, str], *, selects: dict[str, str] | None = None) -> None:
    """Fill the waiting step's form on the complaint page (fields found by their labels) and send it."""
    form = page.locator(f"form[action$='/step/{step}/']")
    expect(form).to_be_visible()
    for label, value in (selects or {}).items():
        form.get_by_label(label, exact=True).select_option(value)
    for label, value in values.items():
        form.get_by_label(label, exact=True).fill(value)
    with page.expect_navigation():
        form.get_by_role("button", name=t("Complete this step")).click()
    no_error(page)


def test_lead_to_customer_then_a_web_complaint_handled_on_time(browser):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from yewu.core.models import Event
    from yewu.crm.models import Communication, Customer, Lead, Visit
    from yewu.org.models import Department
    from yewu.service.choices import ComplaintStatus
    from yewu.service.models import Complaint
    from yewu.workflow import services as workflow
    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    cache.clear()  # the contact form's per-address limit counts in the cache
    users = get_user_model().objects
    sales_user, pm_user, central_user = (users.get(username=u) for u in ("sales", "pm", "central"))
    people = People(browser)

    # 1. the salesperson registers the lead
    sales = people["sales"]  # 业务专员（华东）
    sales.goto("/crm/leads/add/")
    sales.locator("#id_source").select_option(label="行业展会")
    sales.locator("#id_company_name").fill(COMPANY)
    sales.locator("#id_contact_name").fill(CONTACT)
    sales.locator("#id_phone").fill(PHONE)
    sales.locator("#id_need").fill("数控设备远程监控与预防性维护")
    with sales.expect_navigation():
        sales.locator("form.card button[type=submit]").click()
    lead = Lead.objects.get(company_name=COMPANY)
    expect(field(sales, t("status"))).to_have_text(t("Awaiting evaluation"))

    # 2. the head of the lead's department evaluates and assigns it (the business intake gives them
    # those steps); the salesperson converts it
    manager = people["bizeast"]
    manager.goto(lead.get_absolute_url())
    manager.locator("#id_in_scope").select_option("yes")
    submit(manager, "evaluate-form")
    expect(field(manager, t("status"))).to_have_text(t("In scope"))
    manager.locator("#id_assignee").select_option(str(sales_user.pk))
    submit(manager, "assign-form")
    expect(field(manager, t("status"))).to_have_text(t("Assigned"))

    sales.goto(lead.get_absolute_url())
    sales.locator("#id_customer_class").select_option(label="重点客户")
    submit(sales, "convert-form")
    customer = Customer.objects.get(name=COMPANY)
    expect(sales).to_have_url(re.compile(rf"/crm/customers/{customer.pk}/$"))
    expect(sales.get_by_test_id("contacts")).to_contain_text(CONTACT)
    expect(sales.get_by_test_id("leads")).to_contain_text(lead.number)  # the lead's history stays with it
    sales.get_by_test_id("leads").get_by_role("link", name=lead.number).click()
    expect(field(sales, t("status"))).to_have_text(t("Converted"))
    sales.go_back()
    sales.get_by_test_id("timeline-tab").click()
    expect(sales.get_by_test_id("timeline")).to_contain_text(t("Lead converted to a customer"))

    # 3. a visit planned and checked in
    today = timezone.localdate()
    sales.get_by_test_id("tab-visits").click()
    visit_form = sales.get_by_test_id("visit-form")
    visit_form.locator("[name=planned_on]").fill(today.isoformat())
    visit_form.locator("[name=purpose]").fill("现场了解设备维护流程")
    submit(sales, "visit-form")
    visit = Visit.objects.get(customer=customer)
    sales.goto(visit.get_absolute_url())
    sales.locator("#id_notes").fill("参观车间，设备部希望先试点两条产线。")
    sales.locator("#id_outcome").fill("客户同意试点")
    submit(sales, "check-in-form")
    expect(field(sales, t("status"))).to_have_text(t("Visited"))

    # 4. a communication logged on the customer page
    sales.goto(customer.get_absolute_url())
    sales.get_by_test_id("tab-communications").click()
    talk = sales.get_by_test_id("communication-form")
    talk.locator("[name=channel]").select_option("phone")
    talk.locator("[name=content]").fill("电话确认试点范围：两条产线、二十台数控机床。")
    talk.locator("[name=feedback]").fill("客户满意，等待试点合同。")
    submit(sales, "communication-form")
    sales.get_by_test_id("tab-communications").click()
    expect(sales.locator("#tab-communications")).to_contain_text("电话确认试点范围")
    logged = Communication.objects.get(customer=customer, content__startswith="电话确认试点范围")
    assert (logged.channel, logged.author) == ("phone", sales_user)  # the visit's check-in is logged too
    sign_out(sales)
    expect(sales).to_have_url(re.compile(r"/accounts/login/"))

    # 5. the customer's contact complains through the public form (no login)
    visitor = browser.page()
    visitor.goto("/service/contact/")
    expect(visitor.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(visitor.locator("#id_website")).not_to_be_in_viewport()  # the honeypot: nobody sees it
    visitor.locator("input[name=kind][value=complaint]").check()
    visitor.get_by_label(t("Your name")).fill(CONTACT)
    visitor.get_by_label(t("Company")).fill(COMPANY)
    visitor.get_by_label(t("phone")).fill(PHONE)
    visitor.get_by_label(t("Subject or product")).fill("设备远程监控试点")
    visitor.get_by_label(t("Message")).fill("试点上线后报警短信延迟超过半小时，两次停机未能及时处理，请尽快解决。")
    with visitor.expect_navigation():  # sent the instant it opened: refused, nothing saved
        visitor.get_by_role("button", name=t("Send")).click()
    expect(visitor.get_by_test_id("form-error")).to_be_visible()
    assert not Complaint.objects.filter(phone=PHONE).exists()
    expect(visitor.get_by_label(t("Message"))).to_have_value(re.compile("报警短信延迟"))
    visitor.wait_for_timeout(3200)  # a person reads the form through before sending it again
    with visitor.expect_navigation():
        visitor.get_by_role("button", name=t("Send")).click()
    number = Complaint.objects.get(phone=PHONE).number
    expect(visitor.get_by_test_id("contact-number")).to_contain_text(number)
    complaint = Complaint.objects.get(number=number)
    assert complaint.customer == customer and complaint.status == ComplaintStatus.RECEIVED  # matched by phone

    # 6. the central department's manager registers and accepts it
    central = people["central"]  # 业务集中管理部经理
    central.goto("/")
    central.get_by_role("navigation", name=t("Modules")).get_by_role("link", name=t("Complaints"), exact=True).click()
    expect(central.locator("#yw-table tr").filter(has_text=number)).to_contain_text(t("Received, not registered"))
    central.get_by_test_id("notifications-link").click()  # the website's complaint was announced
    central.get_by_role("link", name=t("New complaint from the website: %(number)s") % {"number": number}).click()
    expect(field(central, t("status"))).to_have_text(t("Received, not registered"))
    expect(field(central, t("customer"))).to_have_text(COMPANY)
    with central.expect_navigation():
        central.get_by_role("button", name=t("Register the complaint")).click()
    no_error(central)
    expect(field(central, t("status"))).to_have_text(t("Waiting for the central department"))
    business = Department.objects.get(code="business")
    complete_step(central, "accept", {}, selects={
        t("responsible department"): str(business.pk), t("handler"): str(pm_user.pk), t("severity"): "high"})
    expect(field(central, t("status"))).to_have_text(t("Under investigation"))
    expect(field(central, t("handler"))).to_contain_text(pm_user.employee.name)

    # the handler finds the step in the to-dos, opens the complaint from the approval, investigates,
    # records a corrective action and the plan, replies
    handler = people["pm"]  # 项目经理（业务部）
    handler.goto("/approvals/?tab=todo")
    handler.get_by_test_id("inbox-item").filter(has_text=number).locator("a.yw-item-title").click()
    expect(handler.get_by_test_id("sop")).to_contain_text("判定原因属于公司内部还是外部")
    handler.get_by_test_id("instance-record").click()
    expect(handler).to_have_url(re.compile(rf"{complaint.get_absolute_url()}$"))
    complete_step(handler, "investigate", {
        t("customer's expectation"): "一周内解决报警延迟，并说明原因",
        t("investigation findings"): "短信网关队列积压，报警未设优先级。",
    }, selects={t("cause"): "internal", t("cause category"): "product"})
    expect(field(handler, t("status"))).to_have_text(t("Handling plan"))
    actions = handler.locator(".card").filter(has_text=t("Add a corrective action")).locator("form")
    actions.get_by_label(t("description")).fill("报警消息设为最高优先级，并增加送达监控")
    actions.get_by_label(t("responsible person")).select_option(str(pm_user.pk))
    actions.get_by_label(t("due date")).fill((today + datetime.timedelta(days=14)).isoformat())
    with handler.expect_navigation():
        actions.get_by_role("button", name=t("Add")).click()
    no_error(handler)
    complete_step(handler, "plan", {t("handling plan"): "三日内升级短信网关并为报警设优先级；试点期间每日核对报警送达。"})
    expect(field(handler, t("status"))).to_have_text(t("Reply to the customer"))
    complete_step(handler, "reply", {t("reply to the customer"): "网关已升级，报警可在一分钟内送达，试点期间每日核对。"})
    expect(field(handler, t("status"))).to_have_text(t("Satisfaction follow-up"))
    expect(handler.locator("form[action$='/step/follow_up/']")).to_have_count(0)  # the recorder's step

    # the central manager, who registered it, follows up and the complaint closes
    central.reload()
    complete_step(central, "follow_up", {t("follow-up notes"): "客户确认报警已及时送达。"},
                  selects={t("satisfaction result"): "satisfied"})
    expect(field(central, t("status"))).to_have_text(t("Closed"))
    steps = central.get_by_test_id("complaint-step")
    expect(steps).to_have_count(5)
    for i, step in enumerate(("accept", "investigate", "plan", "reply", "follow_up")):
        expect(steps.nth(i)).to_have_attribute("data-step", step)
        expect(steps.nth(i)).to_contain_text(t("On time"))
    history = central.get_by_test_id("history")
    for activity in ("Complaint received", "Complaint registered", "Complaint taken by the central department",
                     "Complaint investigated", "Corrective action recorded", "Handling plan recorded",
                     "Customer replied to", "Satisfaction followed up", "Complaint closed"):
        expect(history).to_contain_text(t(activity))
    shot(central, "service-complaint-closed")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.handler == pm_user
    assert complaint.recorded_by == central_user and complaint.satisfaction == "satisfied"
    tasks = list(Task.objects.filter(instance_id=complaint.process_id).order_by("created_at"))
    assert [(task.step_id, task.assignee.username) for task in tasks] == [
        ("accept", "central"), ("investigate", "pm"), ("plan", "pm"), ("reply", "pm"), ("follow_up", "central")]
    assert all(task.status == TaskStatus.DONE and task.completed_at <= task.due_at for task in tasks)
    # the clock moves past every time limit: nothing handled in time is escalated afterwards
    workflow.process_due_tasks(timezone.now() + datetime.timedelta(hours=200))
    assert not Event.objects.filter(process_instance=complaint.process.number, activity__contains="escalat").exists()
    assert Task.objects.filter(instance_id=complaint.process_id, escalated_at__isnull=False).count() == 0

    # the salesperson sees the closed complaint on the customer's page
    sales.goto("/crm/customers/")
    expect(sales).to_have_url(re.compile(r"/accounts/login/"))
    people.pages.pop("sales")
    sales = people["sales"]
    sales.goto(customer.get_absolute_url())
    panel = sales.get_by_test_id("panel-service")
    expect(panel.locator("li").filter(has_text=number)).to_contain_text(t("Closed"))
