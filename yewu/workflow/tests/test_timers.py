"""Time limits and timers with a moved clock: reminders, the four escalations (once only), the
instance's next_timer_due, and BPMN timer events fired by the worker."""

import datetime
import json

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from yewu.core.models import Event, Notification
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.workflow import services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.models import ProcessInstance, Task
from yewu.workflow.testing.bpmn import (
    activities,
    chain,
    publish,
    ready_steps,
    rows,
    snapshot,
    timed,
    waiting,
)

OPEN, DONE, CANCELLED = TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def gm(company):
    return EmployeeFactory(user=UserFactory(username="gm"), name="总经理", department=company.hq,
                           position=company.head).user


def limited(company, key, escalation=None, steps=("head", "finance"), **head):
    settings = {"head": {"assignee": {"type": "department_head"}, "due_hours": 24, "remind_before_hours": 4,
                         **({"escalation": escalation} if escalation else {}), **head},
                "finance": {"assignee": {"type": "user", "username": "dave"}, "due_hours": 48},
                "apply": {"kind": "submit"}}
    publish(key, chain(key, list(steps)), {s: settings[s] for s in steps}, actor=company.admin)
    return services.start_process(key, actor=company.bob.user, title="申请", form={})


def reload(instance):
    return ProcessInstance.objects.get(pk=instance.pk)


def head_task(instance):
    return Task.objects.get(instance=instance, step_id="head")


def later(task, hours):
    return task.due_at + datetime.timedelta(hours=hours)


# --- reminders -----------------------------------------------------------------------------------


def test_a_reminder_goes_out_once_within_the_window_before_the_due_time(company):
    inst = limited(company, "remind")
    task = head_task(inst)
    assert services.process_due_tasks(now=later(task, -5))["reminded"] == 0
    before = Notification.objects.filter(recipient=company.alice.user).count()
    assert services.process_due_tasks(now=later(task, -3))["reminded"] == 1
    assert Notification.objects.filter(recipient=company.alice.user).count() == before + 1
    task.refresh_from_db()
    assert task.reminded_at == later(task, -3) and task.status == OPEN
    assert activities(inst)[-1] == "head.reminded"
    assert services.process_due_tasks(now=later(task, -2))["reminded"] == 0
    assert Notification.objects.filter(recipient=company.alice.user).count() == before + 1


def test_no_reminder_without_remind_before_hours(company):
    inst = limited(company, "noremind", remind_before_hours=None)
    assert services.process_due_tasks(now=later(head_task(inst), -1))["reminded"] == 0


# --- escalations ---------------------------------------------------------------------------------


def test_a_breach_notifies_the_assignee_and_their_supervisor_once(company, gm):
    inst = limited(company, "notify")
    task = head_task(inst)
    counts = {u: Notification.objects.filter(recipient=u).count() for u in (company.alice.user, gm)}
    assert services.process_due_tasks(now=later(task, 1))["escalated"] == 1
    assert {u: Notification.objects.filter(recipient=u).count() for u in counts} == {
        u: n + 1 for u, n in counts.items()}
    task.refresh_from_db()
    assert task.escalated_at == later(task, 1) and task.status == OPEN
    data = json.loads(Event.objects.get(process_instance=inst.number, activity="head.escalated").data)
    assert data["action"] == "notify_supervisor" and data["notified"] == [gm.pk]
    before = snapshot(inst)
    assert services.process_due_tasks(now=later(task, 2)) == {"reminded": 0, "escalated": 0, "timers": 0}
    assert snapshot(inst) == before


def test_a_breach_reassigns_the_task_to_the_supervisor(company, gm):
    inst = limited(company, "reassign", escalation="reassign")
    task = head_task(inst)
    services.process_due_tasks(now=later(task, 1))
    assert rows(inst) == [("head", "alice", DONE, Decision.TRANSFERRED), ("head", "gm", OPEN, "")]
    new = Task.objects.get(instance=inst, assignee=gm)
    assert new.due_at == task.due_at and new.escalated_at == later(task, 1)
    transferred = Event.objects.get(process_instance=inst.number, activity="head.transferred")
    assert transferred.actor == company.alice.user and json.loads(transferred.data)["automatic"] is True
    before = snapshot(inst)
    assert services.process_due_tasks(now=later(task, 30))["escalated"] == 0  # once only
    assert snapshot(inst) == before
    services.approve_task(new, actor=gm)
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "")


def test_a_breach_to_a_custom_rule_reassigns_to_that_person(company):
    inst = limited(company, "reassign2", escalation="reassign", escalate_to={"type": "user", "username": "dave"})
    services.process_due_tasks(now=later(head_task(inst), 1))
    assert rows(inst)[-1] == ("head", "dave", OPEN, "")


def test_a_breach_approves_the_step_automatically(company):
    inst = limited(company, "autoapprove", escalation="auto_approve")
    task = head_task(inst)
    assert services.process_due_tasks(now=later(task, 1))["escalated"] == 1
    assert rows(inst) == [("head", "alice", DONE, Decision.AUTO_APPROVED), ("finance", "dave", OPEN, "")]
    assert ready_steps(inst) == ["finance"]
    task.refresh_from_db()
    assert task.comment == _("Approved automatically after the time limit.")
    ev = Event.objects.get(process_instance=inst.number, activity="head.auto_approved")
    assert ev.actor == company.alice.user and json.loads(ev.data)["automatic"] is True
    assert activities(inst)[-3:] == ["head.escalated", "head.auto_approved", "finance.opened"]


def test_auto_approval_on_the_last_step_ends_the_approval(company):
    inst = limited(company, "autoapprove-last", escalation="auto_approve", steps=("head",))
    services.process_due_tasks(now=later(head_task(inst), 1))
    assert reload(inst).status == InstanceStatus.APPROVED and reload(inst).next_timer_due is None


def test_a_breach_returns_the_approval_to_the_previous_step(company):
    publish("autoreturn", chain("autoreturn", ["head", "finance"]), {
        "head": {"assignee": {"type": "department_head"}},
        "finance": {"assignee": {"type": "user", "username": "dave"}, "due_hours": 8, "escalation": "auto_return"},
    }, actor=company.admin)
    inst = services.start_process("autoreturn", actor=company.bob.user, title="申请")
    services.approve_task(head_task(inst), actor=company.alice.user)
    finance = Task.objects.get(instance=inst, step_id="finance")
    services.process_due_tasks(now=later(finance, 1))
    assert rows(inst) == [("head", "alice", DONE, Decision.APPROVED), ("finance", "dave", DONE, Decision.RETURNED),
                          ("head", "alice", OPEN, "")]
    assert ready_steps(inst) == ["head"]
    returned = Event.objects.get(process_instance=inst.number, activity="finance.returned")
    assert json.loads(returned.data)["to"] == "head" and json.loads(returned.data)["automatic"] is True


def test_auto_return_sends_the_approval_back_to_the_requesters_submit_step(company):
    inst = limited(company, "autoreturn2", escalation="auto_return", steps=("apply", "head"))
    services.process_due_tasks(now=later(head_task(inst), 1))
    assert rows(inst)[-1] == ("apply", "bob", OPEN, "") and ready_steps(inst) == ["apply"]


def test_auto_return_on_the_first_step_notifies_the_supervisor_instead(company, gm):
    inst = limited(company, "autoreturn3", escalation="auto_return")
    services.process_due_tasks(now=later(head_task(inst), 1))
    assert rows(inst) == [("head", "alice", OPEN, "")]
    data = json.loads(Event.objects.get(process_instance=inst.number, activity="head.escalated").data)
    assert (data["configured"], data["action"], data["notified"]) == ("auto_return", "notify_supervisor", [gm.pk])


def test_an_automatic_step_that_cannot_go_on_falls_back_to_notifying(company, gm):
    publish("stuck", chain("stuck", ["head", "legal"]), {
        "head": {"assignee": {"type": "department_head"}, "due_hours": 1, "escalation": "auto_approve"},
        "legal": {"assignee": {"type": "position", "position": "legal"}, "empty": "refuse"},
    }, actor=company.admin)
    inst = services.start_process("stuck", actor=company.bob.user, title="申请")
    services.process_due_tasks(now=later(head_task(inst), 1))
    assert rows(inst) == [("head", "alice", OPEN, "")]
    data = json.loads(Event.objects.get(process_instance=inst.number, activity="head.escalated").data)
    assert data["configured"] == "auto_approve" and "legal" in data["problem"]
    assert head_task(inst).escalated_at is not None  # not retried every minute


# --- next_timer_due ------------------------------------------------------------------------------


def test_next_timer_due_follows_the_open_time_limits(company):
    inst = limited(company, "next")
    head = head_task(inst)
    assert reload(inst).next_timer_due == head.due_at
    services.approve_task(head, actor=company.alice.user)
    finance = Task.objects.get(instance=inst, step_id="finance")
    assert finance.due_at and reload(inst).next_timer_due == finance.due_at
    services.process_due_tasks(now=later(finance, 1))  # escalated: nothing more to wait for
    assert reload(inst).next_timer_due is None
    services.approve_task(finance, actor=company.dave.user)
    assert reload(inst).next_timer_due is None and reload(inst).status == InstanceStatus.APPROVED


# --- BPMN timer events ---------------------------------------------------------------------------


@pytest.fixture
def boundary(company, gm):
    """review (alice) with a 2-hour interrupting timer boundary event → escalated_review (gm)."""
    publish("timed", timed("timed", "review", "PT2H", on_timeout="escalated_review"), {
        "review": {"assignee": {"type": "department_head"}},
        "escalated_review": {"assignee": {"type": "user", "username": "gm"}},
    }, actor=company.admin)
    started = timezone.now()
    inst = services.start_process("timed", actor=company.bob.user, title="申请")
    return inst, started


def test_a_boundary_timer_fires_when_the_worker_runs_after_its_time(company, boundary, gm):
    inst, started = boundary
    due = reload(inst).next_timer_due
    assert started + 2 * HOUR <= due <= timezone.now() + 2 * HOUR
    before = snapshot(inst)
    assert services.fire_timers(now=started + HOUR) == 0
    assert snapshot(inst) == before
    assert services.fire_timers(now=due + HOUR) == 1
    assert rows(inst) == [("review", "alice", CANCELLED, ""), ("escalated_review", "gm", OPEN, "")]
    assert ready_steps(inst) == ["escalated_review"]
    assert activities(inst)[-2:] == ["review_timer.fired", "escalated_review.opened"]
    assert reload(inst).next_timer_due is None
    assert services.fire_timers(now=due + 5 * HOUR) == 0  # fired once
    services.approve_task(Task.objects.get(instance=inst, status=OPEN), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED


def test_the_worker_job_fires_bpmn_timers_too(company, boundary):
    inst, started = boundary
    assert services.process_due_tasks(now=started + 3 * HOUR)["timers"] == 1
    assert ready_steps(inst) == ["escalated_review"]


def test_a_timer_whose_task_was_done_in_time_never_fires(company, boundary):
    inst, started = boundary
    services.approve_task(Task.objects.get(instance=inst, status=OPEN), actor=company.alice.user)
    assert reload(inst).status == InstanceStatus.APPROVED and reload(inst).next_timer_due is None
    assert services.fire_timers(now=started + 3 * HOUR) == 0
    assert "review_timer.fired" not in activities(inst)


def test_an_intermediate_timer_holds_the_approval_until_its_time(company):
    publish("cooling", waiting("cooling", "head", "PT24H", "finance"), {
        "head": {"assignee": {"type": "department_head"}},
        "finance": {"assignee": {"type": "user", "username": "dave"}},
    }, actor=company.admin)
    started = timezone.now()
    inst = services.start_process("cooling", actor=company.bob.user, title="申请")
    services.approve_task(head_task(inst), actor=company.alice.user)
    inst = reload(inst)
    assert inst.status == InstanceStatus.RUNNING and ready_steps(inst) == []
    assert not Task.objects.filter(instance=inst, status=OPEN).exists()
    assert started + 24 * HOUR <= inst.next_timer_due <= timezone.now() + 24 * HOUR
    assert services.fire_timers(now=started + 23 * HOUR) == 0
    assert services.fire_timers(now=inst.next_timer_due + HOUR) == 1
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "") and ready_steps(inst) == ["finance"]
