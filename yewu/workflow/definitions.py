"""Process definitions: import and validate BPMN, keep versions, move them through their lifecycle."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from lxml import etree

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import DomainError
from yewu.workflow import engine
from yewu.workflow.choices import VERSION_TRANSITIONS, VersionStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import ProcessDefinition, ProcessVersion

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_BYTES = 2 * 1024 * 1024

#: Flow elements the engine runs. Everything else in a process is refused by id.
EXECUTABLE = {
    "startEvent", "endEvent", "userTask", "manualTask", "task", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "sequenceFlow", "businessRuleTask", "subProcess", "boundaryEvent",
    "intermediateCatchEvent", "laneSet", "lane", "dataObject", "dataObjectReference", "dataStoreReference",
    "association", "textAnnotation", "group", "documentation", "extensionElements", "ioSpecification",
    "property", "dataInputAssociation", "dataOutputAssociation", "incoming", "outgoing",
}
REFUSED_REASON = {
    "scriptTask": "script tasks run code; Yewu does not run code from uploaded definitions",
    "serviceTask": "service tasks call external systems, which Yewu does not do from definitions",
    "sendTask": "messages to other participants are not supported",
    "receiveTask": "messages from other participants are not supported",
    "callActivity": "call activities are not supported yet; use an embedded sub-process",
    "complexGateway": "complex gateways are not supported",
    "eventBasedGateway": "event-based gateways are not supported",
    "transaction": "transactions (compensation) are not supported",
    "intermediateThrowEvent": "throw events are not supported",
    "adHocSubProcess": "ad-hoc sub-processes are not supported",
}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def validate_bpmn(xml_text: str | bytes, process_id: str | None = None) -> tuple[str, str]:
    """Check that BPMN text is safe, well-formed and executable; return (process id, name).

    Raises DomainError(WorkflowError.INVALID_BPMN) with a precise reason otherwise.
    """
    raw = xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text
    if len(raw) > MAX_BYTES:
        raise DomainError(WorkflowError.INVALID_BPMN, reason=f"the file is larger than {MAX_BYTES // 1024} KiB")
    if b"<!DOCTYPE" in raw[:4096].upper() or b"<!ENTITY" in raw.upper():
        raise DomainError(WorkflowError.INVALID_BPMN, reason="document type declarations and entities are not allowed")
    try:
        root = engine._xml(raw)
    except etree.XMLSyntaxError as exc:
        raise DomainError(WorkflowError.INVALID_BPMN, reason=f"not well-formed XML ({exc})") from exc
    if etree.QName(root).namespace != BPMN_NS or _local(root.tag) != "definitions":
        raise DomainError(WorkflowError.INVALID_BPMN, reason="the root element is not BPMN 2.0 <definitions>")
    processes = [p for p in root if _local(p.tag) == "process"]
    if not processes:
        raise DomainError(WorkflowError.INVALID_BPMN, reason="the file has no <process>")
    if process_id:
        chosen = next((p for p in processes if p.get("id") == process_id), None)
        if chosen is None:
            raise DomainError(WorkflowError.INVALID_BPMN, reason=f"no process with id {process_id}")
    else:
        executable = [p for p in processes if p.get("isExecutable", "").lower() == "true"]
        chosen = (executable or processes)[0]
    for el in chosen.iter():
        name = _local(el.tag)
        if not name or etree.QName(el).namespace != BPMN_NS:
            continue
        if name in REFUSED_REASON:
            raise DomainError(
                WorkflowError.INVALID_BPMN, reason=f"{name} {el.get('id')!r}: {REFUSED_REASON[name]}"
            )
        if name.endswith("EventDefinition") and name not in ("timerEventDefinition", "terminateEventDefinition"):
            parent = el.getparent()
            raise DomainError(
                WorkflowError.INVALID_BPMN,
                reason=f"{name} in {_local(parent.tag)} {parent.get('id')!r}: only timer and terminate events are supported",
            )
        if name not in EXECUTABLE and name not in ("process", "timerEventDefinition", "terminateEventDefinition",
                                                   "conditionExpression", "timeDuration", "timeDate", "timeCycle",
                                                   "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
                                                   "loopCardinality", "completionCondition", "text", "flowNodeRef",
                                                   "childLaneSet", "humanPerformer", "potentialOwner",
                                                   "resourceAssignmentExpression", "formalExpression",
                                                   "dataInput", "dataOutput", "inputSet", "outputSet", "dataState",
                                                   "sourceRef", "targetRef", "assignment", "from", "to"):
            raise DomainError(WorkflowError.INVALID_BPMN, reason=f"{name} {el.get('id')!r} cannot be executed")
    pid = chosen.get("id") or ""
    try:
        engine.parse(raw.decode("utf-8"), pid)
    except DomainError:
        raise
    except Exception as exc:  # the engine's own validation: name it, never a traceback
        raise DomainError(WorkflowError.INVALID_BPMN, reason=f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    return pid, chosen.get("name") or pid


@transaction.atomic
def create_version(
    definition: ProcessDefinition, *, actor: Any, bpmn_xml: str, steps: dict | None = None,
    form: list | None = None, dmn_xml: str = "", notes: str = "",
) -> ProcessVersion:
    """A new draft version (the next number) after validating its BPMN."""
    permissions.require(actor, "change", definition)
    process_id, _name = validate_bpmn(bpmn_xml)
    last = definition.versions.order_by("-version").values_list("version", flat=True).first() or 0
    version = ProcessVersion.objects.create(
        definition=definition, version=last + 1, process_id=process_id, bpmn_xml=bpmn_xml, dmn_xml=dmn_xml,
        steps_json=json.dumps(steps or {}, ensure_ascii=False), form_json=json.dumps(form or [], ensure_ascii=False),
        notes=notes, created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_event(version, "version.created", actor=actor, department=definition.owner_department,
                 data={"definition": definition.key, "version": version.version})
    return version


@transaction.atomic
def set_version_status(version: ProcessVersion, target: str, *, actor: Any) -> ProcessVersion:
    """Move a version through draft → review → trial → published → retired; publishing retires the old one."""
    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    permissions.require(actor, "change", version)
    current = VersionStatus(version.status)
    if target not in VERSION_TRANSITIONS[current]:
        raise DomainError(WorkflowError.BAD_TRANSITION, current=current.label, target=VersionStatus(target).label)
    if target == VersionStatus.PUBLISHED:
        for old in version.definition.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk=version.pk):
            old.status = VersionStatus.RETIRED
            old.save(update_fields=["status"])
            record_event(old, "version.retired", actor=actor, data={"status": [VersionStatus.PUBLISHED, VersionStatus.RETIRED]})
        version.published_at = timezone.now()
    before = version.status
    version.status = target
    version.save(update_fields=["status", "published_at"])
    record_event(version, f"version.{target}", actor=actor, data={"status": [before, target]})
    return version
