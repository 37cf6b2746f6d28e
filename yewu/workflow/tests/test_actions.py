"""Actions on tasks and approvals through the service layer: approve, reject, return, transfer,
add signer, CC, withdraw, urge, delegation, and the refusals (each leaving the database unchanged)."""

import datetime
import json

import pytest
from django.utils import timezone

from yewu.core.errors import DomainError
from yewu.core.models import Event, Notification
from yewu.core.testing.factories import DelegationFactory, EmployeeFactory, UserFactory
from yewu.workflow import services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import CarbonCopy, ProcessInstance, Task
from yewu.workflow.testing.bpmn import activities, chain, publish, ready_steps, rows, snapshot

OPEN, DONE, CANCELLED, PENDING = TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED, services.PENDING
APPROVED, REJECTED, RETURNED = Decision.APPROVED, Decision.REJECTED, Decision.RETURNED


@pytest.fixture
def gm(company):
    return EmployeeFactory(user=UserFactory(username="gm"), name="总经理", department=company.hq,
                           position=company.head).user


@pytest.fixture
def three_steps(company, gm):
    """head (alice) → finance (dave) → gm, each due in 24 hours."""
    publish("expense", chain("expense", ["head", "finance", "final"]), {
        "head": {"assignee": {"type": "department_head"}, "due_hours": 24},
        "finance": {"assignee": {"type": "user", "username": "dave"}, "due_hours": 24},
        "final": {"assignee": {"type": "user", "username": "gm"}},
    }, actor=company.admin)


def start(company, key="expense", actor=None, form=None):
    return services.start_process(key, actor=actor or company.bob.user, title="报销", form=form or {"amount": 100})


def open_task(instance, username=None):
    qs = Task.objects.filter(instance=instance, status=OPEN)
    return qs.get(assignee__username=username) if username else qs.get()


def reload(instance):
    return ProcessInstance.objects.get(pk=instance.pk)


def refused(code, call, instance):
    """Run `call`, expect DomainError `code`, and prove that nothing changed."""
    before = snapshot(instance)
    with pytest.raises(DomainError) as exc:
        call()
    assert exc.value.code == code, exc.value.code
    assert str(exc.value)  # a translated reason for the user
    assert snapshot(instance) == before


def event(instance, activity):
    return Event.objects.get(process_instance=instance.number, activity=activity)


# --- approve / reject ----------------------------------------------------------------------------


def test_approve_records_the_decision_the_comment_and_the_event(company, three_steps):
    inst = start(company)
    task = open_task(inst)
    services.approve_task(task, actor=company.alice.user, comment=" 同意 ")
    task.refresh_from_db()
    assert (task.status, task.decision, task.comment) == (DONE, APPROVED, "同意") and task.completed_at
    ev = event(inst, "head.approved")
    assert ev.actor == company.alice.user and ev.on_behalf_of is None
    assert json.loads(ev.data)["comment"] == "同意"
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "") and ready_steps(inst) == ["finance"]
    assert Notification.objects.filter(recipient=company.dave.user, title__contains="报销").exists()


def test_reject_needs_a_reason(company, three_steps):
    inst = start(company)
    for comment in ("", "   "):
        refused(WorkflowError.REASON_REQUIRED,
                lambda c=comment: services.reject_task(open_task(inst), actor=company.alice.user, comment=c), inst)


def test_reject_ends_the_approval_and_tells_the_requester(company, three_steps):
    inst = start(company)
    services.reject_task(open_task(inst), actor=company.alice.user, comment="预算不足")
    inst = reload(inst)
    assert inst.status == InstanceStatus.REJECTED and inst.ended_at and inst.next_timer_due is None
    assert rows(inst) == [("head", "alice", DONE, REJECTED)]
    assert activities(inst)[-2:] == ["head.rejected", "process.rejected"]
    assert Notification.objects.filter(recipient=company.bob.user).exists()
    assert ready_steps(inst) == []


# --- return to an earlier step -------------------------------------------------------------------


def test_return_to_a_chosen_earlier_step_reopens_it_for_its_assignee(company, three_steps, gm):
    inst = start(company)
    services.approve_task(open_task(inst), actor=company.alice.user)
    services.approve_task(open_task(inst), actor=company.dave.user)
    assert services.returnable_steps(inst) == [("head", "head"), ("finance", "finance")]
    services.return_task(open_task(inst), actor=gm, to_step="head", comment="请补充说明")
    assert rows(inst) == [("head", "alice", DONE, APPROVED), ("finance", "dave", DONE, APPROVED),
                          ("final", "gm", DONE, RETURNED), ("head", "alice", OPEN, "")]
    assert ready_steps(inst) == ["head"] and reload(inst).status == InstanceStatus.RUNNING
    assert services.returnable_steps(inst) == []  # the earlier decisions were undone
    assert json.loads(event(inst, "final.returned").data)["to"] == "head"
    # The approval runs again from there: everyone decides again.
    services.approve_task(open_task(inst), actor=company.alice.user)
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "")
    services.approve_task(open_task(inst), actor=company.dave.user)
    services.approve_task(open_task(inst), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED


def test_return_to_the_previous_step_keeps_the_earlier_ones(company, three_steps, gm):
    inst = start(company)
    services.approve_task(open_task(inst), actor=company.alice.user)
    services.approve_task(open_task(inst), actor=company.dave.user)
    services.return_task(open_task(inst), actor=gm, to_step="finance", comment="发票不全")
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "")
    assert services.returnable_steps(inst) == [("head", "head")]


def test_return_to_a_step_not_yet_done_is_refused(company, three_steps):
    inst = start(company)
    services.approve_task(open_task(inst), actor=company.alice.user)
    for step in ("final", "finance", "nowhere"):
        refused(WorkflowError.RETURN_TARGET,
                lambda s=step: services.return_task(open_task(inst), actor=company.dave.user, to_step=s, comment="x"),
                inst)


def test_return_needs_a_reason(company, three_steps):
    inst = start(company)
    services.approve_task(open_task(inst), actor=company.alice.user)
    refused(WorkflowError.REASON_REQUIRED,
            lambda: services.return_task(open_task(inst), actor=company.dave.user, to_step="head", comment=" "), inst)


def test_return_to_the_requester_lets_them_revise_and_resubmit(company):
    publish("trip", chain("trip", ["apply", "head"]), {
        "apply": {"kind": "submit"}, "head": {"assignee": {"type": "department_head"}},
    }, actor=company.admin)
    inst = start(company, "trip", form={"days": 3})
    assert rows(inst) == [("apply", "bob", DONE, Decision.SUBMITTED), ("head", "alice", OPEN, "")]
    assert activities(inst)[:3] == ["process.started", "apply.submitted", "head.opened"]
    services.return_task(open_task(inst), actor=company.alice.user, to_step="apply", comment="天数不对")
    assert rows(inst)[-1] == ("apply", "bob", OPEN, "") and ready_steps(inst) == ["apply"]
    services.submit_task(open_task(inst), actor=company.bob.user, comment="已改", form={"days": 2})
    assert reload(inst).form_data == {"days": 2}
    assert rows(inst)[-2:] == [("apply", "bob", DONE, Decision.SUBMITTED), ("head", "alice", OPEN, "")]
    services.approve_task(open_task(inst), actor=company.alice.user)
    assert reload(inst).status == InstanceStatus.APPROVED


# --- transfer ------------------------------------------------------------------------------------


def test_transfer_hands_the_task_over_with_its_time_limit(company, three_steps):
    inst = start(company)
    task = open_task(inst)
    new = services.transfer_task(task, actor=company.alice.user, to_user=company.carol.user, comment="出差")
    assert rows(inst) == [("head", "alice", DONE, Decision.TRANSFERRED), ("head", "carol", OPEN, "")]
    assert new.due_at == task.due_at and new.spiff_task == task.spiff_task
    data = json.loads(event(inst, "head.transferred").data)
    assert (data["from"], data["to"]) == (company.alice.user.pk, company.carol.user.pk)
    refused(WorkflowError.TASK_CLOSED, lambda: services.approve_task(task, actor=company.alice.user), inst)
    services.approve_task(new, actor=company.carol.user)
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "")


def test_transfer_to_oneself_or_to_an_inactive_user_is_refused(company, three_steps):
    inst = start(company)
    refused(WorkflowError.TRANSFER_SELF,
            lambda: services.transfer_task(open_task(inst), actor=company.alice.user, to_user=company.alice.user), inst)
    gone = UserFactory(username="gone", is_active=False)
    refused(WorkflowError.INACTIVE_USER,
            lambda: services.transfer_task(open_task(inst), actor=company.alice.user, to_user=gone), inst)


# --- add a signer --------------------------------------------------------------------------------


def test_add_signer_before_makes_the_actor_wait_for_them(company, three_steps):
    inst = start(company)
    services.add_signer(open_task(inst), actor=company.alice.user, user=company.carol.user, before=True, comment="请先看")
    assert rows(inst) == [("head", "alice", PENDING, ""), ("head", "carol", OPEN, "")]
    assert json.loads(event(inst, "head.signer_added").data)["before"] is True
    services.approve_task(open_task(inst), actor=company.carol.user)
    assert rows(inst) == [("head", "alice", OPEN, ""), ("head", "carol", DONE, APPROVED)]
    assert ready_steps(inst) == ["head"]
    services.approve_task(open_task(inst), actor=company.alice.user)
    assert rows(inst)[-1] == ("finance", "dave", OPEN, "")


def test_add_signer_after_comes_right_after_the_actor(company, gm):
    publish("chain2", chain("chain2", ["managers"]), {
        "managers": {"assignee": {"type": "supervisor", "levels": 2}},
    }, actor=company.admin)
    inst = start(company, "chain2", actor=company.carol.user)
    services.add_signer(open_task(inst), actor=company.alice.user, user=company.dave.user, before=False)
    order = lambda: list(Task.objects.filter(instance=inst).order_by("order").values_list(  # noqa: E731
        "assignee__username", "status"))
    assert order() == [("alice", OPEN), ("dave", PENDING), ("gm", PENDING)]
    services.approve_task(open_task(inst), actor=company.alice.user)
    assert order() == [("alice", DONE), ("dave", OPEN), ("gm", PENDING)]
    services.approve_task(open_task(inst), actor=company.dave.user)
    assert order() == [("alice", DONE), ("dave", DONE), ("gm", OPEN)]
    services.approve_task(open_task(inst), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED


def test_a_rejection_by_an_added_signer_ends_the_approval(company, three_steps):
    inst = start(company)
    services.add_signer(open_task(inst), actor=company.alice.user, user=company.carol.user, before=True)
    services.reject_task(open_task(inst), actor=company.carol.user, comment="不合规")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert rows(inst) == [("head", "alice", CANCELLED, ""), ("head", "carol", DONE, REJECTED)]


def test_adding_oneself_as_signer_is_refused(company, three_steps):
    inst = start(company)
    refused(WorkflowError.TRANSFER_SELF,
            lambda: services.add_signer(open_task(inst), actor=company.alice.user, user=company.alice.user,
                                        before=True), inst)


# --- CC ------------------------------------------------------------------------------------------


def test_cc_informs_people_once(company, three_steps):
    inst = start(company)
    created = services.copy_to(inst, [company.dave.user, company.carol.user], actor=company.bob.user)
    assert sorted(c.user.username for c in created) == ["carol", "dave"]
    assert Notification.objects.filter(recipient=company.carol.user, title__contains="报销").exists()
    assert json.loads(event(inst, "process.copied").data)["users"] == [company.dave.user.pk, company.carol.user.pk]
    assert services.copy_to(inst, [company.dave.user], actor=company.bob.user) == []
    assert CarbonCopy.objects.filter(instance=inst).count() == 2
    assert activities(inst).count("process.copied") == 1


def test_who_may_cc_the_requester_the_approvers_and_not_outsiders(company, three_steps):
    inst = start(company)
    assert services.can_copy(inst, company.bob.user) and services.can_copy(inst, company.alice.user)
    assert not services.can_copy(inst, company.carol.user)
    services.copy_to(inst, [company.carol.user], actor=company.alice.user)  # an approver may
    refused(WorkflowError.NOT_ASSIGNEE, lambda: services.copy_to(inst, [company.dave.user], actor=company.carol.user),
            inst)
    assert services.can_copy(inst, company.admin)  # someone who may change the approval


# --- withdraw ------------------------------------------------------------------------------------


def test_the_requester_withdraws_before_any_decision(company, three_steps):
    inst = start(company)
    services.withdraw_instance(inst, actor=company.bob.user, comment="不需要了")
    inst = reload(inst)
    assert inst.status == InstanceStatus.WITHDRAWN and inst.ended_at and inst.next_timer_due is None
    assert rows(inst) == [("head", "alice", CANCELLED, "")]
    assert activities(inst)[-1] == "process.withdrawn" and ready_steps(inst) == []


def test_withdraw_is_refused_after_the_first_decision(company, three_steps):
    inst = start(company)
    services.approve_task(open_task(inst), actor=company.alice.user)
    refused(WorkflowError.WITHDRAW_AFTER_DECISION,
            lambda: services.withdraw_instance(inst, actor=company.bob.user), inst)


def test_withdraw_is_refused_after_a_transfer(company, three_steps):
    inst = start(company)
    services.transfer_task(open_task(inst), actor=company.alice.user, to_user=company.carol.user)
    refused(WorkflowError.WITHDRAW_AFTER_DECISION,
            lambda: services.withdraw_instance(inst, actor=company.bob.user), inst)


def test_only_the_requester_may_withdraw(company, three_steps):
    inst = start(company)
    refused(WorkflowError.NOT_REQUESTER, lambda: services.withdraw_instance(inst, actor=company.alice.user), inst)


def test_a_finished_approval_cannot_be_withdrawn(company, three_steps):
    inst = start(company)
    services.reject_task(open_task(inst), actor=company.alice.user, comment="否")
    refused(WorkflowError.INSTANCE_CLOSED, lambda: services.withdraw_instance(inst, actor=company.bob.user), inst)


# --- urge ----------------------------------------------------------------------------------------


def test_urge_reminds_the_waiting_approvers_at_most_once_an_hour(company, three_steps):
    inst = start(company)
    before = Notification.objects.filter(recipient=company.alice.user).count()
    assert services.urge(inst, actor=company.bob.user) == 1
    assert Notification.objects.filter(recipient=company.alice.user).count() == before + 1
    assert activities(inst)[-1] == "process.urged"
    refused(WorkflowError.URGE_TOO_SOON, lambda: services.urge(inst, actor=company.bob.user), inst)
    later = timezone.now() + datetime.timedelta(minutes=61)
    assert services.urge(inst, actor=company.bob.user, now=later) == 1


def test_urge_by_someone_else_is_refused(company, three_steps):
    inst = start(company)
    refused(WorkflowError.NOT_REQUESTER, lambda: services.urge(inst, actor=company.carol.user), inst)


# --- delegation ----------------------------------------------------------------------------------


def delegate(company, principal, to, **kwargs):
    now = timezone.now()
    return DelegationFactory(principal=principal, delegate=to, starts_at=now - datetime.timedelta(hours=1),
                             ends_at=now + datetime.timedelta(days=1), **kwargs)


def test_a_delegation_for_all_processes_gives_the_task_to_the_delegate(company, three_steps):
    delegate(company, company.alice, company.carol)
    inst = start(company)
    task = open_task(inst)
    assert (task.assignee, task.principal) == (company.carol.user, company.alice.user)
    refused(WorkflowError.NOT_ASSIGNEE, lambda: services.approve_task(task, actor=company.alice.user), inst)
    services.approve_task(task, actor=company.carol.user, comment="代批")
    ev = event(inst, "head.approved")
    assert (ev.actor, ev.on_behalf_of) == (company.carol.user, company.alice.user)
    assert json.loads(event(inst, "head.opened").data)["on_behalf_of"] == [company.alice.user.pk]


def test_a_delegation_for_this_process_applies(company, three_steps):
    delegate(company, company.alice, company.carol, all_processes=False, process_keys_text='["expense"]')
    inst = start(company)
    assert (open_task(inst).assignee, open_task(inst).principal) == (company.carol.user, company.alice.user)


def test_a_delegation_for_another_process_does_not_apply(company, three_steps):
    delegate(company, company.alice, company.carol, all_processes=False, process_keys_text='["purchase"]')
    inst = start(company)
    assert (open_task(inst).assignee, open_task(inst).principal) == (company.alice.user, None)


def test_a_delegation_that_has_ended_does_not_apply(company, three_steps):
    now = timezone.now()
    DelegationFactory(principal=company.alice, delegate=company.carol, starts_at=now - datetime.timedelta(days=3),
                      ends_at=now - datetime.timedelta(days=1))
    inst = start(company)
    assert open_task(inst).assignee == company.alice.user


# --- refusals ------------------------------------------------------------------------------------


def test_acting_on_someone_elses_task_is_refused(company, three_steps):
    inst = start(company)
    task = open_task(inst)
    for call in (
        lambda: services.approve_task(task, actor=company.dave.user),
        lambda: services.reject_task(task, actor=company.dave.user, comment="x"),
        lambda: services.transfer_task(task, actor=company.dave.user, to_user=company.carol.user),
        lambda: services.add_signer(task, actor=company.dave.user, user=company.carol.user, before=True),
        lambda: services.submit_task(task, actor=company.bob.user),
    ):
        refused(WorkflowError.NOT_ASSIGNEE, call, inst)


def test_acting_on_a_closed_task_is_refused(company, three_steps):
    inst = start(company)
    task = open_task(inst)
    services.approve_task(task, actor=company.alice.user)
    for call in (
        lambda: services.approve_task(task, actor=company.alice.user),
        lambda: services.reject_task(task, actor=company.alice.user, comment="改主意了"),
        lambda: services.transfer_task(task, actor=company.alice.user, to_user=company.carol.user),
        lambda: services.return_task(task, actor=company.alice.user, to_step="head", comment="x"),
        lambda: services.add_signer(task, actor=company.alice.user, user=company.carol.user, before=False),
    ):
        refused(WorkflowError.TASK_CLOSED, call, inst)


def test_a_task_of_a_withdrawn_approval_is_closed(company, three_steps):
    inst = start(company)
    task = open_task(inst)
    services.withdraw_instance(inst, actor=company.bob.user)
    refused(WorkflowError.TASK_CLOSED, lambda: services.approve_task(task, actor=company.alice.user), inst)
