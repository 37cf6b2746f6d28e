"""Build small BPMN processes for tests: a chain of user steps with optional gateway conditions."""

from __future__ import annotations

from xml.sax.saxutils import escape


def chain(process_id: str, steps: list[str | tuple[str, str]], names: dict[str, str] | None = None) -> str:
    """A process start → step1 → step2 … → end. A step given as (id, condition) is taken only when
    the condition holds (an exclusive gateway skips it otherwise)."""
    names = names or {}
    nodes, flows = [], []
    prev = "start"
    n = 0

    def flow(src: str, dst: str, cond: str | None = None) -> None:
        nonlocal n
        n += 1
        body = f"<bpmn:conditionExpression>{escape(cond)}</bpmn:conditionExpression>" if cond else ""
        flows.append(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{src}" targetRef="{dst}">{body}</bpmn:sequenceFlow>')
        return f"f{n}"

    for item in steps:
        step, cond = (item, None) if isinstance(item, str) else item
        nodes.append(f'<bpmn:userTask id="{step}" name="{escape(names.get(step, step))}"/>')
        if cond:
            gw, join = f"gw_{step}", f"join_{step}"
            nodes.append(f'<bpmn:exclusiveGateway id="{gw}" default="skip_{step}"/>')
            nodes.append(f'<bpmn:exclusiveGateway id="{join}"/>')
            flow(prev, gw)
            flow(gw, step, cond)
            flows.append(f'<bpmn:sequenceFlow id="skip_{step}" sourceRef="{gw}" targetRef="{join}"/>')
            flow(step, join)
            prev = join
        else:
            flow(prev, step)
            prev = step
    flow(prev, "end")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" '
        'targetNamespace="http://yewu.example/bpmn">'
        f'<bpmn:process id="{process_id}" isExecutable="true"><bpmn:startEvent id="start"/>'
        + "".join(nodes) + '<bpmn:endEvent id="end"/>' + "".join(flows)
        + "</bpmn:process></bpmn:definitions>"
    )


# --- general graphs ------------------------------------------------------------------------------

BPMN_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" '
    'targetNamespace="http://yewu.example/bpmn">'
)


def graph(
    process_id: str,
    nodes: dict[str, str],
    flows: list[tuple[str, str] | tuple[str, str, str]],
    *,
    names: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    boundaries: dict[str, tuple[str, str, bool]] | None = None,
) -> str:
    """Any small process: `nodes` maps id → kind, `flows` lists (source, target[, condition]).

    Kinds: "start", "end", "user", "xor" (exclusive gateway), "and" (parallel gateway),
    "rule:<decision id>" (business rule task calling a DMN decision, Camunda style),
    "timer:<ISO duration>" (intermediate timer catch event), "script:<code>", "terminate".
    `defaults` names a gateway's default flow by target ("gw": "target").
    `boundaries` attaches a timer to a user task: {boundary id: (task id, ISO duration, interrupting)}.
    Flows are numbered f1, f2, … in the order given.
    """
    names = names or {}
    defaults = defaults or {}
    flow_ids: dict[tuple[str, str], str] = {}
    flow_xml = []
    for i, item in enumerate(flows, start=1):
        src, dst, *cond = item
        fid = f"f{i}"
        flow_ids[(src, dst)] = fid
        body = f"<bpmn:conditionExpression>{escape(cond[0])}</bpmn:conditionExpression>" if cond else ""
        flow_xml.append(f'<bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{dst}">{body}</bpmn:sequenceFlow>')
    node_xml = []
    for node_id, kind in nodes.items():
        name = escape(names.get(node_id, node_id), {'"': "&quot;"})
        if kind == "start":
            node_xml.append(f'<bpmn:startEvent id="{node_id}"/>')
        elif kind == "end":
            node_xml.append(f'<bpmn:endEvent id="{node_id}" name="{name}"/>')
        elif kind == "terminate":
            node_xml.append(
                f'<bpmn:endEvent id="{node_id}" name="{name}"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
            )
        elif kind == "user":
            node_xml.append(f'<bpmn:userTask id="{node_id}" name="{name}"/>')
        elif kind in ("xor", "and"):
            tag = "exclusiveGateway" if kind == "xor" else "parallelGateway"
            default = f' default="{flow_ids[(node_id, defaults[node_id])]}"' if node_id in defaults else ""
            node_xml.append(f'<bpmn:{tag} id="{node_id}"{default}/>')
        elif kind.startswith("rule:"):
            node_xml.append(
                f'<bpmn:businessRuleTask id="{node_id}" name="{name}" camunda:decisionRef="{kind[5:]}"/>'
            )
        elif kind.startswith("timer:"):
            node_xml.append(
                f'<bpmn:intermediateCatchEvent id="{node_id}" name="{name}"><bpmn:timerEventDefinition>'
                f'<bpmn:timeDuration>"{kind[6:]}"</bpmn:timeDuration>'
                "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            )
        elif kind.startswith("script:"):
            node_xml.append(
                f'<bpmn:scriptTask id="{node_id}" name="{name}"><bpmn:script>{escape(kind[7:])}</bpmn:script>'
                "</bpmn:scriptTask>"
            )
        else:
            raise ValueError(f"unknown node kind {kind!r}")
    for boundary_id, (task_id, duration, interrupting) in (boundaries or {}).items():
        node_xml.append(
            f'<bpmn:boundaryEvent id="{boundary_id}" attachedToRef="{task_id}" '
            f'cancelActivity="{"true" if interrupting else "false"}"><bpmn:timerEventDefinition>'
            f'<bpmn:timeDuration>"{duration}"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        )
    return (
        BPMN_HEADER + f'<bpmn:process id="{process_id}" isExecutable="true">'
        + "".join(node_xml) + "".join(flow_xml) + "</bpmn:process></bpmn:definitions>"
    )


def parallel(process_id: str, branches: list[list[str]], *, before: list[str] = (), after: list[str] = ()) -> str:
    """start → before… → parallel split → each branch's steps in turn → parallel join → after… → end."""
    nodes: dict[str, str] = {"start": "start"}
    flows: list[tuple[str, str]] = []
    prev = "start"
    for step in before:
        nodes[step] = "user"
        flows.append((prev, step))
        prev = step
    nodes["split"] = "and"
    flows.append((prev, "split"))
    nodes["join"] = "and"
    for branch in branches:
        last = "split"
        for step in branch:
            nodes[step] = "user"
            flows.append((last, step))
            last = step
        flows.append((last, "join"))
    prev = "join"
    for step in after:
        nodes[step] = "user"
        flows.append((prev, step))
        prev = step
    nodes["end"] = "end"
    flows.append((prev, "end"))
    return graph(process_id, nodes, flows)


def decided(process_id: str, decision_id: str, routes: dict[str, str], *, variable: str = "route",
            before: list[str] = ()) -> str:
    """start → before… → business rule task (DMN `decision_id`) → gateway on `variable`:
    each value in `routes` leads to its user step; any other value goes straight to the end."""
    nodes: dict[str, str] = {"start": "start"}
    flows: list[tuple[str, ...]] = []
    prev = "start"
    for step in before:
        nodes[step] = "user"
        flows.append((prev, step))
        prev = step
    nodes["decide"] = f"rule:{decision_id}"
    nodes["route_gw"] = "xor"
    nodes["end"] = "end"
    flows.append((prev, "decide"))
    flows.append(("decide", "route_gw"))
    for value, step in routes.items():
        nodes[step] = "user"
        flows.append(("route_gw", step, f"{variable} == {value!r}"))
        flows.append((step, "end"))
    flows.append(("route_gw", "end"))
    return graph(process_id, nodes, flows, defaults={"route_gw": "end"})


def dmn_table(decision_id: str, input_expression: str, rules: list[tuple[str, str]], *,
              output: str = "route", hit_policy: str = "FIRST") -> str:
    """A one-input, one-output DMN 1.3 decision table: each rule is (input cell, output cell),
    cells in the engine's expression syntax ("> 50000", "-" or "" for any, '"gm"' for a string)."""
    rows = []
    for i, (cell, out) in enumerate(rules, start=1):
        cell = "" if cell == "-" else cell
        rows.append(
            f'<rule id="r{i}"><inputEntry id="r{i}_in"><text>{escape(cell)}</text></inputEntry>'
            f'<outputEntry id="r{i}_out"><text>{escape(out)}</text></outputEntry></rule>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_defs" name="rules" '
        'namespace="http://yewu.example/dmn">'
        f'<decision id="{decision_id}" name="{decision_id}">'
        f'<decisionTable id="{decision_id}_table" hitPolicy="{hit_policy}">'
        f'<input id="in1" label="input"><inputExpression id="in1_expr" typeRef="number">'
        f"<text>{escape(input_expression)}</text></inputExpression></input>"
        f'<output id="out1" label="{output}" name="{output}" typeRef="string"/>'
        + "".join(rows) + "</decisionTable></decision></definitions>"
    )


def timed(process_id: str, step: str, duration: str, *, on_timeout: str = "timeout_step",
          interrupting: bool = True, after: list[str] = ()) -> str:
    """start → step (with a timer boundary event of `duration`) → after… → end;
    when the timer fires first, the process goes to the user step `on_timeout` instead."""
    nodes = {"start": "start", step: "user", on_timeout: "user", "end": "end", "timeout_end": "end"}
    flows: list[tuple[str, str]] = [("start", step)]
    prev = step
    for s in after:
        nodes[s] = "user"
        flows.append((prev, s))
        prev = s
    flows.append((prev, "end"))
    flows.append((f"{step}_timer", on_timeout))
    flows.append((on_timeout, "timeout_end"))
    return graph(process_id, nodes, flows, boundaries={f"{step}_timer": (step, duration, interrupting)})


def waiting(process_id: str, first: str, duration: str, second: str) -> str:
    """start → first → intermediate timer (`duration`) → second → end."""
    return graph(
        process_id,
        {"start": "start", first: "user", "wait": f"timer:{duration}", second: "user", "end": "end"},
        [("start", first), (first, "wait"), ("wait", second), (second, "end")],
    )


# --- publishing test processes and reading what happened -----------------------------------------


def publish(key: str, bpmn_xml: str, steps: dict | None = None, *, actor, dmn_xml: str = "",
            owner_department=None):
    """Create (or add a version to) process `key` with this diagram and step settings, and publish it
    through the definition services (so the import checks apply). Returns the version."""
    from yewu.workflow import definitions
    from yewu.workflow.models import ProcessDefinition

    definition, _created = ProcessDefinition.objects.get_or_create(
        key=key, defaults={"name": key, "owner_department": owner_department}
    )
    version = definitions.create_version(definition, actor=actor, bpmn_xml=bpmn_xml, steps=steps or {},
                                         dmn_xml=dmn_xml)
    return definitions.release_without_approval(version, actor=actor, via="test")


def publish_unchecked(key: str, bpmn_xml: str, steps: dict | None = None, *, process_id: str | None = None,
                      dmn_xml: str = ""):
    """A published version written straight to the database, skipping the import checks: for
    proving that the engine itself refuses what an import would have caught."""
    import json

    from yewu.workflow.choices import VersionStatus
    from yewu.workflow.models import ProcessDefinition, ProcessVersion

    definition, _created = ProcessDefinition.objects.get_or_create(key=key, defaults={"name": key})
    number = (definition.versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    return ProcessVersion.objects.create(
        definition=definition, version=number, status=VersionStatus.PUBLISHED, process_id=process_id or key,
        bpmn_xml=bpmn_xml, dmn_xml=dmn_xml, steps_json=json.dumps(steps or {}),
    )


def activities(instance) -> list[str]:
    """The audit trail of an approval: its events' activity names in order."""
    from yewu.core.models import Event

    return list(Event.objects.filter(process_instance=instance.number).order_by("pk").values_list("activity", flat=True))


def rows(instance, *fields: str) -> list[tuple]:
    """The approval's task rows, oldest first, as tuples of (step, assignee's username, status,
    decision) or of the given fields."""
    from yewu.workflow.models import Task

    qs = Task.objects.filter(instance=instance).order_by("pk")
    if fields:
        return [tuple(r) for r in qs.values_list(*fields)]
    return [(t.step_id, t.assignee.username if t.assignee_id else None, t.status, t.decision)
            for t in qs.select_related("assignee")]


def ready_steps(instance) -> list[str]:
    """The engine's own view: the user steps it waits for right now (state reloaded from the row)."""
    from SpiffWorkflow.util.task import TaskState

    from yewu.workflow import engine
    from yewu.workflow.models import ProcessInstance

    fresh = ProcessInstance.objects.get(pk=instance.pk)
    workflow = engine.load(fresh.version, fresh.state)
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def engine_completed(instance) -> bool:
    from yewu.workflow import engine
    from yewu.workflow.models import ProcessInstance

    fresh = ProcessInstance.objects.get(pk=instance.pk)
    return engine.load(fresh.version, fresh.state).is_completed()


def snapshot(instance) -> tuple:
    """Everything an action may change: the approval row, its task rows, its events (for proving
    that a refused or failed action changed nothing)."""
    from yewu.core.models import Event, Notification
    from yewu.workflow.models import CarbonCopy, ProcessInstance, Task

    fresh = ProcessInstance.objects.get(pk=instance.pk)
    return (
        (fresh.status, fresh.revision, fresh.state, fresh.form_json, fresh.next_timer_due),
        [tuple(r) for r in Task.objects.filter(instance=instance).order_by("pk").values_list(
            "pk", "step_id", "assignee_id", "principal_id", "status", "decision", "order", "comment", "due_at",
            "reminded_at", "escalated_at", "spiff_task")],
        Event.objects.count(), Notification.objects.count(), CarbonCopy.objects.count(),
    )
