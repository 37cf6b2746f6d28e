"""Real-browser journeys in Chinese (Debian's Chromium driven by Playwright, the live server with the
demo company): a lead registered by the salesperson, evaluated and assigned by the business
manager, converted, a visit planned and checked in, a communication with a follow-up date, the
calendar; and a missed follow-up that the worker (with a moved clock) escalates to the supervisor,
who finds it on the overdue list.

Run with: YEWU_DATA_DIR=/tmp/yw-browser .venv/bin/pytest -q -m browser yewu/crm/tests/test_browser.py
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
    static_files,
)
from yewu.workflow.tests.test_browser import People, expect, t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def status_of(page):
    return page.locator(".yw-fields dd").first


def submit(page, testid: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(testid).locator("button").last.click()


def test_from_lead_to_customer_visit_and_communication_in_chinese(browser):
    from django.contrib.auth import get_user_model

    from yewu.crm.models import Customer, FollowUp, Lead, Visit

    users = get_user_model().objects
    sales_user = users.get(username="sales")
    people = People(browser)
    sales = people["sales"]  # 业务专员（华东）
    sales.goto("/crm/leads/add/")
    sales.locator("#id_source").select_option(label="行业展会")
    sales.locator("#id_company_name").fill("扬州运河智能装备有限公司")
    sales.locator("#id_contact_name").fill("韩冬")
    sales.locator("#id_contact_title").fill("设备部经理")
    sales.locator("#id_phone").fill("13952700099")
    sales.locator("#id_need").fill("设备点检与维修工单系统")
    with sales.expect_navigation():
        sales.locator("form.card button[type=submit]").click()
    lead = Lead.objects.get(company_name="扬州运河智能装备有限公司")
    expect(status_of(sales)).to_have_text(t("Awaiting evaluation"))
    expect(sales.get_by_test_id("evaluate")).to_have_count(0)

    # the business intake gives the first evaluation and the assignment to the manager of the lead's
    # business department: 华东业务部经理 for a lead of the east sales department
    expect(sales.get_by_test_id("intake")).to_contain_text("经理首次评估")
    bizmgr = people["bizmgr"]  # 业务部经理 may evaluate leads, but the task is not theirs
    bizmgr.goto(lead.get_absolute_url())
    expect(bizmgr.get_by_test_id("evaluate")).to_have_count(0)
    manager = people["bizeast"]
    manager.goto(lead.get_absolute_url())
    manager.locator("#id_in_scope").select_option("yes")
    submit(manager, "evaluate-form")
    expect(status_of(manager)).to_have_text(t("In scope"))
    manager.locator("#id_assignee").select_option(str(sales_user.pk))
    submit(manager, "assign-form")
    expect(status_of(manager)).to_have_text(t("Assigned"))

    sales.goto(lead.get_absolute_url())
    sales.locator("#id_summary").fill("客户希望三个月内上线点检与维修工单，预算约 30 万。")
    submit(sales, "needs-analysis-form")
    expect(sales.locator(".yw-fields")).to_contain_text("预算约 30 万")
    lead.refresh_from_db()
    assert lead.process.status == "approved"  # the intake is complete
    sales.locator("#id_channel").select_option("phone")
    sales.locator("#id_content").fill("电话了解现有点检流程，客户希望下周演示。")
    submit(sales, "communication-form")
    sales.locator("#id_customer_class").select_option(label="重点客户")
    submit(sales, "convert-form")
    customer = Customer.objects.get(name="扬州运河智能装备有限公司")
    expect(sales).to_have_url(re.compile(rf"/crm/customers/{customer.pk}/$"))
    expect(sales.get_by_test_id("contacts")).to_contain_text("韩冬")
    expect(sales.get_by_test_id("leads")).to_contain_text(lead.number)
    sales.get_by_test_id("timeline-tab").click()
    expect(sales.get_by_test_id("timeline")).to_contain_text("电话了解现有点检流程")
    expect(sales.get_by_test_id("timeline")).to_contain_text(t("Lead converted to a customer"))

    today = timezone.localdate()
    sales.get_by_test_id("tab-visits").click()
    sales.locator("#id_planned_on").fill(today.isoformat())
    sales.locator("#id_purpose").fill("上门演示点检系统")
    submit(sales, "visit-form")
    visit = Visit.objects.get(customer=customer)
    sales.goto(visit.get_absolute_url())
    sales.locator("#id_notes").fill("演示顺利，设备部认可移动端点检。")
    sales.locator("#id_outcome").fill("客户要求报价")
    sales.locator("#id_next_step").fill("发送报价单")
    sales.locator("#id_next_step_due").fill((today + datetime.timedelta(days=3)).isoformat())
    submit(sales, "check-in-form")
    expect(status_of(sales)).to_have_text(t("Visited"))
    fu = FollowUp.objects.get(customer=customer, title="发送报价单")
    assert fu.owner == sales_user and fu.due_on == today + datetime.timedelta(days=3)

    sales.goto("/crm/visits/calendar/")
    expect(sales.get_by_test_id("calendar")).to_contain_text("扬州运河智能装备有限公司")
    shot(sales, "crm-calendar")
    # the business manager sees the department's customers; the finance manager sees none of them
    manager.goto("/crm/customers/")
    expect(manager.locator("#yw-table")).to_contain_text("扬州运河智能装备有限公司")
    finance = people["finance"]
    finance.goto(customer.get_absolute_url())
    expect(finance.locator("body")).not_to_contain_text("扬州运河智能装备有限公司")


def test_a_missed_follow_up_escalates_to_the_supervisor(browser):
    from django.contrib.auth import get_user_model

    from yewu.crm import services
    from yewu.crm.models import Customer, FollowUp

    sales_user = get_user_model().objects.get(username="sales")
    boss = services.supervisor_for(sales_user)
    assert boss is not None
    customer = Customer.objects.restrict(sales_user).filter(customer_class__code="key").first()
    today = timezone.localdate()
    fu = services.save_follow_up(None, {"title": "季度回访：了解使用情况", "due_on": today + datetime.timedelta(days=2)},
                                 customer=customer, actor=sales_user)
    services.run_follow_ups(today)  # two days ahead: the owner is reminded
    services.run_follow_ups(today + datetime.timedelta(days=4))  # the clock moves on: missed, escalated
    fu.refresh_from_db()
    assert fu.escalated_to == boss

    people = People(browser)
    supervisor = people[boss.username]
    supervisor.goto("/notifications/")
    expect(supervisor.locator("body")).to_contain_text(customer.name)
    supervisor.goto("/crm/follow-ups/?overdue=true")
    row = supervisor.locator("#yw-table tr").filter(has_text="季度回访：了解使用情况")
    expect(row).to_have_count(0)  # the real today: not overdue yet
    FollowUp.objects.filter(pk=fu.pk).update(due_on=today - datetime.timedelta(days=2))
    supervisor.reload()
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    expect(supervisor.get_by_test_id("overdue")).to_be_visible()
    shot(supervisor, "crm-overdue")
    sales = people["sales"]
    sales.goto(fu.get_absolute_url())
    sales.locator("#id_content").fill("电话回访，客户使用正常。")
    submit(sales, "complete-form")
    expect(status_of(sales)).to_have_text(t("Done"))
