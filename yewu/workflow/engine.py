"""SpiffWorkflow behind a narrow seam: parse (cached), create, load and dump workflows.

The persisted state leaves out the spec: parsed specs are cached per process version, so a step
deserializes only the task tree (pitfall 3 in the issue). Task data holds ids, decisions and plain
JSON values only; business values stay in Django models (pitfall 2).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

from yewu.workflow.expressions import SCRIPT_ENGINE

_SPECS: OrderedDict[tuple[int, str], tuple[Any, dict]] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 256
_current_specs = threading.local()


def _xml(text: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)


def parse(bpmn_xml: str, process_id: str, dmn_xml: str = "") -> tuple[Any, dict]:
    """Parse BPMN (and DMN) text into the engine's spec and subprocess specs."""
    parser = BpmnDmnParser()
    parser.add_bpmn_xml(_xml(bpmn_xml), filename=f"{process_id}.bpmn")
    if dmn_xml.strip():
        parser.add_dmn_xml(_xml(dmn_xml), filename=f"{process_id}.dmn")
    spec = parser.get_spec(process_id)
    subprocesses = parser.get_subprocess_specs(process_id)
    return spec, subprocesses


def specs_for(version: Any) -> tuple[Any, dict]:
    """The parsed spec of a process version, from the cache (versions are immutable once used)."""
    key = (version.pk, version.process_id)
    with _LOCK:
        hit = _SPECS.get(key)
        if hit is not None:
            _SPECS.move_to_end(key)
            return hit
    parsed = parse(version.bpmn_xml, version.process_id, version.dmn_xml)
    with _LOCK:
        _SPECS[key] = parsed
        while len(_SPECS) > _CACHE_SIZE:
            _SPECS.popitem(last=False)
    return parsed


def forget(version_pk: int) -> None:
    with _LOCK:
        for key in [k for k in _SPECS if k[0] == version_pk]:
            del _SPECS[key]


class _SpecFreeConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec, and restores it with the cached spec objects."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _current_specs.value
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_registry = BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, BpmnWorkflow: _SpecFreeConverter})
SERIALIZER = BpmnWorkflowSerializer(_registry)


def new_workflow(version: Any, data: dict | None = None) -> BpmnWorkflow:
    spec, subprocesses = specs_for(version)
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=SCRIPT_ENGINE)
    if data:
        workflow.data.update(data)
        workflow.task_tree.data.update(data)
        for task in workflow.task_tree.children:
            task.data.update(data)
    return workflow


def load(version: Any, state: str) -> BpmnWorkflow:
    _current_specs.value = specs_for(version)
    try:
        workflow = SERIALIZER.from_dict(json.loads(state))
    finally:
        _current_specs.value = None
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def dump(workflow: BpmnWorkflow) -> str:
    # Stored as text, never jsonb: jsonb reorders keys and task data is stored as deltas (pitfall 1).
    return json.dumps(SERIALIZER.to_dict(workflow), separators=(",", ":"))
