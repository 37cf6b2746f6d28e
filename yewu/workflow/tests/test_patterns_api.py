"""Each approval pattern driven through the REST API (start, decide and read back over HTTP):
sequential, countersign, or-sign, quorum, gateway and DMN branches, automatic steps and delegation.
The same patterns through the service layer: test_patterns.py and test_actions.py."""

# ruff: noqa: F811 - the shared fixture gm is imported from test_patterns and named as an argument
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.testing.api import api_client
from yewu.core.testing.factories import DelegationFactory
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.testing.bpmn import chain, decided, dmn_table, parallel, publish
from yewu.workflow.tests.test_patterns import THRESHOLDS, gm, users  # noqa: F401

INSTANCES = "/api/workflow/instances/"
TASKS = "/api/workflow/tasks/"
OPEN, DONE, CANCELLED = TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED


def start(user, key: str, form: dict | None = None) -> int:
    resp = api_client(user).post(INSTANCES, {"process": key, "title": "申请", "form": form or {}}, format="json")
    assert resp.status_code == 201, resp.content
    return resp.json()["id"]


def detail(user, pk: int) -> dict:
    resp = api_client(user).get(f"{INSTANCES}{pk}/")
    assert resp.status_code == 200, resp.content
    return resp.json()


def decide(user, pk: int, verb: str = "approve", comment: str = "") -> dict:
    """`user` acts on their open task of approval `pk` as the API offers it."""
    task = detail(user, pk)["actions"]["task"]
    assert task, f"{user.username} has no task on approval {pk}"
    resp = api_client(user).post(f"{TASKS}{task}/{verb}/", {"comment": comment}, format="json")
    assert resp.status_code == 200, resp.content
    return resp.json()


def state(user, pk: int) -> tuple[str, list[str], list[tuple[str, str, str]]]:
    body = detail(user, pk)
    tasks = sorted((t["step"], t["assignee"], t["status"]) for t in body["tasks"])
    return body["status"], body["steps"]["current"], tasks


def test_sequential_steps_through_the_api(company):
    publish("seq", chain("seq", ["head", "finance"]), {
        "head": {"assignee": {"type": "department_head"}}, "finance": {"assignee": users("dave")},
    }, actor=company.admin)
    pk = start(company.bob.user, "seq")
    assert state(company.bob.user, pk)[:2] == (InstanceStatus.RUNNING, ["head"])
    assert decide(company.alice.user, pk, comment="同意")["steps"]["current"] == ["finance"]
    assert decide(company.dave.user, pk)["status"] == InstanceStatus.APPROVED


@pytest.fixture
def signers(company, gm):
    def make(mode, **extra):
        publish(f"sign-{mode}", chain(f"sign-{mode}", ["sign"]), {
            "sign": {"assignee": users("alice", "dave", "gm"), "mode": mode, **extra},
        }, actor=company.admin)
        return start(company.bob.user, f"sign-{mode}")
    return make


def test_countersign_through_the_api_needs_everyone(company, signers, gm):
    pk = signers("all")
    decide(company.alice.user, pk)
    assert decide(company.dave.user, pk)["status"] == InstanceStatus.RUNNING
    assert state(company.bob.user, pk)[2] == [("sign", "alice", DONE), ("sign", "dave", DONE), ("sign", "gm", OPEN)]
    assert decide(gm, pk)["status"] == InstanceStatus.APPROVED


def test_countersign_through_the_api_ends_at_one_rejection(company, signers, gm):
    pk = signers("all")
    decide(company.alice.user, pk)
    assert decide(company.dave.user, pk, "reject", "超预算")["status"] == InstanceStatus.REJECTED
    assert state(company.bob.user, pk)[2] == [
        ("sign", "alice", DONE), ("sign", "dave", DONE), ("sign", "gm", CANCELLED),
    ]


def test_or_sign_through_the_api_first_decision_wins(company, signers, gm):
    pk = signers("any")
    assert decide(company.dave.user, pk)["status"] == InstanceStatus.APPROVED
    assert state(company.bob.user, pk)[2] == [
        ("sign", "alice", CANCELLED), ("sign", "dave", DONE), ("sign", "gm", CANCELLED),
    ]
    assert detail(company.alice.user, pk)["actions"]["task"] is None  # withdrawn from the others


def test_quorum_through_the_api_two_of_three(company, signers, gm):
    pk = signers("quorum", quorum=2)
    assert decide(company.alice.user, pk)["status"] == InstanceStatus.RUNNING
    assert decide(gm, pk)["status"] == InstanceStatus.APPROVED
    assert ("sign", "dave", CANCELLED) in state(company.bob.user, pk)[2]


def test_parallel_branches_through_the_api_join_before_the_next_step(company, gm):
    publish("par", parallel("par", [["legal"], ["finance"]], after=["final"]), {
        "legal": {"assignee": users("alice")}, "finance": {"assignee": users("dave")},
        "final": {"assignee": users("gm")},
    }, actor=company.admin)
    pk = start(company.bob.user, "par")
    assert sorted(state(company.bob.user, pk)[1]) == ["finance", "legal"]
    assert decide(company.dave.user, pk)["steps"]["current"] == ["legal"]
    assert decide(company.alice.user, pk)["steps"]["current"] == ["final"]
    assert decide(gm, pk)["status"] == InstanceStatus.APPROVED


@pytest.mark.parametrize(("amount", "current"), [(800, []), (80000, ["gm"])])
def test_a_gateway_on_the_form_through_the_api(company, gm, amount, current):
    publish("purchase", chain("purchase", ["head", ("gm", "amount > 50000")]), {
        "head": {"assignee": {"type": "department_head"}}, "gm": {"assignee": users("gm")},
    }, actor=company.admin)
    pk = start(company.bob.user, "purchase", {"amount": amount})
    after = decide(company.alice.user, pk)
    assert after["steps"]["current"] == current
    assert after["status"] == (InstanceStatus.RUNNING if current else InstanceStatus.APPROVED)


@pytest.mark.parametrize(("amount", "current"), [(80000, ["gm_step"]), (20000, ["finance_step"]), (500, [])])
def test_a_dmn_table_routes_through_the_api(company, gm, amount, current):
    bpmn = decided("buy", "approval_level", {"gm": "gm_step", "finance": "finance_step"}, before=["head"])
    publish("buy", bpmn, {
        "head": {"assignee": {"type": "department_head"}}, "gm_step": {"assignee": users("gm")},
        "finance_step": {"assignee": users("dave")},
    }, dmn_xml=dmn_table("approval_level", "amount", THRESHOLDS), actor=company.admin)
    pk = start(company.bob.user, "buy", {"amount": amount})
    assert decide(company.alice.user, pk)["steps"]["current"] == current


def test_an_automatic_step_passes_through_the_api(company):
    publish("auto", chain("auto", ["notice", "head"]), {
        "notice": {"empty": "skip"}, "head": {"assignee": {"type": "department_head"}},
    }, actor=company.admin)
    pk = start(company.bob.user, "auto")
    body = detail(company.bob.user, pk)
    assert body["steps"]["current"] == ["head"]
    assert [t["step"] for t in body["tasks"]] == ["head"]  # nobody had to act on the notice
    assert any(e["step"] == "notice" for e in body["trail"])


def test_a_delegate_decides_through_the_api_on_behalf_of_the_principal(company):
    publish("deleg", chain("deleg", ["head"]), {"head": {"assignee": {"type": "department_head"}}},
            actor=company.admin)
    now = timezone.now()
    DelegationFactory(principal=company.alice, delegate=company.carol,
                      starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=1))
    pk = start(company.bob.user, "deleg")
    task = detail(company.bob.user, pk)["tasks"][0]
    assert (task["assignee"], task["principal"]) == ("carol", "alice")
    assert detail(company.alice.user, pk)["actions"]["task"] is None  # the principal does not hold it
    done = decide(company.carol.user, pk, comment="代批")
    assert done["status"] == InstanceStatus.APPROVED
    entry = next(e for e in done["trail"] if e["code"] == Decision.APPROVED)
    assert entry["who"].startswith("Carol") and entry["on_behalf_of"].startswith("Alice")
