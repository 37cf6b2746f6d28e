"""The approver rules through the API (their service-layer tests are in test_patterns.py): an empty
approver (skip / go to the administrator / refuse to start), a duplicate approver (approves once),
the requester as approver (passes automatically, or decides when the step says so) and a resigned
approver (never assigned)."""

from __future__ import annotations

import pytest

from yewu.core.models import Event, NumberSequence
from yewu.core.roles import ensure_default_roles
from yewu.core.testing.api import api_client, assert_error
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.org.services import resign_employee
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.models import ProcessInstance, Task
from yewu.workflow.testing.bpmn import chain, publish

INSTANCES = "/api/workflow/instances/"
OPEN, DONE = TaskStatus.OPEN, TaskStatus.DONE


@pytest.fixture(autouse=True)
def staff(company):
    """Everyone in the persona company holds the default staff role."""
    role = ensure_default_roles()["staff"]
    for person in (company.alice, company.bob, company.carol, company.dave):
        person.user.groups.add(role)


@pytest.fixture
def gm(company):
    return EmployeeFactory(user=UserFactory(username="gm"), department=company.hq, position=company.head).user


def users(*names):
    return {"type": "user", "usernames": list(names)}


def start(user, key, status=201):
    resp = api_client(user).post(INSTANCES, {"process": key, "title": "申请"}, format="json")
    assert resp.status_code == status, resp.content
    return resp.json()


def tasks(body):
    """(step, assignee, status, decision) of the approval's task rows, oldest first."""
    return [(t["step"], t["assignee"], t["status"], t["decision"]) for t in sorted(body["tasks"], key=lambda t: t["id"])]


def approve(user, body):
    task = Task.objects.get(instance_id=body["id"], assignee=user, status=OPEN)
    resp = api_client(user).post(f"/api/workflow/tasks/{task.pk}/approve/", {"comment": "同意"}, format="json")
    assert resp.status_code == 200, resp.content
    return resp.json()


def activities(body):
    return list(Event.objects.filter(process_instance=body["number"]).order_by("seq").values_list("activity", flat=True))


# --- empty approver ------------------------------------------------------------------------------


def test_empty_approver_skip(company):
    publish("api_skip", chain("api_skip", ["legal", "head"]), {
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}, "empty": "skip"},
        "head": {"assignee": {"type": "department_head"}},
    }, actor=company.admin)
    body = start(company.bob.user, "api_skip")
    assert tasks(body) == [("head", "alice", OPEN, "")]
    assert activities(body)[:3] == ["process.started", "legal.skipped", "head.opened"]


def test_empty_approver_goes_to_the_administrator(company):
    publish("api_admin", chain("api_admin", ["legal"]), {
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}, "empty": "admin"},
    }, actor=company.admin)
    body = start(company.bob.user, "api_admin")
    assert tasks(body) == [("legal", "root", OPEN, "")]
    assert approve(company.admin, body)["status"] == InstanceStatus.APPROVED


def test_empty_approver_refuse_answers_400_and_starts_nothing(company):
    publish("api_refuse", chain("api_refuse", ["legal"]), {
        "legal": {"assignee": {"type": "position", "position": "legal-counsel"}, "empty": "refuse"},
    }, actor=company.admin)
    before = (Event.objects.count(), list(NumberSequence.objects.values_list("doc_type", "last_value")))
    body = assert_error(api_client(company.bob.user).post(INSTANCES, {"process": "api_refuse", "title": "x"},
                                                          format="json"), 400, "workflow.no_approver")
    assert "legal-counsel" in body["message"]
    assert not ProcessInstance.objects.exists() and not Task.objects.exists()
    assert before == (Event.objects.count(), list(NumberSequence.objects.values_list("doc_type", "last_value")))


# --- duplicate approver --------------------------------------------------------------------------


def test_a_duplicate_approver_approves_once(company, gm):
    publish("api_dup", chain("api_dup", ["head", "check", "sign"]), {
        "head": {"assignee": {"type": "department_head"}},
        "check": {"assignee": users("alice")},
        "sign": {"assignee": users("alice", "gm"), "mode": "all"},
    }, actor=company.admin)
    body = approve(company.alice.user, start(company.bob.user, "api_dup"))
    assert tasks(body) == [("head", "alice", DONE, Decision.APPROVED), ("sign", "gm", OPEN, "")]
    assert "check.auto_approved" in activities(body)
    assert approve(gm, body)["status"] == InstanceStatus.APPROVED


def test_an_approval_from_an_earlier_step_counts_until_a_return_undoes_it(company, gm):
    """Alice approved the first step; when the third (Alice again) opens after Dave's step, her
    approval stands and the step passes. After a return past her step it no longer does."""
    publish("api_dup_far", chain("api_dup_far", ["first", "middle", "last"]), {
        "first": {"assignee": users("alice")},
        "middle": {"assignee": users("dave")},
        "last": {"assignee": users("alice", "gm"), "mode": "all"},
    }, actor=company.admin)
    body = approve(company.dave.user, approve(company.alice.user, start(company.bob.user, "api_dup_far")))
    assert tasks(body)[-1] == ("last", "gm", OPEN, "")
    assert "last.opened" in activities(body)

    again = approve(company.alice.user, start(company.bob.user, "api_dup_far"))
    middle = Task.objects.get(instance_id=again["id"], assignee=company.dave.user, status=OPEN)
    resp = api_client(company.dave.user).post(
        f"/api/workflow/tasks/{middle.pk}/return/", {"to_step": "first", "comment": "重做"}, format="json")
    assert resp.status_code == 200, resp.content
    # The return undid Alice's approval: her step opens for her again instead of passing.
    assert tasks(resp.json())[-1] == ("first", "alice", OPEN, "")
    body = approve(company.dave.user, approve(company.alice.user, resp.json()))
    assert [t for t in tasks(body) if t[0] == "last"] == [("last", "gm", OPEN, "")]


def test_a_duplicate_approver_decides_again_when_the_step_says_so(company):
    publish("api_nodup", chain("api_nodup", ["head", "check"]), {
        "head": {"assignee": {"type": "department_head"}},
        "check": {"assignee": users("alice"), "dedupe": False},
    }, actor=company.admin)
    body = approve(company.alice.user, start(company.bob.user, "api_nodup"))
    assert tasks(body)[-1] == ("check", "alice", OPEN, "")


# --- requester as approver -----------------------------------------------------------------------


def test_the_requester_as_approver_passes_automatically(company):
    publish("api_self", chain("api_self", ["check", "sign"]), {
        "check": {"assignee": users("alice")}, "sign": {"assignee": users("alice", "dave"), "mode": "all"},
    }, actor=company.admin)
    body = start(company.alice.user, "api_self")
    assert tasks(body) == [("sign", "dave", OPEN, "")]
    assert activities(body)[:3] == ["process.started", "check.auto_approved", "sign.opened"]


def test_the_requester_as_approver_decides_when_auto_pass_is_off(company):
    publish("api_self2", chain("api_self2", ["check"]), {
        "check": {"assignee": users("bob"), "requester_is_approver": "approve"},
    }, actor=company.admin)
    body = start(company.bob.user, "api_self2")
    assert tasks(body) == [("check", "bob", OPEN, "")] and body["actions"]["can_withdraw"]
    assert approve(company.bob.user, body)["status"] == InstanceStatus.APPROVED


# --- resigned approver ---------------------------------------------------------------------------


def test_a_resigned_approver_is_not_assigned(company):
    publish("api_resigned", chain("api_resigned", ["finance", "sign"]), {
        "finance": {"assignee": users("dave")},
        "sign": {"assignee": users("alice", "dave"), "mode": "all"},
    }, actor=company.admin)
    resign_employee(company.dave, actor=company.admin)
    body = start(company.bob.user, "api_resigned")
    assert tasks(body) == [("finance", "root", OPEN, "")]  # nobody left: the administrator
    body = approve(company.admin, body)
    assert tasks(body)[-1] == ("sign", "alice", OPEN, "")
    assert [t for t in tasks(body) if t[0] == "sign"] == [("sign", "alice", OPEN, "")]
    assert api_client(company.dave.user).get(INSTANCES).status_code in (401, 403)  # the login is closed
