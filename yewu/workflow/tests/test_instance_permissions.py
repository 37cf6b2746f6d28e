"""Who sees approvals and tasks: the role-scope part through the generic permission harness
(yewu/core/testing/permissions.py), and the participants' part in explicit tests.

Approvals are visible to their participants whatever their grants: the requester, everyone who
holds or held a task on it (and the person a delegate acted for), and the colleagues it was copied
to. The rule lives in ProcessInstance's restricted queryset, so the approval centre, global search,
exports, the API and `permissions.can` agree; participants may also comment and attach files.
The generic harness knows only grants, so with no grant at all it would expect the user's own
approval to be invisible; that one case (scope "none") is proven here explicitly instead.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from yewu.core import permissions
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
    as a participant through every channel (restrict() and global search included)."""

    def test_view_scope(self, db: Any, scope: str | None) -> None:
        if scope is not None:
            return super().test_view_scope(db, scope)
        spec = self.spec
        world, probes = self._world(None, "view")
        own = {Place.OWNED}
        assert seen_in_queryset(spec, world.user, probes) == own
        ui = ui_client(world.user)
        if spec.list_url:
            assert seen_in_ui_list(spec, ui, probes) == own
            assert seen_in_export(spec, ui, probes, "csv") == own
            assert seen_in_export(spec, ui, probes, "xlsx") == own
        if spec.detail_url:
            assert seen_in_ui_detail(spec, ui, probes) == own
        if spec.search_field:
            assert seen_in_search(spec, ui, probes) == own
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


        "search": instance.pk in [o.pk for g in ui.get(reverse("core:search"), {"q": instance.number}).context["groups"]
                                  for o in g["hits"]],
        "can view": permissions.can(user, "view", instance),
        "can attach": permissions.can(user, "attach", instance),
    }


ALL = {"page": True, "print": True, "list": True, "api": True, "api list": True, "api tasks": True,
       "search": True, "can view": True, "can attach": True}
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


# --- participants comment and attach; outsiders cannot ---------------------------------------------


def _comment(user: Any, instance: ProcessInstance, body: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(ProcessInstance)
    return ui_client(user).post(reverse("core:comment_add", args=[ct.pk, instance.pk]), {"body": body}).status_code


def _attach(user: Any, instance: ProcessInstance, name: str) -> int:
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.uploadedfile import SimpleUploadedFile

    ct = ContentType.objects.get_for_model(ProcessInstance)
    upload = SimpleUploadedFile(name, b"%PDF-1.4 demo", content_type="application/pdf")
    return ui_client(user).post(reverse("core:attachment_add", args=[ct.pk, instance.pk]), {"file": upload}).status_code


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.parametrize("who", ["requester", "assignee", "copied", "principal"])
def test_participants_without_a_grant_comment_and_attach(probe, company, media, who):
    from yewu.core import services as core_services
    from yewu.core.models import Attachment, Comment
    from yewu.core.testing.factories import grant

    instance, task = probe
    user = {"requester": company.dave.user, "assignee": task.assignee, "copied": company.bob.user,
            "principal": company.bob.user}[who]
    if who == "copied":
        CarbonCopy.objects.create(instance=instance, user=user, created_by=company.dave.user)
    if who == "principal":
        Task.objects.filter(pk=task.pk).update(principal=user)
    assert not permissions.scopes_for(user, ProcessInstance, "view")  # no grant: a participant only
    assert _comment(user, instance, "请补充报价单") == 302
    assert _attach(user, instance, "报价单.pdf") == 302
    core_services.add_comment(instance, "已补充", actor=user)
    assert Comment.objects.filter(object_id=str(instance.pk), author=user).count() == 2
    assert list(Attachment.objects.filter(object_id=str(instance.pk)).values_list("name", flat=True)) == ["报价单.pdf"]
    page = ui_client(user).get(instance.get_absolute_url())
    assert page.context["can_comment"] and page.context["can_attach"]
    download = ui_client(user).get(reverse("core:attachment_download", args=[Attachment.objects.get().pk]))
    assert download.status_code == 200
    # Taking part does not reach other actions: changing the approval still needs a grant.
    assert not permissions.can(user, "change", instance)
    grant(user, "workflow.view_processinstance", "own")
    assert permissions.can(user, "attach", instance)


def test_outsiders_can_neither_comment_nor_attach(probe, company, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yewu.core import services as core_services
    from yewu.core.errors import DomainError
    from yewu.core.models import Attachment, Comment

    instance, _task_row = probe
    outsiders = [company.bob.user, company.carol.user, UserFactory(username="nobody")]
    for user in outsiders:
        assert _comment(user, instance, "路过") == 404
        assert _attach(user, instance, "x.pdf") == 404
        with pytest.raises(DomainError):
            core_services.add_comment(instance, "路过", actor=user)
        with pytest.raises(DomainError):
            core_services.add_attachment(instance, SimpleUploadedFile("x.pdf", b"%PDF"), actor=user)
        assert not permissions.can(user, "attach", instance)
    assert not Comment.objects.exists() and not Attachment.objects.exists()


def test_a_view_grant_alone_lets_one_read_and_comment_but_not_attach(probe, company, media):
    """An auditor-like company-wide view grant reads and comments; adding files to someone's
    approval takes part in it (or a change grant)."""
    from yewu.core.testing.factories import grant

    instance, _task_row = probe
    bob = company.bob.user
    grant(bob, "workflow.view_processinstance", "all")
    assert _sees(bob, instance)["page"] and _comment(bob, instance, "审计意见") == 302
    assert not permissions.can(bob, "attach", instance) and _attach(bob, instance, "x.pdf") == 302
    from yewu.core.models import Attachment

    assert not Attachment.objects.exists()
    grant(bob, "workflow.change_processinstance", "all")
    assert _attach(bob, instance, "x.pdf") == 302 and Attachment.objects.count() == 1
