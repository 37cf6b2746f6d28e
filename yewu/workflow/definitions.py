"""Process definitions: import BPMN, keep versions, move them through their lifecycle.

Every write here is a service: it checks the actor's permission, changes the rows and writes the
audit event in one transaction. What a BPMN file must be to be imported (and the precise refusals)
is in yewu.workflow.bpmn_check; its public names are available here as well.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from lxml import etree

from yewu.core import permissions
from yewu.core.audit import delta, record_event
from yewu.core.errors import DomainError, ErrorCode
from yewu.workflow import dmn, engine
from yewu.workflow.bpmn_check import (  # noqa: F401 - re-exported: the definition module's public checks
    HUMAN_STEPS,
    MAX_BYTES,
    BpmnCheck,
    Reason,
    Step,
    check_bpmn,
    check_dmn,
    read_bpmn,
    steps_in,
    too_large,
    validate_bpmn,
    with_layout,
)
from yewu.workflow.choices import VERSION_TRANSITIONS, ApprovalMode, VersionStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.models import ProcessDefinition, ProcessVersion

#: How long a published version stays valid before its periodic re-review is due.
REVIEW_PERIOD = datetime.timedelta(days=365)


class DefinitionError(ErrorCode):
    """Refusals of the definition pages and API beyond the engine's own (see errors.WorkflowError)."""

    INVALID_STEPS = "workflow.invalid_steps", _("The settings of step %(step)s cannot be saved: %(field)s: %(problem)s")
    DEFINITION_KEY = "workflow.definition_key", _("A process needs a key (letters, digits, - and _).")
    DEFINITION_EXISTS = "workflow.definition_exists", _("A process with the key %(key)s exists already.")
    KEY_TAKEN = "workflow.definition_key_taken", _(
        "A process with the key %(key)s exists already. To add a version to it, give its key "
        "(--key, or the key field); for a new process, choose another key."
    )
    VERSION_RETIRED = "workflow.version_retired", _("A retired version cannot be changed.")
    INVALID_TABLE = "workflow.invalid_decision_table", _("The decision table cannot be saved: %(where)s: %(problem)s")
    NO_DECISION_TABLE = "workflow.no_decision_table", _("This version has no DMN decision table.")
    NEEDS_APPROVAL = "workflow.version_needs_approval", _(
        "Versions are published through the approval process %(name)s: submit the version for review, "
        "and its approval moves it on."
    )
    APPROVAL_RUNNING = "workflow.version_approval_running", _(
        "The version is in the publishing approval %(number)s; it moves on with that approval."
    )


def steps_of(version: ProcessVersion) -> list[Step]:
    """The people's steps of a version's process, in the order of the file."""
    return steps_in(version.bpmn_xml, version.process_id)


# --- per-step settings ---------------------------------------------------------------------------

ASSIGNEE_TYPES = ("user", "field", "department_head", "department_heads", "supervisor", "position")
EMPTY_RULES = ("admin", "skip", "refuse")
ESCALATIONS = ("notify_supervisor", "reassign", "auto_approve", "auto_return")
ON_REJECT = ("end", "route")
KINDS = ("approve", "submit")
REQUESTER_RULES = ("auto_pass", "approve")
#: For the steps of the publishing process (P21): the state the published version is in while
#: the step is open (see yewu.workflow.publishing.state_of_steps).
VERSION_STATES = ("review", "trial")
#: Every per-step key the runtime reads (services._open_step, _mode, _step_outcome, _decide_locked,
#: process_due_tasks / _escalate); the step form and the API edit exactly these.
STEP_KEYS = (
    "kind", "assignee", "mode", "quorum", "due_hours", "remind_before_hours", "escalation", "escalate_to", "sop",
    "empty", "on_reject", "requester_is_approver", "dedupe", "version_state",
)
#: What each assignee rule type may say (see yewu.workflow.assignment): key → (kind, required).
RULE_KEYS: dict[str, dict[str, tuple[str, bool]]] = {
    "user": {"username": ("text", False), "usernames": ("texts", False)},
    "field": {"field": ("text", True)},
    "department_head": {"field": ("text", False)},
    "department_heads": {"departments": ("texts", False), "field": ("text", False)},
    "supervisor": {"levels": ("int", False), "up_to": ("text", False)},
    "position": {"position": ("text", True), "department": ("text", False), "include_below": ("bool", False)},
}
_TRUE = (True, "true", "True", "1", 1, "on", "yes")
_FALSE = (False, "false", "False", "0", 0, "off", "no")


def _rule_problem(rule: dict[str, Any]) -> Any:
    """Why an assignee rule cannot be resolved (None when it can)."""
    kind = rule.get("type")
    if kind not in ASSIGNEE_TYPES:
        return _("the rule's type must be one of user, field, department_head, department_heads, supervisor, "
                 "position")
    allowed = RULE_KEYS[kind]
    for key, value in rule.items():
        if key == "type":
            continue
        if key not in allowed:
            return Reason(_("a %(type)s rule has no key %(key)s"), type=kind, key=str(key)[:40])
        shape = allowed[key][0]
        if shape == "text" and not (isinstance(value, str) and 0 < len(value) <= 150):
            return Reason(_("%(key)s must be a non-empty text"), key=key)
        if shape == "texts" and not (isinstance(value, list) and 0 < len(value) <= 50
                                     and all(isinstance(v, str) and v for v in value)):
            return Reason(_("%(key)s must be a list of texts"), key=key)
        if shape == "int" and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20):
            return Reason(_("%(key)s must be a whole number from 1 to 20"), key=key)
        if shape == "bool" and not isinstance(value, bool):
            return Reason(_("%(key)s must be true or false"), key=key)
    for key, (_shape, required) in allowed.items():
        if required and key not in rule:
            return Reason(_("a %(type)s rule needs %(key)s"), type=kind, key=key)
    if kind == "user" and not (rule.get("username") or rule.get("usernames")):
        return _("a user rule needs username or usernames")
    if kind == "department_heads" and not (rule.get("departments") or rule.get("field")):
        return _("a department_heads rule needs departments or field")
    return None


def clean_step_settings(step_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Check one step's settings and drop empty values; refuse (workflow.invalid_steps) naming the field."""

    def refuse(name: str, problem: Any) -> DomainError:
        return DomainError(DefinitionError.INVALID_STEPS, step=step_id, field=name, problem=Reason(problem))

    out: dict[str, Any] = {}
    for key in ("assignee", "escalate_to"):
        rule = values.get(key)
        if rule in (None, "", {}):
            continue
        if not isinstance(rule, dict):
            raise refuse(key, _("an assignee rule is a JSON object such as {\"type\": \"department_head\"}"))
        problem = _rule_problem(rule)
        if problem is not None:
            raise refuse(key, problem)
        out[key] = rule
    mode = values.get("mode") or ""
    if mode:
        if mode not in ApprovalMode.values:
            raise refuse("mode", _("unknown approval mode"))
        out["mode"] = mode
    for key, integer in (("quorum", True), ("due_hours", False), ("remind_before_hours", False)):
        value = values.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value) if integer else float(value)
        except (TypeError, ValueError):
            raise refuse(key, _("a number is needed")) from None
        if number != number or number < (1 if integer else 0) or number > 100000:
            raise refuse(key, _("the number is out of range"))
        out[key] = number if integer or number != int(number) else int(number)
    if out.get("mode") == ApprovalMode.QUORUM and not out.get("quorum"):
        raise refuse("quorum", _("a quorum step needs the number of approvals"))
    for key, choices in (("escalation", ESCALATIONS), ("empty", EMPTY_RULES), ("on_reject", ON_REJECT),
                         ("kind", KINDS), ("requester_is_approver", REQUESTER_RULES),
                         ("version_state", VERSION_STATES)):
        value = values.get(key) or ""
        if value:
            if value not in choices:
                raise refuse(key, _("not one of the allowed values"))
            out[key] = value
    dedupe = values.get("dedupe")
    if dedupe not in (None, ""):
        if dedupe in _TRUE:
            out["dedupe"] = True
        elif dedupe in _FALSE:
            out["dedupe"] = False
        else:
            raise refuse("dedupe", _("true or false"))
    if "remind_before_hours" in out and "due_hours" not in out:
        raise refuse("remind_before_hours", _("a reminder needs a time limit (due_hours)"))
    if "remind_before_hours" in out and out["remind_before_hours"] >= out["due_hours"]:
        raise refuse("remind_before_hours", _("the reminder must come before the time limit"))
    if "escalate_to" in out and out.get("escalation") != "reassign":
        raise refuse("escalate_to", _("only used when the escalation is reassign"))
    sop = values.get("sop")
    if sop not in (None, ""):
        if not isinstance(sop, str) or len(sop) > 20000:
            raise refuse("sop", _("the SOP is text of at most 20000 characters"))
        out["sop"] = sop
    return out


# --- definitions ---------------------------------------------------------------------------------

DEFINITION_FIELDS = ("key", "name", "category", "description", "owner_department")


def _snapshot(definition: ProcessDefinition) -> dict[str, Any]:
    return {
        "key": definition.key, "name": definition.name, "category": definition.category,
        "description": definition.description, "owner_department": definition.owner_department_id,
    }


@transaction.atomic
def save_definition(definition: ProcessDefinition | None, values: dict[str, Any], *, actor: Any) -> ProcessDefinition:
    """Create a process definition or change its name, category, description or owner department."""
    creating = definition is None
    if creating:
        definition, before = ProcessDefinition(), {}
    else:
        definition = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
        permissions.require(actor, "change", definition)
        before = _snapshot(definition)
    for name in DEFINITION_FIELDS:
        if name in values and not (name == "key" and not creating):
            setattr(definition, name, values[name] if values[name] is not None or name == "owner_department" else "")
    if creating:
        permissions.require_new(actor, "add", ProcessDefinition, department=definition.owner_department)
        if not definition.key:
            raise DomainError(DefinitionError.DEFINITION_KEY, key="")
        if ProcessDefinition.objects.filter(key=definition.key).exists():
            raise DomainError(DefinitionError.DEFINITION_EXISTS, key=definition.key)
    elif before.get("owner_department") != definition.owner_department_id:
        permissions.require_new(actor, "change", ProcessDefinition, department=definition.owner_department)
    definition.full_clean(exclude=["owner_department"], validate_unique=False)
    definition.save()
    record_event(
        definition, "definition.created" if creating else "definition.changed", actor=actor,
        department=definition.owner_department, data=delta(before, _snapshot(definition)),
    )
    return definition


def key_for(text: str) -> str:
    """A definition key from a process id or name (letters, digits, - and _)."""
    key = slugify(text or "")[:60].strip("-_")
    return key or "process"


# --- versions ------------------------------------------------------------------------------------


@transaction.atomic
def create_version(
    definition: ProcessDefinition, *, actor: Any, bpmn_xml: str, steps: dict | None = None,
    form: list | None = None, dmn_xml: str = "", notes: str = "", process_id: str | None = None,
    make_executable: bool = False,
) -> ProcessVersion:
    """A new draft version (the next number) after validating its BPMN."""
    permissions.require(actor, "change", definition)
    checked = check_bpmn(bpmn_xml, process_id=process_id, make_executable=make_executable, dmn_xml=dmn_xml)
    definition = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
    last = definition.versions.order_by("-version").values_list("version", flat=True).first() or 0
    version = ProcessVersion.objects.create(
        definition=definition, version=last + 1, process_id=checked.process_id, bpmn_xml=checked.text,
        dmn_xml=dmn_xml, steps_json=json.dumps(steps or {}, ensure_ascii=False),
        form_json=json.dumps(form or [], ensure_ascii=False), notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_event(version, "version.created", actor=actor, department=definition.owner_department,
                 data={"definition": definition.key, "version": version.version, "process": checked.process_id,
                       "made_executable": checked.made_executable})
    return version


@transaction.atomic
def import_bpmn(
    data: str | bytes, *, actor: Any, key: str | None = None, name: str | None = None,
    owner_department: Any = None, process_id: str | None = None, make_executable: bool = False,
    notes: str = "",
) -> ProcessVersion:
    """Import a BPMN file as a new draft version: of the definition `key` when it exists, else of a new one.

    The key defaults to the process id, the name to the process (or pool) name. A key taken from
    the process id never adds a version to an existing process (modelers reuse ids such as
    "Process_1"): that needs the key given explicitly.
    """
    checked = check_bpmn(data, process_id=process_id, make_executable=make_executable)
    derived = not (key or "").strip()
    key = key_for(checked.process_id) if derived else key.strip()
    definition = ProcessDefinition.objects.filter(key=key).first()
    if definition is not None and derived:
        raise DomainError(DefinitionError.KEY_TAKEN, key=key)
    if definition is None:
        definition = save_definition(
            None, {"key": key, "name": (name or "").strip() or checked.name[:120],
                   "owner_department": owner_department}, actor=actor,
        )
    return create_version(definition, actor=actor, bpmn_xml=checked.text, notes=notes, process_id=checked.process_id)


@transaction.atomic
def copy_version(version: ProcessVersion, *, actor: Any) -> ProcessVersion:
    """A new draft from an existing version (its diagram, step settings and form), to change and re-publish."""
    source = ProcessVersion.objects.select_related("definition").get(pk=version.pk)
    permissions.require(actor, "view", source)
    copy = create_version(
        source.definition, actor=actor, bpmn_xml=source.bpmn_xml, steps=source.steps, form=source.form,
        dmn_xml=source.dmn_xml, process_id=source.process_id,
        notes=str(_("Copied from version %(version)s.") % {"version": source.version}),
    )
    return copy


def _draft(version: ProcessVersion, actor: Any) -> ProcessVersion:
    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    permissions.require(actor, "change", version)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(WorkflowError.VERSION_NOT_DRAFT)
    return version


@transaction.atomic
def save_diagram(version: ProcessVersion, bpmn_xml: str | bytes, *, actor: Any) -> ProcessVersion:
    """Replace the BPMN of a draft (the modeler's save); the file must pass the same checks as an import."""
    version = _draft(version, actor)
    keep = None if _process_gone(bpmn_xml, version.process_id) else version.process_id
    checked = check_bpmn(bpmn_xml, process_id=keep, dmn_xml=version.dmn_xml)
    before = {"process": version.process_id, "steps": [s.id for s in steps_of(version)]}
    version.bpmn_xml = checked.text
    version.process_id = checked.process_id
    version.save(update_fields=["bpmn_xml", "process_id"])
    engine.forget(version.pk)
    record_event(version, "version.diagram_changed", actor=actor, department=version.definition.owner_department,
                 data=delta(before, {"process": checked.process_id, "steps": [s.id for s in checked.steps]}))
    return version


def _process_gone(bpmn_xml: str | bytes, process_id: str) -> bool:
    text = bpmn_xml.decode("utf-8", "replace") if isinstance(bpmn_xml, bytes) else bpmn_xml
    return f'"{process_id}"' not in text and f"'{process_id}'" not in text


@transaction.atomic
def save_steps(version: ProcessVersion, steps: dict[str, dict[str, Any]], *, actor: Any) -> ProcessVersion:
    """Set the per-step settings of a draft (who acts, how they decide, time limit, SOP, ...).

    Steps not named keep their settings; so do the keys of a named step that `steps` leaves out
    (a key given as null or "" goes back to its default). Keys Yewu does not edit (outside
    STEP_KEYS) are kept as they are.
    """
    version = _draft(version, actor)
    known = {s.id for s in steps_of(version)}
    current = version.steps
    for step_id, values in steps.items():
        if step_id not in known:
            raise DomainError(DefinitionError.INVALID_STEPS, step=step_id, field="id",
                              problem=Reason(_("the diagram has no such step")))
        if not isinstance(values, dict):
            raise DomainError(DefinitionError.INVALID_STEPS, step=step_id, field="settings",
                              problem=Reason(_("an object of settings is needed")))
        old = current.get(step_id) or {}
        kept = {k: v for k, v in old.items() if k not in STEP_KEYS}
        merged = {**{k: v for k, v in old.items() if k in STEP_KEYS}, **values}
        current[step_id] = {**kept, **clean_step_settings(step_id, merged)}
    before = version.steps
    version.steps_json = json.dumps(current, ensure_ascii=False, sort_keys=True)
    version.save(update_fields=["steps_json"])
    record_event(version, "version.steps_changed", actor=actor, department=version.definition.owner_department,
                 data=delta(before, current))
    return version


# --- DMN decision tables -------------------------------------------------------------------------


def decision_table(version: ProcessVersion) -> dict[str, Any] | None:
    """The version's DMN decision table as data (see yewu.workflow.dmn), None without one."""
    return dmn.read_table(version.dmn_xml)


@transaction.atomic
def save_decision_table(version: ProcessVersion, table: dict[str, Any], *, actor: Any) -> ProcessVersion:
    """Change the DMN decision table (thresholds, rules, columns) without touching the diagram.

    A draft changes in place. Versions in any other status never change: the table goes into a new
    draft copied from the version (returned), to be published like any other. The new XML passes
    the same checks as an import (the DMN file, and the engine parsing the diagram with it).
    """
    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    current = decision_table(version)
    if current is None:
        raise DomainError(DefinitionError.NO_DECISION_TABLE)
    if version.status == VersionStatus.DRAFT:
        permissions.require(actor, "change", version)
    else:
        permissions.require(actor, "change", version.definition)
    cleaned = dmn.clean_table(table, current=current)
    dmn_xml = check_dmn(dmn.write_table(version.dmn_xml, cleaned))
    check_bpmn(version.bpmn_xml, process_id=version.process_id, dmn_xml=dmn_xml)
    source = version
    if version.status != VersionStatus.DRAFT:
        version = copy_version(version, actor=actor)
        version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
        version.notes = str(_("Copied from version %(version)s with a changed decision table.")
                            % {"version": source.version})
        version.save(update_fields=["notes"])
    version.dmn_xml = dmn_xml
    version.save(update_fields=["dmn_xml"])
    engine.forget(version.pk)
    after = dmn.read_table(dmn_xml)
    record_event(version, "version.decision_changed", actor=actor, department=version.definition.owner_department,
                 data={"decision": cleaned["decision"], "from_version": source.version,
                       **delta(dmn.summary(current), dmn.summary(after))})
    return version


@transaction.atomic
def update_version(version: ProcessVersion, values: dict[str, Any], *, actor: Any) -> ProcessVersion:
    """Change a version's notes or re-review date (any status but retired)."""
    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    permissions.require(actor, "change", version)
    if version.status == VersionStatus.RETIRED:
        raise DomainError(DefinitionError.VERSION_RETIRED)
    before = {"notes": version.notes, "review_due": version.review_due}
    if "notes" in values:
        version.notes = values["notes"] or ""
    if "review_due" in values:
        version.review_due = values["review_due"]
    version.save(update_fields=["notes", "review_due"])
    record_event(version, "version.changed", actor=actor, department=version.definition.owner_department,
                 data=delta(before, {"notes": version.notes, "review_due": version.review_due}))
    return version


def legal_targets(version: ProcessVersion) -> list[VersionStatus]:
    """The statuses this version may move to next, in lifecycle order (for the buttons)."""
    allowed = VERSION_TRANSITIONS[VersionStatus(version.status)]
    return [s for s in VersionStatus if s in allowed]


@transaction.atomic
def set_version_status(version: ProcessVersion, target: str, *, actor: Any) -> ProcessVersion:
    """Move a version through draft → review → trial → published → retired; publishing retires the old one.

    Publishing sets the re-review date a year ahead unless one is set already. Once the publishing
    process (P21, yewu.workflow.publishing) has a published version, a version reaches review,
    trial run and published only through its approval (`publishing.submit_for_review`); this
    direct change is then left for retiring.
    """
    from yewu.workflow import publishing

    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    permissions.require(actor, "change", version)
    current = VersionStatus(version.status)
    if target not in VersionStatus.values:
        raise DomainError(WorkflowError.BAD_TRANSITION, current=current.label, target=str(target)[:40])
    if target not in VERSION_TRANSITIONS[current]:
        raise DomainError(WorkflowError.BAD_TRANSITION, current=current.label, target=VersionStatus(target).label)
    running = publishing.running_approval(version)
    if running is not None:
        raise DomainError(DefinitionError.APPROVAL_RUNNING, number=running.number)
    if target != VersionStatus.RETIRED:
        governing = publishing.publishing_definition()
        if governing is not None:
            raise DomainError(DefinitionError.NEEDS_APPROVAL, name=governing.name)
    return move_version(version, target, actor=actor)


def move_version(version: ProcessVersion, target: str, *, actor: Any, data: dict | None = None) -> ProcessVersion:
    """Write a lifecycle move of a locked version and its audit events (no checks: callers check).

    Publishing retires the version published before and sets the re-review date a year ahead
    unless one is set already.
    """
    if target == VersionStatus.PUBLISHED:
        for old in version.definition.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk=version.pk):
            old.status = VersionStatus.RETIRED
            old.save(update_fields=["status"])
            record_event(old, "version.retired", actor=actor,
                         data={"status": [VersionStatus.PUBLISHED, VersionStatus.RETIRED], **(data or {})})
        version.published_at = timezone.now()
        if version.review_due is None:
            version.review_due = timezone.localdate() + REVIEW_PERIOD
    before = version.status
    version.status = target
    version.save(update_fields=["status", "published_at", "review_due"])
    record_event(version, f"version.{target}", actor=actor, data={"status": [before, target], **(data or {})})
    return version


@transaction.atomic
def release_without_approval(version: ProcessVersion, *, actor: Any, via: str) -> ProcessVersion:
    """Publish a draft straight away, without the publishing approval: for the pack installer
    (`via="pack"`) and test helpers only, never for a page or the API. The events say `via`."""
    version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    permissions.require(actor, "change", version)
    for target in (VersionStatus.REVIEW, VersionStatus.PUBLISHED):
        if target not in VERSION_TRANSITIONS[VersionStatus(version.status)]:
            raise DomainError(WorkflowError.BAD_TRANSITION, current=VersionStatus(version.status).label,
                              target=target.label)
        move_version(version, target, actor=actor, data={"via": via})
    return version


@transaction.atomic
def install_published(
    key: str, *, name: str, category: str, description: str, owner: str | tuple[str, ...], bpmn_xml: str,
    dmn_xml: str = "", steps: dict, form: list, notes: str, via: str, actor: Any, check_form: bool = False,
) -> ProcessDefinition:
    """A process that a module or pack ships: created with version 1 published, unless it exists
    (then it is left as its administrators made it; one without any version gets version 1).
    `owner`: the code of the owning department, or codes tried in turn. `check_form`: the form is
    one people fill in (a general approval's), so it must pass the form-schema rules (a module's
    process form only carries its record's figures)."""
    from yewu.org.models import Department
    from yewu.workflow.form_errors import FormSchemaError
    from yewu.workflow.forms_schema import validate_schema

    definition = ProcessDefinition.objects.filter(key=key).first()
    if definition is None:
        codes = (owner,) if isinstance(owner, str) else owner
        found = {d.code: d for d in Department.objects.filter(code__in=codes)}
        definition = save_definition(None, {
            "key": key, "name": name, "category": category, "description": description,
            "owner_department": next((found[c] for c in codes if c in found), None),
        }, actor=actor)
    if not definition.versions.exists():
        problems = validate_schema(form) if check_form else []
        if problems:
            raise DomainError(FormSchemaError.INVALID_SCHEMA, errors="; ".join(problems))
        version = create_version(definition, actor=actor, bpmn_xml=bpmn_xml, dmn_xml=dmn_xml, steps=steps,
                                 form=form, notes=notes, process_id=key)
        release_without_approval(version, actor=actor, via=via)
    return definition


# --- export --------------------------------------------------------------------------------------


def export_bpmn(version: ProcessVersion) -> str:
    """The stored BPMN text as it is; a file without any diagram gets a generated layout."""
    text = version.bpmn_xml
    if "BPMNDiagram" in text:
        return text
    try:
        return with_layout(text, version.process_id)
    except (DomainError, etree.LxmlError, ValueError, KeyError):
        return text
