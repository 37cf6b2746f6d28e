import pytest
from SpiffWorkflow.util.task import TaskState

from yewu.core.models import Event
from yewu.core.testing.factories import UserFactory
from yewu.workflow import definitions, engine, services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessInstance
from yewu.workflow.testing.bpmn import chain


@pytest.fixture
def purchase(company):
    gm = UserFactory(username="gm-user")
    d = ProcessDefinition.objects.create(key="purchase", name="采购", owner_department=company.hq)
    v = definitions.create_version(
        d, actor=company.admin,
        bpmn_xml=chain("purchase", ["head", ("gm", "amount > 50000")], {"head": "部门审批", "gm": "总经理审批"}),
        steps={"head": {"assignee": {"type": "department_head"}, "due_hours": 24},
               "gm": {"assignee": {"type": "user", "username": "gm-user"}}},
    )
    definitions.set_version_status(v, VersionStatus.REVIEW, actor=company.admin)
    definitions.set_version_status(v, VersionStatus.PUBLISHED, actor=company.admin)
    return d, gm


def test_small_request_needs_the_head_only(company, purchase):
    inst = services.start_process("purchase", actor=company.bob.user, title="纸张", form={"amount": 800})
    task = inst.tasks.get()
    assert task.assignee == company.alice.user and task.status == TaskStatus.OPEN and task.due_at
    services.approve_task(task, actor=company.alice.user, comment="同意")
    inst.refresh_from_db()
    assert inst.status == InstanceStatus.APPROVED
    activities = list(Event.objects.filter(process_instance=inst.number).values_list("activity", flat=True))
    assert activities == ["process.started", "head.opened", "head.approved", "process.approved"]


def test_large_request_goes_on_to_the_general_manager(company, purchase):
    _d, gm = purchase
    inst = services.start_process("purchase", actor=company.bob.user, title="服务器", form={"amount": 80000})
    services.approve_task(inst.tasks.get(), actor=company.alice.user)
    inst.refresh_from_db()
    gm_task = inst.tasks.get(status=TaskStatus.OPEN)
    assert gm_task.assignee == gm and gm_task.step_id == "gm"
    services.reject_task(gm_task, actor=gm, comment="预算不足")
    inst.refresh_from_db()
    assert inst.status == InstanceStatus.REJECTED
    assert gm_task.__class__.objects.get(pk=gm_task.pk).decision == Decision.REJECTED


def test_state_round_trips_without_the_spec(company, purchase):
    inst = services.start_process("purchase", actor=company.bob.user, title="x", form={"amount": 1})
    inst = ProcessInstance.objects.get(pk=inst.pk)
    assert '"spec"' not in inst.state
    wf = engine.load(inst.version, inst.state)
    assert [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True)] == ["head"]
