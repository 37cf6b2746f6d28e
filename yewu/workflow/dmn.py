"""DMN decision tables as data: read a version's table, check an edited one, write it back as XML.

A table is a plain dict (the editor page and the API exchange it as is):

    {"decision": "trip_approval_level", "name": "出差审批层级", "hit_policy": "FIRST",
     "inputs":  [{"id": "input_cost", "label": "预计费用", "expression": "Decimal(estimated_cost)", "type": "number"}],
     "outputs": [{"id": "output_need_gm", "label": "需总经理审批", "name": "need_gm", "type": "boolean"}],
     "rules":   [{"id": "rule_1", "description": "超过阈值", "inputs": ["> 10000"], "outputs": ["True"]}]}

An input cell is a test against its column's value, as the engine reads it: "-" (or empty) matches
anything, "> 10000" compares, "\"overseas\"" tests equality, "4 < ? < 6" puts the value at "?".
Output cells are expressions. Writing changes only the decision table's inputs, outputs and rules
in the original XML (namespaces, descriptions of the decision and anything else stay as they
were); ids of kept columns and rules are kept, new ones get fresh ids. The engine reads one
decision per DMN file, so a version's DMN has one table.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree

from yewu.core.errors import DomainError
from yewu.workflow import engine
from yewu.workflow.bpmn_check import Reason, _expression_problem

HIT_POLICIES = ("UNIQUE", "FIRST", "COLLECT")
TYPES = ("", "string", "number", "integer", "long", "double", "boolean", "date")
MAX_COLUMNS = 20
MAX_RULES = 200
MAX_CELL = 2000
MAX_TEXT = 1000
ANY = "-"
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]{0,99}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _child(node: Any, name: str) -> Any:
    return next((c for c in node if _local(c) == name), None)


def _text_of(node: Any, name: str = "text") -> str:
    found = _child(node, name) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _table_node(root: Any) -> tuple[Any, Any]:
    decision = next((c for c in root if _local(c) == "decision"), None)
    table = _child(decision, "decisionTable") if decision is not None else None
    return decision, table


def read_table(dmn_xml: str) -> dict[str, Any] | None:
    """The decision table of a DMN file as a dict (None when the file has none)."""
    if not (dmn_xml or "").strip():
        return None
    try:
        root = engine._xml(re.sub(r"^\s*<\?xml[^>]*\?>", "", dmn_xml, count=1).lstrip("\ufeff"))
    except (etree.XMLSyntaxError, ValueError):
        return None
    decision, table = _table_node(root)
    if table is None:
        return None
    inputs, outputs, rules = [], [], []
    for node in table:
        kind = _local(node)
        if kind == "input":
            expression = _child(node, "inputExpression")
            inputs.append({
                "id": node.get("id") or "", "label": node.get("label") or "",
                "expression": _text_of(expression), "type": (expression.get("typeRef") or "") if expression is not None else "",
            })
        elif kind == "output":
            outputs.append({"id": node.get("id") or "", "label": node.get("label") or "",
                            "name": node.get("name") or "", "type": node.get("typeRef") or ""})
        elif kind == "rule":
            rules.append({
                "id": node.get("id") or "", "description": _text_of(node, "description"),
                "inputs": [_text_of(c) or ANY for c in node if _local(c) == "inputEntry"],
                "outputs": [_text_of(c) for c in node if _local(c) == "outputEntry"],
            })
    return {
        "decision": decision.get("id") or "", "name": decision.get("name") or "",
        "hit_policy": (table.get("hitPolicy") or "UNIQUE").upper(),
        "inputs": inputs, "outputs": outputs, "rules": rules,
    }


# --- checking an edited table --------------------------------------------------------------------


def _refuse(where: Any, template: Any, **params: Any) -> DomainError:
    from yewu.workflow.definitions import DefinitionError

    return DomainError(DefinitionError.INVALID_TABLE, where=where, problem=Reason(template, **params))


def _text(value: Any, where: Any, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _refuse(where, _("text is needed"))
    text = str(value).strip()
    if len(text) > limit:
        raise _refuse(where, _("at most %(limit)s characters"), limit=limit)
    if "\x00" in text:
        raise _refuse(where, _("the text holds a NUL character"))
    return text


def _list(value: Any, where: Any, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise _refuse(where, _("a list is needed"))
    if len(value) > limit:
        raise _refuse(where, _("at most %(limit)s entries"), limit=limit)
    return list(value)


def _dict(value: Any, where: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refuse(where, _("an object is needed"))
    return value


def input_cell_problem(text: str) -> Reason | None:
    """Why an input cell cannot be evaluated (None when it can): a test such as > 10000, a value, or 4 < ? < 6."""
    if text in ("", ANY):
        return None
    if "?" in text:
        return _expression_problem(re.sub(r"\?", "dmninputexpr", text))
    problem = _expression_problem(text)
    if problem is None:
        return None
    return problem if _expression_problem(f"v {text}") is not None else None


def clean_table(table: Any, *, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check an edited table (refuse with workflow.invalid_decision_table naming the cell) and normalise it."""
    table = _dict(table, _("table"))
    current = current or {}
    hit_policy = _text(table.get("hit_policy") or current.get("hit_policy") or "UNIQUE", _("hit policy")).upper()
    if hit_policy not in HIT_POLICIES:
        raise _refuse(_("hit policy"), _("one of %(choices)s"), choices=", ".join(HIT_POLICIES))
    inputs = []
    for i, raw in enumerate(_list(table.get("inputs"), _("inputs"), MAX_COLUMNS), start=1):
        where = Reason(_("input %(n)s"), n=i)
        raw = _dict(raw, where)
        column = {
            "id": _text(raw.get("id"), where, 100), "label": _text(raw.get("label"), where),
            "expression": _text(raw.get("expression"), where, MAX_CELL), "type": _text(raw.get("type"), where, 20),
        }
        if not column["expression"]:
            raise _refuse(where, _("the input needs an expression (the form field or value it reads)"))
        problem = _expression_problem(column["expression"])
        if problem is not None:
            raise _refuse(where, _("expression %(text)s: %(reason)s"), text=column["expression"][:80], reason=problem)
        if column["type"] not in TYPES:
            raise _refuse(where, _("unknown type %(type)s"), type=column["type"][:20])
        inputs.append(column)
    outputs = []
    for j, raw in enumerate(_list(table.get("outputs"), _("outputs"), MAX_COLUMNS), start=1):
        where = Reason(_("output %(n)s"), n=j)
        raw = _dict(raw, where)
        column = {
            "id": _text(raw.get("id"), where, 100), "label": _text(raw.get("label"), where),
            "name": _text(raw.get("name"), where, 60), "type": _text(raw.get("type"), where, 20),
        }
        if not _IDENTIFIER.match(column["name"]) or column["name"].startswith("__"):
            raise _refuse(where, _("the output needs a name the process reads (letters, digits and _)"))
        if column["type"] not in TYPES:
            raise _refuse(where, _("unknown type %(type)s"), type=column["type"][:20])
        outputs.append(column)
    if not outputs:
        raise _refuse(_("outputs"), _("a decision table needs at least one output"))
    if len({c["name"] for c in outputs}) != len(outputs):
        raise _refuse(_("outputs"), _("two outputs have the same name"))
    rules = []
    for r, raw in enumerate(_list(table.get("rules"), _("rules"), MAX_RULES), start=1):
        where = Reason(_("rule %(n)s"), n=r)
        raw = _dict(raw, where)
        cells_in = [_text(c, where, MAX_CELL) or ANY for c in _list(raw.get("inputs"), where, MAX_COLUMNS)]
        cells_out = [_text(c, where, MAX_CELL) for c in _list(raw.get("outputs"), where, MAX_COLUMNS)]
        if len(cells_in) != len(inputs) or len(cells_out) != len(outputs):
            raise _refuse(where, _("the rule needs one cell per input and per output"))
        for i, cell in enumerate(cells_in, start=1):
            problem = input_cell_problem(cell)
            if problem is not None:
                raise _refuse(Reason(_("rule %(n)s, input %(i)s"), n=r, i=i), _("%(text)s: %(reason)s"),
                              text=cell[:80], reason=problem)
        for j, cell in enumerate(cells_out, start=1):
            problem = _expression_problem(cell) if cell else None
            if problem is not None:
                raise _refuse(Reason(_("rule %(n)s, output %(j)s"), n=r, j=j), _("%(text)s: %(reason)s"),
                              text=cell[:80], reason=problem)
        rules.append({"id": _text(raw.get("id"), where, 100), "description": _text(raw.get("description"), where),
                      "inputs": cells_in, "outputs": cells_out})
    if not rules:
        raise _refuse(_("rules"), _("a decision table needs at least one rule"))
    return {"decision": current.get("decision", ""), "name": current.get("name", ""), "hit_policy": hit_policy,
            "inputs": inputs, "outputs": outputs, "rules": rules}


# --- writing -------------------------------------------------------------------------------------


class _Ids:
    """Keeps ids that are valid and unused; gives the others fresh ones."""

    def __init__(self, root: Any, table: Any) -> None:
        def ids(nodes: Any) -> set[str]:
            return {n.get("id") for n in nodes if isinstance(n.tag, str) and n.get("id")}

        # The ids of the table's current columns and rules are free again (they are rewritten).
        self.used = (ids(root.iter()) - ids(table.iter())) | ids([table])

    def __call__(self, wanted: str, prefix: str) -> str:
        if wanted and _NCNAME.match(wanted) and wanted not in self.used:
            self.used.add(wanted)
            return wanted
        n = 1
        while f"{prefix}_{n}" in self.used:
            n += 1
        self.used.add(f"{prefix}_{n}")
        return f"{prefix}_{n}"


def write_table(dmn_xml: str, table: dict[str, Any]) -> str:
    """The DMN text with the decision table replaced by `table` (a cleaned table)."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", dmn_xml, count=1).lstrip("\ufeff")
    root = engine._xml(text)
    _decision, node = _table_node(root)
    if node is None:
        raise _refuse(_("table"), _("the DMN file has no decision table"))
    ns = etree.QName(node).namespace
    tag = (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)
    ids = _Ids(root, node)
    for child in [c for c in node if _local(c) in ("input", "output", "rule", "annotation")]:
        node.remove(child)
    node.set("hitPolicy", table["hit_policy"])

    def text_child(parent: Any, name: str, value: str) -> Any:
        element = etree.SubElement(parent, tag(name))
        etree.SubElement(element, tag("text")).text = value
        return element

    for column in table["inputs"]:
        element = etree.SubElement(node, tag("input"), id=ids(column["id"], "input"))
        if column["label"]:
            element.set("label", column["label"])
        expression = etree.SubElement(element, tag("inputExpression"), id=ids("", f"{element.get('id')}_expr"))
        if column["type"]:
            expression.set("typeRef", column["type"])
        etree.SubElement(expression, tag("text")).text = column["expression"]
    for column in table["outputs"]:
        element = etree.SubElement(node, tag("output"), id=ids(column["id"], "output"), name=column["name"])
        if column["label"]:
            element.set("label", column["label"])
        if column["type"]:
            element.set("typeRef", column["type"])
    for rule in table["rules"]:
        element = etree.SubElement(node, tag("rule"), id=ids(rule["id"], "rule"))
        if rule["description"]:
            etree.SubElement(element, tag("description")).text = rule["description"]
        for cell in rule["inputs"]:
            text_child(element, "inputEntry", cell).set("id", ids("", f"{element.get('id')}_in"))
        for cell in rule["outputs"]:
            text_child(element, "outputEntry", cell).set("id", ids("", f"{element.get('id')}_out"))
    etree.indent(node, space="  ", level=2)
    body = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def summary(table: dict[str, Any] | None) -> dict[str, Any]:
    """A compact form of a table for audit events: hit policy, columns and the cells of each rule."""
    if not table:
        return {}
    return {
        "hit_policy": table["hit_policy"],
        "inputs": [c["expression"] for c in table["inputs"]],
        "outputs": [c["name"] for c in table["outputs"]],
        "rules": [[*r["inputs"], "→", *r["outputs"]] for r in table["rules"]],
    }
