"""The heads of several departments as one step's approvers (rule "department_heads"): the review of
a P21-style standard by every department it touches, as a countersign (会签) or an or-sign (或签),
without one parallel branch per department. Resolved directly, through the services and the API."""

from __future__ import annotations

import json

import pytest

from yewu.core.roles import ensure_default_roles
from yewu.core.testing.api import api_client, assert_error
from yewu.core.testing.factories import EmployeeFactory, PositionFactory, UserFactory
from yewu.workflow import assignment, services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import ProcessInstance, ProcessVersion, Task
from yewu.workflow.testing.bpmn import chain, publish, rows

OPEN, DONE, CANCELLED = TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED
APPROVED, REJECTED = Decision.APPROVED, Decision.REJECTED
SCHEMA = [
    {"name": "subject", "label": "标准名称", "type": "text", "required": True},
    {"name": "reviewers", "label": "会签部门", "type": "department", "multiple": True},
]


@pytest.fixture
def gm(company):
    """The general manager heads HQ (so the head of a department without a supervisor reports to them)."""
    position = PositionFactory(code="gm", name="总经理", is_department_head=True, rank=100)
    return EmployeeFactory(user=UserFactory(username="gm"), department=company.hq, position=position).user


def heads(rule, company, requester=None, form=None):
    requester = requester or company.bob
    result = assignment.resolve(rule, requester=requester.user, department=requester.department, form=form or {})
    return [u.username for u in result.users], result.reason


def review(key, rule, *, mode, company, schema=SCHEMA):
    """review (the rule, in `mode`) → release by the general manager."""
    version = publish(key, chain(key, ["review", "release"]), {
        "review": {"assignee": rule, **({"mode": mode} if mode else {})},
        "release": {"assignee": {"type": "user", "username": "gm"}},
    }, actor=company.admin)
    ProcessVersion.objects.filter(pk=version.pk).update(form_json=json.dumps(schema, ensure_ascii=False))
    return version


def task_of(instance, username):
    return Task.objects.get(instance=instance, assignee__username=username, status=OPEN)


def status(instance):
    return ProcessInstance.objects.get(pk=instance.pk).status


# --- resolution ----------------------------------------------------------------------------------


def test_heads_of_the_departments_the_step_names_in_their_order(company, gm):
    assert heads({"type": "department_heads", "departments": ["finance", "sales"]}, company) == (
        ["dave", "alice"], "nobody")


def test_heads_of_the_departments_a_form_field_names(company, gm):
    form = {"reviewers": [company.finance.pk, company.hq.pk]}
    assert heads({"type": "department_heads", "field": "reviewers"}, company, form=form)[0] == ["dave", "gm"]


def test_the_approvals_department_and_the_forms_together_each_head_once(company, gm):
    """"requester" is the approval's department (sales: alice); sales_east has no head of its own,
    so its review climbs to alice too, who signs once."""
    form = {"reviewers": [company.sales_east.pk, company.finance.pk]}
    rule = {"type": "department_heads", "departments": ["requester"], "field": "reviewers"}
    assert heads(rule, company, form=form)[0] == ["alice", "dave"]


def test_a_head_asking_for_themself_is_replaced_by_their_supervisor(company, gm):
    rule = {"type": "department_heads", "departments": ["sales", "finance"]}
    assert heads(rule, company, requester=company.alice)[0] == ["gm", "dave"]


def test_an_unknown_department_code_names_nobody_with_the_reason(company, gm):
    users, reason = heads({"type": "department_heads", "departments": ["finance", "nowhere"]}, company)
    assert users == [] and "'nowhere'" in reason


def test_no_department_at_all_names_nobody_with_the_reason(company, gm):
    users, reason = heads({"type": "department_heads", "field": "reviewers"}, company, form={"reviewers": []})
    assert users == [] and "no department" in reason


def test_a_resigned_head_is_replaced_by_the_head_above(company, gm):
    from yewu.org.services import resign_employee

    resign_employee(company.dave, actor=company.admin)
    assert heads({"type": "department_heads", "departments": ["finance", "sales"]}, company)[0] == ["gm", "alice"]


def test_the_rule_passes_the_step_settings_checks(company):
    from yewu.workflow import definitions

    rule = {"type": "department_heads", "departments": ["finance"], "field": "reviewers"}
    assert definitions.clean_step_settings("review", {"assignee": rule, "mode": "all"})["assignee"] == rule
    with pytest.raises(Exception, match="department_heads"):
        definitions.clean_step_settings("review", {"assignee": {"type": "department_heads"}})


# --- through the services ------------------------------------------------------------------------


def test_countersign_over_the_heads_needs_every_one_of_them(company, gm):
    review("dh_all", {"type": "department_heads", "field": "reviewers"}, mode="all", company=company)
    inst = services.start_process("dh_all", actor=company.bob.user, title="客户投诉处理流程",
                                  form={"subject": "客户投诉处理流程", "reviewers": [company.finance.pk, company.sales.pk]})
    assert rows(inst) == [("review", "dave", OPEN, ""), ("review", "alice", OPEN, "")]
    services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    assert status(inst) == InstanceStatus.RUNNING
    assert rows(inst) == [("review", "dave", OPEN, ""), ("review", "alice", DONE, APPROVED)]
    services.approve_task(task_of(inst, "dave"), actor=company.dave.user)
    assert rows(inst)[-1] == ("release", "gm", OPEN, "")
    services.approve_task(task_of(inst, "gm"), actor=gm)
    assert status(inst) == InstanceStatus.APPROVED


def test_the_heads_of_several_departments_countersign_unless_the_step_says_otherwise(company, gm):
    review("dh_default", {"type": "department_heads", "departments": ["finance", "sales"]}, mode=None, company=company)
    inst = services.start_process("dh_default", actor=company.bob.user, title="x", form={"subject": "x"})
    services.approve_task(task_of(inst, "dave"), actor=company.dave.user)
    assert status(inst) == InstanceStatus.RUNNING
    assert ("review", "alice", OPEN, "") in rows(inst)  # the other head still has to agree
    services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    assert rows(inst)[-1] == ("release", "gm", OPEN, "")


def test_countersign_over_the_heads_ends_at_the_first_rejection(company, gm):
    review("dh_rej", {"type": "department_heads", "departments": ["finance", "sales"]}, mode="all", company=company)
    inst = services.start_process("dh_rej", actor=company.bob.user, title="x", form={"subject": "x"})
    services.reject_task(task_of(inst, "dave"), actor=company.dave.user, comment="与现行制度冲突")
    assert status(inst) == InstanceStatus.REJECTED
    assert sorted(rows(inst)) == [("review", "alice", CANCELLED, ""), ("review", "dave", DONE, REJECTED)]


def test_or_sign_over_the_heads_the_first_decision_wins(company, gm):
    review("dh_any", {"type": "department_heads", "departments": ["finance", "sales"]}, mode="any", company=company)
    inst = services.start_process("dh_any", actor=company.bob.user, title="x", form={"subject": "x"})
    services.approve_task(task_of(inst, "dave"), actor=company.dave.user)
    assert rows(inst) == [("review", "dave", DONE, APPROVED), ("review", "alice", CANCELLED, ""),
                          ("release", "gm", OPEN, "")]


def test_a_form_naming_an_unknown_department_is_refused_and_nothing_starts(company, gm):
    review("dh_bad", {"type": "department_heads", "field": "reviewers"}, mode="all", company=company)
    with pytest.raises(Exception) as exc:
        services.start_process("dh_bad", actor=company.bob.user, title="x",
                               form={"subject": "x", "reviewers": [company.finance.pk, 999999]})
    assert exc.value.code == WorkflowError.INVALID_FORM and "999999" in exc.value.message
    assert not ProcessInstance.objects.exists()


# --- through the API -----------------------------------------------------------------------------


def test_countersign_over_the_heads_through_the_api(company, gm):
    for person in (company.bob, company.alice, company.dave):
        person.user.groups.add(ensure_default_roles()["staff"])
    review("dh_api", {"type": "department_heads", "field": "reviewers"}, mode="all", company=company)
    bob = api_client(company.bob.user)
    body = {"process": "dh_api", "title": "合同归档流程",
            "form": {"subject": "合同归档流程", "reviewers": [company.sales.pk, company.finance.pk]}}
    resp = bob.post("/api/workflow/instances/", body, format="json")
    assert resp.status_code == 201, resp.content
    instance = resp.json()
    assert sorted(t["assignee"] for t in instance["tasks"] if t["status"] == OPEN) == ["alice", "dave"]
    for person in (company.alice, company.dave):
        task = task_of(instance["id"], person.user.username)
        resp = api_client(person.user).post(f"/api/workflow/tasks/{task.pk}/approve/", {"comment": "同意"},
                                            format="json")
        assert resp.status_code == 200, resp.content
    assert [t["assignee"] for t in resp.json()["tasks"] if t["status"] == OPEN] == ["gm"]
    refused = bob.post("/api/workflow/instances/", {**body, "form": {"reviewers": ["x"]}}, format="json")
    fields = assert_error(refused, 400, "workflow.invalid_form")["fields"]
    assert set(fields) == {"subject", "reviewers"}
