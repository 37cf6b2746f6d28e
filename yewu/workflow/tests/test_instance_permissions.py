"""Who sees approvals and tasks: the role-scope part through the generic permission harness
(yewu/core/testing/permissions.py), and the participants' part in explicit tests.

Approvals are visible to their participants whatever their grants: the requester, everyone who
holds or held a task on it (and the person a delegate acted for), and the colleagues it was copied
to. The generic harness knows only grants, so with no grant at all it would expect the user's own
approval to be invisible; that one case (scope "none") is proven here explicitly instead.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from yewu.core.testing.api import api_client
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.core.testing.permissions import (
    Place,
    ScopedModelSpec,
    ScopedModelTests,
    register,
    seen_in_api_detail,
    seen_in_api_list,
    seen_in_export,
    seen_in_queryset,
    seen_in_search,
    seen_in_ui_detail,
    seen_in_ui_list,
    ui_client,
    unique,
)
from yewu.workflow import definitions
from yewu.workflow.choices import VersionStatus
from yewu.workflow.models import (
    CarbonCopy,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
    Task,
)
from yewu.workflow.testing.bpmn import chain

_numbers = itertools.count(1)


def _version(world: Any) -> ProcessVersion:
    """One published process per world (probes are rows; nothing here runs the engine)."""
    version = getattr(world, "_ac_version", None)
    if version is None:
        company = world.company
        definition = ProcessDefinition.objects.create(key="ac_probe", name="探针流程", owner_department=company.hq)
        version = definitions.create_version(
            definition, actor=company.admin, bpmn_xml=chain("ac_probe", ["head"]),
            steps={"head": {"assignee": {"type": "department_head"}}},
        )
        definitions.set_version_status(version, VersionStatus.REVIEW, actor=company.admin)
        definitions.set_version_status(version, VersionStatus.PUBLISHED, actor=company.admin)
        world._ac_version = version
    return version


def _instance(world: Any, dept: Any, requester: Any = None) -> ProcessInstance:
    """An approval in `dept`, requested by someone there (not the user) unless told otherwise."""
    requester = requester or EmployeeFactory(department=dept).user
    return ProcessInstance.objects.create(
        version=_version(world), number=f"AP-PROBE-{next(_numbers):06d}", title=unique("探针审批"),
        requester=requester, department=dept,
    )


def _task(world: Any, dept: Any, assignee: Any = None) -> Task:
    instance = _instance(world, dept)
    return Task.objects.create(
        instance=instance, step_id="head", name="部门审批", spiff_task=unique("probe-"),
        assignee=assignee or EmployeeFactory(department=dept).user,
    )


INSTANCE_SPEC = register(
    ScopedModelSpec(
        ProcessInstance,
        make=lambda world, dept: _instance(world, dept),
        make_owned=lambda world: _instance(world, world.company.sales, requester=world.user),
        list_url="workflow:instance_list",
        detail_url="workflow:instance_detail",
        search_field="number",
        api_path="/api/workflow/instances/",
    )
)

TASK_SPEC = register(
    ScopedModelSpec(
        Task,
        make=lambda world, dept: _task(world, dept),
        # Assigned to the user on an approval of another department: ownership alone reaches it.
        make_owned=lambda world: _task(world, world.company.finance, assignee=world.user),
        api_path="/api/workflow/tasks/",
    )
)


class _ParticipantsSeeTheirOwn(ScopedModelTests):
    """With no grant at all, the owned probe is the user's own approval (or task), which they see
    as a participant through the approval centre; restrict() and global search, which read
    grants alone, show nothing."""

    def test_view_scope(self, db: Any, scope: str | None) -> None:
        if scope is not None:
            return super().test_view_scope(db, scope)
        spec = self.spec
        world, probes = self._world(None, "view")
        own = {Place.OWNED}
        assert seen_in_queryset(spec, world.user, probes) == set()
        ui = ui_client(world.user)
        if spec.list_url:
            assert seen_in_ui_list(spec, ui, probes) == own
            assert seen_in_export(spec, ui, probes, "csv") == own
            assert seen_in_export(spec, ui, probes, "xlsx") == own
        if spec.detail_url:
            assert seen_in_ui_detail(spec, ui, probes) == own
        if spec.search_field:
            assert seen_in_search(spec, ui, probes) == set()
        api = api_client(world.user)
        assert seen_in_api_list(spec, api, probes) == own
        assert seen_in_api_detail(spec, api, probes) == own
        return None


class TestProcessInstancePermissions(_ParticipantsSeeTheirOwn):
    spec = INSTANCE_SPEC


class TestTaskPermissions(_ParticipantsSeeTheirOwn):
    spec = TASK_SPEC


# --- participants, explicitly --------------------------------------------------------------------


@pytest.fixture
def probe(company):
    """An approval in finance requested by dave, with a task for a finance colleague; bob (sales)
    has no grant and no part in it."""
    from yewu.core.testing.permissions import World

    world = World(company=company, user=company.bob.user, me=company.bob)
    task = _task(world, company.finance)
    instance = task.instance
    instance.requester = company.dave.user
    instance.save(update_fields=["requester"])
    return instance, task


def _sees(user: Any, instance: ProcessInstance) -> dict[str, bool]:
    """Whether `user` reaches the approval through each channel of the approval centre."""
    ui = ui_client(user)
    api = api_client(user)
    listed = [o.pk for o, _cells in ui.get(reverse("workflow:instance_list")).context["rows"]]
    return {
        "page": ui.get(instance.get_absolute_url()).status_code == 200,
        "print": ui.get(reverse("workflow:instance_print", args=[instance.pk])).status_code == 200,
        "list": instance.pk in listed,
        "api": api.get(f"/api/workflow/instances/{instance.pk}/").status_code == 200,
        "api list": instance.pk in [r["id"] for r in api.get("/api/workflow/instances/").json()["results"]],
        "api tasks": bool(api.get("/api/workflow/tasks/", {"instance": instance.pk}).json()["results"]),
    }


ALL = {"page": True, "print": True, "list": True, "api": True, "api list": True, "api tasks": True}
NONE = dict.fromkeys(ALL, False)


def test_an_outsider_without_a_grant_sees_nothing(probe, company):
    instance, _task_row = probe
    assert _sees(company.bob.user, instance) == NONE
    assert _sees(UserFactory(username="nobody"), instance) == NONE


def test_the_requester_sees_it(probe, company):
    assert _sees(company.dave.user, probe[0]) == ALL


def test_the_assignee_sees_it(probe):
    instance, task = probe
    assert _sees(task.assignee, instance) == ALL


def test_the_person_a_delegate_acted_for_sees_it(probe, company):
    instance, task = probe
    Task.objects.filter(pk=task.pk).update(principal=company.bob.user)
    assert _sees(company.bob.user, instance) == ALL


def test_a_colleague_it_was_copied_to_sees_it(probe, company):
    instance, _task_row = probe
    CarbonCopy.objects.create(instance=instance, user=company.bob.user, created_by=company.dave.user)
    assert _sees(company.bob.user, instance) == ALL


def test_someone_whose_task_was_handed_on_still_sees_it(probe, company):
    instance, task = probe
    Task.objects.filter(pk=task.pk).update(assignee=company.bob.user, status="done", decision="transferred")
    assert _sees(company.bob.user, instance) == ALL


def test_an_inactive_participant_sees_nothing(probe, company):
    instance, _task_row = probe
    dave = company.dave.user
    dave.is_active = False
    dave.save(update_fields=["is_active"])
    from yewu.workflow import inbox

    assert not inbox.visible_instances(dave).exists() and not inbox.visible_tasks(dave).exists()
