"""Publishing is itself a process (P21): submitting a draft starts the process_standard approval
bound to the version, whose steps move the version (review → trial run → published by the general
manager; a rejection or withdrawal returns it to draft), each move an audit event; the direct
status change stays only while no P21 is published. Also the completion-handler registry."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.core.testing.api import api_client, assert_error
from yewu.org import demo as org_demo
from yewu.workflow import definitions, hooks, pack, publishing, services
from yewu.workflow.choices import InstanceStatus, TaskStatus, VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessVersion, Task
from yewu.workflow.testing.bpmn import chain


@pytest.fixture
def org(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo.load()
    admin = get_user_model().objects.get(username="admin")
    pack.install(admin)
    return admin


def login(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def draft(org):
    definition = ProcessDefinition.objects.get(key="general_request")
    return definitions.copy_version(definition.published_version(), actor=org)


def act(version, step, *, reject=False, comment="同意"):
    """The open task of a step of the version's publishing approval, decided by its assignee."""
    approval = publishing.running_approval(version)
    task = Task.objects.get(instance=approval, step_id=step, status=TaskStatus.OPEN)
    if reject:
        services.reject_task(task, actor=task.assignee, comment=comment)
    else:
        services.approve_task(task, actor=task.assignee, comment=comment)
    version.refresh_from_db()
    return task.assignee.username


def moves(version):
    return [(a, json.loads(d).get("approval", "") != "") for a, d in Event.objects.filter(
        case_type="workflow.processversion", case_id=str(version.pk), activity__in=[
            f"version.{s}" for s in VersionStatus.values]).order_by("pk").values_list("activity", "data")]


def test_submitting_starts_p21_bound_to_the_version_and_its_steps_publish_it(org, draft):
    old = ProcessDefinition.objects.get(key="general_request").published_version()
    approval = publishing.submit_for_review(draft, actor=org, form={"purpose": "调整第二审批人的规则。"})
    draft.refresh_from_db()
    assert draft.status == VersionStatus.REVIEW and approval.version.definition.key == "process_standard"
    assert (approval.content_type.model, approval.object_id) == ("processversion", str(draft.pk))
    assert approval.form_data["process_code"] == "general_request" and approval.form_data["change_type"] == "revise"
    assert approval.form_data["purpose"] == "调整第二审批人的规则。" and len(approval.form_data["steps"]) == 2
    route = [act(draft, "draft_confirm")]
    assert draft.status == VersionStatus.REVIEW
    for step in ("review_central", "review_legal"):
        route.append(act(draft, step))
    assert draft.status == VersionStatus.TRIAL  # both countersigns done: the trial run confirmation opened
    route.append(act(draft, "trial_confirm"))
    assert draft.status == VersionStatus.TRIAL
    route.append(act(draft, "release"))
    assert route == ["gmo", "central", "legal", "central", "gm"]
    assert draft.status == VersionStatus.PUBLISHED and draft.published_at and draft.review_due
    assert ProcessVersion.objects.get(pk=old.pk).status == VersionStatus.RETIRED
    published = Event.objects.get(case_id=str(draft.pk), activity="version.published")
    assert published.actor.username == "gm" and json.loads(published.data)["approval"] == approval.number
    assert moves(draft)[-3:] == [("version.review", False), ("version.trial", True), ("version.published", True)]
    retired = Event.objects.get(case_id=str(old.pk), activity="version.retired")
    assert json.loads(retired.data)["approval"] == approval.number


def test_a_rejection_returns_the_version_to_draft_and_it_can_be_submitted_again(org, draft):
    publishing.submit_for_review(draft, actor=org)
    act(draft, "draft_confirm")
    act(draft, "review_central")
    act(draft, "review_legal", reject=True, comment="合规条款不全")
    assert draft.status == VersionStatus.DRAFT
    assert moves(draft)[-1] == ("version.draft", True)
    again = publishing.submit_for_review(draft, actor=org)
    assert again.is_running and list(publishing.approvals(draft))[0] == again


def test_a_return_from_the_trial_run_to_a_review_step_puts_the_version_back_in_review(org, draft):
    publishing.submit_for_review(draft, actor=org)
    for step in ("draft_confirm", "review_central", "review_legal"):
        act(draft, step)
    assert draft.status == VersionStatus.TRIAL
    task = Task.objects.get(instance=publishing.running_approval(draft), step_id="trial_confirm", status="open")
    services.return_task(task, actor=task.assignee, to_step="review_legal", comment="试运行发现合规问题")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.REVIEW


def test_withdrawing_the_approval_returns_the_version_to_draft(org, draft):
    approval = publishing.submit_for_review(draft, actor=org)
    services.withdraw_instance(approval, actor=org)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_with_p21_published_the_direct_status_change_is_refused_except_retiring(org, draft):
    for target in (VersionStatus.REVIEW,):
        with pytest.raises(DomainError) as exc:
            definitions.set_version_status(draft, target, actor=org)
        assert exc.value.code == "workflow.version_needs_approval"
    publishing.submit_for_review(draft, actor=org)
    with pytest.raises(DomainError) as exc:
        definitions.set_version_status(draft, VersionStatus.DRAFT, actor=org)
    assert exc.value.code == "workflow.version_approval_running"
    with pytest.raises(DomainError) as exc:
        publishing.submit_for_review(draft, actor=org)
    assert exc.value.code == "workflow.bad_transition"
    seal = ProcessDefinition.objects.get(key="seal_use").published_version()
    assert definitions.set_version_status(seal, VersionStatus.RETIRED, actor=org).status == VersionStatus.RETIRED


def test_without_p21_submitting_is_the_direct_change(company):
    definition = ProcessDefinition.objects.create(key="pub_plain", name="普通流程")
    version = definitions.create_version(definition, actor=company.admin, bpmn_xml=chain("pub_plain", ["a"]))
    assert publishing.publishing_definition() is None
    assert publishing.submit_for_review(version, actor=company.admin) is None
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert definitions.set_version_status(version, VersionStatus.PUBLISHED, actor=company.admin).status == "published"


def test_a_p21_approval_started_by_hand_moves_no_version(org):
    from yewu.org.models import Department

    form = {"process_name": "x", "change_type": "new", "owner_department": Department.objects.first().pk,
            "purpose": "x", "steps": [{"step": "a", "role": "b"}], "trial_period": ["2026-03-01", "2026-03-02"],
            "review_months": 12}
    inst = services.start_process("process_standard", actor=login("pm"), title="手工", form=form)
    assert inst.is_running and not inst.object_id


# --- the completion-handler registry -------------------------------------------------------------


def test_finish_handlers_run_in_the_step_transaction_keyed_by_process_or_record_type(company, monkeypatch):
    from yewu.workflow.testing.bpmn import publish

    monkeypatch.setattr(hooks, "_FINISH", {})
    seen = []
    hooks.on_finish("hk_one")(lambda instance, *, actor: seen.append(("key", instance.status, actor.username)))
    hooks.on_finish("org.department")(lambda instance, *, actor: seen.append(("type", instance.object_id)))
    publish("hk_one", chain("hk_one", ["a"]), {"a": {"assignee": {"type": "user", "username": "alice"}}},
            actor=company.admin)
    inst = services.start_process("hk_one", actor=company.bob.user, title="x", record=company.sales)
    services.approve_task(inst.tasks.get(status="open"), actor=company.alice.user)
    assert seen == [("key", InstanceStatus.APPROVED, "alice"), ("type", str(company.sales.pk))]


def test_a_failing_finish_handler_rolls_the_step_back(company, monkeypatch):
    from yewu.workflow.testing.bpmn import publish

    monkeypatch.setattr(hooks, "_FINISH", {})

    def refuse(instance, *, actor):
        raise RuntimeError("the record refuses")

    hooks.on_finish("hk_two")(refuse)
    publish("hk_two", chain("hk_two", ["a"]), {"a": {"assignee": {"type": "user", "username": "alice"}}},
            actor=company.admin)
    inst = services.start_process("hk_two", actor=company.bob.user, title="x")
    task = inst.tasks.get(status="open")
    with pytest.raises(RuntimeError):
        services.approve_task(task, actor=company.alice.user)
    inst.refresh_from_db()
    task.refresh_from_db()
    assert inst.status == InstanceStatus.RUNNING and task.status == TaskStatus.OPEN


# --- pages and API -------------------------------------------------------------------------------


def test_the_version_page_submits_and_shows_the_approval_and_its_trail(org, draft):
    client = Client()
    client.force_login(org)
    page = client.get(draft.get_absolute_url())
    assert b'data-testid="submit-review"' in page.content and b'data-testid="to-review"' not in page.content
    resp = client.post(f"/processes/versions/{draft.pk}/submit/", {"purpose": "页面提交"})
    assert resp.status_code == 302
    draft.refresh_from_db()
    approval = publishing.running_approval(draft)
    assert draft.status == VersionStatus.REVIEW and approval.form_data["purpose"] == "页面提交"
    act(draft, "draft_confirm", comment="目录无冲突")
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="publishing-approval"' in page and approval.number in page and "目录无冲突" in page
    assert 'data-testid="submit-review"' not in page and 'data-testid="to-draft"' not in page


def test_the_api_submits_lists_approvals_and_refuses_the_direct_change(org, draft):
    api = api_client(org)
    base = f"/api/workflow/versions/{draft.pk}/"
    assert_error(api.post(f"{base}transition/", {"status": "review"}, format="json"), 400,
                 "workflow.version_needs_approval")
    resp = api.post(f"{base}submit/", {"form": {"remarks": "接口提交"}}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["version"]["status"] == "review" and body["approval"]["status"] == "running"
    listed = api.get(f"{base}approvals/").json()
    assert [a["number"] for a in listed] == [body["approval"]["number"]]
    assert_error(api.post(f"{base}submit/", {}, format="json"), 400, "workflow.bad_transition")


def test_the_steps_version_state_setting_says_which_state_a_redrawn_p21_step_stands_for():
    from yewu.workflow.choices import VersionStatus
    from yewu.workflow.publishing import state_of_steps

    redrawn = {"check": {"version_state": "review"}, "pilot": {"version_state": "trial"}, "notify": {}}
    assert state_of_steps(redrawn, {"check"}) == VersionStatus.REVIEW
    assert state_of_steps(redrawn, {"pilot", "notify"}) == VersionStatus.TRIAL
    assert state_of_steps(redrawn, {"notify"}) is None
    # the pack's own step ids mean nothing once the steps carry the setting
    assert state_of_steps(redrawn, {"trial_confirm"}) is None
    # a P21 installed before the setting existed: the default pack's step ids
    assert state_of_steps({"review_central": {}}, {"review_central"}) == VersionStatus.REVIEW
    assert state_of_steps({}, {"release"}) == VersionStatus.TRIAL


def test_the_installed_pack_marks_each_p21_step_with_its_version_state(company):
    from yewu.workflow.pack.pack import PROCESS_STANDARD

    assert {k: v.get("version_state") for k, v in PROCESS_STANDARD.steps.items()} == {
        "draft_confirm": "review", "review_central": "review", "review_legal": "review",
        "trial_confirm": "trial", "release": "trial",
    }


def test_version_state_is_a_step_setting_an_administrator_can_set_and_it_is_checked():
    from yewu.core.errors import DomainError
    from yewu.workflow.definitions import clean_step_settings

    assert clean_step_settings("pilot", {"version_state": "trial"}) == {"version_state": "trial"}
    assert clean_step_settings("pilot", {"version_state": ""}) == {}
    with pytest.raises(DomainError) as caught:
        clean_step_settings("pilot", {"version_state": "published"})
    assert caught.value.params["field"] == "version_state"
