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
