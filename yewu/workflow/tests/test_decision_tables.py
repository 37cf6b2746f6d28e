"""DMN decision tables edited without the diagram: the service (checks, regenerated XML, drafts
changed in place, other versions copied to a new draft), the engine following a changed threshold,
the table editor page (htmx add/remove rules) and the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.core.testing.api import api_client, assert_error
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.workflow import definitions, dmn, services
from yewu.workflow.choices import VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessVersion, Task
from yewu.workflow.testing.bpmn import decided, dmn_table, ready_steps

THRESHOLDS = [("> 50000", '"gm"'), ("> 10000", '"finance"'), ("-", '"none"')]
STEPS = {"head": {"assignee": {"type": "department_head"}}, "gm_step": {"assignee": {"type": "user", "username": "gm"}},
         "finance_step": {"assignee": {"type": "user", "username": "dave"}}}


@pytest.fixture
def gm(company):
    return EmployeeFactory(user=UserFactory(username="gm"), name="总经理", department=company.hq,
                           position=company.head).user


@pytest.fixture
def draft(company, gm):
    definition = ProcessDefinition.objects.create(key="dt_buy", name="采购", owner_department=company.sales)
    return definitions.create_version(
        definition, actor=company.admin, steps=STEPS,
        bpmn_xml=decided("dt_buy", "approval_level", {"gm": "gm_step", "finance": "finance_step"}, before=["head"]),
        dmn_xml=dmn_table("approval_level", "amount", THRESHOLDS),
    )


def refused(exc_info) -> str:
    with translation.override("en"):
        return exc_info.value.message


def with_threshold(table: dict, cell: str) -> dict:
    table["rules"][0]["inputs"][0] = cell
    return table


def route_for(company, amount):
    inst = services.start_process("dt_buy", actor=company.bob.user, title="采购", form={"amount": amount})
    services.approve_task(Task.objects.get(instance=inst, assignee=company.alice.user, status="open"),
                          actor=company.alice.user)
    return ready_steps(inst)


# --- reading and writing -------------------------------------------------------------------------


def test_the_table_is_read_as_columns_and_rules(draft):
    table = definitions.decision_table(draft)
    assert table["decision"] == "approval_level" and table["hit_policy"] == "FIRST"
    assert table["inputs"] == [{"id": "in1", "label": "input", "expression": "amount", "type": "number"}]
    assert table["outputs"] == [{"id": "out1", "label": "route", "name": "route", "type": "string"}]
    assert [(r["id"], r["inputs"], r["outputs"]) for r in table["rules"]] == [
        ("r1", ["> 50000"], ['"gm"']), ("r2", ["> 10000"], ['"finance"']), ("r3", ["-"], ['"none"'])]


def test_writing_keeps_ids_and_the_rest_of_the_file_and_reads_back_the_same(draft):
    table = definitions.decision_table(draft)
    table["rules"].insert(1, {"id": "", "description": "大额", "inputs": ["> 30000"], "outputs": ['"gm"']})
    text = dmn.write_table(draft.dmn_xml, dmn.clean_table(table, current=table))
    again = dmn.read_table(text)
    assert [r["id"] for r in again["rules"]] == ["r1", "rule_1", "r2", "r3"]
    assert again["rules"][1] == {"id": "rule_1", "description": "大额", "inputs": ["> 30000"], "outputs": ['"gm"']}
    assert 'namespace="http://yewu.example/dmn"' in text and again["inputs"] == table["inputs"]


def test_a_changed_threshold_changes_the_branch_a_new_approval_takes(company, draft):
    definitions.save_decision_table(draft, with_threshold(definitions.decision_table(draft), "> 70000"),
                                    actor=company.admin)
    definitions.release_without_approval(draft, actor=company.admin, via="test")
    assert route_for(company, 60000) == ["finance_step"]  # 60000 is no longer above the gm threshold
    assert route_for(company, 80000) == ["gm_step"]


def test_saving_a_draft_changes_it_in_place_with_an_audit_event(company, draft):
    saved = definitions.save_decision_table(draft, with_threshold(definitions.decision_table(draft), "> 70000"),
                                            actor=company.admin)
    assert saved.pk == draft.pk and "&gt; 70000" in ProcessVersion.objects.get(pk=draft.pk).dmn_xml
    event = json.loads(Event.objects.get(case_id=str(draft.pk), activity="version.decision_changed").data)
    assert event["rules"][0][0] == ["> 50000", "→", '"gm"'] and event["rules"][1][0][0] == "> 70000"


def test_a_published_version_never_changes_a_new_draft_gets_the_table(company, draft):
    published = definitions.release_without_approval(draft, actor=company.admin, via="test")
    running = services.start_process("dt_buy", actor=company.bob.user, title="采购", form={"amount": 60000})
    before = published.dmn_xml
    new = definitions.save_decision_table(published, with_threshold(definitions.decision_table(published), "> 70000"),
                                          actor=company.admin)
    assert new.pk != published.pk and (new.version, new.status) == (2, VersionStatus.DRAFT)
    assert ProcessVersion.objects.get(pk=published.pk).dmn_xml == before
    assert new.bpmn_xml == published.bpmn_xml and new.steps == published.steps
    assert running.version_id == published.pk


@pytest.mark.parametrize(("change", "where"), [
    (lambda t: t["rules"][0]["inputs"].__setitem__(0, "> ().__class__"), "rule 1, input 1"),
    (lambda t: t["rules"][0]["inputs"].__setitem__(0, "> > 5"), "rule 1, input 1"),
    (lambda t: t["rules"][1]["outputs"].__setitem__(0, "import os"), "rule 2, output 1"),
    (lambda t: t["rules"][0]["inputs"].append("-"), "rule 1"),
    (lambda t: t["outputs"][0].__setitem__("name", "need gm"), "output 1"),
    (lambda t: t["inputs"][0].__setitem__("expression", ""), "input 1"),
    (lambda t: t.__setitem__("hit_policy", "PRIORITY"), "hit policy"),
    (lambda t: t.__setitem__("rules", []), "rules"),
    (lambda t: t.__setitem__("rules", "many"), "rules"),
])
def test_a_bad_table_is_refused_naming_the_cell_and_nothing_changes(company, draft, change, where):
    table = definitions.decision_table(draft)
    change(table)
    with pytest.raises(DomainError) as exc:
        definitions.save_decision_table(draft, table, actor=company.admin)
    assert exc.value.code == "workflow.invalid_decision_table" and where in refused(exc)
    assert ProcessVersion.objects.get(pk=draft.pk).dmn_xml == draft.dmn_xml


def test_a_version_without_dmn_has_no_table(company, draft):
    ProcessVersion.objects.filter(pk=draft.pk).update(dmn_xml="")
    with pytest.raises(DomainError) as exc:
        definitions.save_decision_table(draft, {}, actor=company.admin)
    assert exc.value.code == "workflow.no_decision_table"


def test_someone_who_may_not_change_the_process_cannot_change_its_table(company, draft):
    with pytest.raises(DomainError) as exc:
        definitions.save_decision_table(draft, definitions.decision_table(draft), actor=company.bob.user)
    assert exc.value.code == "core.permission_denied"


# --- the editor page -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(company):
    client = Client()
    client.force_login(company.admin)
    return client


def posted(table: dict, op: str = "save") -> dict:
    data = {"op": op, "hit_policy": table["hit_policy"], "inputs": len(table["inputs"]),
            "outputs": len(table["outputs"]), "rules": len(table["rules"])}
    for i, c in enumerate(table["inputs"]):
        data.update({f"in-{i}-{k}": c[k] for k in ("id", "label", "expression", "type")})
    for j, c in enumerate(table["outputs"]):
        data.update({f"out-{j}-{k}": c[k] for k in ("id", "label", "name", "type")})
    for r, rule in enumerate(table["rules"]):
        data.update({f"rule-{r}-id": rule["id"], f"rule-{r}-description": rule["description"]})
        data.update({f"rule-{r}-in-{i}": v for i, v in enumerate(rule["inputs"])})
        data.update({f"rule-{r}-out-{j}": v for j, v in enumerate(rule["outputs"])})
    return data


def test_the_editor_shows_the_table_and_htmx_adds_and_removes_rules_without_saving(admin_client, draft):
    url = reverse("processes:version_decision", args=[draft.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and b'data-testid="decision-form"' in page.content
    assert b'value="&gt; 50000"' in page.content
    table = definitions.decision_table(draft)
    added = admin_client.post(url, posted(table, "add_rule"), HTTP_HX_REQUEST="true")
    assert added.status_code == 200 and b"<html" not in added.content
    assert added.content.count(b'data-rule="') == 4 and b'name="rules" value="4"' in added.content
    removed = admin_client.post(url, posted(table, "remove_rule:0"), HTTP_HX_REQUEST="true")
    assert removed.content.count(b'data-rule="') == 2 and b"&gt; 50000" not in removed.content
    assert ProcessVersion.objects.get(pk=draft.pk).dmn_xml == draft.dmn_xml  # nothing saved yet


def test_saving_in_the_editor_writes_the_draft_and_refusals_show_in_the_form(admin_client, draft):
    url = reverse("processes:version_decision", args=[draft.pk])
    table = with_threshold(definitions.decision_table(draft), "> 70000")
    resp = admin_client.post(url, posted(table))
    assert resp.status_code == 302 and "&gt; 70000" in ProcessVersion.objects.get(pk=draft.pk).dmn_xml
    bad = admin_client.post(url, posted(with_threshold(table, "> __import__")), HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and b'data-testid="decision-error"' in bad.content


def test_saving_the_table_of_a_published_version_in_the_editor_creates_a_draft(company, admin_client, draft):
    definitions.release_without_approval(draft, actor=company.admin, via="test")
    url = reverse("processes:version_decision", args=[draft.pk])
    assert b'data-testid="decision-new-draft"' in admin_client.get(url).content
    resp = admin_client.post(url, posted(with_threshold(definitions.decision_table(draft), "> 70000")),
                             HTTP_HX_REQUEST="true")
    new = ProcessVersion.objects.get(definition=draft.definition, version=2)
    assert resp.status_code == 204 and resp["HX-Redirect"] == reverse("processes:version_decision", args=[new.pk])
    assert "&gt; 70000" in new.dmn_xml and "&gt; 50000" in ProcessVersion.objects.get(pk=draft.pk).dmn_xml


def test_the_editor_is_hidden_from_someone_who_may_not_change_the_process(company, draft):
    client = Client()
    client.force_login(company.bob.user)
    assert client.get(reverse("processes:version_decision", args=[draft.pk])).status_code == 404


def test_the_version_page_shows_the_table_and_links_the_editor(admin_client, draft):
    page = admin_client.get(draft.get_absolute_url())
    assert b'data-testid="decision"' in page.content and b'data-testid="edit-decision"' in page.content


# --- API -----------------------------------------------------------------------------------------


def test_the_api_reads_and_changes_the_table(company, draft):
    api = api_client(company.admin)
    url = f"/api/workflow/versions/{draft.pk}/decision/"
    table = api.get(url).json()
    assert table["version"] == draft.pk and table["rules"][0]["inputs"] == ["> 50000"]
    table["rules"][0]["inputs"] = ["> 70000"]
    resp = api.put(url, table, format="json")
    assert resp.status_code == 200 and resp.json()["rules"][0]["inputs"] == ["> 70000"], resp.content
    definitions.release_without_approval(draft, actor=company.admin, via="test")
    table["rules"][0]["inputs"] = ["> 90000"]
    resp = api.put(url, table, format="json")
    assert resp.status_code == 201 and resp.json()["version"] != draft.pk
    assert ProcessVersion.objects.get(pk=resp.json()["version"]).status == VersionStatus.DRAFT


def test_api_refusals_name_the_cell(company, draft):
    api = api_client(company.admin, language="en")
    url = f"/api/workflow/versions/{draft.pk}/decision/"
    table = api.get(url).json()
    table["rules"][2]["inputs"] = ["> ().__class__.__base__"]
    body = assert_error(api.put(url, table, format="json"), 400, "workflow.invalid_decision_table")
    assert "rule 3, input 1" in body["message"]
    assert_error(api.put(url, {"inputs": "x"}, format="json"), 400, "invalid")
    assert_error(api_client(company.bob.user).put(url, table, format="json"), 403, "permission_denied")
