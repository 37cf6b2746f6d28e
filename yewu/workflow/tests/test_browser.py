"""Real-browser journeys through the approval centre: Debian's Chromium, driven by Playwright,
against the live server with the demo company (its pack and demo approvals included).

Every approval starts on the start page (Start an approval → a process → its schema form) and
every decision is taken by its approver, signed in with their own browser context, from their
inbox: approve, send back to a chosen earlier step (退回), countersign (会签), and each process of
the default pack from the first form field to the final status.

Run with: YEWU_DATA_DIR=/tmp/yw-browser .venv/bin/pytest -q -m browser yewu/workflow/tests/test_browser.py
Screenshots land in /tmp/yewu-shots/.
"""

# ruff: noqa: F811 - the browser fixtures are imported from yewu.core.testing.browser and named as arguments
from __future__ import annotations

import re

import pytest

from yewu.core.testing.browser import (  # noqa: F401 - fixtures
    PHONE,
    browser,
    chromium_path,
    demo,
    shot,
    sign_in,
    static_files,
    tr,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # WhiteNoise warns that STATIC_ROOT was never collected; the live server uses the finders.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ZH = "zh-hans"


def expect(target):
    from playwright.sync_api import expect as _expect

    return _expect(target)


def t(msgid: str) -> str:
    return tr(msgid, ZH)


def name_of(username: str) -> str:
    """How the approval centre names a person (their employee name)."""
    from django.contrib.auth import get_user_model

    from yewu.workflow.inbox import person

    return person(get_user_model().objects.select_related("employee").get(username=username))


class People:
    """One signed-in browser context per colleague, opened on first use and kept for the test."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.pages: dict[str, object] = {}

    def __getitem__(self, username: str):
        if username not in self.pages:
            page = self.browser.page()
            page.goto("/approvals/")
            expect(page).to_have_url(re.compile(r"/accounts/login/"))
            sign_in(page, username)
            expect(page.get_by_test_id("inbox")).to_be_visible()
            self.pages[username] = page
        return self.pages[username]


# --- journey steps ---------------------------------------------------------------------------------


def open_start_form(page, key: str, name: str) -> None:
    """Approvals → Start an approval → the process's card → its form."""
    page.goto("/approvals/")
    page.get_by_test_id("start-approval").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Start an approval"))
    page.get_by_test_id(f"start-{key}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_test_id("start-form")).to_be_visible()


def submit_start_form(page, title: str):
    """Give the approval its title, submit, and land on the new approval; returns it."""
    from yewu.workflow.models import ProcessInstance

    page.locator("#id_title").fill(title)
    with page.expect_navigation():
        page.get_by_test_id("start-submit").click()
    instance = ProcessInstance.objects.select_related("version__definition").get(title=title)
    expect(page).to_have_url(re.compile(rf"/approvals/{instance.pk}/$"))
    expect(page.get_by_role("alert").filter(has_text=instance.number)).to_be_visible()
    expect(page.get_by_test_id("instance-status")).to_have_text(t("In progress"))
    return instance


def open_from_inbox(page, number: str) -> None:
    """The approval waits in the to-do tab; open it from there."""
    page.goto("/approvals/?tab=todo")
    item = page.get_by_test_id("inbox-item").filter(has_text=number)
    expect(item).to_have_count(1)
    item.locator("a.yw-item-title").click()
    expect(page.get_by_test_id("instance-header")).to_contain_text(number)


def decide(page, number: str, action: str, comment: str, *, to_step: str | None = None) -> None:
    """Open the approval from the inbox and approve / reject / send back with a comment."""
    open_from_inbox(page, number)
    expect(page.get_by_test_id("sop")).to_be_visible()  # the step's operating instructions
    if action == "return":
        page.get_by_test_id("action-more").click()
        page.get_by_test_id("action-return").click()
        modal = page.locator("#yw-return")
        expect(modal).to_be_visible()
        modal.locator("select[name=to_step]").select_option(label=to_step)
        done = t("Sent back.")
    else:
        page.get_by_test_id(f"action-{action}").click()
        modal = page.locator(f"#yw-{action}")
        expect(modal).to_be_visible()
        done = t({"approve": "Approved.", "reject": "Rejected."}[action])
    modal.locator("textarea[name=comment]").fill(comment)
    with page.expect_navigation():
        modal.get_by_test_id(f"yw-{action}-submit").click()
    expect(page.get_by_role("alert").filter(has_text=done)).to_be_visible()
    expect(page.get_by_test_id("instance-header")).to_contain_text(number)


def tab_items(page, tab: str, number: str):
    page.goto(f"/approvals/?tab={tab}")
    expect(page.get_by_test_id("inbox")).to_have_attribute("data-tab", tab)
    return page.get_by_test_id("inbox-item").filter(has_text=number)


def expect_handled(page, number: str, decision: str, step: str = "") -> None:
    """Gone from the approver's to-do tab, listed under 已办 with their decision (for `step`, when
    the same person has the approval's next step too)."""
    expect(tab_items(page, "todo", number).filter(has_text=step)).to_have_count(0)
    done = tab_items(page, "done", number).filter(has_text=step)
    expect(done).to_have_count(1)
    expect(done).to_contain_text(t(decision))


def open_approval(page, instance) -> None:
    page.goto(f"/approvals/{instance.pk}/")
    expect(page.get_by_test_id("instance-header")).to_contain_text(instance.number)


def trail_entry(page, *parts: str):
    entries = page.get_by_test_id("trail").get_by_test_id("trail-entry")
    for part in parts:
        entries = entries.filter(has_text=part)
    return entries


def expect_trail(page, *parts: str, count: int = 1) -> None:
    expect(trail_entry(page, *parts)).to_have_count(count)


def run_to_the_end(people, instance, route: list[tuple[str, str]]) -> None:
    """Each (step name, approver) in turn: the approver signs in, approves from the inbox with a
    comment, and the task moves from their to-do tab to 已办."""
    for step, username in route:
        page = people[username]
        comment = f"{step}：同意（{username}）"
        decide(page, instance.number, "approve", comment)
        expect_trail(page, name_of(username), step, t("Approved"), comment)
        expect_handled(page, instance.number, "Approved", step)


def expect_finished(people, requester: str, instance, status: str = "Approved") -> None:
    """The requester sees the final status on the approval and in 我发起的."""
    page = people[requester]
    started = tab_items(page, "started", instance.number)
    expect(started).to_have_count(1)
    expect(started).to_contain_text(t(status))
    started.locator("a.yw-item-title").click()
    expect(page.get_by_test_id("instance-status")).to_have_text(t(status))
    instance.refresh_from_db()
    assert instance.status == {"Approved": "approved", "Rejected": "rejected"}[status]
    assert not instance.tasks.filter(status="open").exists()


def form_value(page, label: str):
    """The value shown for a form field on the approval page."""
    form = page.get_by_test_id("instance-form")
    return form.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator("xpath=following-sibling::dd[1]")


# --- approve, send back and countersign ----------------------------------------------------------


@pytest.fixture
def countersign_process(demo):
    """采购评审: the requester's department head, then a countersign of the business-centre and
    legal managers (both must approve), then the general manager."""
    from django.contrib.auth import get_user_model

    from yewu.workflow.testing.bpmn import chain, publish

    publish(
        "purchase_review",
        chain("purchase_review", ["head", "sign", "final"],
              {"head": "部门审批", "sign": "会签", "final": "总经理审批"}),
        {
            "head": {"assignee": {"type": "department_head"}, "sop": "核对采购需求与预算。"},
            "sign": {"assignee": {"type": "user", "usernames": ["central", "legal"]}, "mode": "all",
                     "sop": "各自从本部门角度审核，全部同意后才进入下一步。"},
            "final": {"assignee": {"type": "user", "usernames": ["gm"]}, "sop": "审批采购。"},
        },
        actor=get_user_model().objects.get(username="admin"),
    )
    from yewu.workflow.models import ProcessDefinition, ProcessVersion

    definition = ProcessDefinition.objects.get(key="purchase_review")
    ProcessDefinition.objects.filter(pk=definition.pk).update(name="采购评审", category="测试")
    ProcessVersion.objects.filter(definition=definition).update(form_json=(
        '[{"name": "amount", "label": "金额", "type": "money", "required": true},'
        ' {"name": "reason", "label": "采购事由", "type": "textarea", "required": true}]'
    ))
    return definition


def test_approve_send_back_countersign_and_reject(browser, countersign_process):
    people = People(browser)

    # pm starts the approval from the start page and fills its form.
    pm = people["pm"]
    open_start_form(pm, "purchase_review", "采购评审")
    pm.locator("#id_amount").fill("56800")
    pm.locator("#id_reason").fill("采购两台服务器，替换已过保的设备。")
    inst = submit_start_form(pm, "服务器采购")
    expect(form_value(pm, "金额")).to_have_text("¥56,800.00")
    expect_trail(pm, name_of("bizmgr"), "部门审批", t("Waiting"))

    # The department head approves from their inbox.
    decide(people["bizmgr"], inst.number, "approve", "预算内，同意。")
    expect_handled(people["bizmgr"], inst.number, "Approved")

    # Countersign: one signer's approval is not enough.
    central = people["central"]
    decide(central, inst.number, "approve", "与现有流程不冲突。")
    expect(central.get_by_test_id("instance-status")).to_have_text(t("In progress"))
    expect_trail(central, name_of("central"), "会签", t("Approved"), "与现有流程不冲突。")
    expect_trail(central, name_of("legal"), "会签", t("Waiting"))
    expect(central.get_by_test_id("action-approve")).to_have_count(0)
    expect_handled(central, inst.number, "Approved")
    assert not inst.tasks.filter(step_id="final").exists(), "the general manager waits for every signer"
    expect(tab_items(people["gm"], "todo", inst.number)).to_have_count(0)

    decide(people["legal"], inst.number, "approve", "合同条款已审。")
    expect_trail(people["legal"], name_of("gm"), "总经理审批", t("Waiting"))

    # The general manager sends it back to the countersign (not to the department head).
    gm = people["gm"]
    open_from_inbox(gm, inst.number)
    gm.get_by_test_id("action-more").click()
    gm.get_by_test_id("action-return").click()
    options = gm.locator("#yw-return select[name=to_step] option")
    expect(options).to_have_text(["部门审批", "会签"])
    decide(gm, inst.number, "return", "请补充三家比价。", to_step="会签")
    expect_trail(gm, name_of("gm"), "总经理审批", t("Returned"), "请补充三家比价。")
    expect(trail_entry(gm, name_of("gm"), t("Returned"))).to_contain_text(
        t("Back to %(step)s") % {"step": "会签"})
    expect(gm.get_by_test_id("instance-status")).to_have_text(t("In progress"))
    expect_handled(gm, inst.number, "Returned")

    # It landed on the countersign: both signers have it again, the department head does not.
    expect(tab_items(people["bizmgr"], "todo", inst.number)).to_have_count(0)
    for username in ("central", "legal"):
        expect(tab_items(people[username], "todo", inst.number)).to_have_count(1)
    open_from_inbox(people["central"], inst.number)
    expect_trail(people["central"], "会签", t("Waiting"), count=2)
    expect_trail(people["central"], "会签", t("Approved"), count=2)  # the first round stays in the trail

    # A phone-size look at the inbox and the approval page of a signer.
    phone = browser.page(viewport=PHONE, is_mobile=True)
    phone.goto("/approvals/")
    sign_in(phone, "legal")
    item = phone.get_by_test_id("inbox-item").filter(has_text=inst.number)
    expect(item).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    shot(phone, "approvals-inbox-phone")
    item.locator("a.yw-item-title").click()
    expect(phone.get_by_test_id("action-approve")).to_be_visible()
    expect(phone.get_by_test_id("trail")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    shot(phone, "approvals-instance-phone", full_page=False)  # as a phone shows it, action bar at the bottom

    decide(people["central"], inst.number, "approve", "已补充比价，同意。")
    decide(people["legal"], inst.number, "approve", "同意。")
    decide(gm, inst.number, "approve", "同意采购。")
    expect(gm.get_by_test_id("instance-status")).to_have_text(t("Approved"))
    expect_trail(gm, name_of("central"), "会签", t("Approved"), count=2)
    expect_trail(gm, name_of("gm"), "总经理审批", t("Approved"), "同意采购。")
    expect_finished(people, "pm", inst)

    # One rejection ends a countersign, and the approval with it.
    open_start_form(pm, "purchase_review", "采购评审")
    pm.locator("#id_amount").fill("3000")
    pm.locator("#id_reason").fill("办公椅")
    second = submit_start_form(pm, "办公椅采购")
    decide(people["bizmgr"], second.number, "approve", "同意。")
    decide(people["legal"], second.number, "reject", "供应商资质不全。")
    expect(people["legal"].get_by_test_id("instance-status")).to_have_text(t("Rejected"))
    expect_trail(people["legal"], name_of("legal"), "会签", t("Rejected"), "供应商资质不全。")
    expect_trail(people["legal"], name_of("central"), "会签", t("No longer needed"))
    expect(tab_items(people["central"], "todo", second.number)).to_have_count(0)
    expect_finished(people, "pm", second, "Rejected")


# --- the default pack, end to end from the UI ----------------------------------------------------


def test_each_process_of_the_default_pack_end_to_end(browser):
    """Each pack process from the start page to its final status, every approver from their own
    inbox (one test: the colleagues stay signed in from one process to the next)."""
    people = People(browser)
    process_standard_p21_from_draft_to_release(people)
    seal_use_for_a_contract_goes_through_legal(people)
    business_trip_costly_goes_to_the_gm_by_the_dmn_table(people)
    general_request_with_a_second_approver(people)


def process_standard_p21_from_draft_to_release(people) -> None:
    from yewu.core.models import Attachment
    from yewu.org.models import Department

    pm = people["pm"]
    open_start_form(pm, "process_standard", "流程标准发布")
    pm.locator("#id_process_name").fill("印章管理流程")
    pm.locator("#id_change_type").select_option(label="修订流程")
    pm.locator("#id_process_code").fill("seal_use")
    pm.locator("#id_owner_department").select_option(str(Department.objects.get(code="business").pk))
    pm.locator("#id_purpose").fill("规范用印审批与登记。")
    table = pm.locator("[data-table-field=steps]")
    table.locator("input[name=steps__0__step]").fill("部门负责人审批")
    table.locator("input[name=steps__0__role]").fill("部门经理")
    table.locator("input[name=steps__0__hours]").fill("24")
    table.locator("select[name=steps__0__approval]").select_option("single")
    table.locator("[data-add-row]").click()
    table.locator("input[name=steps__1__step]").fill("用印登记")
    table.locator("input[name=steps__1__role]").fill("总经理办公室")
    table.locator("select[name=steps__1__approval]").select_option("all")
    pm.locator("#id_trial_period_0").fill("2026-03-01")
    pm.locator("input[name=trial_period_1]").fill("2026-03-31")
    pm.locator("#id_review_months").fill("12")
    pm.locator("#id_documents").set_input_files(
        [{"name": "印章管理流程图.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 seal flow"}])
    inst = submit_start_form(pm, "修订印章管理流程")

    assert inst.form_data["steps"] == [
        {"step": "部门负责人审批", "role": "部门经理", "hours": 24, "approval": "single"},
        {"step": "用印登记", "role": "总经理办公室", "hours": None, "approval": "all"},
    ]
    expect(form_value(pm, "发布类型")).to_have_text("修订流程")
    expect(form_value(pm, "试运行时间")).to_have_text("2026-03-01 ~ 2026-03-31")
    expect(form_value(pm, "环节清单").locator("tbody tr")).to_have_count(2)
    expect(pm.locator("#attachments")).to_contain_text("印章管理流程图.pdf")
    assert Attachment.objects.filter(object_id=str(inst.pk), uploaded_by__username="pm").count() == 1

    run_to_the_end(people, inst, [("部门负责人审定草案", "bizmgr")])
    # Both reviews are open at once (parallel), each for its own department.
    for username in ("central", "legal"):
        expect(tab_items(people[username], "todo", inst.number)).to_have_count(1)
    run_to_the_end(people, inst, [
        ("法务部会签", "legal"), ("业务集中管理部会签", "central"), ("试运行确认", "central"), ("总经理批准发布", "gm"),
    ])
    expect_finished(people, "pm", inst)


def seal_use_for_a_contract_goes_through_legal(people) -> None:
    pm = people["pm"]
    open_start_form(pm, "seal_use", "用印申请")
    pm.locator("#id_doc_type").select_option("contract")
    pm.get_by_label("合同专用章").check()
    pm.get_by_label("公章").check()
    pm.locator("#id_doc_title").fill("设备采购合同")
    pm.locator("#id_counterparty").fill("华东某设备公司")
    pm.locator("#id_copies").fill("3")
    pm.locator("#id_contract_amount").fill("86000")
    pm.locator("#id_use_date").fill("2026-03-02")
    pm.locator("#id_reason").fill("合同已谈定，双方盖章后生效。")
    inst = submit_start_form(pm, "设备采购合同用印")
    expect(form_value(pm, "印章类型")).to_have_text("公章、合同专用章")
    expect(form_value(pm, "合同金额")).to_have_text("¥86,000.00")

    # A contract goes through legal before the seal keeper (the general manager's office) seals it.
    run_to_the_end(people, inst, [("部门负责人审批", "bizmgr"), ("法务审核合同", "legal"), ("用印并登记", "gmo")])
    expect_finished(people, "pm", inst)


def business_trip_costly_goes_to_the_gm_by_the_dmn_table(people) -> None:
    pm = people["pm"]
    open_start_form(pm, "business_trip", "出差申请")
    pm.locator("#id_destination").fill("深圳")
    pm.locator("#id_trip_type").select_option("domestic")
    pm.locator("#id_period_0").fill("2026-03-02")
    pm.locator("input[name=period_1]").fill("2026-03-06")
    pm.locator("#id_days").fill("5")
    pm.locator("#id_purpose").fill("参加行业展会并拜访客户。")
    pm.locator("#id_transport").select_option("plane")
    pm.locator("#id_estimated_cost").fill("12000")
    table = pm.locator("[data-table-field=cost_items]")
    table.locator("select[name=cost_items__0__item]").select_option("transport")
    table.locator("input[name=cost_items__0__amount]").fill("4000")
    table.locator("[data-add-row]").click()
    table.locator("select[name=cost_items__1__item]").select_option("meeting")
    table.locator("input[name=cost_items__1__amount]").fill("8000")
    table.locator("input[name=cost_items__1__note]").fill("展位费")
    inst = submit_start_form(pm, "深圳展会出差")
    expect(form_value(pm, "预计费用")).to_have_text("¥12,000.00")
    expect(form_value(pm, "费用预算明细")).to_contain_text("会务费")

    # The supervisor is also the department head: that step passes automatically.
    run_to_the_end(people, inst, [("直属主管审批", "bizmgr")])
    page = people["bizmgr"]
    open_approval(page, inst)
    expect_trail(page, "部门负责人审批", t("Approved automatically"))
    # Domestic, but over the DMN table's cost threshold: the general manager decides.
    expect_trail(page, name_of("gm"), "总经理审批", t("Waiting"))
    run_to_the_end(people, inst, [("总经理审批", "gm")])
    expect_finished(people, "pm", inst)


def general_request_with_a_second_approver(people) -> None:
    from django.contrib.auth import get_user_model

    pm = people["pm"]
    open_start_form(pm, "general_request", "通用申请")
    pm.locator("#id_category").select_option("it")
    pm.locator("#id_subject").fill("申请一台显示器")
    pm.locator("#id_content").fill("现有显示器损坏，影响工作。")
    pm.locator("#id_amount").fill("1299")
    pm.locator("#id_second_approver").select_option(str(get_user_model().objects.get(username="finance").pk))
    inst = submit_start_form(pm, "显示器申请")
    expect(form_value(pm, "第二审批人")).to_have_text(name_of("finance"))

    run_to_the_end(people, inst, [("直属主管审批", "bizmgr"), ("第二审批人审批", "finance")])
    expect_finished(people, "pm", inst)
