"""Approval patterns driven through the service layer: sequential, countersign, or-sign, quorum,
supervisor chains, gateways and DMN tables, automatic steps and the approver rules."""

import pytest

from yewu.core.errors import DomainError
from yewu.core.models import Event, NumberSequence
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.org.services import resign_employee
from yewu.workflow import expressions, services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import ProcessInstance, Task
from yewu.workflow.testing.bpmn import (
    activities,
    chain,
    decided,
    dmn_table,
    engine_completed,
    graph,
    parallel,
    publish,
    ready_steps,
    rows,
    snapshot,
)

OPEN, DONE, CANCELLED, PENDING = TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED, services.PENDING
APPROVED, REJECTED = Decision.APPROVED, Decision.REJECTED


@pytest.fixture
def gm(company):
    """The general manager: head of HQ, so alice's supervisor."""
    return EmployeeFactory(user=UserFactory(username="gm"), name="总经理", department=company.hq,
                           position=company.head).user


def start(company, key, form=None, actor=None):
    return services.start_process(key, actor=actor or company.bob.user, title="申请", form=form or {})


def open_task(instance, username):
    return Task.objects.get(instance=instance, assignee__username=username, status=OPEN)


def reload(instance):
    return ProcessInstance.objects.get(pk=instance.pk)


def users(*names):
    return {"type": "user", "usernames": list(names)}


# --- sequential ----------------------------------------------------------------------------------


def test_sequential_steps_open_one_after_another(company):
    publish("seq", chain("seq", ["head", "finance"]), {
        "head": {"assignee": {"type": "department_head"}}, "finance": {"assignee": users("dave")},
    }, actor=company.admin)
    inst = start(company, "seq")
    assert rows(inst) == [("head", "alice", OPEN, "")]
    assert ready_steps(inst) == ["head"]

    services.approve_task(open_task(inst, "alice"), actor=company.alice.user, comment="同意")
    assert rows(inst) == [("head", "alice", DONE, APPROVED), ("finance", "dave", OPEN, "")]
    assert ready_steps(inst) == ["finance"] and reload(inst).status == InstanceStatus.RUNNING

    services.approve_task(open_task(inst, "dave"), actor=company.dave.user)
    assert reload(inst).status == InstanceStatus.APPROVED and reload(inst).ended_at
    assert engine_completed(inst)
    assert activities(inst) == [
        "process.started", "head.opened", "head.approved", "finance.opened", "finance.approved", "process.approved",
    ]


# --- countersign, or-sign, quorum ----------------------------------------------------------------


@pytest.fixture
def signers(company, gm):
    def make(mode, **extra):
        publish(f"sign-{mode}", chain(f"sign-{mode}", ["sign"]), {
            "sign": {"assignee": users("alice", "dave", "gm"), "mode": mode, **extra},
        }, actor=company.admin)
        return start(company, f"sign-{mode}")
    return make


def test_countersign_needs_every_approver(company, signers, gm):
    inst = signers("all")
    assert sorted(r[1] for r in rows(inst) if r[2] == OPEN) == ["alice", "dave", "gm"]
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    services.approve_task(open_task(inst, "dave"), actor=company.dave.user)
    assert reload(inst).status == InstanceStatus.RUNNING and ready_steps(inst) == ["sign"]
    assert rows(inst)[-1] == ("sign", "gm", OPEN, "")
    services.approve_task(open_task(inst, "gm"), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED
    assert activities(inst).count("sign.approved") == 3 and activities(inst)[-1] == "process.approved"


def test_countersign_one_rejection_ends_the_step_and_the_approval(company, signers, gm):
    inst = signers("all")
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    services.reject_task(open_task(inst, "dave"), actor=company.dave.user, comment="超预算")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert rows(inst) == [("sign", "alice", DONE, APPROVED), ("sign", "dave", DONE, REJECTED),
                          ("sign", "gm", CANCELLED, "")]
    assert activities(inst)[-2:] == ["sign.rejected", "process.rejected"]
    assert ready_steps(inst) == []


def test_or_sign_first_decision_wins_and_the_other_tasks_are_cancelled(company, signers, gm):
    inst = signers("any")
    services.approve_task(open_task(inst, "dave"), actor=company.dave.user)
    assert reload(inst).status == InstanceStatus.APPROVED
    assert rows(inst) == [("sign", "alice", CANCELLED, ""), ("sign", "dave", DONE, APPROVED),
                          ("sign", "gm", CANCELLED, "")]
    assert activities(inst).count("sign.approved") == 1


def test_or_sign_first_rejection_also_wins(company, signers, gm):
    inst = signers("any")
    services.reject_task(open_task(inst, "gm"), actor=gm, comment="不同意")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert [r[2] for r in rows(inst)] == [CANCELLED, CANCELLED, DONE]


def test_quorum_two_of_three_approvals_decide_the_step(company, signers, gm):
    inst = signers("quorum", quorum=2)
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert reload(inst).status == InstanceStatus.RUNNING and ready_steps(inst) == ["sign"]
    services.approve_task(open_task(inst, "gm"), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED
    assert rows(inst) == [("sign", "alice", DONE, APPROVED), ("sign", "dave", CANCELLED, ""),
                          ("sign", "gm", DONE, APPROVED)]


def test_quorum_fails_once_it_can_no_longer_be_reached(company, signers, gm):
    inst = signers("quorum", quorum=2)
    services.reject_task(open_task(inst, "alice"), actor=company.alice.user, comment="否")
    assert reload(inst).status == InstanceStatus.RUNNING  # 2 of the remaining 2 could still approve
    services.reject_task(open_task(inst, "dave"), actor=company.dave.user, comment="否")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert rows(inst)[-1] == ("sign", "gm", CANCELLED, "")


# --- supervisor chain ----------------------------------------------------------------------------


@pytest.fixture
def chain_of_supervisors(company, gm):
    publish("chain2", chain("chain2", ["managers"]), {
        "managers": {"assignee": {"type": "supervisor", "levels": 2}},
    }, actor=company.admin)


def test_supervisor_chain_decides_one_level_after_another(company, chain_of_supervisors, gm):
    inst = start(company, "chain2", actor=company.carol.user)
    assert rows(inst) == [("managers", "alice", OPEN, ""), ("managers", "gm", PENDING, "")]
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert rows(inst) == [("managers", "alice", DONE, APPROVED), ("managers", "gm", OPEN, "")]
    assert ready_steps(inst) == ["managers"]
    services.approve_task(open_task(inst, "gm"), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED
    assert activities(inst) == ["process.started", "managers.opened", "managers.approved", "managers.approved",
                                "process.approved"]


def test_supervisor_chain_stops_at_the_first_rejection(company, chain_of_supervisors, gm):
    inst = start(company, "chain2", actor=company.carol.user)
    services.reject_task(open_task(inst, "alice"), actor=company.alice.user, comment="不必要")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert rows(inst) == [("managers", "alice", DONE, REJECTED), ("managers", "gm", CANCELLED, "")]


def test_a_waiting_supervisor_cannot_act_before_their_turn(company, chain_of_supervisors, gm):
    inst = start(company, "chain2", actor=company.carol.user)
    waiting = Task.objects.get(instance=inst, assignee=gm)
    before = snapshot(inst)
    with pytest.raises(DomainError) as exc:
        services.approve_task(waiting, actor=gm)
    assert exc.value.code == WorkflowError.TASK_CLOSED
    assert snapshot(inst) == before


# --- parallel branches ---------------------------------------------------------------------------


@pytest.fixture
def branches(company, gm):
    publish("par", parallel("par", [["legal"], ["finance"]], after=["final"]), {
        "legal": {"assignee": users("alice")}, "finance": {"assignee": users("dave")},
        "final": {"assignee": users("gm")},
    }, actor=company.admin)


def test_parallel_branches_open_together_and_join_before_the_next_step(company, branches, gm):
    inst = start(company, "par")
    assert ready_steps(inst) == ["finance", "legal"]
    services.approve_task(open_task(inst, "dave"), actor=company.dave.user)
    assert ready_steps(inst) == ["legal"] and not Task.objects.filter(instance=inst, step_id="final").exists()
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert ready_steps(inst) == ["final"]
    services.approve_task(open_task(inst, "gm"), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED


def test_a_rejection_in_one_branch_ends_the_whole_approval(company, branches):
    inst = start(company, "par")
    services.reject_task(open_task(inst, "alice"), actor=company.alice.user, comment="合同有问题")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert sorted(rows(inst)) == [("finance", "dave", CANCELLED, ""), ("legal", "alice", DONE, REJECTED)]


# --- conditions on the form: gateways and DMN ----------------------------------------------------


@pytest.fixture
def purchase(company, gm):
    publish("purchase", chain("purchase", ["head", ("gm", "amount > 50000")]), {
        "head": {"assignee": {"type": "department_head"}}, "gm": {"assignee": users("gm")},
    }, actor=company.admin)


def test_gateway_skips_a_step_when_its_condition_does_not_hold(company, purchase):
    inst = start(company, "purchase", {"amount": 800})
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert reload(inst).status == InstanceStatus.APPROVED
    assert not Task.objects.filter(instance=inst, step_id="gm").exists()


def test_gateway_takes_a_step_when_its_condition_holds(company, purchase, gm):
    inst = start(company, "purchase", {"amount": 80000})
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert rows(inst)[-1] == ("gm", "gm", OPEN, "") and ready_steps(inst) == ["gm"]


THRESHOLDS = [("> 50000", '"gm"'), ("> 10000", '"finance"'), ("-", '"none"')]


@pytest.fixture
def by_table(company, gm):
    """head → DMN table (amount thresholds) → gm / finance / straight to the end."""
    bpmn = decided("buy", "approval_level", {"gm": "gm_step", "finance": "finance_step"}, before=["head"])
    steps = {"head": {"assignee": {"type": "department_head"}}, "gm_step": {"assignee": users("gm")},
             "finance_step": {"assignee": users("dave")}}
    publish("buy", bpmn, steps, dmn_xml=dmn_table("approval_level", "amount", THRESHOLDS), actor=company.admin)
    return bpmn, steps


@pytest.mark.parametrize(("amount", "step"), [(80000, "gm_step"), (20000, "finance_step"), (500, None)])
def test_dmn_decision_table_routes_by_amount(company, by_table, amount, step):
    inst = start(company, "buy", {"amount": amount})
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    if step is None:
        assert reload(inst).status == InstanceStatus.APPROVED
    else:
        assert ready_steps(inst) == [step] and rows(inst)[-1][0] == step


def test_an_administrator_changes_the_thresholds_without_touching_the_diagram(company, by_table, gm):
    bpmn, steps = by_table
    running = start(company, "buy", {"amount": 80000})  # started under version 1
    raised = [("> 100000", '"gm"'), ("> 10000", '"finance"'), ("-", '"none"')]
    v2 = publish("buy", bpmn, steps, dmn_xml=dmn_table("approval_level", "amount", raised), actor=company.admin)
    assert v2.version == 2 and v2.bpmn_xml == reload(running).version.bpmn_xml
    fresh = start(company, "buy", {"amount": 80000})
    services.approve_task(open_task(fresh, "alice"), actor=company.alice.user)
    services.approve_task(open_task(running, "alice"), actor=company.alice.user)
    assert ready_steps(fresh) == ["finance_step"]  # the new table
    assert ready_steps(running) == ["gm_step"]  # a running approval keeps the table it started with


def test_dmn_cells_go_through_the_safe_evaluator(company, by_table, monkeypatch):
    seen = []
    real = expressions.evaluate
    monkeypatch.setattr(expressions, "evaluate", lambda text, names: seen.append(text) or real(text, names))
    inst = start(company, "buy", {"amount": 20000})
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert any("amount" in text and "50000" in text for text in seen)
    assert ready_steps(inst) == ["finance_step"]


def test_a_dmn_cell_that_tries_an_escape_is_refused_with_its_reason(company, gm):
    bad = [("> ().__class__.__base__", '"gm"'), ("-", '"none"')]
    publish("buy-bad", decided("buy-bad", "level", {"gm": "gm_step"}, before=["head"]), {
        "head": {"assignee": {"type": "department_head"}}, "gm_step": {"assignee": users("gm")},
    }, dmn_xml=dmn_table("level", "amount", bad), actor=company.admin)
    inst = start(company, "buy-bad", {"amount": 1})
    before = snapshot(inst)
    with pytest.raises(DomainError) as exc:
        services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert exc.value.code == WorkflowError.ENGINE and "__base__ is not allowed" in exc.value.message
    assert snapshot(inst) == before


# --- automatic steps and empty approver rules ----------------------------------------------------


def test_auto_approve_step_passes_without_anyone(company):
    publish("auto", chain("auto", ["notice", "head"]), {
        "notice": {"empty": "skip"}, "head": {"assignee": {"type": "department_head"}},
    }, actor=company.admin)
    inst = start(company, "auto")
    assert rows(inst) == [("head", "alice", OPEN, "")] and ready_steps(inst) == ["head"]
    assert activities(inst)[:3] == ["process.started", "notice.skipped", "head.opened"]


def test_empty_approver_skip_passes_the_step_with_the_reason(company):
    publish("skip", chain("skip", ["legal"]), {
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}, "empty": "skip"},
    }, actor=company.admin)
    inst = start(company, "skip")
    assert reload(inst).status == InstanceStatus.APPROVED and rows(inst) == []
    event = Event.objects.get(process_instance=inst.number, activity="legal.skipped")
    assert "legal-counsel" in event.data and event.actor is None


def test_empty_approver_goes_to_the_administrator_by_default(company):
    publish("admin", chain("admin", ["legal"]), {
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}},
    }, actor=company.admin)
    inst = start(company, "admin")
    assert rows(inst) == [("legal", "root", OPEN, "")]


def test_empty_approver_refuse_stops_the_start_and_saves_nothing(company):
    publish("refuse", chain("refuse", ["legal"]), {
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}, "empty": "refuse"},
    }, actor=company.admin)
    counts = (ProcessInstance.objects.count(), Task.objects.count(), Event.objects.count(),
              list(NumberSequence.objects.values_list("doc_type", "last_value")))
    with pytest.raises(DomainError) as exc:
        start(company, "refuse")
    assert exc.value.code == WorkflowError.NO_APPROVER and "legal-counsel" in exc.value.message
    assert counts == (ProcessInstance.objects.count(), Task.objects.count(), Event.objects.count(),
                      list(NumberSequence.objects.values_list("doc_type", "last_value")))


def test_empty_approver_refuse_at_a_later_step_refuses_the_decision(company):
    publish("refuse2", chain("refuse2", ["head", "legal"]), {
        "head": {"assignee": {"type": "department_head"}},
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}, "empty": "refuse"},
    }, actor=company.admin)
    inst = start(company, "refuse2")
    before = snapshot(inst)
    with pytest.raises(DomainError) as exc:
        services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert exc.value.code == WorkflowError.NO_APPROVER
    assert snapshot(inst) == before and ready_steps(inst) == ["head"]


def test_a_duplicate_approver_approves_once(company, gm):
    publish("dup", chain("dup", ["head", "check", "sign"]), {
        "head": {"assignee": {"type": "department_head"}},
        "check": {"assignee": users("alice")},
        "sign": {"assignee": users("alice", "gm"), "mode": "all"},
    }, actor=company.admin)
    inst = start(company, "dup")
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    # check: alice already approved → passes; sign: only gm is still needed.
    assert rows(inst) == [("head", "alice", DONE, APPROVED), ("sign", "gm", OPEN, "")]
    event = Event.objects.get(process_instance=inst.number, activity="check.auto_approved")
    assert "already approved" in event.data
    services.approve_task(open_task(inst, "gm"), actor=gm)
    assert reload(inst).status == InstanceStatus.APPROVED


def test_a_duplicate_approver_decides_again_when_the_step_says_so(company):
    publish("nodup", chain("nodup", ["head", "check"]), {
        "head": {"assignee": {"type": "department_head"}},
        "check": {"assignee": users("alice"), "dedupe": False},
    }, actor=company.admin)
    inst = start(company, "nodup")
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert rows(inst)[-1] == ("check", "alice", OPEN, "")


def test_the_requester_as_approver_passes_automatically(company):
    publish("self", chain("self", ["check", "sign"]), {
        "check": {"assignee": users("alice")}, "sign": {"assignee": users("alice", "dave"), "mode": "all"},
    }, actor=company.admin)
    inst = start(company, "self", actor=company.alice.user)
    # check names only the requester: it passes; sign still needs everyone else.
    assert rows(inst) == [("sign", "dave", OPEN, "")]
    assert activities(inst)[:3] == ["process.started", "check.auto_approved", "sign.opened"]


def test_the_requester_as_approver_decides_when_auto_pass_is_off(company):
    publish("self2", chain("self2", ["check"]), {
        "check": {"assignee": users("bob"), "requester_is_approver": "approve"},
    }, actor=company.admin)
    inst = start(company, "self2")
    assert rows(inst) == [("check", "bob", OPEN, "")]


def test_the_requester_named_by_a_rule_passes_with_the_reason(company):
    publish("self3", chain("self3", ["check"]), {"check": {"assignee": users("bob")}}, actor=company.admin)
    inst = start(company, "self3")
    assert reload(inst).status == InstanceStatus.APPROVED
    assert '"requester"' in Event.objects.get(process_instance=inst.number, activity="check.auto_approved").data


def test_a_resigned_approver_is_not_assigned(company):
    publish("resigned", chain("resigned", ["finance", "sign"]), {
        "finance": {"assignee": users("dave")},
        "sign": {"assignee": users("alice", "dave"), "mode": "all"},
    }, actor=company.admin)
    resign_employee(company.dave, actor=company.admin)
    inst = start(company, "resigned")
    assert rows(inst) == [("finance", "root", OPEN, "")]  # nobody left: the administrator
    services.approve_task(Task.objects.get(instance=inst, status=OPEN), actor=company.admin)
    assert rows(inst)[-1] == ("sign", "alice", OPEN, "")
    assert Task.objects.filter(instance=inst, step_id="sign").count() == 1


def test_someone_who_resigns_hands_open_and_waiting_tasks_to_their_supervisor(company):
    publish("leave-one", chain("leave-one", ["check"]), {"check": {"assignee": users("carol")}}, actor=company.admin)
    publish("leave-seq", chain("leave-seq", ["sign"]), {
        "sign": {"assignee": users("dave", "carol"), "mode": "sequential"},
    }, actor=company.admin)
    single, line = start(company, "leave-one"), start(company, "leave-seq")
    assert rows(line) == [("sign", "dave", OPEN, ""), ("sign", "carol", PENDING, "")]

    resign_employee(company.carol, actor=company.admin)

    assert rows(single) == [("check", "carol", DONE, Decision.TRANSFERRED), ("check", "alice", OPEN, "")]
    assert rows(line)[1:] == [("sign", "carol", DONE, Decision.TRANSFERRED), ("sign", "alice", PENDING, "")]
    assert activities(single)[-1] == "check.transferred"
    services.approve_task(open_task(line, "dave"), actor=company.dave.user)
    services.approve_task(open_task(line, "alice"), actor=company.alice.user)  # her turn came
    assert reload(line).status == InstanceStatus.APPROVED


def test_someone_without_a_supervisor_who_resigns_hands_tasks_to_the_administrator(company):
    publish("leave-top", chain("leave-top", ["check"]), {"check": {"assignee": users("dave")}}, actor=company.admin)
    inst = start(company, "leave-top")
    resign_employee(company.dave, actor=company.admin)
    assert rows(inst)[-1] == ("check", "root", OPEN, "")
    services.approve_task(open_task(inst, "root"), actor=company.admin)
    assert reload(inst).status == InstanceStatus.APPROVED


# --- rejections a gateway routes -----------------------------------------------------------------


@pytest.fixture
def revise_loop(company):
    """review (rejections routed) → gateway: rejected → the requester revises → review again; else end."""
    bpmn = graph("loop", {
        "start": "start", "review": "user", "gw": "xor", "revise": "user", "end": "end",
    }, [("start", "review"), ("review", "gw"), ("gw", "revise", 'decision == "rejected"'), ("gw", "end"),
        ("revise", "review")], defaults={"gw": "end"})
    publish("loop", bpmn, {
        "review": {"assignee": {"type": "department_head"}, "on_reject": "route", "dedupe": False},
        "revise": {"kind": "submit"},
    }, actor=company.admin)


def test_on_reject_route_lets_a_gateway_send_the_rejection_back_to_the_requester(company, revise_loop):
    inst = start(company, "loop", {"amount": 10})
    services.reject_task(open_task(inst, "alice"), actor=company.alice.user, comment="金额不对")
    assert reload(inst).status == InstanceStatus.RUNNING
    assert ready_steps(inst) == ["revise"] and rows(inst)[-1] == ("revise", "bob", OPEN, "")
    services.submit_task(open_task(inst, "bob"), actor=company.bob.user, form={"amount": 12})
    assert reload(inst).form_data["amount"] == 12
    assert rows(inst)[-1] == ("review", "alice", OPEN, "")
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user)
    assert reload(inst).status == InstanceStatus.APPROVED
    assert activities(inst) == [
        "process.started", "review.opened", "review.rejected", "revise.opened", "revise.submitted",
        "review.opened", "review.approved", "process.approved",
    ]


def test_a_routed_rejection_that_reaches_the_end_rejects_the_approval(company):
    bpmn = graph("routed-end", {
        "start": "start", "review": "user", "gw": "xor", "rejected_end": "end", "end": "end",
    }, [("start", "review"), ("review", "gw"), ("gw", "rejected_end", 'decision == "rejected"'), ("gw", "end")],
        defaults={"gw": "end"})
    publish("routed-end", bpmn, {"review": {"assignee": {"type": "department_head"}, "on_reject": "route"}},
            actor=company.admin)
    inst = start(company, "routed-end")
    services.reject_task(open_task(inst, "alice"), actor=company.alice.user, comment="否")
    assert reload(inst).status == InstanceStatus.REJECTED
    assert activities(inst)[-1] == "process.rejected"


# --- how a step's events read in a history -------------------------------------------------------


def test_a_steps_events_name_the_step_in_the_history(company):
    from django.utils import translation

    publish("named", chain("named", ["head", "finance"], names={"head": "部门负责人审批", "finance": "财务复核"}), {
        "head": {"assignee": {"type": "department_head"}}, "finance": {"assignee": users("dave")},
    }, actor=company.admin)
    inst = start(company, "named")
    services.approve_task(open_task(inst, "alice"), actor=company.alice.user, comment="同意")

    events = {e.activity: e for e in Event.objects.filter(process_instance=inst.number)}
    with translation.override("en"):
        assert events["head.opened"].activity_label == "部门负责人审批: Waiting for approval"
        assert events["head.approved"].activity_label == "部门负责人审批: Approved"
        assert events["finance.opened"].activity_label == "财务复核: Waiting for approval"
        assert events["process.started"].activity_label == "Approval started"
    with translation.override("zh-hans"):
        assert events["head.approved"].activity_label.startswith("部门负责人审批")
        assert "head" not in events["head.approved"].activity_label
