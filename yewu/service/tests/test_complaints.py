"""Complaints through the services: the complaint process end to end, each step's rules, the
corrective action required for an internal cause, and the process's time limits."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.service import services
from yewu.service.choices import ComplaintStatus
from yewu.service.models import Complaint
from yewu.workflow.choices import InstanceStatus, TaskStatus
from yewu.workflow.models import Task

pytestmark = pytest.mark.django_db


def _complaint(svc, **kw):
    values = {"actor": svc.erin.user, "channel": "phone", "customer": svc.bobs, "product": "数控机床 CK6150",
              "category": "quality", "description": "主轴异响，交付两周即出现故障。", "severity": "high"}
    return services.record_complaint(**{**values, **kw})


def _through_reply(svc, obj, *, cause="internal"):
    erin, bob = svc.erin.user, svc.bob.user
    obj = services.accept_complaint(obj, actor=erin, department=svc.sales, handler=bob)
    obj = services.record_investigation(obj, actor=bob, cause_kind=cause, cause_category="product",
                                        expectation="更换主轴并延长保修", notes="装配时轴承预紧力不足")
    obj = services.record_plan(obj, actor=bob, plan="三日内上门更换主轴，保修延长一年")
    return services.reply_to_customer(obj, actor=bob, reply="已安排工程师上门更换主轴，保修延长一年。")


def test_complaint_process_end_to_end_moves_the_status_with_each_step(svc):
    obj = _complaint(svc)
    assert obj.status == ComplaintStatus.ACCEPTING
    assert obj.process.status == InstanceStatus.RUNNING
    assert obj.number.startswith("CP-")
    task = Task.objects.get(instance=obj.process, status=TaskStatus.OPEN)
    assert (task.step_id, task.assignee) == ("accept", svc.erin.user)
    assert task.due_at is not None  # the step's time limit from the engine

    erin, bob = svc.erin.user, svc.bob.user
    obj = services.accept_complaint(obj, actor=erin, department=svc.sales, handler=bob)
    assert (obj.status, obj.handler, obj.department) == (ComplaintStatus.INVESTIGATING, bob, svc.sales)
    obj = services.record_investigation(obj, actor=bob, cause_kind="internal", cause_category="product",
                                        expectation="更换主轴")
    assert obj.status == ComplaintStatus.PLANNING
    obj = services.record_plan(obj, actor=bob, plan="上门更换")
    assert obj.status == ComplaintStatus.REPLYING
    obj = services.reply_to_customer(obj, actor=bob, reply="已安排更换")
    assert obj.status == ComplaintStatus.FOLLOW_UP
    assert Task.objects.get(instance=obj.process, status=TaskStatus.OPEN).assignee == erin  # the recorder
    services.add_corrective_action(obj, actor=bob, description="修订装配工艺卡，增加预紧力检测",
                                   owner=bob, due_on=timezone.localdate() + datetime.timedelta(days=30))
    obj = services.record_follow_up(obj, actor=erin, satisfaction="satisfied", notes="客户认可")
    assert obj.status == ComplaintStatus.CLOSED
    assert obj.closed_at is not None
    obj.process.refresh_from_db()
    assert obj.process.status == InstanceStatus.APPROVED
    activities = list(Event.objects.filter(case_type="service.complaint", case_id=str(obj.pk))
                      .order_by("seq").values_list("activity", flat=True))
    for activity in ("complaint.received", "complaint.registered", "complaint.accepted", "complaint.investigated",
                     "complaint.planned", "complaint.replied", "complaint.followed_up", "complaint.closed"):
        assert activity in activities


def test_internal_cause_cannot_close_without_a_corrective_action(svc):
    obj = _through_reply(svc, _complaint(svc))
    with pytest.raises(DomainError) as refused:
        services.record_follow_up(obj, actor=svc.erin.user, satisfaction="satisfied")
    assert refused.value.code == "service.corrective_action_required"
    obj.refresh_from_db()
    assert obj.status == ComplaintStatus.FOLLOW_UP and obj.satisfaction == ""


def test_external_cause_closes_without_a_corrective_action(svc):
    obj = _through_reply(svc, _complaint(svc), cause="external")
    obj = services.record_follow_up(obj, actor=svc.erin.user, satisfaction="partly")
    assert obj.status == ComplaintStatus.CLOSED


def test_a_step_is_refused_to_someone_it_is_not_assigned_to(svc):
    obj = _complaint(svc)
    with pytest.raises(DomainError) as refused:
        services.accept_complaint(obj, actor=svc.bob.user, department=svc.sales, handler=svc.bob.user)
    assert refused.value.code == "service.not_your_task"
    obj = services.accept_complaint(obj, actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    with pytest.raises(DomainError) as refused:
        services.record_investigation(obj, actor=svc.carol.user, cause_kind="external", cause_category="customer",
                                      expectation="退款")
    assert refused.value.code == "service.not_your_task"


def test_a_step_out_of_turn_is_refused(svc):
    obj = _complaint(svc)
    with pytest.raises(DomainError) as refused:
        services.record_plan(obj, actor=svc.erin.user, plan="先给方案")
    assert refused.value.code == "service.complaint_wrong_step"


def test_investigation_needs_the_customers_expectation(svc):
    obj = services.accept_complaint(_complaint(svc), actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    with pytest.raises(DomainError) as refused:
        services.record_investigation(obj, actor=svc.bob.user, cause_kind="internal", cause_category="process",
                                      expectation="  ")
    assert refused.value.code == "service.field_required"
    assert Complaint.objects.get(pk=obj.pk).status == ComplaintStatus.INVESTIGATING


def test_approving_a_step_in_the_inbox_cannot_skip_what_the_step_records(svc):
    """The generic approval inbox completes tasks without the service: the hook refuses the move."""
    from yewu.workflow import services as workflow

    obj = services.accept_complaint(_complaint(svc), actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    task = Task.objects.get(instance=obj.process, status=TaskStatus.OPEN)
    with pytest.raises(DomainError) as refused:
        workflow.approve_task(task, actor=svc.bob.user)
    assert refused.value.code == "service.field_required"
    assert Complaint.objects.get(pk=obj.pk).status == ComplaintStatus.INVESTIGATING
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_each_step_has_a_time_limit_reminder_and_escalation(svc):
    from yewu.service.approvals import STEPS

    obj = _complaint(svc)
    version = obj.process.version
    for step in ("accept", "investigate", "plan", "reply", "follow_up"):
        settings = version.step(step)
        assert settings["due_hours"] > 0 and settings["remind_before_hours"] > 0
        assert settings["escalation"] == "notify_supervisor"
        assert settings == {**STEPS[step], **settings}
    task = Task.objects.get(instance=obj.process, status=TaskStatus.OPEN)
    assert abs((task.due_at - task.created_at) - datetime.timedelta(hours=8)) < datetime.timedelta(seconds=5)


def test_overdue_step_is_escalated_by_the_engine_worker(svc):
    """Moving the clock past the accept step's limit: the worker escalates to erin's supervisor."""
    from yewu.workflow import services as workflow

    svc.erin.supervisor = svc.dave
    svc.erin.save(update_fields=["supervisor"])
    obj = _complaint(svc)
    result = workflow.process_due_tasks(timezone.now() + datetime.timedelta(hours=9))
    assert result.get("escalated", 0) >= 1
    assert Event.objects.filter(process_instance=obj.process.number, activity__contains="escalat").exists()


def test_install_is_idempotent(svc):
    from yewu.service import approvals
    from yewu.workflow.models import ProcessDefinition, ProcessVersion

    approvals.install(svc.admin)
    assert ProcessDefinition.objects.filter(key=approvals.KEY).count() == 1
    assert ProcessVersion.objects.filter(definition__key=approvals.KEY).count() == 1


def test_web_complaint_waits_until_customer_service_registers_it(svc):
    obj = services.record_complaint(actor=None, channel="web", product="售后服务", category="other",
                                    description="维修人员迟到", contact_name="周建国", phone="+86 571 8888 0001")
    assert obj.status == ComplaintStatus.RECEIVED and obj.process is None
    assert obj.customer == svc.bobs  # matched by phone
    obj = services.register_complaint(obj, actor=svc.erin.user)
    assert obj.status == ComplaintStatus.ACCEPTING
    with pytest.raises(DomainError) as refused:
        services.register_complaint(obj, actor=svc.erin.user)
    assert refused.value.code == "service.complaint_not_received"


def test_registering_needs_the_change_grant(svc):
    obj = services.record_complaint(actor=None, channel="web", product="售后服务", category="other",
                                    description="维修人员迟到", contact_name="周建国", phone="05718888 0001")
    with pytest.raises(DomainError) as refused:
        services.register_complaint(obj, actor=svc.bob.user)  # sales sees own customers' complaints, may not change
    assert refused.value.code in ("core.permission_denied", "core.out_of_scope")


def test_corrective_action_done_then_verified(svc):
    obj = _through_reply(svc, _complaint(svc))
    action = services.add_corrective_action(obj, actor=svc.erin.user, description="增加出厂检验项",
                                            owner=svc.bob.user, due_on=timezone.localdate())
    with pytest.raises(DomainError):
        services.verify_corrective_action(action, actor=svc.erin.user)  # not done yet
    action = services.complete_corrective_action(action, actor=svc.bob.user, result="检验规程已修订")
    action = services.verify_corrective_action(action, actor=svc.erin.user)
    assert action.status == "verified" and action.verified_by == svc.erin.user


def test_withdrawn_process_sends_the_complaint_back_to_received(svc):
    from yewu.workflow import services as workflow

    obj = _complaint(svc)
    workflow.withdraw_instance(obj.process, actor=svc.erin.user)
    obj.refresh_from_db()
    assert obj.status == ComplaintStatus.RECEIVED and obj.process is None
