"""Process definitions: the services (import checks, lifecycle, step settings, diagram, copy, export),
the pages (registry, versions, viewer, status buttons, step forms, upload, import, modeler) and the
REST API. Process ids here start with "pd_": the engine caches parsed specs by (version pk, process
id), and version pks repeat from test to test.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from lxml import etree

from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.core.roles import ensure_default_roles
from yewu.core.scopes import Scope
from yewu.core.testing.api import api_client, assert_error
from yewu.core.testing.factories import EmployeeFactory, UserFactory, grant
from yewu.workflow import definitions, services
from yewu.workflow.choices import VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessVersion
from yewu.workflow.testing.bpmn import chain

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


def refused(exc_info) -> str:
    """The English message of a refusal."""
    with translation.override("en"):
        return exc_info.value.message


def process(pid: str, body: str, *, executable: str = "true", extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d" targetNamespace="x">{extra}'
            f'<bpmn:process id="{pid}" isExecutable="{executable}">{body}</bpmn:process></bpmn:definitions>')


def flows(*pairs: tuple[str, str]) -> str:
    return "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(pairs))


@pytest.fixture
def definition(company):
    return ProcessDefinition.objects.create(key="pd_purchase", name="采购申请", owner_department=company.sales)


@pytest.fixture
def draft(company, definition):
    return definitions.create_version(
        definition, actor=company.admin,
        bpmn_xml=chain("pd_purchase", ["head", ("gm", "amount > 50000")], {"head": "部门审批", "gm": "总经理审批"}),
        steps={"head": {"assignee": {"type": "department_head"}, "kind": "approve"}},
    )


def publish(version, actor):
    definitions.set_version_status(version, VersionStatus.REVIEW, actor=actor)
    return definitions.set_version_status(version, VersionStatus.PUBLISHED, actor=actor)


@pytest.fixture
def admin_client(company):
    client = Client()
    client.force_login(company.admin)
    return client


@pytest.fixture
def process_admin(company):
    """dave, with the default process administrator role."""
    company.dave.user.groups.add(ensure_default_roles()["process_admin"])
    return company.dave.user


def _messages(resp) -> list[str]:
    return [str(m) for m in get_messages(resp.wsgi_request)]


# --- import checks -------------------------------------------------------------------------------


def test_validate_bpmn_keeps_its_signature_and_names_the_process(company):
    assert definitions.validate_bpmn(chain("pd_a", ["x"])) == ("pd_a", "pd_a")
    xml = process("pd_b", '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + flows(("s", "e")))
    assert definitions.validate_bpmn(xml.replace('id="pd_b"', 'id="pd_b" name="报销"')) == ("pd_b", "报销")


def test_a_collaboration_without_a_chosen_pool_is_refused_naming_the_pools(company):
    body = '<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + flows(("s", "t"), ("t", "e"))
    two = (f'<bpmn:definitions {NS} id="d" targetNamespace="x">'
           f'<bpmn:collaboration id="c"><bpmn:participant id="p1" processRef="pd_one" name="申请人"/>'
           f'<bpmn:participant id="p2" processRef="pd_two"/></bpmn:collaboration>'
           f'<bpmn:process id="pd_one" isExecutable="false">{body}</bpmn:process>'
           f'<bpmn:process id="pd_two" isExecutable="false">{body}</bpmn:process></bpmn:definitions>')
    with pytest.raises(DomainError) as exc:
        definitions.check_bpmn(two)
    assert "collaboration with 2 pools" in refused(exc) and "'pd_one'" in refused(exc) and "'pd_two'" in refused(exc)
    # Choosing one is not enough while it is marked descriptive ...
    with pytest.raises(DomainError) as exc:
        definitions.check_bpmn(two, process_id="pd_two")
    assert "'pd_two' is marked isExecutable=\"false\"" in refused(exc)
    # ... and with --executable only that pool's attribute changes.
    checked = definitions.check_bpmn(two, process_id="pd_two", make_executable=True)
    assert checked.process_id == "pd_two" and checked.made_executable and checked.pools == ["pd_one", "pd_two"]
    assert checked.text == two.replace('<bpmn:process id="pd_two" isExecutable="false">',
                                       '<bpmn:process id="pd_two" isExecutable="true">')
    # One pool marked executable is the one that runs; the name comes from its participant.
    one = two.replace('id="pd_one" isExecutable="false"', 'id="pd_one" isExecutable="true"')
    checked = definitions.check_bpmn(one)
    assert (checked.process_id, checked.name, checked.text) == ("pd_one", "申请人", one)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<bpmn:startEvent id="s"/><bpmn:scriptTask id="run_it"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
         '<bpmn:endEvent id="e"/>' + flows(("s", "run_it"), ("run_it", "e")),
         "scriptTask 'run_it': script tasks run code"),
        ('<bpmn:startEvent id="s"/><bpmn:serviceTask id="call" name="调用"/><bpmn:endEvent id="e"/>'
         + flows(("s", "call"), ("call", "e")), "serviceTask 'call' (调用): service tasks call other systems"),
        ('<bpmn:startEvent id="s"><bpmn:messageEventDefinition/></bpmn:startEvent><bpmn:endEvent id="e"/>'
         + flows(("s", "e")), "startEvent 's' has a messageEventDefinition"),
        ('<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="sig"><bpmn:signalEventDefinition/>'
         '</bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>' + flows(("s", "sig"), ("sig", "e")),
         "intermediateThrowEvent 'sig' is a signal event"),
        ('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
         + flows(("s", "t"), ("t", "e1"), ("t", "e2")), "userTask 't' has 2 outgoing sequence flows"),
        ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
         + flows(("s", "g"), ("g", "e1"), ("g", "e2")),
         "exclusiveGateway 'g': its outgoing sequenceFlow 'f1' has no condition and is not the default flow"),
        ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f2"/><bpmn:endEvent id="e1"/>'
         '<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>${approved}'
         '</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e2"/>',
         "sequenceFlow 'f1': the condition «${approved}» is a JUEL expression"),
        ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f2"/><bpmn:endEvent id="e1"/>'
         '<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>Order OK?'
         '</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e2"/>',
         "sequenceFlow 'f1': the condition «Order OK?» is not an expression Yewu can evaluate"),
        ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f2"/><bpmn:endEvent id="e1"/>'
         '<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>'
         "().__class__.__base__</bpmn:conditionExpression></bpmn:sequenceFlow>"
         '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e2"/>',
         "names starting with __ are not allowed"),
        ('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:boundaryEvent id="late" attachedToRef="t">'
         "<bpmn:timerEventDefinition><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition>"
         '</bpmn:boundaryEvent><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
         + flows(("s", "t"), ("t", "e"), ("late", "e2")),
         "boundaryEvent 'late': the timer value P7D is an expression in Yewu; put it in quotes: 'P7D'"),
        ('<bpmn:startEvent id="s"/><bpmn:callActivity id="sub" calledElement="x"/><bpmn:endEvent id="e"/>'
         + flows(("s", "sub"), ("sub", "e")), "callActivity 'sub': call activities are not supported"),
        ('<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + flows(("s", "nowhere")),
         "sequenceFlow 'f0': its targetRef 'nowhere' is not an element of the same process"),
    ],
    ids=["script", "service", "message-start", "signal-throw", "split-without-gateway", "gateway-without-condition",
         "juel", "natural-language", "dunder", "unquoted-timer", "call-activity", "dangling-flow"],
)
def test_what_the_engine_cannot_run_is_refused_naming_the_element(company, body, expected):
    with pytest.raises(DomainError) as exc:
        definitions.check_bpmn(process("pd_x", body))
    assert exc.value.code == "workflow.invalid_bpmn"
    assert expected in refused(exc), refused(exc)


def test_what_the_engine_runs_is_accepted(company):
    body = (
        '<bpmn:startEvent id="s"/><bpmn:userTask id="apply" name="填写"/><bpmn:exclusiveGateway id="g" default="f3"/>'
        '<bpmn:manualTask id="check" name="核对"/><bpmn:task id="file" name="归档"/>'
        '<bpmn:intermediateThrowEvent id="milestone"/>'
        '<bpmn:boundaryEvent id="late" attachedToRef="check" cancelActivity="false"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>'PT48H'</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
        '<bpmn:textAnnotation id="note"><bpmn:text>说明</bpmn:text></bpmn:textAnnotation>'
        '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="apply"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="apply" targetRef="g"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="check"><bpmn:conditionExpression>amount &gt; 50000'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="file"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="milestone"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="milestone" targetRef="e"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="file" targetRef="e"/>'
        '<bpmn:sequenceFlow id="f7" sourceRef="late" targetRef="e2"/>'
    )
    checked = definitions.check_bpmn(process("pd_ok", body))
    assert [(s.id, s.name, s.kind) for s in checked.steps] == [
        ("apply", "填写", "userTask"), ("check", "核对", "manualTask"), ("file", "归档", "task")]


def test_a_declared_latin1_file_is_stored_as_utf8_with_only_the_declaration_changed(company):
    xml = chain("pd_latin", ["a"], {"a": "Café"}).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    checked = definitions.check_bpmn(xml.encode("latin-1"))
    assert checked.text == xml.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"')
    assert checked.steps[0].name == "Café"
    ascii_only = chain("pd_ascii", ["a"]).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    assert definitions.check_bpmn(ascii_only.encode("ascii")).text == ascii_only  # untouched


# --- lifecycle -----------------------------------------------------------------------------------


def test_the_lifecycle_moves_only_along_legal_transitions(company, draft):
    assert definitions.legal_targets(draft) == [VersionStatus.REVIEW]
    with pytest.raises(DomainError) as exc:
        definitions.set_version_status(draft, VersionStatus.PUBLISHED, actor=company.admin)
    assert exc.value.code == "workflow.bad_transition"
    with pytest.raises(DomainError):
        definitions.set_version_status(draft, "nonsense", actor=company.admin)
    v = definitions.set_version_status(draft, VersionStatus.REVIEW, actor=company.admin)
    assert definitions.legal_targets(v) == [VersionStatus.DRAFT, VersionStatus.TRIAL, VersionStatus.PUBLISHED]
    v = definitions.set_version_status(v, VersionStatus.TRIAL, actor=company.admin)
    v = definitions.set_version_status(v, VersionStatus.PUBLISHED, actor=company.admin)
    assert definitions.legal_targets(v) == [VersionStatus.RETIRED]
    activities = list(Event.objects.filter(case_id=str(v.pk), case_type="workflow.processversion")
                      .order_by("seq").values_list("activity", flat=True))
    assert activities == ["version.created", "version.review", "version.trial", "version.published"]


def test_publishing_retires_the_previous_version_and_schedules_the_re_review(company, draft):
    first = publish(draft, company.admin)
    assert first.review_due == timezone.localdate() + definitions.REVIEW_PERIOD
    second = definitions.copy_version(first, actor=company.admin)
    definitions.update_version(second, {"review_due": datetime.date(2030, 1, 31)}, actor=company.admin)
    second = publish(second, company.admin)
    first.refresh_from_db()
    assert first.status == VersionStatus.RETIRED and second.status == VersionStatus.PUBLISHED
    assert second.review_due == datetime.date(2030, 1, 31)  # a date set before publishing stays
    assert Event.objects.filter(case_id=str(first.pk), activity="version.retired").exists()
    with pytest.raises(DomainError) as exc:
        definitions.update_version(first, {"notes": "x"}, actor=company.admin)
    assert exc.value.code == "workflow.version_retired"


def test_several_processes_are_read_in_one_statement_and_remembered_for_the_transaction(company, draft):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from yewu.core.sql import forget

    published = publish(draft, company.admin)
    trial_only = ProcessDefinition.objects.create(key="pd_trial", name="试行", owner_department=company.sales)
    trial = definitions.create_version(trial_only, actor=company.admin, bpmn_xml=chain("pd_trial", ["a"]))
    definitions.set_version_status(trial, VersionStatus.REVIEW, actor=company.admin)
    definitions.set_version_status(trial, VersionStatus.TRIAL, actor=company.admin)
    ProcessDefinition.objects.create(key="pd_none", name="无版本", owner_department=company.sales)
    services.startable_version("pd_purchase"), services.startable_version("pd_trial")  # versions cached
    forget()  # the test's own transaction remembered them: start from an empty memo
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        found = services.read_processes("pd_purchase", "pd_trial", "pd_none", "pd_missing")
        assert services.startable_version("pd_purchase").pk == published.pk  # from the memo
        assert services.startable_version("pd_trial").pk == trial.pk
        assert services.process_exists("pd_none") and not services.process_exists("pd_missing")
    assert len(ctx.captured_queries) == 1
    assert found["pd_purchase"][1][:2] == (published.pk, VersionStatus.PUBLISHED)
    assert found["pd_trial"][1][:2] == (trial.pk, VersionStatus.TRIAL)
    assert found["pd_none"] == (ProcessDefinition.objects.get(key="pd_none").pk, None)
    assert found["pd_missing"] is None


def test_changing_a_version_needs_the_grant_within_the_scope(company, draft):
    bob = company.bob.user
    with pytest.raises(DomainError) as exc:
        definitions.set_version_status(draft, VersionStatus.REVIEW, actor=bob)
    assert exc.value.code == "core.permission_denied"
    grant(bob, "workflow.change_processversion", Scope.DEPARTMENT)
    grant(bob, "workflow.change_processdefinition", Scope.DEPARTMENT)
    finance = ProcessDefinition.objects.create(key="pd_fin", name="付款", owner_department=company.finance)
    with pytest.raises(DomainError) as exc:
        definitions.create_version(finance, actor=bob, bpmn_xml=chain("pd_fin", ["a"]))
    assert exc.value.code == "core.out_of_scope"
    assert definitions.set_version_status(draft, VersionStatus.REVIEW, actor=bob).status == VersionStatus.REVIEW


# --- step settings, diagram, copy ----------------------------------------------------------------


def test_step_settings_are_checked_and_kept_with_the_keys_yewu_does_not_edit(company, draft):
    v = definitions.save_steps(draft, {"head": {
        "assignee": {"type": "supervisor", "levels": 2}, "mode": "quorum", "quorum": 2, "due_hours": 24.0,
        "remind_before_hours": 4, "escalation": "reassign", "escalate_to": {"type": "user", "username": "gm"},
        "sop": "核对预算后审批。", "empty": "skip", "on_reject": "route",
    }}, actor=company.admin)
    assert v.step("head") == {
        "assignee": {"type": "supervisor", "levels": 2}, "mode": "quorum", "quorum": 2, "due_hours": 24,
        "remind_before_hours": 4, "escalation": "reassign", "escalate_to": {"type": "user", "username": "gm"},
        "sop": "核对预算后审批。", "empty": "skip", "on_reject": "route", "kind": "approve",
    }
    assert Event.objects.filter(case_id=str(v.pk), activity="version.steps_changed").exists()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"assignee": "alice"}, "assignee"),
        ({"assignee": {"type": "astrologer"}}, "assignee"),
        ({"mode": "vote"}, "mode"),
        ({"mode": "quorum"}, "quorum"),
        ({"due_hours": "soon"}, "due_hours"),
        ({"due_hours": -1}, "due_hours"),
        ({"escalation": "shout"}, "escalation"),
        ({"empty": "panic"}, "empty"),
        ({"on_reject": "retry"}, "on_reject"),
    ],
)
def test_bad_step_settings_are_refused_naming_the_step_and_field(company, draft, settings, field):
    with pytest.raises(DomainError) as exc:
        definitions.save_steps(draft, {"head": settings}, actor=company.admin)
    assert exc.value.code == "workflow.invalid_steps"
    assert "head" in refused(exc) and field in refused(exc)


def test_only_drafts_take_step_settings_and_new_diagrams(company, draft):
    with pytest.raises(DomainError) as exc:
        definitions.save_steps(draft, {"nope": {}}, actor=company.admin)
    assert exc.value.code == "workflow.invalid_steps"
    published = publish(draft, company.admin)
    for call in (lambda: definitions.save_steps(published, {"head": {"sop": "x"}}, actor=company.admin),
                 lambda: definitions.save_diagram(published, chain("pd_purchase", ["a"]), actor=company.admin)):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "workflow.version_not_draft"


def test_saving_a_diagram_checks_it_like_an_import(company, draft):
    with pytest.raises(DomainError) as exc:
        definitions.save_diagram(draft, "<nope/>", actor=company.admin)
    assert exc.value.code == "workflow.invalid_bpmn"
    v = definitions.save_diagram(draft, chain("pd_renamed", ["head", "finance"]), actor=company.admin)
    assert v.process_id == "pd_renamed" and [s.id for s in definitions.steps_of(v)] == ["head", "finance"]
    assert Event.objects.filter(case_id=str(v.pk), activity="version.diagram_changed").exists()


def test_a_copy_is_the_next_draft_with_the_same_diagram_and_settings(company, draft):
    published = publish(draft, company.admin)
    copy = definitions.copy_version(published, actor=company.admin)
    assert (copy.version, copy.status, copy.bpmn_xml, copy.steps) == (
        2, VersionStatus.DRAFT, published.bpmn_xml, published.steps)


def test_import_makes_a_definition_and_then_new_versions_of_it(company):
    xml = process("pd_leave", '<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                  + flows(("s", "t"), ("t", "e"))).replace('id="pd_leave"', 'id="pd_leave" name="请假"')
    v1 = definitions.import_bpmn(xml, actor=company.admin, owner_department=company.sales)
    assert (v1.definition.key, v1.definition.name, v1.definition.owner_department, v1.version) == (
        "pd_leave", "请假", company.sales, 1)
    with pytest.raises(DomainError) as exc:  # the same process id again: which process is meant?
        definitions.import_bpmn(xml, actor=company.admin)
    assert exc.value.code == "workflow.definition_key_taken" and "pd_leave" in refused(exc)
    v2 = definitions.import_bpmn(xml.encode(), actor=company.admin, key="pd_leave")
    assert (v2.definition_id, v2.version, v2.status) == (v1.definition_id, 2, VersionStatus.DRAFT)
    assert Event.objects.filter(activity="definition.created", case_id=str(v1.definition_id)).exists()


# --- export --------------------------------------------------------------------------------------


def test_export_gives_back_the_stored_text_with_its_diagram_untouched(company, definition):
    di = ('<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="dia">'
          '<bpmndi:BPMNPlane id="plane" bpmnElement="pd_purchase"/></bpmndi:BPMNDiagram>')
    xml = chain("pd_purchase", ["a"]).replace("</bpmn:definitions>", f"\n  {di}\n</bpmn:definitions>")
    version = definitions.create_version(definition, actor=company.admin, bpmn_xml=xml)
    assert definitions.export_bpmn(version) == version.bpmn_xml == xml


def test_a_file_without_a_diagram_gets_a_generated_layout_on_export(company, draft):
    assert "BPMNDiagram" not in draft.bpmn_xml
    exported = definitions.export_bpmn(draft)
    root = etree.fromstring(exported.encode())
    process_el = root.find(f"{BPMN}process")
    shapes = {s.get("bpmnElement") for s in root.iter(f"{DI}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{DI}BPMNEdge")}
    nodes = {n.get("id") for n in process_el if etree.QName(n).localname != "sequenceFlow"}
    assert nodes <= shapes
    assert {f.get("id") for f in process_el.iter(f"{BPMN}sequenceFlow")} == edges
    assert definitions.check_bpmn(exported).process_id == "pd_purchase"  # still a valid file


# --- pages ---------------------------------------------------------------------------------------


def test_the_registry_marks_overdue_re_reviews(company, admin_client, draft):
    v = publish(draft, company.admin)
    ProcessVersion.objects.filter(pk=v.pk).update(review_due=timezone.localdate() - datetime.timedelta(days=1))
    ok = ProcessDefinition.objects.create(key="pd_fresh", name="新流程", owner_department=company.sales)
    fresh = publish(definitions.create_version(ok, actor=company.admin, bpmn_xml=chain("pd_fresh", ["a"])),
                    company.admin)
    resp = admin_client.get(reverse("processes:definition_list"))
    html = resp.content.decode()
    assert resp.status_code == 200 and html.count('data-review-overdue="1"') == 1
    assert 'data-testid="review-overdue"' in html
    overdue = admin_client.get(reverse("processes:definition_list"), {"review_overdue": "true"})
    assert [o.pk for o, _cells in overdue.context["rows"]] == [v.definition_id]
    versions = admin_client.get(reverse("processes:version_list"), {"review_overdue": "true"})
    assert [o.pk for o, _cells in versions.context["rows"]] == [v.pk]
    page = admin_client.get(reverse("processes:version_detail", args=[v.pk])).content.decode()
    assert 'data-testid="review-overdue"' in page
    assert fresh.review_due > timezone.localdate()


def test_the_version_page_shows_the_viewer_and_only_the_legal_buttons(company, admin_client, draft):
    html = admin_client.get(draft.get_absolute_url()).content.decode()
    assert "vendor/bpmn-js/bpmn-viewer.production.min.js" in html and "workflow/diagram.js" in html
    assert "vendor/bpmn-js/assets/diagram-js.css" in html and "workflow/diagram.css" in html
    assert f'data-url="/processes/versions/{draft.pk}/export.bpmn"' in html
    assert 'data-testid="to-review"' in html and 'data-testid="to-published"' not in html
    assert 'data-testid="open-modeler"' in html and 'data-testid="steps-form"' in html
    assert 'data-step="head"' in html and 'data-step="gm"' in html
    published = publish(draft, company.admin)
    html = admin_client.get(published.get_absolute_url()).content.decode()
    assert 'data-testid="to-retired"' in html and 'data-testid="to-review"' not in html
    assert 'data-testid="open-modeler"' not in html and 'data-testid="steps-form"' not in html


def test_the_status_buttons_move_the_version_and_refusals_are_shown(company, admin_client, draft):
    resp = admin_client.post(reverse("processes:version_to_published", args=[draft.pk]))
    assert resp.status_code == 302 and any("cannot move" in m or "不能" in m for m in _messages(resp))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    admin_client.post(reverse("processes:version_to_review", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == VersionStatus.REVIEW


def test_step_forms_save_the_settings_of_each_user_task(company, admin_client, draft):
    url = reverse("processes:version_steps", args=[draft.pk])
    data = {"s0-step_id": "head", "s0-assignee": '{"type": "department_head"}', "s0-mode": "all",
            "s0-due_hours": "24", "s0-sop": "先核对预算。", "s0-kind": "approve", "s1-step_id": "gm",
            "s1-assignee": '{"type": "user", "username": "gm"}', "s1-escalation": "auto_approve"}
    resp = admin_client.post(url, data)
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.step("head") == {"assignee": {"type": "department_head"}, "mode": "all", "due_hours": 24,
                                  "sop": "先核对预算。", "kind": "approve"}
    assert draft.step("gm") == {"assignee": {"type": "user", "username": "gm"}, "escalation": "auto_approve"}
    bad = admin_client.post(url, {**data, "s0-assignee": "not json"})
    assert bad.status_code == 400 and "JSON" in bad.content.decode()


def test_upload_on_the_definition_page_creates_a_draft_or_shows_the_reason(company, admin_client, definition):
    url = reverse("processes:definition_upload", args=[definition.pk])
    good = SimpleUploadedFile("p.bpmn", chain("pd_purchase", ["a"]).encode(), "application/xml")
    resp = admin_client.post(url, {"file": good})
    version = definition.versions.get()
    assert resp.status_code == 302 and resp["Location"] == version.get_absolute_url()
    bad = SimpleUploadedFile("p.bpmn", process("pd_x", '<bpmn:scriptTask id="boom"/>').encode(), "application/xml")
    with translation.override("en"):
        resp = admin_client.post(url, {"file": bad}, headers={"Accept-Language": "en"})
    assert resp.status_code == 302 and definition.versions.count() == 1
    assert any("scriptTask 'boom'" in m for m in _messages(resp))


def test_the_import_page_makes_a_process_from_a_file(company, admin_client):
    url = reverse("processes:definition_import")
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile("x.bpmn", chain("pd_imported", ["a"]).encode())
    resp = admin_client.post(url, {"file": upload, "key": "pd_imported", "owner_department": company.sales.pk})
    version = ProcessVersion.objects.get(definition__key="pd_imported")
    assert resp.status_code == 302 and version.definition.owner_department == company.sales
    refused_resp = admin_client.post(url, {"file": SimpleUploadedFile("x.bpmn", b"")})
    assert refused_resp.status_code == 400 and 'data-testid="form-error"' in refused_resp.content.decode()
    nobody = Client()
    nobody.force_login(company.bob.user)
    assert nobody.get(url).status_code == 404


def test_the_modeler_is_for_drafts_and_saves_checked_diagrams(company, admin_client, draft):
    url = reverse("processes:version_modeler", args=[draft.pk])
    html = admin_client.get(url).content.decode()
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in html and "workflow/modeler.js" in html
    resp = admin_client.post(url, chain("pd_purchase", ["head", "cfo"]), content_type="application/xml")
    assert resp.status_code == 200 and resp.json()["code"] == "ok"
    draft.refresh_from_db()
    assert [s.id for s in definitions.steps_of(draft)] == ["head", "cfo"]
    resp = admin_client.post(url, process("pd_purchase", '<bpmn:sendTask id="mail"/>'), content_type="application/xml")
    assert resp.status_code == 400 and resp.json()["code"] == "workflow.invalid_bpmn" and "'mail'" in resp.json()["message"]
    resp = admin_client.post(url, b"x" * (definitions.MAX_BYTES + 10), content_type="application/xml")
    assert resp.status_code == 400 and resp.json()["code"] == "workflow.invalid_bpmn"
    publish(draft, company.admin)
    resp = admin_client.post(url, chain("pd_purchase", ["head"]), content_type="application/xml")
    assert resp.status_code == 400 and resp.json()["code"] == "workflow.version_not_draft"
    assert admin_client.get(url).status_code == 302


def test_the_export_serves_viewers_and_participants_only(company, admin_client, draft):
    url = reverse("processes:version_export", args=[draft.pk])
    resp = admin_client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/xml")
    assert resp.content.decode() == definitions.export_bpmn(draft)
    assert 'attachment; filename="pd_purchase-v1.bpmn"' == admin_client.get(url, {"download": 1})["Content-Disposition"]
    bob = Client()
    bob.force_login(company.bob.user)
    assert bob.get(url).status_code == 404
    published = publish(draft, company.admin)
    services.start_process("pd_purchase", actor=company.bob.user, title="纸张", form={"amount": 1})
    assert bob.get(reverse("processes:version_export", args=[published.pk])).status_code == 200  # the requester


def test_the_menu_shows_the_definition_pages_to_those_with_grants(company, process_admin):
    from yewu.core.navigation import menu_for

    labels = {str(i["label"]) for m in menu_for(process_admin, "/") for i in m["items"] if m["key"] == "processes"}
    assert len(labels) == 2
    assert not [m for m in menu_for(company.bob.user, "/") if m["key"] == "processes"]


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_the_pages_render_in_every_language(company, admin_client, draft, language):
    for url in (reverse("processes:definition_list"), reverse("processes:version_list"),
                draft.definition.get_absolute_url(), draft.get_absolute_url(),
                reverse("processes:version_modeler", args=[draft.pk]), reverse("processes:definition_import"),
                reverse("processes:definition_edit", args=[draft.definition_id]),
                reverse("processes:definition_add")):
        resp = admin_client.get(url, headers={"Accept-Language": language})
        assert resp.status_code == 200, (url, resp.status_code)


# --- roles ---------------------------------------------------------------------------------------


def test_default_roles_for_processes(company, process_admin, draft):
    roles = ensure_default_roles()
    auditor = UserFactory()
    auditor.groups.add(roles["auditor"])
    assert ProcessVersion.objects.restrict(auditor, "view").count() == 1
    assert not ProcessVersion.objects.restrict(auditor, "change").exists()
    assert definitions.set_version_status(draft, VersionStatus.REVIEW, actor=process_admin).status == "review"
    hr = EmployeeFactory(department=company.sales).user
    hr.groups.add(roles["hr"])
    assert not ProcessDefinition.objects.restrict(hr, "view").exists()


# --- API -----------------------------------------------------------------------------------------


def test_the_api_runs_the_whole_lifecycle(company, process_admin):
    api = api_client(process_admin)
    resp = api.post("/api/workflow/definitions/", {"key": "pd_api", "name": "接口流程",
                                                   "owner_department": company.sales.pk}, format="json")
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    upload = api.post(f"/api/workflow/definitions/{pk}/upload/",
                      {"file": SimpleUploadedFile("a.bpmn", chain("pd_api", ["head"]).encode())}, format="multipart")
    assert upload.status_code == 201, upload.content
    version = upload.json()
    assert (version["version"], version["status"]) == (1, "draft")
    vurl = f"/api/workflow/versions/{version['id']}/"
    resp = api.patch(vurl, {"steps": {"head": {"assignee": {"type": "department_head"}, "due_hours": 8}},
                            "notes": "初稿"}, format="json")
    assert resp.status_code == 200 and resp.json()["steps"]["head"]["due_hours"] == 8, resp.content
    for target in ("review", "published"):
        resp = api.post(f"{vurl}transition/", {"status": target}, format="json")
        assert resp.status_code == 200 and resp.json()["status"] == target
    assert api.get(f"/api/workflow/definitions/{pk}/").json()["published_version"] == 1
    export = api.get(f"{vurl}export/", HTTP_ACCEPT="application/xml")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/xml")
    assert b"pd_api" in export.content
    copy = api.post(f"{vurl}copy/", {}, format="json")
    assert copy.status_code == 201 and copy.json()["version"] == 2
    imported = api.post("/api/workflow/definitions/import/", {"bpmn_xml": chain("pd_api2", ["a"])}, format="json")
    assert imported.status_code == 201 and imported.json()["process_id"] == "pd_api2"


def test_api_refusals_are_json_with_codes_and_precise_reasons(company, process_admin, draft):
    api = api_client(process_admin, language="en")
    resp = api.post("/api/workflow/definitions/import/",
                    {"bpmn_xml": process("pd_x", '<bpmn:scriptTask id="evil"/>')}, format="json")
    body = assert_error(resp, 400, "workflow.invalid_bpmn")
    assert "scriptTask 'evil'" in body["message"]
    assert_error(api.post(f"/api/workflow/versions/{draft.pk}/transition/", {"status": "published"}, format="json"),
                 400, "workflow.bad_transition")
    publish(draft, company.admin)
    assert_error(api.patch(f"/api/workflow/versions/{draft.pk}/", {"steps": {"head": {"sop": "x"}}}, format="json"),
                 400, "workflow.version_not_draft")
    assert_error(api.post("/api/workflow/definitions/import/", {}, format="json"), 400, "invalid")
    assert_error(api_client(company.bob.user).get(f"/api/workflow/versions/{draft.pk}/export/",
                                                  HTTP_ACCEPT="application/xml"), 403, "permission_denied")
    grant(company.bob.user, "workflow.view_processversion", Scope.DEPARTMENT)
    other = ProcessDefinition.objects.create(key="pd_fin", name="付款", owner_department=company.finance)
    hidden = definitions.create_version(other, actor=company.admin, bpmn_xml=chain("pd_fin", ["a"]))
    assert_error(api_client(company.bob.user).get(f"/api/workflow/versions/{hidden.pk}/export/",
                                                  HTTP_ACCEPT="application/xml"), 404, "not_found")


def test_the_schema_documents_the_definition_endpoints(db):
    import yaml

    schema = yaml.safe_load(Client().get("/api/schema/").content)
    for path in ("/api/workflow/definitions/", "/api/workflow/definitions/{id}/", "/api/workflow/definitions/import/",
                 "/api/workflow/definitions/{id}/upload/", "/api/workflow/versions/", "/api/workflow/versions/{id}/",
                 "/api/workflow/versions/{id}/transition/", "/api/workflow/versions/{id}/copy/",
                 "/api/workflow/versions/{id}/export/"):
        assert path in schema["paths"], path
    assert "application/xml" in json.dumps(schema["paths"]["/api/workflow/versions/{id}/export/"])


@pytest.mark.fuzz
def test_fuzzing_the_definition_api_as_a_process_administrator_finds_no_server_error(company, process_admin, draft):
    """The generic fuzzing (yewu/core/tests/test_api_fuzz.py) reaches these endpoints as an auditor,
    who may only read; here a process administrator sends generated bodies to every write too."""
    pytest.importorskip("schemathesis")
    import schemathesis
    import yaml
    from django.core.wsgi import get_wsgi_application

    from yewu.core.tests.test_api_fuzz import (
        EXAMPLES,
        Findings,
        Target,
        _distinct,
        _fuzz,
        _in_test_transaction,
        _token,
    )

    raw = yaml.safe_load(Client().get("/api/schema/").content)
    schema = schemathesis.openapi.from_dict(raw).include(path_regex="^/api/workflow/(definitions|versions)/")
    real_ids = {"/api/workflow/definitions/": draft.definition_id, "/api/workflow/versions/": draft.pk}
    findings = Findings()
    with _in_test_transaction() as log:
        _fuzz(schema, Target(get_wsgi_application(), _token(process_admin), log, findings), real_ids, EXAMPLES)
    assert findings.requests > 0
    assert not findings.server_errors, "\n".join(findings.server_errors) + "\n\n" + "\n\n".join(_distinct(log.records))
    assert not findings.not_json_errors, "\n".join(findings.not_json_errors)
