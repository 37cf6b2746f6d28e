"""SpiffWorkflow behind a narrow seam: parse (cached), create, load and dump workflows.

The persisted state leaves out the spec: parsed specs are cached per process version, so a step
deserializes only the task tree (pitfall 3 in the issue). Task data holds ids, decisions and plain
JSON values only; business values stay in Django models (pitfall 2).

Also here: DMN business rule tasks (Camunda's `camunda:decisionRef` or SpiffArena's
`calledDecisionId`, evaluated by the safe evaluator like every other expression), a clock that
the timer events read (so a worker and tests can fire timers "at" a given time), and the due times
of the timers a workflow waits for.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.util.task import TaskState

from yewu.workflow.expressions import SCRIPT_ENGINE, ExpressionError

_SPECS: OrderedDict[tuple[int, str, int], tuple[Any, dict]] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 256
_current_specs = threading.local()


def _xml(text: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)


# --- parsing -------------------------------------------------------------------------------------

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


class _MissingDecision:
    """Stands in for a decision table that the version does not carry (yet): fails when reached."""

    def __init__(self, decision_ref: str) -> None:
        self.decision_ref = decision_ref

    def result(self, task: Any) -> dict:
        raise ExpressionError(f"the decision table {self.decision_ref!r} is missing from the process version")


class _BusinessRuleTaskParser(TaskParser):
    """A business rule task calls a DMN decision named by `camunda:decisionRef` (Camunda Modeler)
    or SpiffArena's `spiffworkflow:calledDecisionId`."""

    @staticmethod
    def get_decision_ref(node: Any) -> str:
        ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef")
        if ref:
            return ref
        found = node.xpath(".//*[local-name()='calledDecisionId']")
        return (found[0].text or "").strip() if found else ""

    def create_task(self) -> Any:
        ref = self.get_decision_ref(self.node)
        parser = self.process_parser.parser
        if not ref:
            self.raise_validation_exception("The business rule task names no decision (camunda:decisionRef)")
        if parser.dmn_parsers or parser.strict_decisions:
            engine = parser.get_engine(ref, self.node)
        else:
            # Validating a diagram alone: its DMN tables are attached to the version separately.
            engine = _MissingDecision(ref)
        return BusinessRuleTask(self.spec, self.bpmn_id, dmnEngine=engine, **self.bpmn_attributes)


class _Parser(BpmnDmnParser):
    OVERRIDE_PARSER_CLASSES = {full_tag("businessRuleTask"): (_BusinessRuleTaskParser, BusinessRuleTask)}

    def __init__(self, *, strict_decisions: bool) -> None:
        super().__init__()
        self.strict_decisions = strict_decisions


def parse(bpmn_xml: str, process_id: str, dmn_xml: str = "", *, strict_decisions: bool = False) -> tuple[Any, dict]:
    """Parse BPMN (and DMN) text into the engine's spec and subprocess specs.

    Without DMN text (validating a diagram on import), business rule tasks parse with a stand-in
    that fails when reached; with DMN text, or `strict_decisions`, every decision must exist.
    """
    parser = _Parser(strict_decisions=strict_decisions)
    parser.add_bpmn_xml(_xml(bpmn_xml), filename=f"{process_id}.bpmn")
    if dmn_xml.strip():
        parser.add_dmn_xml(_xml(dmn_xml), filename=f"{process_id}.dmn")
    spec = parser.get_spec(process_id)
    subprocesses = parser.get_subprocess_specs(process_id)
    return spec, subprocesses


def specs_for(version: Any) -> tuple[Any, dict]:
    """The parsed spec of a process version, from the cache.

    The key includes the diagram's text, so an edited draft (or a reused primary key after a
    restore or a rolled-back test) never runs a stale spec."""
    key = (version.pk, version.process_id, hash((version.bpmn_xml, version.dmn_xml)))
    with _LOCK:
        hit = _SPECS.get(key)
        if hit is not None:
            _SPECS.move_to_end(key)
            return hit
    parsed = parse(version.bpmn_xml, version.process_id, version.dmn_xml, strict_decisions=True)
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


# --- the clock timers read ----------------------------------------------------------------------

_clock = threading.local()


class _ClockDatetime(datetime.datetime):
    """`datetime` for SpiffWorkflow's timer events: `now()` is the time set by `clock()` if any."""

    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:
        fixed = getattr(_clock, "now", None)
        if fixed is None:
            return super().now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


_timer.datetime = _ClockDatetime  # the timer module's only clock; per-thread, so workers don't mix


@contextlib.contextmanager
def clock(now: datetime.datetime | None) -> Iterator[None]:
    """Run the engine as if it were `now` (timers compare with it); None leaves the real time."""
    if now is None:
        yield
        return
    if now.tzinfo is None:
        raise ValueError("clock() needs an aware datetime")
    previous = getattr(_clock, "now", None)
    _clock.now = now
    try:
        yield
    finally:
        _clock.now = previous


def timer_due(workflow: BpmnWorkflow) -> datetime.datetime | None:
    """When the earliest timer the workflow waits for (boundary or intermediate) will fire."""
    due = []
    for event in workflow.waiting_events():
        value = event.value
        if isinstance(value, dict):  # cycle timers keep {"next": iso, …}
            value = value.get("next")
        if not isinstance(value, str):
            continue
        try:
            due.append(_timer.TimerEventDefinition.get_datetime(value))
        except ValueError:
            continue
    return min(due) if due else None


def waiting_timer_ids(workflow: BpmnWorkflow) -> dict[str, str]:
    """Engine task id → BPMN id of the timer events still waiting (to tell which of them fired)."""
    return {str(t.id): t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING) if _is_timer(t)}


def _is_timer(task: Any) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), _timer.TimerEventDefinition)


def describe_error(exc: BaseException) -> str:
    """A one-line reason for an engine failure: the refused expression's reason when there is one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    expression_error = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ExpressionError):
            expression_error = current
        current = current.__cause__ or current.__context__
    text = str(exc).strip() or type(exc).__name__
    if expression_error is not None and str(expression_error) not in text:
        text = f"{text}: {expression_error}"
    spec = getattr(exc, "task_spec", None)
    where = getattr(spec, "bpmn_id", None) if spec is not None else None
    if where and where not in text:
        text = f"{where}: {text}"
    return text[:500]


# --- workflows -----------------------------------------------------------------------------------


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


def has_timers(version: Any) -> bool:
    """Whether the version's diagram has timer events at all (else no need to load it for timers)."""
    spec, subprocesses = specs_for(version)
    return any(
        isinstance(getattr(task_spec, "event_definition", None), _timer.TimerEventDefinition)
        for process in (spec, *subprocesses.values())
        for task_spec in process.task_specs.values()
    )
