"""Every per-step key the runtime reads is editable in the step form and the API, with validation:
kind "submit", auto_return escalation, requester_is_approver, duplicate-approver dedupe, and the
assignee rule's keys per type."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yewu.core.errors import DomainError
from yewu.core.testing.api import api_client, assert_error
from yewu.workflow import definitions
from yewu.workflow.forms_definitions import StepSettingsForm
from yewu.workflow.models import ProcessDefinition
from yewu.workflow.testing.bpmn import chain


@pytest.fixture
def draft(company):
    definition = ProcessDefinition.objects.create(key="ss_proc", name="步骤设置", owner_department=company.sales)
    return definitions.create_version(definition, actor=company.admin, bpmn_xml=chain("ss_proc", ["fill", "head"]))


def test_the_form_has_a_field_for_every_key_the_runtime_reads():
    assert set(StepSettingsForm().fields) - {"step_id"} == set(definitions.STEP_KEYS)
    escalations = dict(StepSettingsForm().fields["escalation"].choices)
    assert set(definitions.ESCALATIONS) <= set(escalations)


def test_the_new_keys_are_saved_and_read_back(company, draft):
    v = definitions.save_steps(draft, {
        "fill": {"kind": "submit"},
        "head": {"assignee": {"type": "department_head"}, "due_hours": 8, "remind_before_hours": 2,
                 "escalation": "auto_return", "requester_is_approver": "approve", "dedupe": False},
    }, actor=company.admin)
    assert v.step("fill") == {"kind": "submit"}
    assert v.step("head") == {"assignee": {"type": "department_head"}, "due_hours": 8, "remind_before_hours": 2,
                              "escalation": "auto_return", "requester_is_approver": "approve", "dedupe": False}
    # Keys left out keep their value; a key given empty goes back to the default.
    v = definitions.save_steps(v, {"head": {"sop": "先核对。", "dedupe": None}}, actor=company.admin)
    assert v.step("head")["escalation"] == "auto_return" and "dedupe" not in v.step("head")
    assert v.step("head")["sop"] == "先核对。"


@pytest.mark.parametrize(("settings", "field", "problem"), [
    ({"kind": "sign"}, "kind", "not one of the allowed values"),
    ({"requester_is_approver": "maybe"}, "requester_is_approver", "not one of the allowed values"),
    ({"dedupe": "sometimes"}, "dedupe", "true or false"),
    ({"escalation": "panic"}, "escalation", "not one of the allowed values"),
    ({"due_hours": 4, "remind_before_hours": 4}, "remind_before_hours", "before the time limit"),
    ({"remind_before_hours": 4}, "remind_before_hours", "needs a time limit"),
    ({"escalation": "auto_approve", "escalate_to": {"type": "department_head"}}, "escalate_to", "reassign"),
    ({"assignee": {"type": "user"}}, "assignee", "username or usernames"),
    ({"assignee": {"type": "position"}}, "assignee", "needs position"),
    ({"assignee": {"type": "supervisor", "levels": 0}}, "assignee", "levels"),
    ({"assignee": {"type": "supervisor", "levls": 2}}, "assignee", "has no key levls"),
    ({"assignee": {"type": "position", "position": "gm", "include_below": "yes"}}, "assignee", "true or false"),
    ({"assignee": {"type": "field"}}, "assignee", "needs field"),
])
def test_bad_settings_are_refused_naming_the_field_and_problem(company, draft, settings, field, problem):
    with pytest.raises(DomainError) as exc, translation.override("en"):
        definitions.save_steps(draft, {"head": settings}, actor=company.admin)
    with translation.override("en"):
        message = exc.value.message
    assert exc.value.code == "workflow.invalid_steps" and field in message and problem in message


def form_data(**values):
    data = {"s0-step_id": "fill", "s1-step_id": "head"}
    data.update({f"s1-{k}": v for k, v in values.items()})
    return data


def test_the_page_saves_the_new_fields_and_marks_the_wrong_one(company, draft):
    client = Client()
    client.force_login(company.admin)
    url = reverse("processes:version_steps", args=[draft.pk])
    page = client.get(draft.get_absolute_url()).content.decode()
    for name in ("s0-kind", "s1-requester_is_approver", "s1-dedupe", 'value="auto_return"'):
        assert name in page
    resp = client.post(url, {**form_data(assignee='{"type": "department_head"}', escalation="auto_return",
                                         due_hours="8", requester_is_approver="approve", dedupe="false"),
                             "s0-kind": "submit"})
    assert resp.status_code == 302, resp.content[:2000]
    draft.refresh_from_db()
    assert draft.step("fill") == {"kind": "submit"}
    assert draft.step("head")["dedupe"] is False and draft.step("head")["escalation"] == "auto_return"
    page = client.get(draft.get_absolute_url()).content.decode()
    assert '<option value="false" selected>' in page  # the stored False shows as chosen
    bad = client.post(url, form_data(due_hours="2", remind_before_hours="3"))
    assert bad.status_code == 400
    head = next(f for step, f in bad.context["step_forms"] if step.id == "head")
    assert "remind_before_hours" in head.errors
    draft.refresh_from_db()
    assert draft.step("head")["escalation"] == "auto_return"  # nothing saved


def test_the_api_takes_the_new_keys_and_refuses_bad_ones(company, draft):
    api = api_client(company.admin, language="en")
    url = f"/api/workflow/versions/{draft.pk}/"
    resp = api.patch(url, {"steps": {"fill": {"kind": "submit"}, "head": {
        "escalation": "auto_return", "due_hours": 24, "requester_is_approver": "approve", "dedupe": False}}},
        format="json")
    assert resp.status_code == 200, resp.content
    assert resp.json()["steps"]["head"]["dedupe"] is False and resp.json()["steps"]["fill"] == {"kind": "submit"}
    body = assert_error(api.patch(url, {"steps": {"head": {"kind": "vote"}}}, format="json"), 400,
                        "workflow.invalid_steps")
    assert "kind" in body["message"]
    assert_error(api.patch(url, {"steps": {"head": {"dedupe": "sometimes"}}}, format="json"), 400, "invalid")
