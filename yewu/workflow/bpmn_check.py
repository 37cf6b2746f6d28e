"""Checking BPMN files before Yewu stores and runs them: safe reading, choosing the process, and
refusals that name the element the engine cannot execute and its id (never a traceback).

What an import accepts (the rules `check_bpmn` applies, each refusal naming the element and its id):

- UTF-8 text (or any encoding the XML declaration names), at most 2 MiB, no document type
  declaration and no entities (no entity bombs, no external entities), BPMN 2.0 <definitions>.
- Which process runs: the one the caller names (`process_id`); otherwise the only process of the
  file; otherwise, in a collaboration of several pools, the one pool marked isExecutable="true".
  A collaboration with no or several executable pools is refused, naming the pools, until the
  caller chooses one. The other pools stay in the stored file and in the diagram; they do not run.
- A process marked isExecutable="false" is a descriptive diagram: refused, unless the caller asks
  to make it executable, which changes that one attribute in the stored text and nothing else.
- Inside the process, the elements the engine runs: start and end events (plain; terminate ends),
  user, manual and plain tasks (people's steps), exclusive, inclusive and parallel gateways,
  embedded sub-processes, timer boundary and timer catch events, plain intermediate events, data
  objects and artifacts. Conditions are expressions on the form data (`amount > 50000`).
  Everything else (scripts, services, messages, signals, errors, call activities, data stores,
  conditions in FEEL/JUEL/XPath, ...) is refused with the element's id and the reason.

The stored text is the uploaded text: the diagram interchange (BPMNDI) is kept untouched. A file
without a diagram gets a simple generated layout (`with_layout`) when it is exported.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree

from yewu.core.errors import DomainError
from yewu.workflow import engine
from yewu.workflow.errors import WorkflowError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
MAX_BYTES = 2 * 1024 * 1024
MAX_FLOW_ELEMENTS = 5000
MAX_SUBPROCESS_DEPTH = 20
#: The people's steps: the engine waits for someone at each of these (one settings form each).
HUMAN_STEPS = ("userTask", "manualTask", "task")
_EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
_GATEWAYS_WITH_CONDITIONS = ("exclusiveGateway", "inclusiveGateway")
_ACTIVITIES = (*HUMAN_STEPS, "subProcess", "businessRuleTask")
#: Flow elements the engine runs (events are checked further by their definitions).
_RUNNABLE = {
    *_ACTIVITIES, *_EVENTS, *_GATEWAYS_WITH_CONDITIONS, "parallelGateway", "sequenceFlow",
    "dataObject", "dataObjectReference", "textAnnotation", "association", "group",
}
#: Children of a process that describe rather than flow; the engine ignores them.
_DESCRIPTIVE = {
    "documentation", "extensionElements", "laneSet", "ioSpecification", "property", "auditing",
    "monitoring", "supports", "ioBinding", "correlationSubscription", "performer", "humanPerformer",
    "potentialOwner", "resourceRole",
}
_REFUSED = {
    "scriptTask": _("script tasks run code; Yewu does not run code from uploaded definitions"),
    "serviceTask": _("service tasks call other systems, which Yewu does not do from definitions"),
    "sendTask": _("sending messages to other participants is not supported"),
    "receiveTask": _("waiting for messages from other participants is not supported"),
    "callActivity": _("call activities are not supported; use an embedded sub-process"),
    "complexGateway": _("complex gateways are not supported"),
    "eventBasedGateway": _("event-based gateways are not supported"),
    "transaction": _("transactions (compensation) are not supported"),
    "adHocSubProcess": _("ad-hoc sub-processes are not supported"),
    "dataStoreReference": _("data stores are not supported"),
    "callChoreography": _("choreographies describe, they do not run"),
    "choreographyTask": _("choreographies describe, they do not run"),
    "subChoreography": _("choreographies describe, they do not run"),
    "implicitThrowEvent": _("implicit throw events are not supported"),
}
_NON_PYTHON_LANGUAGES = {
    "feel": "FEEL", "xpath": "XPath", "juel": "JUEL", "javascript": "JavaScript", "groovy": "Groovy",
}
_ISO_TIME = re.compile(r"^(R\d*/)?(P[\dYMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-][\d:]+)?)?)(/.*)?$", re.I)


class Reason:
    """A refusal reason: a translatable template with named values, rendered in the reader's language."""

    def __init__(self, template: Any, **params: Any) -> None:
        self.template = template
        self.params = params

    def __str__(self) -> str:
        return str(self.template) % {k: str(v) for k, v in self.params.items()}

    __repr__ = __str__


def _refuse(template: Any, **params: Any) -> DomainError:
    return DomainError(WorkflowError.INVALID_BPMN, reason=Reason(template, **params))


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _is_bpmn(node: Any) -> bool:
    return isinstance(node.tag, str) and etree.QName(node).namespace == BPMN_NS


def _label(node: Any) -> str:
    """How an element is named in a reason: its type and id (and name, when it has one)."""
    name = " ".join((node.get("name") or "").split())
    ident = node.get("id") or "?"
    return f"{_local(node)} '{ident[:100]}'" + (f" ({name[:60]})" if name else "")


# --- reading the file ----------------------------------------------------------------------------


def too_large(size: int) -> DomainError:
    """The refusal of a file over the size limit."""
    return _refuse(_("the file is %(size)s KiB; the limit is %(limit)s KiB"),
                   size=-(-size // 1024), limit=MAX_BYTES // 1024)


def read_bpmn(data: str | bytes) -> str:
    """The uploaded bytes as text, refused when too large, not text, or carrying a DTD/entities.

    UTF-8 (with or without a byte-order mark) is stored as it is. Another encoding named by the
    XML declaration is decoded; when the text is plain ASCII nothing changes, otherwise the
    declaration is rewritten to UTF-8 (the only change), since Yewu stores and serves UTF-8.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_BYTES:
        raise too_large(len(raw))
    if not raw.strip():
        raise _refuse(_("the file is empty"))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _refuse(_("the file is not valid UTF-16 text")) from exc
        return _declare_utf8(text)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared = _declared_encoding(raw)
        if not declared or declared.replace("_", "-").lower() in ("utf-8", "utf8"):
            raise _refuse(_("the file is not UTF-8 text (and its XML declaration names no other encoding)")) from None
        try:
            text = raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            raise _refuse(_("the file cannot be read in the encoding %(encoding)s that it declares"),
                          encoding=declared[:40]) from None
        return _declare_utf8(text)
    if "\x00" in text:
        raise _refuse(_("the file contains NUL characters; it is not XML text"))
    return text


def _declared_encoding(raw: bytes) -> str:
    match = re.match(rb"\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", raw[:200])
    return match.group(1).decode("ascii") if match else ""


def _declare_utf8(text: str) -> str:
    return re.sub(r"^(\s*<\?xml[^>]*encoding\s*=\s*)([\"'])[A-Za-z0-9._-]+\2", r"\1\2UTF-8\2", text, count=1)


def _parse(text: str) -> Any:
    """Parse safely: no DTD, no entities, no network, bounded depth; refusals name the line."""
    if re.search(r"<!DOCTYPE", text, re.I):
        raise _refuse(_("document type declarations (<!DOCTYPE>) are not allowed"))
    if re.search(r"<!ENTITY", text, re.I):
        raise _refuse(_("entity declarations (<!ENTITY>) are not allowed"))
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1).lstrip("\ufeff")
    try:
        root = engine._xml(body)
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg if hasattr(exc, "msg") else exc).split(", line ")[0][:200]
        if "Excessive depth" in message:
            raise _refuse(_("elements are nested more than 256 levels deep (line %(line)s)"),
                          line=getattr(exc, "lineno", "?")) from exc
        raise _refuse(_("the file is not well-formed XML: %(error)s (line %(line)s)"),
                      error=message, line=getattr(exc, "lineno", "?")) from exc
    except (ValueError, etree.LxmlError) as exc:
        raise _refuse(_("the file is not well-formed XML: %(error)s"), error=str(exc)[:200]) from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise _refuse(_("document type declarations (<!DOCTYPE>) are not allowed"))
    if _local(root) != "definitions" or not _is_bpmn(root):
        found = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise _refuse(_("the root element is <%(found)s>, not BPMN 2.0 <definitions> (namespace %(ns)s)"),
                      found=found[:60], ns=BPMN_NS)
    return root


# --- choosing the process ------------------------------------------------------------------------


@dataclass
class Step:
    """One people's step of a process: where the per-step settings attach."""

    id: str
    name: str
    kind: str
    lane: str = ""


@dataclass
class BpmnCheck:
    """What an accepted file holds: the process that runs and the text to store."""

    process_id: str
    name: str
    text: str
    steps: list[Step] = field(default_factory=list)
    pools: list[str] = field(default_factory=list)
    made_executable: bool = False


def _processes(root: Any) -> list[Any]:
    return [p for p in root if _is_bpmn(p) and _local(p) == "process"]


def _choose(root: Any, process_id: str | None) -> Any:
    processes = _processes(root)
    if not processes:
        if any(_is_bpmn(el) and _local(el) == "choreography" for el in root):
            raise _refuse(_("the file holds a choreography, which describes but does not run; it has no <process>"))
        raise _refuse(_("the file has no <process>"))
    if process_id:
        chosen = next((p for p in processes if p.get("id") == process_id), None)
        if chosen is None:
            raise _refuse(_("the file has no process with id '%(id)s'; its processes: %(ids)s"),
                          id=process_id, ids=_ids(processes))
        return chosen
    if len(processes) == 1:
        return processes[0]
    executable = [p for p in processes if (p.get("isExecutable") or "").strip().lower() == "true"]
    if len(executable) == 1:
        return executable[0]
    raise _refuse(
        _("collaboration with %(count)s pools (processes %(ids)s), %(marked)s: choose the process to "
          "run (--process ID, or the process field of the upload form)"),
        count=len(processes), ids=_ids(processes),
        marked=_("none marked executable") if not executable else _("several marked executable"),
    )


def _ids(nodes: list[Any]) -> str:
    names = []
    for p in nodes[:10]:
        label = f"'{(p.get('id') or '?')[:100]}'"
        name = " ".join((p.get("name") or "").split())
        if name:
            label += f" ({name[:40]})"
        names.append(label)
    return ", ".join(names) + (" …" if len(nodes) > 10 else "")


def _make_executable(text: str, process_id: str) -> str:
    """Set isExecutable="true" on the start tag of that process; every other byte stays as it was."""
    for match in re.finditer(r"<(?:[\w.-]+:)?process\b([^>]*)>", text):
        attrs = match.group(1)
        ident = re.search(r"\bid\s*=\s*([\"'])(.*?)\1", attrs)
        if not ident or _unescape(ident.group(2)) != process_id:
            continue
        new_attrs, count = re.subn(r"\bisExecutable\s*=\s*([\"'])[^\"']*\1", 'isExecutable="true"', attrs)
        if not count:
            return text
        start, end = match.span(1)
        return text[:start] + new_attrs + text[end:]
    return text


def _unescape(value: str) -> str:
    return (value.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


# --- what the engine can run ---------------------------------------------------------------------


def _check_process(process: Any) -> None:
    """Walk the flow elements of the process (and its sub-processes); refuse what cannot run."""
    count = 0
    for container, depth in _containers(process):
        if depth > MAX_SUBPROCESS_DEPTH:
            raise _refuse(_("%(element)s is nested %(depth)s sub-processes deep; the limit is %(limit)s"),
                          element=_label(container), depth=depth, limit=MAX_SUBPROCESS_DEPTH)
        nodes = {n.get("id"): n for n in container if _is_bpmn(n)}
        outgoing: dict[str, list[Any]] = defaultdict(list)
        for node in container:
            if _is_bpmn(node) and _local(node) == "sequenceFlow":
                outgoing[node.get("sourceRef") or ""].append(node)
        for node in container:
            if not _is_bpmn(node):
                continue  # another tool's extension: the engine ignores it
            kind = _local(node)
            if kind in _DESCRIPTIVE:
                continue
            count += 1
            if count > MAX_FLOW_ELEMENTS:
                raise _refuse(_("the process has more than %(limit)s elements"), limit=MAX_FLOW_ELEMENTS)
            if kind in _REFUSED:
                raise _refuse(_("%(element)s: %(why)s"), element=_label(node), why=_REFUSED[kind])
            if kind not in _RUNNABLE:
                raise _refuse(_("%(element)s: this kind of element cannot be executed"), element=_label(node))
            if kind in _EVENTS:
                _check_event(node, top_level=container is process)
            elif kind == "subProcess" and (node.get("triggeredByEvent") or "").lower() == "true":
                raise _refuse(_("%(element)s: event sub-processes are not supported"), element=_label(node))
            elif kind == "businessRuleTask" and not _engine_runs_business_rules():
                raise _refuse(_("%(element)s: business rule tasks (DMN decisions) are not supported by the engine yet; "
                                "use an exclusive gateway with conditions"), element=_label(node))
            if kind in _ACTIVITIES and len(outgoing.get(node.get("id") or "", [])) > 1:
                raise _refuse(_("%(element)s has %(count)s outgoing sequence flows; add a gateway after it to "
                                "choose or split the way"),
                              element=_label(node), count=len(outgoing[node.get("id")]))
            if kind in _GATEWAYS_WITH_CONDITIONS:
                _check_gateway(node, outgoing.get(node.get("id") or "", []))
            if kind == "sequenceFlow":
                _check_flow(node, nodes)


def _containers(process: Any):
    """The process and every sub-process inside it, with their nesting depth."""
    stack = [(process, 0)]
    while stack:
        container, depth = stack.pop()
        yield container, depth
        for node in container:
            if _is_bpmn(node) and _local(node) in ("subProcess", "transaction", "adHocSubProcess"):
                stack.append((node, depth + 1))


def _check_event(node: Any, *, top_level: bool) -> None:
    kind = _local(node)
    definitions = [d for d in node if _is_bpmn(d) and (_local(d).endswith("EventDefinition") or _local(d) == "eventDefinitionRef")]
    if len(definitions) > 1:
        raise _refuse(_("%(element)s has several event definitions; the engine runs one at most"), element=_label(node))
    definition = _local(definitions[0]) if definitions else ""
    allowed = {
        "startEvent": ("",),
        "endEvent": ("", "terminateEventDefinition"),
        "intermediateThrowEvent": ("",),
        "intermediateCatchEvent": ("timerEventDefinition",),
        "boundaryEvent": ("timerEventDefinition",),
    }[kind]
    if definition in allowed:
        if definition == "timerEventDefinition":
            _check_timer(node, definitions[0])
        return
    if kind == "startEvent" and top_level:
        raise _refuse(_("%(element)s has a %(definition)s; Yewu starts a process when someone submits a request, "
                        "so its start event must be a plain one"), element=_label(node), definition=definition)
    if not definition:
        raise _refuse(_("%(element)s needs a timer: the engine can only wait for a time here"), element=_label(node))
    what = definition.replace("EventDefinition", "") or definition
    raise _refuse(_("%(element)s is a %(what)s event (%(definition)s); only timer events (and terminating end "
                    "events) are supported"), element=_label(node), what=what, definition=definition)


def _check_timer(event: Any, definition: Any) -> None:
    values = [c for c in definition if _is_bpmn(c) and _local(c) in ("timeDuration", "timeDate", "timeCycle")]
    if not values or not (values[0].text or "").strip():
        raise _refuse(_("%(element)s: its timer has no time (timeDuration, timeDate or timeCycle)"), element=_label(event))
    value = values[0].text.strip()
    language = _language(values[0])
    if language:
        raise _refuse(_("%(element)s: the timer is written in %(language)s; write a quoted ISO 8601 value such as "
                        "'PT48H'"), element=_label(event), language=language)
    if _ISO_TIME.match(value):
        raise _refuse(_("%(element)s: the timer value %(value)s is an expression in Yewu; put it in quotes: "
                        "'%(value)s'"), element=_label(event), value=value[:80])
    problem = _expression_problem(value)
    if problem:
        raise _refuse(_("%(element)s: the timer value %(value)s is not an expression Yewu can evaluate (%(problem)s)"),
                      element=_label(event), value=value[:80], problem=problem)


def _check_gateway(node: Any, flows: list[Any]) -> None:
    if len(flows) < 2:
        return
    default = node.get("default")
    for flow in flows:
        if flow.get("id") == default:
            continue
        condition = _condition(flow)
        if condition is None or not (condition.text or "").strip():
            raise _refuse(_("%(element)s: its outgoing %(flow)s has no condition and is not the default flow"),
                          element=_label(node), flow=_label(flow))


def _check_flow(flow: Any, nodes: dict[str, Any]) -> None:
    for end in ("sourceRef", "targetRef"):
        if (flow.get(end) or "") not in nodes:
            raise _refuse(_("%(element)s: its %(end)s '%(ref)s' is not an element of the same process or sub-process"),
                          element=_label(flow), end=end, ref=(flow.get(end) or "")[:80])
    condition = _condition(flow)
    if condition is None or not (condition.text or "").strip():
        return
    text = condition.text.strip()
    language = _language(condition)
    if language:
        raise _refuse(_("%(element)s: the condition «%(condition)s» is written in %(language)s; Yewu evaluates "
                        "expressions on the form data, such as amount > 50000"),
                      element=_label(flow), condition=text[:80], language=language)
    if text.startswith("="):
        raise _refuse(_("%(element)s: the condition «%(condition)s» is a FEEL expression (Camunda 8); Yewu evaluates "
                        "expressions on the form data, such as amount > 50000"), element=_label(flow), condition=text[:80])
    if text.startswith(("${", "#{")):
        raise _refuse(_("%(element)s: the condition «%(condition)s» is a JUEL expression; Yewu evaluates "
                        "expressions on the form data, such as amount > 50000"), element=_label(flow), condition=text[:80])
    problem = _expression_problem(text)
    if problem:
        raise _refuse(_("%(element)s: the condition «%(condition)s» is not an expression Yewu can evaluate (%(problem)s)"),
                      element=_label(flow), condition=text[:80], problem=problem)


def _condition(flow: Any) -> Any:
    return next((c for c in flow if _is_bpmn(c) and _local(c) == "conditionExpression"), None)


def _language(node: Any) -> str:
    language = (node.get("language") or "").lower()
    if not language or "python" in language:
        return ""
    return next((label for key, label in _NON_PYTHON_LANGUAGES.items() if key in language), language[:60])


def _expression_problem(text: str) -> Reason | None:
    """Why an expression cannot be evaluated (None when it parses as a safe expression)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        return Reason(_("invalid syntax at column %(column)s"), column=exc.offset or "?")
    except (ValueError, RecursionError, MemoryError):
        return Reason(_("invalid syntax"))
    for node in ast.walk(tree):
        name = getattr(node, "id", None) or getattr(node, "attr", None) or ""
        if name.startswith("__"):
            return Reason(_("names starting with __ are not allowed"))
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
                      | ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom):
            return Reason(_("%(construct)s is not allowed"), construct=type(node).__name__)
    return None


@cache
def _engine_runs_business_rules() -> bool:
    """Does the engine's parser know business rule tasks? (Probed once with a tiny process.)"""
    probe = (
        f'<definitions xmlns="{BPMN_NS}" id="d" targetNamespace="probe"><process id="p" isExecutable="true">'
        '<startEvent id="s"/><businessRuleTask id="b"/><endEvent id="e"/>'
        '<sequenceFlow id="f1" sourceRef="s" targetRef="b"/><sequenceFlow id="f2" sourceRef="b" targetRef="e"/>'
        "</process></definitions>"
    )
    try:
        engine.parse(probe, "p")
    except Exception as exc:  # noqa: BLE001 - a validation complaint means the parser knows the element
        return type(exc).__name__ == "ValidationException" and "no support" not in str(exc).lower()
    return True


def _engine_check(text: str, root: Any, process_id: str, dmn_xml: str = "") -> None:
    """Let the engine parse the process; its complaints become reasons naming the element."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    try:
        engine.parse(text, process_id, dmn_xml)
    except ValidationException as exc:
        raise _engine_reason(exc, root) from exc
    except DomainError:
        raise
    except RecursionError as exc:
        raise _refuse(_("the process is nested too deeply for the engine")) from exc
    except Exception as exc:  # noqa: BLE001 - any engine failure is a refusal with a reason, never a traceback
        raise _refuse(_("the engine cannot read the process: %(error)s"),
                      error=f"{type(exc).__name__}: {str(exc)[:200]}") from exc


def _engine_reason(exc: Any, root: Any) -> DomainError:
    message = str(exc.args[0] if exc.args else exc).strip().rstrip(".")[:300]
    if "RecursionError" in message:
        return _refuse(_("a path through the process is too long for the engine (it gives up near %(element)s); "
                         "group steps into sub-processes"), element=_label_by_id(root, getattr(exc, "id", "")))
    ident = getattr(exc, "id", "") or ""
    node = next((n for n in root.iter() if isinstance(n.tag, str) and n.get("id") == ident), None) if ident else None
    if node is not None:
        if "no support implemented" in message.lower():
            return _refuse(_("%(element)s: this kind of element cannot be executed"), element=_label(node))
        return _refuse(_("%(element)s: %(error)s"), element=_label(node), error=message)
    line = getattr(exc, "line_number", "")
    if line:
        return _refuse(_("the engine refuses the process at line %(line)s: %(error)s"), line=line, error=message)
    return _refuse(_("the engine refuses the process: %(error)s"), error=message)


def _label_by_id(root: Any, ident: str) -> str:
    node = next((n for n in root.iter() if isinstance(n.tag, str) and n.get("id") == ident), None) if ident else None
    return _label(node) if node is not None else f"'{ident[:100]}'"


def _global_checks(root: Any) -> None:
    """Things outside the process that the engine still reads when it loads the file."""
    for node in root.iter(f"{{{BPMN_NS}}}dataStore"):
        raise _refuse(_("%(element)s: data stores are not supported"), element=_label(node))


# --- the public checks ---------------------------------------------------------------------------


def check_dmn(data: str | bytes) -> str:
    """Read DMN decision tables with the same safety checks as BPMN (size, encoding, no DTD)."""
    text = read_bpmn(data)
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        raise _refuse(_("document type declarations (<!DOCTYPE>) are not allowed"))
    try:
        root = engine._xml(re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1).lstrip("\ufeff"))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _refuse(_("the DMN file is not well-formed XML: %(error)s"), error=str(exc)[:200]) from exc
    if _local(root) != "definitions" or "dmn" not in (etree.QName(root).namespace or "").lower():
        raise _refuse(_("the DMN file's root element is not DMN <definitions>"))
    return text


def check_bpmn(
    data: str | bytes, *, process_id: str | None = None, make_executable: bool = False, dmn_xml: str = ""
) -> BpmnCheck:
    """Read, parse and check a BPMN file (with the DMN decisions its business rule tasks call);
    refuse (DomainError workflow.invalid_bpmn) with a precise reason."""
    text = read_bpmn(data)
    root = _parse(text)
    process = _choose(root, process_id)
    pid = process.get("id") or ""
    if not pid:
        raise _refuse(_("the process has no id"))
    made_executable = False
    if (process.get("isExecutable") or "").strip().lower() == "false":
        if not make_executable:
            raise _refuse(
                _("process '%(id)s' is marked isExecutable=\"false\" (a descriptive diagram); mark it executable "
                  "in the modeler, or import it with --executable (the 'make executable' box of the upload form)"),
                id=pid,
            )
        text = _make_executable(text, pid)
        root = _parse(text)
        process = _choose(root, pid)
        made_executable = True
    _check_process(process)
    _global_checks(root)
    _engine_check(text, root, pid, check_dmn(dmn_xml) if dmn_xml.strip() else "")
    return BpmnCheck(
        process_id=pid, name=" ".join((process.get("name") or "").split()) or _pool_name(root, pid) or pid, text=text,
        steps=_steps(process), pools=[p.get("id") or "" for p in _processes(root)], made_executable=made_executable,
    )


def validate_bpmn(xml_text: str | bytes, process_id: str | None = None) -> tuple[str, str]:
    """Check that BPMN text is safe, well-formed and executable; return (process id, name).

    Raises DomainError(WorkflowError.INVALID_BPMN) with a precise reason otherwise.
    """
    checked = check_bpmn(xml_text, process_id=process_id)
    return checked.process_id, checked.name


def steps_in(bpmn_xml: str, process_id: str) -> list[Step]:
    """The people's steps of a stored process, in the order of the file (none if it cannot be read)."""
    try:
        return _steps(_choose(_parse(bpmn_xml), process_id))
    except DomainError:
        return []


def _pool_name(root: Any, process_id: str) -> str:
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("processRef") == process_id and participant.get("name"):
            return " ".join(participant.get("name").split())
    return ""


def _steps(process: Any) -> list[Step]:
    lanes: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = (lane.get("name") or lane.get("id") or "").strip()
    out = []
    for container, _depth in _containers(process):
        for node in container:
            if _is_bpmn(node) and _local(node) in HUMAN_STEPS and node.get("id"):
                ident = node.get("id")
                out.append(Step(ident, (node.get("name") or "").strip() or ident, _local(node), lanes.get(ident, "")))
    return out


# --- a layout for files without a diagram ---------------------------------------------------------


_SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (100, 80)}


def _shape_kind(kind: str) -> str:
    if kind.endswith("Event"):
        return "event"
    if kind.endswith("Gateway"):
        return "gateway"
    return "task"


def with_layout(text: str, process_id: str) -> str:
    """A left-to-right layout: columns by distance from the start, rows in order of appearance."""
    root = _parse(text)
    process = _choose(root, process_id)
    nodes = [n for n in process if _is_bpmn(n) and n.get("id") and _local(n) not in _DESCRIPTIVE
             and _local(n) not in ("sequenceFlow", "association", "textAnnotation", "group",
                                   "dataObject", "dataObjectReference", "boundaryEvent")]
    flows = [f for f in process if _is_bpmn(f) and _local(f) == "sequenceFlow"]
    ids = {n.get("id") for n in nodes}
    succ: dict[str, list[str]] = defaultdict(list)
    indegree: dict[str, int] = {i: 0 for i in ids}
    for f in flows:
        s, t = f.get("sourceRef"), f.get("targetRef")
        if s in ids and t in ids:
            succ[s].append(t)
            indegree[t] += 1
    column: dict[str, int] = {}
    queue = [n.get("id") for n in nodes if indegree[n.get("id")] == 0] or [nodes[0].get("id")]
    for start in queue:
        column.setdefault(start, 0)
    seen: set[str] = set()
    order = list(queue)
    while order:
        current = order.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for nxt in succ[current]:
            if nxt not in column:
                column[nxt] = column[current] + 1
                order.append(nxt)
    for n in nodes:
        column.setdefault(n.get("id"), 0)
    rows: dict[int, int] = defaultdict(int)
    bounds: dict[str, tuple[int, int, int, int]] = {}
    for n in nodes:
        ident = n.get("id")
        w, h = _SIZES[_shape_kind(_local(n))]
        col, row = column[ident], rows[column[ident]]
        rows[col] += 1
        cx, cy = 80 + col * 160, 100 + row * 130
        bounds[ident] = (cx - w // 2, cy - h // 2, w, h)
    E = etree.Element
    diagram = E(f"{{{BPMNDI_NS}}}BPMNDiagram", id=f"{process_id}_di", nsmap={"bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS})
    plane = etree.SubElement(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id=f"{process_id}_plane", bpmnElement=process_id)
    for n in nodes:
        ident = n.get("id")
        x, y, w, h = bounds[ident]
        shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{ident}_di", bpmnElement=ident)
        if _local(n) == "subProcess":
            shape.set("isExpanded", "false")
        etree.SubElement(shape, f"{{{DC_NS}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))
    for f in flows:
        s, t = f.get("sourceRef"), f.get("targetRef")
        if s not in bounds or t not in bounds or not f.get("id"):
            continue
        edge = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id"))
        sx, sy, sw, sh = bounds[s]
        tx, ty, tw, th = bounds[t]
        start = (sx + sw, sy + sh // 2)
        end = (tx, ty + th // 2)
        if end[0] <= start[0]:  # a loop back: go below and return
            start, end = (sx + sw // 2, sy + sh), (tx + tw // 2, ty + th)
            low = max(sy + sh, ty + th) + 30
            points = [start, (start[0], low), (end[0], low), end]
        elif start[1] == end[1]:
            points = [start, end]
        else:
            mid = (start[0] + end[0]) // 2
            points = [start, (mid, start[1]), (mid, end[1]), end]
        for px, py in points:
            etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=str(px), y=str(py))
    root.append(diagram)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")
