"""Process definitions and versions against every data scope, through every channel (UI list, csv and
xlsx export, detail, global search, API list and detail, changes through the UI and the API,
creating and moving definitions): see yewu/core/testing/permissions.py.

A definition's scope is its owner department; a version's is its definition's owner department.
"""

from __future__ import annotations

from typing import Any

from yewu.core.testing.permissions import (
    Place,
    ScopedModelSpec,
    ScopedModelTests,
    World,
    register,
    unique,
)
from yewu.workflow import definitions
from yewu.workflow.models import ProcessDefinition, ProcessVersion
from yewu.workflow.testing.bpmn import chain


def _definition(world: World, dept: Any) -> ProcessDefinition:
    key = unique("perm-probe-")
    return ProcessDefinition.objects.create(key=key, name=unique("探针流程"), owner_department=dept)


def _version(world: World, dept: Any) -> ProcessVersion:
    definition = _definition(world, dept)
    return definitions.create_version(
        definition, actor=world.company.admin, bpmn_xml=chain("probe", ["head"], {"head": "部门审批"}),
    )


def _definition_payload(world: World, place: Place) -> dict[str, Any] | None:
    if place == Place.OWNED:
        return None  # definitions have no owner
    return {"key": unique("new-process-"), "name": unique("新流程"), "owner_department": world.department(place).pk}


def _move_definition(world: World, place: Place) -> tuple[ProcessDefinition, dict[str, Any]]:
    return _definition(world, world.company.sales), {"owner_department": world.department(place).pk}


DEFINITION_SPEC = register(
    ScopedModelSpec(
        ProcessDefinition,
        make=_definition,
        list_url="processes:definition_list",
        detail_url="processes:definition_detail",
        search_field="name",
        api_path="/api/workflow/definitions/",
        api_patch=lambda obj: {"description": unique("changed ")},
        edit_url="processes:definition_edit",
        edit_changes=lambda obj: {"description": unique("changed ")},
        api_create=_definition_payload,
        api_move=_move_definition,
    )
)

VERSION_SPEC = register(
    ScopedModelSpec(
        ProcessVersion,
        make=_version,
        list_url="processes:version_list",
        detail_url="processes:version_detail",
        api_path="/api/workflow/versions/",
        api_patch=lambda obj: {"notes": unique("changed ")},
        # A draft probe moves on to review: a change of the version's status.
        ui_change_action_url="processes:version_to_review",
    )
)


class TestProcessDefinitionPermissions(ScopedModelTests):
    spec = DEFINITION_SPEC


class TestProcessVersionPermissions(ScopedModelTests):
    spec = VERSION_SPEC
