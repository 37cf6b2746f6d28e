"""Approval centre pages: the inbox and its tabs, the approval page and every action through the
web, batch approve, the print view, starting a process, the list of all approvals; and that
nobody reaches an approval they may not see."""

# ruff: noqa: F811 - the shared fixtures are imported from test_inbox and named as arguments
from __future__ import annotations

import json

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from yewu.core.errors import DomainError
from yewu.core.models import Notification
from yewu.core.roles import ensure_default_roles
from yewu.core.scopes import Scope
from yewu.core.testing.factories import UserFactory, grant
from yewu.workflow import services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import CarbonCopy, ProcessInstance, Task
from yewu.workflow.tests.test_inbox import flow, gm, leave, login, open_task, publish, start  # noqa: F401


def _messages(resp) -> list[str]:
    return [str(m) for m in get_messages(resp.wsgi_request)]


def act(client, name: str, pk: int, data: dict | None = None) -> list[str]:
    """POST an action and follow to the page that shows its messages; return them."""
    resp = client.post(reverse(f"workflow:{name}", args=[pk]), data or {}, follow=True)
    assert resp.status_code == 200, resp.status_code
    return [str(m) for m in resp.context["messages"]]


def _error(code: WorkflowError, **params) -> str:
    with translation.override("zh-hans"):
        return DomainError(code, **params).message


def _reload(instance) -> ProcessInstance:
    return ProcessInstance.objects.get(pk=instance.pk)


# --- inbox ---------------------------------------------------------------------------------------


def test_inbox_shows_the_four_tabs_with_counts_and_switches_tabs_with_htmx(company, flow):
    a = start(company, title="投影仪")
    client = login(company.alice.user)
    resp = client.get(reverse("workflow:inbox"))
    html = resp.content.decode()
    assert resp.status_code == 200 and "投影仪" in html
    for tab in ("todo", "done", "started", "cc"):
        assert f'data-testid="tab-{tab}"' in html
    assert resp.context["tabs"][0][2] == 1 and 'data-testid="batch-approve"' in html
    partial = client.get(reverse("workflow:inbox"), {"tab": "started"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200 and body.startswith('<div id="yw-inbox"') and "<html" not in body
    assert 'data-tab="started"' in body and 'data-testid="inbox-empty"' in body
    mine = login(company.bob.user).get(reverse("workflow:inbox"), {"tab": "started"})
    assert a.number in mine.content.decode()


def test_history_restore_gets_the_whole_page(company, flow):
    resp = login(company.alice.user).get(
        reverse("workflow:inbox"), {"tab": "done"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in resp.content.decode()


def test_inbox_filters_and_search(company, flow, leave):
    start(company, title="复印纸")
    services.start_process("ac_leave", actor=company.bob.user, title="年假")
    client = login(company.alice.user)
    titles = lambda **q: [i.title for i in client.get(reverse("workflow:inbox"), q).context["items"]]  # noqa: E731
    assert sorted(titles()) == ["复印纸", "年假"]
    assert titles(process="ac_leave") == ["年假"]
    assert titles(q="复印") == ["复印纸"]
    assert titles(status="approved") == []


def test_overdue_items_are_highlighted(company, flow):
    from datetime import timedelta

    from django.utils import timezone

    a = start(company)
    Task.objects.filter(instance=a).update(due_at=timezone.now() - timedelta(hours=2))
    html = login(company.alice.user).get(reverse("workflow:inbox")).content.decode()
    assert 'data-testid="overdue"' in html and "yw-overdue" in html


# --- batch approve -------------------------------------------------------------------------------


def test_batch_approve_approves_each_and_reports_each_refusal(company, flow, gm):
    alice = company.alice.user
    a, b, c = (start(company, title=t) for t in ("甲", "乙", "丙"))
    other = start(company, title="别人的")
    services.approve_task(open_task(other), actor=alice)  # now gm's, not alice's
    gone = open_task(c)
    services.reject_task(gone, actor=alice, comment="重复")  # closed before the batch runs
    resp = login(alice).post(
        reverse("workflow:batch_approve"),
        {"task": [open_task(a).pk, open_task(b).pk, gone.pk, open_task(other).pk], "comment": "同意"},
        follow=True,
    )
    assert resp.status_code == 200
    assert _reload(a).tasks.get(assignee=alice).decision == Decision.APPROVED
    assert _reload(b).tasks.get(assignee=alice).comment == "同意"
    notes = [str(m) for m in resp.context["messages"]]
    assert sum(inst.number in n for inst in (c, other) for n in notes) == 2
    assert any("2" in n for n in notes)  # approved: 2
    assert open_task(other).assignee == gm  # untouched


def test_batch_approve_with_nothing_selected_says_so(company, flow):
    resp = login(company.alice.user).post(reverse("workflow:batch_approve"), {"comment": "x"})
    assert resp.status_code == 302 and len(_messages(resp)) == 1  # the first request's own messages


# --- the approval page ---------------------------------------------------------------------------


def test_approval_page_shows_header_form_diagram_trail_and_the_approvers_actions(company, flow):
    a = start(company, title="服务器", amount=12345.5)
    Notification.objects.filter(recipient=company.alice.user).delete()
    Notification.objects.create(recipient=company.alice.user, title="待审批", url=a.get_absolute_url())
    resp = login(company.alice.user).get(a.get_absolute_url())
    html = resp.content.decode()
    assert resp.status_code == 200
    for part in ("instance-header", "instance-form", "diagram", "trail", 'id="attachments"', 'id="comments"'):
        assert part in html, part
    assert a.number in html and "Bob 鲍勃" in html and "销售部" in html
    assert "金额" in html and "¥12,345.50" in html and "事由" in html and "日常" in html
    assert f"/processes/versions/{a.version_id}/export.bpmn" in html
    assert "bpmn-viewer.production.min.js" in html and "workflow/diagram.js" in html and "workflow/diagram.css" in html
    assert "window.YewuDiagram" in html and '"current": ["head"]' in html
    for action in ("approve", "reject", "transfer", "signer", "cc"):
        assert f'data-testid="action-{action}"' in html, action
    assert 'data-testid="action-withdraw"' not in html
    assert not Notification.objects.filter(recipient=company.alice.user, read_at__isnull=True).exists()


def test_the_requester_sees_withdraw_urge_and_copy_but_no_decision(company, flow):
    a = start(company)
    html = login(company.bob.user).get(a.get_absolute_url()).content.decode()
    for action in ("withdraw", "urge", "cc"):
        assert f'data-testid="action-{action}"' in html, action
    assert 'data-testid="action-approve"' not in html


def test_a_copied_colleague_reads_without_actions(company, flow):
    a = start(company)
    services.copy_to(a, [company.dave.user], actor=company.bob.user)
    html = login(company.dave.user).get(a.get_absolute_url()).content.decode()
    assert 'data-testid="actions"' not in html and 'data-testid="print-link"' in html
    assert CarbonCopy.objects.get(instance=a).read_at is not None


def test_others_get_a_404_for_the_page_and_every_action(company, flow):
    a = start(company)
    task = open_task(a)
    outsider = login(company.carol.user)  # same company, no part in it, no grant
    assert outsider.get(a.get_absolute_url()).status_code == 404
    assert outsider.get(reverse("workflow:instance_print", args=[a.pk])).status_code == 404
    for name in ("task_approve", "task_reject", "task_return", "task_transfer", "task_add_signer", "task_submit"):
        assert outsider.post(reverse(f"workflow:{name}", args=[task.pk]), {"comment": "x"}).status_code == 404, name
    for name in ("instance_withdraw", "instance_urge", "instance_cc"):
        assert outsider.post(reverse(f"workflow:{name}", args=[a.pk])).status_code == 404, name
    assert open_task(a) == task and _reload(a).status == InstanceStatus.RUNNING


def test_a_manager_with_a_subtree_grant_sees_but_cannot_decide(company, flow):
    a = start(company, who=company.carol)  # sales_east, below sales
    dave = company.dave.user
    grant(dave, "workflow.view_processinstance", Scope.ALL)
    client = login(dave)
    assert client.get(a.get_absolute_url()).status_code == 200
    assert act(client, "task_approve", open_task(a).pk) == [_error(WorkflowError.NOT_ASSIGNEE)]
    assert open_task(a).status == TaskStatus.OPEN


def test_the_approval_page_does_not_query_per_trail_line(company, flow):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yewu.core.services import add_comment

    def queries(instance) -> int:
        client = login(company.bob.user)
        client.get(instance.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(instance.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    people = [company.alice.user, company.dave.user, company.carol.user]

    def busy(title: str, n: int) -> ProcessInstance:
        """An approval handed around n times, copied to n people, commented on n times."""
        instance = start(company, title=title)
        for _ in range(n):
            task = open_task(instance)
            services.transfer_task(task, actor=task.assignee, to_user=next(p for p in people if p != task.assignee))
        for user in [UserFactory(username=f"{title}-cc{i}") for i in range(n)]:
            services.copy_to(instance, [user], actor=company.bob.user)
        for i in range(n):
            add_comment(instance, f"意见 {i}", actor=company.bob.user)
        return instance

    short, long = busy("short", 1), busy("long", 12)
    assert queries(long) == queries(short)


def test_a_missing_approval_is_a_404(company):
    assert login(company.bob.user).get(reverse("workflow:instance_detail", args=[999999])).status_code == 404


# --- actions through the web ---------------------------------------------------------------------


def test_approve_through_the_web_moves_the_approval_on(company, flow, gm):
    a = start(company)
    resp = login(company.alice.user).post(reverse("workflow:task_approve", args=[open_task(a).pk]), {"comment": "同意"})
    assert resp.status_code == 302 and resp["Location"] == a.get_absolute_url()
    assert open_task(a).assignee == gm
    services.approve_task(open_task(a), actor=gm)
    assert _reload(a).status == InstanceStatus.APPROVED


def test_reject_needs_a_reason(company, flow):
    a = start(company)
    client = login(company.alice.user)
    task = open_task(a)
    assert act(client, "task_reject", task.pk, {"comment": "  "}) == [_error(WorkflowError.REASON_REQUIRED)]
    assert open_task(a) == task
    client.post(reverse("workflow:task_reject", args=[task.pk]), {"comment": "预算不足"})
    assert _reload(a).status == InstanceStatus.REJECTED


def test_return_to_an_earlier_step_and_the_head_decides_again(company, flow, gm):
    a = start(company)
    services.approve_task(open_task(a), actor=company.alice.user)
    client = login(gm)
    html = client.get(a.get_absolute_url()).content.decode()
    assert 'data-testid="action-return"' in html and '<option value="head">部门审批</option>' in html
    assert len(act(client, "task_return", open_task(a).pk, {"to_step": "head", "comment": "补充报价"})) == 1
    assert open_task(a).assignee == company.alice.user and open_task(a).step_id == "head"


def test_return_without_a_reason_or_to_a_step_not_done_is_refused(company, flow, gm):
    a = start(company)
    services.approve_task(open_task(a), actor=company.alice.user)
    client = login(gm)
    task = open_task(a)
    assert act(client, "task_return", task.pk, {"to_step": "head"}) == [_error(WorkflowError.REASON_REQUIRED)]
    assert act(client, "task_return", task.pk, {"to_step": "gm", "comment": "x"}) == [
        _error(WorkflowError.RETURN_TARGET, step="gm")
    ]
    assert open_task(a) == task


def test_sending_back_to_a_step_its_approver_already_passed_makes_them_decide_again(company, gm):
    publish(company, "ac_dedupe", ["head", "gm"], {"head": "部门审批", "gm": "总经理审批"},
            {"head": {"assignee": {"type": "department_head"}}, "gm": {"assignee": {"type": "user", "username": "gm"}}})
    a = services.start_process("ac_dedupe", actor=company.bob.user, title="x")
    services.approve_task(open_task(a), actor=company.alice.user)
    services.return_task(open_task(a), actor=gm, to_step="head", comment="补充")
    assert open_task(a).assignee == company.alice.user


def test_transfer_hands_the_task_to_a_colleague(company, flow):
    a = start(company)
    client = login(company.alice.user)
    client.post(reverse("workflow:task_transfer", args=[open_task(a).pk]), {"user": "dave", "comment": "出差中"})
    assert open_task(a).assignee == company.dave.user
    html = login(company.dave.user).get(a.get_absolute_url()).content.decode()
    assert "出差中" in html and 'data-testid="action-approve"' in html


def test_transfer_to_someone_unknown_or_to_oneself_is_refused(company, flow):
    a = start(company)
    client = login(company.alice.user)
    task = open_task(a)
    assert len(act(client, "task_transfer", task.pk, {"user": "nobody"})) == 1
    assert act(client, "task_transfer", task.pk, {"user": "alice"}) == [_error(WorkflowError.TRANSFER_SELF)]
    assert open_task(a) == task


def test_add_a_signer_before_me_by_employee_number(company, flow):
    a = start(company)
    login(company.alice.user).post(
        reverse("workflow:task_add_signer", args=[open_task(a).pk]),
        {"user": company.carol.employee_no, "position": "before", "comment": "请先核对"},
    )
    assert open_task(a).assignee == company.carol.user
    assert Task.objects.get(instance=a, assignee=company.alice.user).status == "pending"


def test_add_a_signer_after_me(company, flow, gm):
    a = start(company)
    client = login(company.alice.user)
    client.post(reverse("workflow:task_add_signer", args=[open_task(a).pk]), {"user": "dave", "position": "after"})
    client.post(reverse("workflow:task_approve", args=[open_task(a).pk]))
    assert open_task(a).assignee == company.dave.user


def test_copy_to_several_colleagues(company, flow):
    a = start(company)
    resp = login(company.bob.user).post(reverse("workflow:instance_cc", args=[a.pk]), {"users": ["dave", "carol"]})
    assert resp.status_code == 302
    assert set(CarbonCopy.objects.filter(instance=a).values_list("user__username", flat=True)) == {"dave", "carol"}
    assert login(company.carol.user).get(a.get_absolute_url()).status_code == 200


def test_withdraw_before_any_decision_only(company, flow, gm):
    a = start(company)
    client = login(company.bob.user)
    assert len(act(client, "instance_withdraw", a.pk, {"comment": "写错了"})) == 1
    assert _reload(a).status == InstanceStatus.WITHDRAWN
    b = start(company)
    services.approve_task(open_task(b), actor=company.alice.user)
    assert act(client, "instance_withdraw", b.pk) == [_error(WorkflowError.WITHDRAW_AFTER_DECISION)]
    assert _reload(b).status == InstanceStatus.RUNNING


def test_the_approver_cannot_withdraw(company, flow):
    a = start(company)
    assert act(login(company.alice.user), "instance_withdraw", a.pk) == [_error(WorkflowError.NOT_REQUESTER)]


def test_urge_reminds_the_approver_once_an_hour(company, flow, django_capture_on_commit_callbacks):
    a = start(company)
    client = login(company.bob.user)
    before = Notification.objects.filter(recipient=company.alice.user).count()
    with django_capture_on_commit_callbacks(execute=True):
        assert len(act(client, "instance_urge", a.pk)) == 1
    assert Notification.objects.filter(recipient=company.alice.user).count() == before + 1
    assert act(client, "instance_urge", a.pk) == [_error(WorkflowError.URGE_TOO_SOON)]


def _submit_if_waiting(client, instance) -> None:
    """The requester's own first step: done by starting, or waiting for them to submit."""
    task = Task.objects.filter(instance=instance, status=TaskStatus.OPEN, assignee=instance.requester).first()
    if task is not None:
        html = client.get(instance.get_absolute_url()).content.decode()
        assert 'data-testid="action-submit"' in html and 'data-testid="action-approve"' not in html
        client.post(reverse("workflow:task_submit", args=[task.pk]), {"comment": "已填好"})


def test_resubmit_after_being_sent_back(company, gm):
    publish(company, "ac_expense", ["apply", "head"], {"apply": "填写报销单", "head": "部门审批"},
            {"apply": {"kind": "submit"}, "head": {"assignee": {"type": "department_head"}, "dedupe": False}})
    a = services.start_process("ac_expense", actor=company.bob.user, title="差旅费")
    bob = login(company.bob.user)
    _submit_if_waiting(bob, a)
    login(company.alice.user).post(
        reverse("workflow:task_return", args=[open_task(a).pk]), {"to_step": "apply", "comment": "缺发票"}
    )
    assert open_task(a).assignee == company.bob.user
    html = bob.get(a.get_absolute_url()).content.decode()
    assert 'data-testid="action-submit"' in html and 'data-testid="action-approve"' not in html
    bob.post(reverse("workflow:task_submit", args=[open_task(a).pk]), {"comment": "已补"})
    login(company.alice.user).post(reverse("workflow:task_approve", args=[open_task(a).pk]))
    assert _reload(a).status == InstanceStatus.APPROVED


def test_actions_only_accept_post(company, flow):
    a = start(company)
    assert login(company.alice.user).get(reverse("workflow:task_approve", args=[open_task(a).pk])).status_code == 405


def test_next_only_goes_back_inside_the_site(company, flow):
    a = start(company)
    resp = login(company.alice.user).post(
        reverse("workflow:task_approve", args=[open_task(a).pk]), {"next": "https://evil.example/"}
    )
    assert resp["Location"] == a.get_absolute_url()


# --- comments and attachments --------------------------------------------------------------------


def test_the_requester_with_the_default_role_comments_on_the_approval(company, flow):
    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    a = start(company)
    client = login(company.bob.user)
    resp = client.post(reverse("core:comment_add", args=[_ct(), a.pk]), {"body": "请尽快"}, follow=True)
    assert resp.status_code == 200 and "请尽快" in resp.content.decode()


def test_a_participant_without_a_grant_comments_and_attaches(company, flow):
    a = start(company)
    html = login(company.alice.user).get(a.get_absolute_url()).content.decode()
    assert 'id="comments"' in html and 'name="body"' in html and 'name="file"' in html


def _ct() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(ProcessInstance).pk


# --- print ---------------------------------------------------------------------------------------


def test_print_view_has_the_trail_a_print_button_and_print_css(company, flow, gm):
    a = start(company)
    services.approve_task(open_task(a), actor=company.alice.user, comment="同意采购")
    resp = login(company.bob.user).get(reverse("workflow:instance_print", args=[a.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "@media print" in html and "window.print()" in html and 'data-testid="print-trail"' in html
    assert "同意采购" in html and "Alice 艾丽斯" in html and a.number in html


# --- starting a process --------------------------------------------------------------------------


def test_start_page_lists_published_processes_for_staff(company, flow, leave):
    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    html = login(company.bob.user).get(reverse("workflow:start")).content.decode()
    assert 'data-testid="start-ac_purchase"' in html and 'data-testid="start-ac_leave"' in html
    nobody = login(UserFactory(username="guest")).get(reverse("workflow:start"))
    assert nobody.status_code == 200 and not nobody.context["groups"]
    assert login(UserFactory(username="guest")).get(reverse("workflow:start_form", args=["ac_leave"])).status_code == 404


def test_starting_with_a_form_schema_validates_and_keeps_the_values(company, flow):
    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    client = login(company.bob.user)
    url = reverse("workflow:start_form", args=["ac_purchase"])
    page = client.get(url)
    assert page.status_code == 200 and 'name="amount"' in page.content.decode()
    flow.versions.update(form_json='[{"name": "amount", "label": "金额", "type": "money", "required": true}]')
    bad = client.post(url, {"title": "显示器"})
    assert bad.status_code == 200 and bad.context["form"].errors.get("amount")
    resp = client.post(url, {"title": "显示器", "amount": "2300.50"})
    a = ProcessInstance.objects.get(title="显示器")
    assert resp["Location"] == a.get_absolute_url()
    assert a.form_data == {"amount": "2300.50"} and a.requester == company.bob.user  # as forms_schema.clean keeps it
    assert open_task(a).assignee == company.alice.user


def test_the_start_page_renders_every_schema_type_and_attaches_the_files(company, flow):
    """Tables, date ranges, multiple choices and files: what the API's clean takes, from the web."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yewu.core.models import Attachment

    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    flow.versions.update(form_json=json.dumps([
        {"name": "kinds", "label": "类型", "type": "select", "multiple": True, "required": True,
         "options": [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]},
        {"name": "period", "label": "日期", "type": "daterange", "required": True},
        {"name": "items", "label": "明细", "type": "table", "required": True, "columns": [
            {"name": "item", "label": "项目", "type": "text", "required": True},
            {"name": "cost", "label": "金额", "type": "money"}]},
        {"name": "files", "label": "附件", "type": "attachment"},
    ]))
    client = login(company.bob.user)
    url = reverse("workflow:start_form", args=["ac_purchase"])
    html = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="items__0__item"' in html and 'name="period_1"' in html
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", content_type="application/pdf")
    resp = client.post(url, {"title": "纸张", "kinds": ["a", "b"], "period_0": "2026-03-02", "period_1": "2026-03-04",
                             "items__0__item": "A4", "items__0__cost": "120", "files": upload})
    a = ProcessInstance.objects.get(title="纸张")
    assert resp["Location"] == a.get_absolute_url()
    assert a.form_data == {"kinds": ["a", "b"], "period": ["2026-03-02", "2026-03-04"],
                           "items": [{"item": "A4", "cost": "120.00"}], "files": None}
    assert list(Attachment.objects.filter(object_id=str(a.pk)).values_list("name", flat=True)) == ["quote.pdf"]
    page = client.get(a.get_absolute_url()).content.decode()
    assert "甲、乙" in page and "2026-03-02 ~ 2026-03-04" in page and "¥120.00" in page and "quote.pdf" in page


def test_a_refused_file_starts_nothing(company, flow):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    flow.versions.update(form_json='[{"name": "files", "label": "附件", "type": "attachment"}]')
    resp = login(company.bob.user).post(reverse("workflow:start_form", args=["ac_purchase"]), {
        "title": "脚本", "files": SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")})
    assert resp.status_code == 200 and resp.context["form"].non_field_errors()
    assert not ProcessInstance.objects.exists()


def test_starting_without_a_schema_takes_a_title_and_details(company, leave):
    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    client = login(company.bob.user)
    url = reverse("workflow:start_form", args=["ac_leave"])
    assert 'name="description"' in client.get(url).content.decode()
    client.post(url, {"title": "事假一天", "description": "家中有事"})
    a = ProcessInstance.objects.get(title="事假一天")
    assert a.form_data == {"description": "家中有事"}
    assert "家中有事" in client.get(a.get_absolute_url()).content.decode()


def test_a_refusal_when_starting_shows_on_the_form(company):
    ensure_default_roles()["staff"].user_set.add(company.bob.user)
    publish(company, "ac_strict", ["x"], {"x": "审批"}, {"x": {"assignee": {"type": "user", "username": "ghost"}, "empty": "refuse"}})
    resp = login(company.bob.user).post(reverse("workflow:start_form", args=["ac_strict"]), {"title": "t"})
    assert resp.status_code == 200 and resp.context["form"].non_field_errors()
    assert not ProcessInstance.objects.exists()


# --- all approvals -------------------------------------------------------------------------------


def test_all_approvals_lists_what_the_user_may_see_and_exports_it(company, flow):
    mine = start(company)
    theirs = services.start_process("ac_purchase", actor=company.dave.user, title="财务软件")
    client = login(company.bob.user)
    resp = client.get(reverse("workflow:instance_list"))
    assert [o.pk for o, _cells in resp.context["rows"]] == [mine.pk]
    grant(company.bob.user, "workflow.view_processinstance", Scope.ALL)
    resp = client.get(reverse("workflow:instance_list"), {"q": "财务"})
    assert [o.pk for o, _cells in resp.context["rows"]] == [theirs.pk]
    csv = b"".join(client.get(reverse("workflow:instance_list"), {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert theirs.number in csv and mine.number in csv and "Dave 戴夫" in csv


def test_a_step_passed_automatically_shows_its_name_in_the_trail(company):
    alice = {"assignee": {"type": "user", "username": "alice"}}
    publish(company, "ac_twice", ["check", "again"], {"check": "初审", "again": "复审"}, {"check": alice, "again": alice})
    a = services.start_process("ac_twice", actor=company.bob.user, title="白板")
    services.approve_task(open_task(a), actor=company.alice.user)
    assert _reload(a).status == InstanceStatus.APPROVED and not Task.objects.filter(instance=a, step_id="again")
    resp = login(company.alice.user).get(a.get_absolute_url())
    entry = next(e for e in resp.context["trail"] if e.code == "again-auto_approved")
    assert entry.step == "复审"  # the diagram's name, not the step id
    assert resp.context["step_names"]["done"] == ["复审", "初审"]  # ids again, check: sorted
