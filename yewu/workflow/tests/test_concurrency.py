"""Two people acting at once have exactly one effect; a crash mid-step leaves nothing half-applied.

The races run twice: deterministically (the loser calls the service with a stale Task after the
winner finished) and for real, in threads with their own database connections, while the
winner's step is slowed down inside its transaction.
"""

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections

from yewu.core.errors import DomainError
from yewu.core.models import Event, NumberSequence
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.workflow import assignment, engine, services
from yewu.workflow.choices import Decision, InstanceStatus, TaskStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import ProcessInstance, Task
from yewu.workflow.testing.bpmn import activities, chain, publish, rows, snapshot

OPEN, DONE, CANCELLED = TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED
LOSING = {WorkflowError.TASK_CLOSED.value, WorkflowError.CONFLICT.value, WorkflowError.INSTANCE_CLOSED.value}


@pytest.fixture
def flows(company):
    EmployeeFactory(user=UserFactory(username="gm"), name="总经理", department=company.hq, position=company.head)
    publish("seq", chain("seq", ["head", "finance"]), {
        "head": {"assignee": {"type": "department_head"}},
        "finance": {"assignee": {"type": "user", "username": "dave"}},
    }, actor=company.admin)
    publish("orsign", chain("orsign", ["sign"]), {
        "sign": {"assignee": {"type": "user", "usernames": ["alice", "dave", "gm"]}, "mode": "any"},
    }, actor=company.admin)


def start(company, key):
    return services.start_process(key, actor=company.bob.user, title="申请")


def task_of(instance, username):
    return Task.objects.get(instance=instance, assignee__username=username)


# --- deterministic races: the loser holds a stale Task -------------------------------------------


def test_a_stale_task_cannot_be_approved_a_second_time(company, flows):
    inst = start(company, "seq")
    task = task_of(inst, "alice")
    stale = Task.objects.get(pk=task.pk)
    services.approve_task(task, actor=company.alice.user)
    before = snapshot(inst)
    assert stale.status == OPEN  # what the second browser tab still shows
    with pytest.raises(DomainError) as exc:
        services.approve_task(stale, actor=company.alice.user)
    assert exc.value.code == WorkflowError.TASK_CLOSED
    assert snapshot(inst) == before
    assert activities(inst).count("head.approved") == 1


def test_a_stale_or_sign_task_loses_to_the_first_decision(company, flows):
    inst = start(company, "orsign")
    alice_task, dave_task = task_of(inst, "alice"), task_of(inst, "dave")
    services.approve_task(alice_task, actor=company.alice.user)
    before = snapshot(inst)
    with pytest.raises(DomainError) as exc:
        services.reject_task(dave_task, actor=company.dave.user, comment="不同意")
    assert exc.value.code == WorkflowError.TASK_CLOSED
    assert snapshot(inst) == before
    assert ProcessInstance.objects.get(pk=inst.pk).status == InstanceStatus.APPROVED
    assert [e for e in activities(inst) if e.startswith("sign.") and e != "sign.opened"] == ["sign.approved"]


def test_a_writer_that_slipped_past_the_lock_makes_the_step_a_conflict(company, flows, monkeypatch):
    inst = start(company, "seq")
    before = snapshot(inst)
    real_dump = engine.dump

    def dump_after_someone_else(workflow):
        # Another process wrote the approval between our read and our write (no lock on it).
        ProcessInstance.objects.filter(pk=inst.pk).update(revision=999)
        return real_dump(workflow)

    monkeypatch.setattr(engine, "dump", dump_after_someone_else)
    with pytest.raises(DomainError) as exc:
        services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    assert exc.value.code == WorkflowError.CONFLICT
    assert snapshot(inst) == before  # the intruding write was in our transaction and rolled back too


# --- a crash mid-step ----------------------------------------------------------------------------


class Crash(Exception):
    pass


def crash(*args, **kwargs):
    raise Crash("power cut")


def test_a_crash_while_saving_the_engine_state_leaves_nothing_half_applied(company, flows, monkeypatch):
    inst = start(company, "seq")
    before = snapshot(inst)
    monkeypatch.setattr(engine, "dump", crash)
    with pytest.raises(Crash):
        services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    assert snapshot(inst) == before
    assert rows(inst) == [("head", "alice", OPEN, "")]


def test_a_crash_while_opening_the_next_step_leaves_nothing_half_applied(company, flows, monkeypatch):
    inst = start(company, "seq")
    before = snapshot(inst)
    monkeypatch.setattr(assignment, "resolve", crash)
    with pytest.raises(Crash):
        services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    assert snapshot(inst) == before


def test_a_crash_while_notifying_rolls_the_whole_step_back(company, flows, monkeypatch):
    inst = start(company, "seq")
    before = snapshot(inst)
    monkeypatch.setattr(services, "notify", crash)
    with pytest.raises(Crash):
        services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    assert snapshot(inst) == before


def test_a_crash_while_starting_leaves_no_approval_behind(company, flows, monkeypatch):
    counts = (ProcessInstance.objects.count(), Task.objects.count(), Event.objects.count(),
              list(NumberSequence.objects.values_list("doc_type", "last_value")))
    monkeypatch.setattr(engine, "dump", crash)
    with pytest.raises(Crash):
        start(company, "seq")
    assert counts == (ProcessInstance.objects.count(), Task.objects.count(), Event.objects.count(),
                      list(NumberSequence.objects.values_list("doc_type", "last_value")))


def test_a_crash_while_returning_leaves_the_approval_where_it_was(company, flows, monkeypatch):
    inst = start(company, "seq")
    services.approve_task(task_of(inst, "alice"), actor=company.alice.user)
    before = snapshot(inst)
    monkeypatch.setattr(engine, "dump", crash)
    with pytest.raises(Crash):
        services.return_task(task_of(inst, "dave"), actor=company.dave.user, to_step="head", comment="退回")
    assert snapshot(inst) == before


# --- real races in threads -----------------------------------------------------------------------


def _thread_database(tmp_path: Path) -> Callable[[], None]:
    """What each worker thread runs first so that it talks to a database that really locks.

    On PostgreSQL every thread opens its own connection to the test database. pytest-django's
    SQLite test database is in memory with a shared cache, whose table locks fail at once instead
    of waiting like the WAL file Yewu runs on; there the test copies the database to a file (with
    Yewu's settings: BEGIN IMMEDIATE and a busy timeout) and points the threads at it.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return lambda: None
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")  # already WAL: the racing threads need not switch it
    target.close()
    file_settings = {**connection.settings_dict, "NAME": str(path)}
    wrapper_class = type(connections["default"])

    def use_file() -> None:
        connections["default"] = wrapper_class(file_settings, "default")

    return use_file


def race(tmp_path, *calls: Callable[[], object], after: Callable[[], object]) -> tuple[list, object]:
    """Run the calls at the same moment in threads; then `after` (reading the outcome) in one more.
    Returns ([("ok", value) | ("refused", code) | ("error", repr)], after's value)."""
    prepare = _thread_database(tmp_path)
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(i: int, call: Callable[[], object]) -> None:
        try:
            prepare()
            start.wait(timeout=30)
            results[i] = ("ok", call())
        except DomainError as exc:
            results[i] = ("refused", exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            results[i] = ("error", repr(exc))
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    outcome: list = []

    def read() -> None:
        try:
            prepare()
            outcome.append(after())
        finally:
            connections["default"].close()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(timeout=60)
    return results, outcome[0]


@pytest.fixture
def slow_steps(monkeypatch):
    """Each step lingers inside its transaction, so that the other caller arrives meanwhile."""
    real_dump = engine.dump

    def slow(workflow):
        time.sleep(0.3)
        return real_dump(workflow)

    monkeypatch.setattr(engine, "dump", slow)


def _outcome(inst):
    def read():
        fresh = ProcessInstance.objects.get(pk=inst.pk)
        return fresh.status, rows(fresh), activities(fresh)
    return read


@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_the_same_task_have_one_effect(company, flows, tmp_path, slow_steps):
    inst = start(company, "seq")
    task = task_of(inst, "alice")
    results, (status, task_rows, trail) = race(
        tmp_path,
        lambda: services.approve_task(task, actor=company.alice.user) and "approved",
        lambda: services.approve_task(task, actor=company.alice.user) and "approved",
        after=_outcome(inst),
    )
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert next(r[1] for r in results if r[0] == "refused") in LOSING
    assert trail.count("head.approved") == 1
    assert task_rows == [("head", "alice", DONE, Decision.APPROVED), ("finance", "dave", OPEN, "")]
    assert status == InstanceStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_two_or_signers_at_once_have_one_effect(company, flows, tmp_path, slow_steps):
    inst = start(company, "orsign")
    alice_task, dave_task = task_of(inst, "alice"), task_of(inst, "dave")
    results, (status, task_rows, trail) = race(
        tmp_path,
        lambda: services.approve_task(alice_task, actor=company.alice.user) and "approved",
        lambda: services.reject_task(dave_task, actor=company.dave.user, comment="不同意") and "rejected",
        after=_outcome(inst),
    )
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert next(r[1] for r in results if r[0] == "refused") in LOSING
    winner = next(r[1] for r in results if r[0] == "ok")
    decided = [e for e in trail if e in ("sign.approved", "sign.rejected")]
    assert decided == [f"sign.{winner}"]
    assert status == (InstanceStatus.APPROVED if winner == "approved" else InstanceStatus.REJECTED)
    assert sorted(r[2] for r in task_rows) == [CANCELLED, CANCELLED, DONE]


@pytest.mark.django_db(transaction=True)
def test_withdraw_and_approve_at_once_have_one_effect(company, flows, tmp_path, slow_steps):
    inst = start(company, "seq")
    task = task_of(inst, "alice")
    results, (status, _rows, trail) = race(
        tmp_path,
        lambda: services.approve_task(task, actor=company.alice.user) and "approved",
        lambda: services.withdraw_instance(inst, actor=company.bob.user) and "withdrawn",
        after=_outcome(inst),
    )
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    winner = next(r[1] for r in results if r[0] == "ok")
    loser = next(r[1] for r in results if r[0] == "refused")
    if winner == "approved":
        assert loser == WorkflowError.WITHDRAW_AFTER_DECISION and status == InstanceStatus.RUNNING
        assert "process.withdrawn" not in trail
    else:
        assert loser in LOSING and status == InstanceStatus.WITHDRAWN
        assert "head.approved" not in trail
