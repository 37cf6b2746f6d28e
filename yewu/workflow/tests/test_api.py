"""The approval centre's REST API: a full approval driven through it, every action, the inbox with
counts, who sees what, and the error contract (JSON code + message)."""

# ruff: noqa: F811 - the shared fixtures are imported from test_inbox and named as arguments
from __future__ import annotations

import pytest
import yaml
from django.test import Client

from yewu.core.roles import ensure_default_roles
from yewu.core.scopes import Scope
from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.factories import EmployeeFactory, UserFactory, grant
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.models import CarbonCopy, ProcessInstance, Task
from yewu.workflow.tests.test_inbox import flow, gm, leave, open_task, publish, start  # noqa: F401

INSTANCES = "/api/workflow/instances/"
TASKS = "/api/workflow/tasks/"


@pytest.fixture
def staff(company):
    """bob and carol hold the default staff role (start approvals, see their own)."""
    role = ensure_default_roles()["staff"]
    for person in (company.bob, company.carol, company.alice):
        person.user.groups.add(role)
    return role


def _start(user, title="显示器", amount=800, process="ac_purchase"):
    resp = api_client(user).post(
        INSTANCES, {"process": process, "title": title, "form": {"amount": amount, "reason": "更换"}}, format="json"
    )
    assert resp.status_code == 201, resp.content
    return resp.json()


def test_a_full_approval_through_the_api(company, flow, gm, staff):
    body = _start(company.bob.user, amount=80000)
    assert body["status"] == InstanceStatus.RUNNING and body["requester"] == "bob"
    assert body["form"] == {"amount": "80000.00", "reason": "更换"} and body["process"] == "ac_purchase"
    assert body["steps"] == {"done": [], "current": ["head"]}
    alice = api_client(company.alice.user)
    detail = alice.get(f"{INSTANCES}{body['id']}/").json()
    task = detail["actions"]["task"]
    assert task and detail["tasks"][0]["assignee"] == "alice" and detail["tasks"][0]["due_at"]
    after = alice.post(f"{TASKS}{task}/approve/", {"comment": "同意"}, format="json")
    assert after.status_code == 200 and after.json()["steps"]["current"] == ["gm"]
    gm_task = api_client(gm).get(TASKS, {"mine": "true", "status": "open"}).json()["results"][0]
    done = api_client(gm).post(f"{TASKS}{gm_task['id']}/approve/", {}, format="json").json()
    assert done["status"] == InstanceStatus.APPROVED and done["ended_at"]
    trail = [(e["who"], e["code"], e["comment"]) for e in done["trail"]]
    assert ("Alice 艾丽斯", Decision.APPROVED, "同意") in trail and trail[-1][1] == "process-approved"
    assert all(e["took_seconds"] is not None for e in done["trail"] if e["code"] == Decision.APPROVED)


def test_reject_without_a_reason_is_a_400_with_the_workflow_code(company, flow, staff):
    body = _start(company.bob.user)
    task = open_task(ProcessInstance.objects.get(pk=body["id"]))
    alice = api_client(company.alice.user)
    assert_error(alice.post(f"{TASKS}{task.pk}/reject/", {}, format="json"), 400, "workflow.reason_required")
    assert_error(alice.post(f"{TASKS}{task.pk}/reject/", {"comment": " "}, format="json"), 400, "workflow.reason_required")
    resp = alice.post(f"{TASKS}{task.pk}/reject/", {"comment": "预算不足"}, format="json")
    assert resp.json()["status"] == InstanceStatus.REJECTED
    closed = alice.post(f"{TASKS}{task.pk}/approve/", {}, format="json")
    assert closed.status_code == 400 and closed.json()["code"] in ("workflow.instance_closed", "workflow.task_closed")


def test_someone_elses_task_is_refused_with_its_code(company, flow, staff):
    body = _start(company.bob.user)
    task = open_task(ProcessInstance.objects.get(pk=body["id"]))
    grant(company.dave.user, "workflow.view_processinstance", Scope.ALL)
    assert_error(api_client(company.dave.user).post(f"{TASKS}{task.pk}/approve/", {}, format="json"),
                 400, "workflow.not_assignee")
    assert_error(api_client(company.carol.user).post(f"{TASKS}{task.pk}/approve/", {}, format="json"), 404, "not_found")


# --- starting ------------------------------------------------------------------------------------


def test_starting_needs_the_add_grant_a_known_process_and_a_title(company, flow, staff):
    outsider = EmployeeFactory(department=company.finance).user  # no role at all
    assert_error(api_client(outsider).post(INSTANCES, {"process": "ac_purchase", "title": "x"}, format="json"),
                 403, "core.permission_denied")
    bob = api_client(company.bob.user)
    body = assert_error(bob.post(INSTANCES, {"process": "nope", "title": "x"}, format="json"), 400, "invalid")
    assert "process" in body["fields"]
    assert "title" in assert_error(bob.post(INSTANCES, {"process": "ac_purchase"}, format="json"), 400, "invalid")["fields"]
    assert_error(bob.post(INSTANCES, {"process": "ac_purchase", "title": "x", "form": [1]}, format="json"), 400, "invalid")
    assert not ProcessInstance.objects.exists()


def test_a_process_without_a_published_version_cannot_start(company, flow, staff):
    flow.versions.update(status="retired")
    assert_error(api_client(company.bob.user).post(INSTANCES, {"process": "ac_purchase", "title": "x"}, format="json"),
                 400, "workflow.not_published")


# --- who sees what -------------------------------------------------------------------------------


def test_lists_show_only_visible_approvals_and_others_are_404(company, flow, staff):
    mine = _start(company.bob.user)
    theirs = _start(company.carol.user, title="白板")
    bob = api_client(company.bob.user)
    assert result_ids(bob.get(INSTANCES)) == [mine["id"]]
    assert_error(bob.get(f"{INSTANCES}{theirs['id']}/"), 404, "not_found")
    alice = api_client(company.alice.user)  # approves both
    assert sorted(result_ids(alice.get(INSTANCES))) == sorted([mine["id"], theirs["id"]])
    assert result_ids(alice.get(INSTANCES, {"search": "白板"})) == [theirs["id"]]
    assert result_ids(alice.get(INSTANCES, {"process": "ac_purchase", "status": "running"})) != []
    assert result_ids(alice.get(INSTANCES, {"status": "approved"})) == []
    outsider = api_client(UserFactory(username="outsider"))
    assert result_ids(outsider.get(INSTANCES)) == [] and result_ids(outsider.get(TASKS)) == []
    assert_error(outsider.get(f"{INSTANCES}{mine['id']}/"), 404, "not_found")


def test_tasks_list_all_visible_ones_or_only_mine(company, flow, gm, staff):
    a = _start(company.bob.user)
    alice = api_client(company.alice.user)
    alice.post(f"{TASKS}{open_task(ProcessInstance.objects.get(pk=a['id'])).pk}/approve/", {}, format="json")
    assert len(result_ids(api_client(company.bob.user).get(TASKS))) == 2  # the requester sees both steps
    assert result_ids(api_client(company.bob.user).get(TASKS, {"mine": "true"})) == []
    mine = alice.get(TASKS, {"mine": "true"}).json()["results"]
    assert [(t["step"], t["status"], t["decision"]) for t in mine] == [("head", TaskStatus.DONE, Decision.APPROVED)]
    assert len(result_ids(alice.get(TASKS, {"instance": a["id"], "status": "open", "step": "gm"}))) == 1
    hidden = _start(company.carol.user, title="别人的")
    assert result_ids(api_client(company.bob.user).get(TASKS, {"instance": hidden["id"]})) == []
    for bad in ("-3.8e166", "2.5", "99999999999999999999"):
        assert_error(alice.get(TASKS, {"instance": bad}), 400, "invalid")


def test_the_inbox_endpoint_gives_counts_and_one_tab(company, flow, gm, staff):
    a = _start(company.bob.user, title="甲")
    _start(company.bob.user, title="乙")
    api_client(company.bob.user).post(f"{INSTANCES}{a['id']}/cc/", {"users": ["dave"]}, format="json")
    alice = api_client(company.alice.user)
    body = alice.get(f"{TASKS}inbox/").json()
    assert body["counts"]["todo"] == 2 and body["count"] == 2
    first = body["results"][0]
    assert first["instance"]["title"] == "甲" and first["task"] and first["step"] == "部门审批" and first["due_at"]
    assert alice.get(f"{TASKS}inbox/", {"q": "乙"}).json()["count"] == 1
    started = api_client(company.bob.user).get(f"{TASKS}inbox/", {"tab": "started"}).json()
    assert started["count"] == 2 and started["results"][0]["waiting_for"] == ["Alice 艾丽斯"]
    assert started["results"][0]["task"] is None
    cc = api_client(company.dave.user).get(f"{TASKS}inbox/", {"tab": "cc"}).json()
    assert cc["count"] == 1 and cc["counts"]["cc_unread"] == 1 and cc["results"][0]["copied_by"] == "Bob 鲍勃"
    assert_error(alice.get(f"{TASKS}inbox/", {"tab": "everything"}), 400, "invalid")


# --- every action --------------------------------------------------------------------------------


def test_return_to_an_earlier_step_through_the_api(company, flow, gm, staff):
    a = _start(company.bob.user)
    inst = ProcessInstance.objects.get(pk=a["id"])
    api_client(company.alice.user).post(f"{TASKS}{open_task(inst).pk}/approve/", {}, format="json")
    api = api_client(gm)
    task = open_task(inst)
    assert api.get(f"{TASKS}{task.pk}/return-targets/").json() == [{"step": "head", "name": "部门审批"}]
    assert_error(api.post(f"{TASKS}{task.pk}/return/", {"to_step": "head"}, format="json"), 400, "workflow.reason_required")
    assert_error(api.post(f"{TASKS}{task.pk}/return/", {"to_step": "zz", "comment": "x"}, format="json"),
                 400, "workflow.return_target")
    body = api.post(f"{TASKS}{task.pk}/return/", {"to_step": "head", "comment": "补充报价"}, format="json").json()
    assert body["steps"]["current"] == ["head"] and open_task(inst).assignee == company.alice.user


def test_transfer_and_add_signer_through_the_api(company, flow, staff):
    a = _start(company.bob.user)
    inst = ProcessInstance.objects.get(pk=a["id"])
    alice = api_client(company.alice.user)
    task = open_task(inst)
    assert_error(alice.post(f"{TASKS}{task.pk}/transfer/", {"to_user": "alice"}, format="json"), 400, "workflow.transfer_self")
    assert_error(alice.post(f"{TASKS}{task.pk}/transfer/", {"to_user": "ghost"}, format="json"), 400, "invalid")
    new = alice.post(f"{TASKS}{task.pk}/transfer/", {"to_user": "dave", "comment": "请代批"}, format="json").json()
    assert new["assignee"] == "dave" and new["status"] == TaskStatus.OPEN
    dave = api_client(company.dave.user)
    signer = dave.post(f"{TASKS}{new['id']}/add-signer/", {"user": "carol", "position": "before"}, format="json").json()
    assert signer["assignee"] == "carol" and Task.objects.get(pk=new["id"]).status == "pending"
    assert_error(dave.post(f"{TASKS}{new['id']}/add-signer/", {"user": "carol"}, format="json"), 400, "invalid")


def test_copy_withdraw_and_urge_through_the_api(company, flow, staff, django_capture_on_commit_callbacks):
    a = _start(company.bob.user)
    bob = api_client(company.bob.user)
    assert_error(bob.post(f"{INSTANCES}{a['id']}/cc/", {"users": []}, format="json"), 400, "invalid")
    bob.post(f"{INSTANCES}{a['id']}/cc/", {"users": ["dave", "carol"]}, format="json")
    assert CarbonCopy.objects.filter(instance_id=a["id"]).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert bob.post(f"{INSTANCES}{a['id']}/urge/").json() == {"reminded": 1}
    assert_error(bob.post(f"{INSTANCES}{a['id']}/urge/"), 400, "workflow.urge_too_soon")
    assert_error(api_client(company.alice.user).post(f"{INSTANCES}{a['id']}/withdraw/", {}, format="json"),
                 400, "workflow.not_requester")
    body = bob.post(f"{INSTANCES}{a['id']}/withdraw/", {"comment": "写错了"}, format="json").json()
    assert body["status"] == InstanceStatus.WITHDRAWN and body["actions"]["can_withdraw"] is False


def test_resubmit_through_the_api(company, staff):
    publish(company, "ac_expense", ["apply", "head"], {"apply": "填写报销单", "head": "部门审批"},
            {"apply": {"kind": "submit"}, "head": {"assignee": {"type": "department_head"}, "dedupe": False}})
    a = _start(company.bob.user, process="ac_expense")
    bob = api_client(company.bob.user)
    if a["actions"]["task"]:  # the requester's own first step may wait for them
        a = bob.post(f"{TASKS}{a['actions']['task']}/submit/", {}, format="json").json()
    assert a["steps"] == {"done": ["apply"], "current": ["head"]}
    inst = ProcessInstance.objects.get(pk=a["id"])
    alice = api_client(company.alice.user)
    alice.post(f"{TASKS}{open_task(inst).pk}/return/", {"to_step": "apply", "comment": "缺发票"}, format="json")
    task = bob.get(f"{INSTANCES}{a['id']}/").json()["actions"]["task"]
    body = bob.post(f"{TASKS}{task}/submit/", {"comment": "已补"}, format="json").json()
    assert body["steps"] == {"done": ["apply"], "current": ["head"]}


def test_batch_approve_reports_each_refusal(company, flow, gm, staff):
    ids = [open_task(ProcessInstance.objects.get(pk=_start(company.bob.user, title=t)["id"])).pk for t in "甲乙"]
    alice = api_client(company.alice.user)
    alice.post(f"{TASKS}{ids[1]}/reject/", {"comment": "重复"}, format="json")
    body = alice.post(f"{TASKS}batch-approve/", {"ids": [ids[0], ids[1], 999999], "comment": "同意"}, format="json").json()
    assert body["approved"] == [ids[0]]
    assert [(r["id"], r["code"]) for r in body["refused"]] == [(ids[1], "not_found"), (999999, "not_found")]
    assert_error(alice.post(f"{TASKS}batch-approve/", {"ids": []}, format="json"), 400, "invalid")


def test_actions_on_an_unknown_task_or_approval_are_json_404s(company, flow, staff):
    api = api_client(company.bob.user)
    for path in ("approve", "reject", "return", "transfer", "add-signer", "submit"):
        assert_error(api.post(f"{TASKS}999999/{path}/", {}, format="json"), 404, "not_found")
    for path in ("withdraw", "urge", "cc"):
        assert_error(api.post(f"{INSTANCES}999999/{path}/", {}, format="json"), 404, "not_found")


def test_anonymous_callers_get_a_json_401(db):
    assert_error(api_client().get(INSTANCES), 401, "not_authenticated")
    assert_error(api_client().post(f"{TASKS}1/approve/", {}, format="json"), 401, "not_authenticated")


# --- the OpenAPI document ------------------------------------------------------------------------


def test_every_approval_endpoint_is_in_the_openapi_document(db):
    paths = set(yaml.safe_load(Client().get("/api/schema/").content)["paths"])
    for path in (
        INSTANCES, INSTANCES + "{id}/", INSTANCES + "{id}/withdraw/", INSTANCES + "{id}/urge/",
        INSTANCES + "{id}/cc/", TASKS, TASKS + "{id}/", TASKS + "inbox/", TASKS + "batch-approve/",
        TASKS + "{id}/approve/", TASKS + "{id}/reject/", TASKS + "{id}/return/", TASKS + "{id}/return-targets/",
        TASKS + "{id}/transfer/", TASKS + "{id}/add-signer/", TASKS + "{id}/submit/",
    ):
        assert path in paths, path


# --- fuzzing the approval endpoints with real records --------------------------------------------


@pytest.mark.fuzz
@pytest.mark.parametrize("who", ["approver", "requester"])
def test_fuzzing_the_approval_endpoints_finds_no_server_error(company, flow, gm, staff, who):
    """schemathesis against /api/workflow/instances and /tasks only, with the ids of a running
    approval and its open task, so that fuzzed bodies reach the services (see
    yewu/core/tests/test_api_fuzz.py for the harness)."""
    schemathesis = pytest.importorskip("schemathesis")
    from django.core.wsgi import get_wsgi_application

    from yewu.core.tests.test_api_fuzz import (
        EXAMPLES,
        Findings,
        Target,
        _distinct,
        _fuzz,
        _in_test_transaction,
        _token,
    )

    raw = yaml.safe_load(Client().get("/api/schema/").content)
    raw["paths"] = {p: v for p, v in raw["paths"].items() if p.startswith((INSTANCES, TASKS))}
    schema = schemathesis.openapi.from_dict(raw)
    approval = _start(company.bob.user)
    task = open_task(ProcessInstance.objects.get(pk=approval["id"]))
    user = company.alice.user if who == "approver" else company.bob.user
    findings = Findings()
    with _in_test_transaction() as log:
        _fuzz(schema, Target(get_wsgi_application(), _token(user), log, findings),
              {INSTANCES: approval["id"], TASKS: task.pk}, EXAMPLES)
    assert findings.requests > 0
    assert not findings.server_errors, "\n".join(findings.server_errors) + "\n\n" + "\n\n".join(_distinct(log.records))
    assert not findings.not_json_errors, "\n".join(findings.not_json_errors)
