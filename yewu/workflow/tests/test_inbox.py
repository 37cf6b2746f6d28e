"""The inbox's read side: tabs and counts, filters, overdue, who sees which approval, the trail,
the home page's to-dos, and bounded query counts.

The process used throughout: 部门审批 by the requester's department head, then 总经理审批 by the
general manager (gm). In the persona company bob and carol (sales) have alice as their head.
The fixtures here are imported by the other approval-centre test modules.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from yewu.core.models import Notification
from yewu.core.scopes import Scope
from yewu.core.testing.factories import DelegationFactory, EmployeeFactory, UserFactory, grant
from yewu.workflow import definitions, inbox, services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessInstance, Task
from yewu.workflow.testing.bpmn import chain

# --- shared fixtures -----------------------------------------------------------------------------


def publish(company, key: str, steps: list, names: dict, settings: dict, form: list | None = None):
    """Publish a chain of steps as process `key`. Keys here start with "ac_": the engine caches
    parsed specs by (version pk, process id), and version pks repeat from test to test."""
    definition = ProcessDefinition.objects.create(key=key, name=names.pop("_name", key), owner_department=company.hq)
    version = definitions.create_version(
        definition, actor=company.admin, bpmn_xml=chain(key, steps, names), steps=settings, form=form
    )
    definitions.set_version_status(version, VersionStatus.REVIEW, actor=company.admin)
    definitions.set_version_status(version, VersionStatus.PUBLISHED, actor=company.admin)
    return definition


@pytest.fixture
def gm(company):
    """The general manager: an employee at HQ with a login."""
    return EmployeeFactory(user=UserFactory(username="gm"), name="Grace 总经理", department=company.hq).user


@pytest.fixture
def flow(company, gm):
    """采购申请: the department head (due in 24 h), then the general manager.

    The head step does not pass automatically for someone who approved before ("dedupe": False),
    so that what is tested here does not depend on that rule (test_views.py proves the rule with a
    return).
    """
    return publish(
        company, "ac_purchase", ["head", "gm"],
        {"_name": "采购申请", "head": "部门审批", "gm": "总经理审批"},
        {"head": {"assignee": {"type": "department_head"}, "due_hours": 24, "dedupe": False},
         "gm": {"assignee": {"type": "user", "username": "gm"}}},
        form=[{"name": "amount", "label": "金额", "type": "money"}, {"name": "reason", "label": "事由", "type": "text"}],
    )


@pytest.fixture
def leave(company):
    """请假: the department head only."""
    return publish(
        company, "ac_leave", ["head"], {"_name": "请假", "head": "部门审批"},
        {"head": {"assignee": {"type": "department_head"}}},
    )


def start(company, who=None, title="办公用品", amount=800, key="ac_purchase"):
    return services.start_process(
        key, actor=(who or company.bob).user, title=title, form={"amount": amount, "reason": "日常"}
    )


def open_task(instance, user=None) -> Task:
    qs = Task.objects.filter(instance=instance, status=TaskStatus.OPEN)
    return qs.get(assignee=user) if user is not None else qs.get()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- tabs and counts -----------------------------------------------------------------------------


def test_each_tab_lists_what_it_promises_and_counts_match(company, flow, gm):
    bob, alice, dave = company.bob.user, company.alice.user, company.dave.user
    a = start(company, title="纸张")
    b = start(company, title="打印机")
    c = start(company, who=company.carol, title="白板")
    services.approve_task(open_task(a), actor=alice, comment="同意")
    services.copy_to(b, [dave], actor=bob)

    assert [t.instance for t in inbox.tab_queryset(alice, inbox.TODO)] == [b, c]  # oldest first
    assert [t.instance for t in inbox.tab_queryset(alice, inbox.DONE)] == [a]
    assert [t.instance for t in inbox.tab_queryset(gm, inbox.TODO)] == [a]
    assert list(inbox.tab_queryset(bob, inbox.STARTED)) == [b, a]  # newest first
    assert [cc.instance for cc in inbox.tab_queryset(dave, inbox.CC)] == [b]
    assert inbox.counts(alice) == {"todo": 2, "done": 1, "overdue": 0, "started": 0, "running": 0, "cc": 0, "cc_unread": 0}
    assert inbox.counts(bob)["started"] == 2 and inbox.counts(bob)["running"] == 2
    assert inbox.counts(dave)["cc"] == inbox.counts(dave)["cc_unread"] == 1
    assert inbox.counts(gm)["todo"] == 1


def test_done_tab_keeps_rejections_returns_and_handovers_but_not_withdrawn_tasks(company, flow, gm):
    alice = company.alice.user
    a, b, c = start(company, title="a"), start(company, title="b"), start(company, title="c")
    services.reject_task(open_task(a), actor=alice, comment="不需要")
    services.transfer_task(open_task(b), actor=alice, to_user=company.dave.user)
    services.withdraw_instance(c, actor=company.bob.user)
    done = {t.instance.title: t.decision for t in inbox.done(alice)}
    assert done == {"a": Decision.REJECTED, "b": Decision.TRANSFERRED}
    assert [t.instance for t in inbox.todo(company.dave.user)] == [b]


def test_started_and_cc_rows_say_whom_the_approval_waits_for(company, flow, gm):
    a = start(company)
    services.copy_to(a, [company.dave.user], actor=company.bob.user)
    started = inbox.item(inbox.tab_queryset(company.bob.user, inbox.STARTED).get(), inbox.STARTED)
    assert started.waiting_for == ["Alice 艾丽斯"] and started.due is not None and not started.overdue
    copy = inbox.item(inbox.tab_queryset(company.dave.user, inbox.CC).get(), inbox.CC)
    assert copy.waiting_for == ["Alice 艾丽斯"] and copy.copied_by == "Bob 鲍勃"
    assert copy.url == a.get_absolute_url() and copy.process == "采购申请"


def test_overdue_to_dos_are_flagged_and_counted(company, flow):
    a = start(company, title="late")
    start(company, title="fine")
    Task.objects.filter(instance=a).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    rows = {i.title: i for i in (inbox.item(r, inbox.TODO) for r in inbox.todo(company.alice.user))}
    assert rows["late"].overdue and not rows["fine"].overdue
    assert inbox.counts(company.alice.user)["overdue"] == 1
    started = {i.title: i.overdue for i in (inbox.item(r, inbox.STARTED) for r in inbox.started(company.bob.user))}
    assert started == {"late": True, "fine": False}


# --- filters and search --------------------------------------------------------------------------


def test_filters_narrow_a_tab_by_process_status_dates_and_search(company, flow, leave, gm):
    bob, alice = company.bob.user, company.alice.user
    a = start(company, title="复印纸")
    b = services.start_process("ac_leave", actor=bob, title="年假三天")
    services.approve_task(open_task(b), actor=alice)
    mine = lambda **params: list(inbox.tab_queryset(bob, inbox.STARTED, inbox.InboxFilter.from_params(params)))  # noqa: E731
    assert mine(process="ac_leave") == [b]
    assert mine(status=InstanceStatus.APPROVED) == [b]
    assert mine(status=InstanceStatus.RUNNING) == [a]
    assert mine(q="复印") == [a]
    assert mine(q=b.number) == [b]
    today = timezone.localdate()
    assert len(mine(**{"from": today.isoformat(), "to": today.isoformat()})) == 2
    assert mine(**{"from": (today + datetime.timedelta(days=1)).isoformat()}) == []
    assert mine(**{"to": (today - datetime.timedelta(days=1)).isoformat()}) == []
    # Nonsense is ignored, not an error.
    assert len(mine(status="nonsense", **{"from": "2024-13-45"})) == 2
    todo = inbox.tab_queryset(alice, inbox.DONE, inbox.InboxFilter.from_params({"process": "ac_leave"}))
    assert [t.instance for t in todo] == [b]


# --- who sees which approval ---------------------------------------------------------------------


def test_participants_see_an_approval_and_nobody_else_does_without_a_grant(company, flow, gm):
    bob, alice, carol, dave = (p.user for p in (company.bob, company.alice, company.carol, company.dave))
    a = start(company)
    stranger = UserFactory(username="stranger")
    assert inbox.visible_instances(bob).filter(pk=a.pk).exists()  # requester
    assert inbox.visible_instances(alice).filter(pk=a.pk).exists()  # holds a task
    assert not inbox.visible_instances(gm).filter(pk=a.pk).exists()  # not reached yet
    assert not inbox.visible_instances(carol).exists()  # same department, no grant
    assert not inbox.visible_instances(stranger).exists()
    services.copy_to(a, [dave], actor=bob)
    assert inbox.visible_instances(dave).filter(pk=a.pk).exists()  # copied
    services.approve_task(open_task(a), actor=alice)
    assert inbox.visible_instances(gm).filter(pk=a.pk).exists()
    assert inbox.visible_instances(alice).filter(pk=a.pk).exists()  # once involved, always


def test_a_delegates_principal_sees_the_approval_handled_for_them(company, flow):
    now = timezone.now()
    DelegationFactory(principal=company.alice, delegate=company.dave,
                      starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=1))
    a = start(company)
    task = open_task(a)
    assert task.assignee == company.dave.user and task.principal == company.alice.user
    assert inbox.visible_instances(company.alice.user).filter(pk=a.pk).exists()
    assert inbox.item(inbox.todo(company.dave.user).get(), inbox.TODO).on_behalf_of == "Alice 艾丽斯"


@pytest.mark.parametrize(("scope", "sees_carol", "sees_dave"), [
    (Scope.OWN, False, False), (Scope.DEPARTMENT, False, False), (Scope.SUBTREE, True, False), (Scope.ALL, True, True),
])
def test_a_role_scope_widens_what_someone_sees(company, flow, scope, sees_carol, sees_dave):
    """bob (sales) with workflow.view_processinstance: carol is in sales_east below, dave in finance."""
    carols = start(company, who=company.carol)
    daves = services.start_process("ac_purchase", actor=company.dave.user, title="审计")
    grant(company.bob.user, "workflow.view_processinstance", scope)
    seen = set(inbox.visible_instances(company.bob.user).values_list("pk", flat=True))
    assert (carols.pk in seen) == sees_carol and (daves.pk in seen) == sees_dave


def test_visible_tasks_follow_the_approvals_one_sees(company, flow, gm):
    a = start(company)
    start(company, who=company.dave)
    assert set(inbox.visible_tasks(company.bob.user)) == set(a.tasks.all())
    assert not inbox.visible_tasks(company.carol.user).exists()
    grant(company.carol.user, "workflow.view_task", Scope.DEPARTMENT)  # sales_east: nothing there
    assert not inbox.visible_tasks(company.carol.user).exists()
    grant(company.carol.user, "workflow.view_task", Scope.ALL, role_name="all-tasks")
    assert inbox.visible_tasks(company.carol.user).count() == 2


def test_inactive_users_see_nothing(company, flow):
    start(company)
    bob = company.bob.user
    bob.is_active = False
    bob.save()
    assert not inbox.visible_instances(bob).exists() and not inbox.visible_tasks(bob).exists()


# --- the trail -----------------------------------------------------------------------------------


@translation.override("en")
def test_the_trail_shows_who_decided_what_for_whom_and_how_long_it_took(company, flow, gm):
    bob, alice = company.bob.user, company.alice.user
    a = start(company)
    services.copy_to(a, [company.dave.user], actor=bob)
    services.add_signer(open_task(a), actor=alice, user=company.carol.user, before=True, comment="请先看")
    services.approve_task(open_task(a), actor=company.carol.user, comment="没问题")
    services.approve_task(open_task(a), actor=alice, comment="同意")
    services.return_task(open_task(a), actor=gm, to_step="head", comment="补充报价")
    services.transfer_task(open_task(a, alice), actor=alice, to_user=company.dave.user, comment="请代批")
    view = inbox.approval_view(ProcessInstance.objects.get(pk=a.pk), alice)
    lines = [(e.who, e.step, e.label, e.comment, e.detail) for e in view.trail]
    assert lines[0][:3] == ("Bob 鲍勃", "", "Approval started")
    assert ("Bob 鲍勃", "", "Copied to colleagues", "", "Dave 戴夫") in lines
    assert ("Alice 艾丽斯", "部门审批", "Signer added", "请先看", "Carol 卡罗尔 (before)") in lines
    assert ("Carol 卡罗尔", "部门审批", "Approved", "没问题", "") in lines
    assert ("Grace 总经理", "总经理审批", "Returned", "补充报价", "Back to 部门审批") in lines
    assert ("Alice 艾丽斯", "部门审批", "Transferred", "请代批", "Handed to Dave 戴夫") in lines
    assert lines[-1][:3] == ("Dave 戴夫", "部门审批", "Waiting")  # still open: last
    decided = [e for e in view.trail if e.is_task and e.at]
    assert all(e.took is not None and e.took >= datetime.timedelta(0) for e in decided)
    assert view.steps == {"done": ["gm"], "current": ["head"]}


def test_what_the_approval_page_offers_follows_the_rules(company, flow, gm):
    bob, alice = company.bob.user, company.alice.user
    a = start(company)
    as_bob = inbox.approval_view(a, bob)
    assert as_bob.my_task is None and as_bob.can_withdraw and as_bob.can_urge and as_bob.can_cc
    as_alice = inbox.approval_view(a, alice)
    assert as_alice.my_task == open_task(a) and not as_alice.can_withdraw and not as_alice.can_urge
    assert as_alice.returnable == []  # nothing done before the first step
    services.approve_task(open_task(a), actor=alice)
    as_gm = inbox.approval_view(a, gm)
    assert as_gm.returnable == [("head", "部门审批")]
    assert not inbox.approval_view(a, bob).can_withdraw  # someone has decided


# --- home page and notifications -----------------------------------------------------------------


def test_home_page_lists_the_to_dos_with_url_title_process_and_due(company, flow):
    a = start(company, title="笔记本电脑")
    todos = inbox.todos_for(company.alice.user)
    assert len(todos) == 1
    first = todos[:10][0]
    assert (first.url, first.title, first.process) == (a.get_absolute_url(), "笔记本电脑", "采购申请")
    assert first.due == open_task(a).due_at
    html = login(company.alice.user).get(reverse("core:home")).content.decode()
    assert "笔记本电脑" in html and a.get_absolute_url() in html


def test_opening_an_approval_marks_its_notifications_and_copy_read(company, flow):
    a = start(company)
    services.copy_to(a, [company.dave.user], actor=company.bob.user)
    Notification.objects.create(recipient=company.alice.user, title="x", url=a.get_absolute_url())
    Notification.objects.create(recipient=company.alice.user, title="other", url="/elsewhere/")
    assert inbox.mark_read(company.alice.user, a) >= 1
    assert Notification.objects.get(title="x").read_at is not None
    assert Notification.objects.get(title="other").read_at is None
    inbox.mark_read(company.dave.user, a)
    assert inbox.counts(company.dave.user)["cc_unread"] == 0


# --- query counts --------------------------------------------------------------------------------


@pytest.fixture
def busy(company, flow, gm):
    """30 approvals waiting for alice (some overdue, some for someone she stands in for), 30
    started by bob and copied to dave, a few done."""
    for n in range(30):
        a = start(company, title=f"申请 {n}")
        services.copy_to(a, [company.dave.user], actor=company.bob.user)
    Task.objects.filter(pk__in=Task.objects.order_by("pk").values("pk")[:10]).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    for task in list(inbox.todo(company.alice.user)[:5]):
        services.approve_task(task, actor=company.alice.user)
    return company


@pytest.mark.parametrize("tab", inbox.TABS)
def test_the_inbox_page_runs_a_bounded_number_of_queries(busy, tab, django_assert_max_num_queries):
    user = busy.dave.user if tab == inbox.CC else busy.bob.user if tab == inbox.STARTED else busy.alice.user
    client = login(user)
    client.get(reverse("workflow:inbox"))  # warm up session and caches
    with django_assert_max_num_queries(18):
        resp = client.get(reverse("workflow:inbox"), {"tab": tab})
    assert resp.status_code == 200
    assert len(resp.context["items"]) == min(20, resp.context["counts"][tab]) > 0


def test_counts_take_three_queries_whatever_the_volume(busy, django_assert_num_queries):
    with django_assert_num_queries(3):
        counts = inbox.counts(busy.alice.user)
    assert counts["todo"] == 25 and counts["done"] == 5 and counts["overdue"] == 5


def test_the_home_page_runs_a_bounded_number_of_queries(busy, django_assert_max_num_queries):
    client = login(busy.alice.user)
    client.get(reverse("core:home"))
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("core:home"))
    assert resp.status_code == 200 and len(resp.context["todos"]) == 10


def test_the_approval_list_in_the_api_runs_a_bounded_number_of_queries(busy, django_assert_max_num_queries):
    from yewu.core.testing.api import api_client

    api = api_client(busy.alice.user)
    api.get("/api/workflow/tasks/inbox/")
    with django_assert_max_num_queries(12):
        resp = api.get("/api/workflow/tasks/inbox/", {"tab": "todo", "page_size": 30})
    assert resp.status_code == 200 and len(resp.json()["results"]) == 25
    with django_assert_max_num_queries(10):
        resp = api.get("/api/workflow/tasks/", {"mine": "true", "page_size": 50})
    assert resp.status_code == 200 and resp.json()["count"] == 30
