"""Moving running approvals to a newer published version: what the engine allows moves (state,
version, task rows and an audit event together), the rest stays with a precise reason; a dry run
changes nothing; the admin page and the API give the same report."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.core.testing.api import api_client, assert_error
from yewu.workflow import migration, services
from yewu.workflow.choices import InstanceStatus, TaskStatus
from yewu.workflow.models import ProcessInstance, Task
from yewu.workflow.testing.bpmn import chain, parallel, publish, ready_steps, rows

USERS = {s: {"assignee": {"type": "user", "username": "alice"}, "dedupe": False} for s in ("a", "b", "c", "x", "p", "q")}


def start(company):
    return services.start_process("mig", actor=company.bob.user, title="迁移", form={})


def approve(instance, step):
    task = Task.objects.get(instance=instance, step_id=step, status=TaskStatus.OPEN)
    services.approve_task(task, actor=task.assignee)


def reload(instance):
    return ProcessInstance.objects.get(pk=instance.pk)


@pytest.fixture
def v1(company):
    return publish("mig", chain("mig", ["a", "b"], {"a": "初审", "b": "复核"}), USERS, actor=company.admin)


def test_an_approval_moves_and_then_follows_the_new_diagram(company, v1):
    at_a = reload(start(company))
    v2 = publish("mig", chain("mig", ["a", "b", "c"], {"a": "部门初审", "b": "复核", "c": "总经理"}), USERS,
                 actor=company.admin)
    report = migration.migrate_instances(v1, v2, actor=company.admin)
    assert [o.instance.pk for o in report.moved] == [at_a.pk] and report.refused == []
    moved = reload(at_a)
    assert moved.version_id == v2.pk and moved.revision == at_a.revision + 1
    assert rows(moved, "step_id", "name", "status") == [("a", "部门初审", "open")]  # the projection follows
    event = Event.objects.get(process_instance=at_a.number, activity="process.migrated")
    assert json.loads(event.data) == {"from_version": 1, "to_version": 2, "waiting": ["a"]}
    assert event.actor == company.admin
    approve(moved, "a")
    approve(moved, "b")
    assert ready_steps(moved) == ["c"]  # the step only version 2 has
    approve(moved, "c")
    assert reload(moved).status == InstanceStatus.APPROVED


def test_what_cannot_move_stays_with_the_reason_naming_the_step(company, v1):
    at_a, at_b = start(company), start(company)
    approve(at_b, "a")
    at_b = reload(at_b)
    v2 = publish("mig", chain("mig", ["a", "c"]), USERS, actor=company.admin)
    report = migration.migrate_instances(v1, v2, actor=company.admin)
    assert [o.instance.pk for o in report.moved] == [at_a.pk]
    [refused] = report.refused
    assert refused.instance.pk == at_b.pk and "复核 (b)" in refused.reason and "version 2" in refused.reason
    assert reload(at_b).version_id == v1.pk and reload(at_b).state == at_b.state
    assert not Event.objects.filter(process_instance=at_b.number, activity="process.migrated").exists()
    approve(at_b, "b")  # it finishes on its own version
    assert reload(at_b).status == InstanceStatus.APPROVED


def test_a_completed_step_missing_from_the_new_version_refuses_the_move(company, v1):
    at_b = start(company)
    approve(at_b, "a")
    v2 = publish("mig", chain("mig", ["x", "b"]), USERS, actor=company.admin)
    with translation.override("en"):
        [refused] = migration.migrate_instances(v1, v2, actor=company.admin).refused
    assert refused.reason == "the step 初审 (a) was done already, and version 2 has no such step"


def test_parallel_branches_move_when_every_waiting_step_exists(company):
    v1 = publish("mig", parallel("mig", [["p"], ["q"]], before=["a"]), USERS, actor=company.admin)
    inst = start(company)
    approve(inst, "a")
    approve(inst, "p")  # the join waits for q
    v2 = publish("mig", parallel("mig", [["p"], ["q"]], before=["a"], after=["c"]), USERS, actor=company.admin)
    report = migration.migrate_instances(v1, v2, actor=company.admin)
    assert len(report.moved) == 1, report.as_dict()
    approve(inst, "q")
    assert ready_steps(inst) == ["c"]


def test_a_dry_run_reports_and_changes_nothing(company, v1):
    inst = reload(start(company))
    v2 = publish("mig", chain("mig", ["a", "b", "c"]), USERS, actor=company.admin)
    report = migration.migrate_instances(v1, v2, actor=company.admin, dry_run=True)
    assert report.dry_run and [o.moved for o in report.outcomes] == [True]
    assert reload(inst).version_id == v1.pk and reload(inst).state == inst.state
    assert not Event.objects.filter(activity="process.migrated").exists()


def test_only_the_chosen_approvals_move_and_only_to_a_newer_published_version(company, v1):
    first, second = start(company), start(company)
    v2 = publish("mig", chain("mig", ["a", "b", "c"]), USERS, actor=company.admin)
    report = migration.migrate_instances(v1, v2, actor=company.admin, instances=[second.pk])
    assert [o.instance.pk for o in report.outcomes] == [second.pk]
    assert reload(first).version_id == v1.pk and reload(second).version_id == v2.pk
    for source, target, code in ((v2, v1, "workflow.migration_target"), (v1, v1, "workflow.migration_target")):
        with pytest.raises(DomainError) as exc:
            migration.migrate_instances(source, target, actor=company.admin)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        migration.migrate_instances(v1, v2, actor=company.admin, instances=[second.pk])
    assert exc.value.code == "workflow.migration_instance"
    with pytest.raises(DomainError) as exc:
        migration.migrate_instances(v1, v2, actor=company.bob.user)
    assert exc.value.code == "core.permission_denied"


def test_a_finished_approval_is_not_moved(company, v1):
    inst = start(company)
    approve(inst, "a")
    approve(inst, "b")
    v2 = publish("mig", chain("mig", ["a", "b", "c"]), USERS, actor=company.admin)
    assert migration.migrate_instances(v1, v2, actor=company.admin).outcomes == []
    with translation.override("en"):
        [outcome] = migration.migrate_instances(v1, v2, actor=company.admin, instances=[inst.pk]).outcomes
    assert (outcome.moved, outcome.reason) == (False, "the approval is no longer running")


# --- page and API --------------------------------------------------------------------------------


def test_the_page_shows_the_dry_run_and_moves_the_chosen_approvals(company, v1):
    movable, stuck = start(company), start(company)
    approve(stuck, "a")
    v2 = publish("mig", chain("mig", ["a", "c"]), USERS, actor=company.admin)
    client = Client()
    client.force_login(company.admin)
    assert b'data-testid="migrate-link"' in client.get(v1.get_absolute_url()).content
    url = reverse("processes:version_migrate", args=[v1.pk])
    page = client.get(url).content.decode()
    assert f'name="instance" value="{movable.pk}"' in page and f'name="instance" value="{stuck.pk}"' not in page
    assert "(b)" in page
    resp = client.post(url, {"to": v2.pk, "instance": [movable.pk]})
    assert resp.status_code == 200 and 'data-testid="migration-report"' in resp.content.decode()
    assert reload(movable).version_id == v2.pk and reload(stuck).version_id == v1.pk
    other = Client()
    other.force_login(company.bob.user)
    assert other.get(url).status_code == 404


def test_the_api_migrates_with_a_report(company, v1):
    movable, stuck = start(company), start(company)
    approve(stuck, "a")
    v2 = publish("mig", chain("mig", ["a", "c"]), USERS, actor=company.admin)
    api = api_client(company.admin, language="en")
    url = f"/api/workflow/versions/{v1.pk}/migrate/"
    dry = api.post(url, {"to": v2.pk, "dry_run": True}, format="json").json()
    assert dry["dry_run"] and [o["id"] for o in dry["moved"]] == [movable.pk]
    resp = api.post(url, {"to": v2.pk}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert [o["number"] for o in body["moved"]] == [movable.number]
    assert [(o["number"], o["moved"]) for o in body["refused"]] == [(stuck.number, False)]
    assert "b" in body["refused"][0]["reason"]
    assert_error(api.post(f"/api/workflow/versions/{v2.pk}/migrate/", {"to": v1.pk}, format="json"), 400,
                 "workflow.migration_target")
    assert_error(api_client(company.bob.user).post(url, {"to": v2.pk}, format="json"), 403, "permission_denied")
