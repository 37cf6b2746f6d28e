"""The business-intake process (P05) bound to leads: started on registration, each step completed
by its lead service (never around it), time limits with reminder and escalation by the worker,
out of scope / close / convert ending it, and leads without the process moved as before."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from yewu.core.errors import DomainError
from yewu.core.models import Event, Notification
from yewu.crm import intake, services
from yewu.crm.choices import LeadStatus
from yewu.crm.models import Lead
from yewu.workflow import services as workflow
from yewu.workflow.choices import InstanceStatus, TaskStatus
from yewu.workflow.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed(crm):
    intake.install(crm.admin)
    return crm


def _register(crm, actor=None, **kw):
    values = {"source": crm.fair, "company_name": "上海云启信息技术有限公司", "contact_name": "陈经理",
              "phone": "021-77770303", "email": "chen@yunqi.cn", "need": "ERP 实施", **kw}
    return services.save_lead(None, values, actor=actor or crm.bob.user)


def _open(lead):
    return list(Task.objects.filter(instance_id=lead.process_id, status=TaskStatus.OPEN))


def _assigned(crm):
    lead = _register(crm)
    lead = services.evaluate_lead(lead, in_scope=True, actor=crm.alice.user)
    return services.assign_lead(lead, assignee=crm.carol.user, actor=crm.alice.user)


def test_registering_a_lead_starts_the_intake_with_the_managers_evaluation_due_in_48_hours(installed):
    crm = installed
    lead = _register(crm)
    assert lead.process is not None and lead.process.status == InstanceStatus.RUNNING
    assert lead.status == LeadStatus.NEW
    (task,) = _open(lead)
    assert (task.step_id, task.assignee) == ("evaluate", crm.alice.user)  # head of bob's department
    assert abs((task.due_at - task.created_at) - datetime.timedelta(hours=48)) < datetime.timedelta(seconds=5)
    assert Event.objects.filter(activity="lead.intake_started", case_type="crm.lead", case_id=str(lead.pk)).exists()


def test_each_step_has_a_time_limit_a_reminder_and_escalation_to_the_supervisor(installed):
    lead = _register(installed)
    for step in ("evaluate", "assign", "needs_analysis"):
        settings = lead.process.version.step(step)
        assert settings["due_hours"] > 0 and 0 < settings["remind_before_hours"] < settings["due_hours"]
        assert settings["escalation"] == "notify_supervisor"


def test_the_intake_moves_the_lead_step_by_step_through_the_services(installed):
    crm = installed
    alice, carol = crm.alice.user, crm.carol.user
    lead = services.evaluate_lead(_register(crm), in_scope=True, actor=alice)
    assert lead.status == LeadStatus.QUALIFIED
    (task,) = _open(lead)
    assert (task.step_id, task.assignee) == ("assign", alice)  # the manager who evaluated
    assert task.due_at is not None

    lead = services.assign_lead(lead, assignee=carol, actor=alice)
    assert (lead.status, lead.owner) == (LeadStatus.ASSIGNED, carol)
    (task,) = _open(lead)
    assert (task.step_id, task.assignee) == ("needs_analysis", carol)

    lead = services.record_needs_analysis(lead, summary="目标：生产与财务一体化；预算 80 万；年内上线。", actor=carol)
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.needs_analysis.startswith("目标")
    lead.process.refresh_from_db()
    assert lead.process.status == InstanceStatus.APPROVED
    assert not _open(lead)
    # the lead can then be converted as before
    customer = services.convert_lead(lead, values={"customer_class": crm.normal}, actor=carol)
    assert Lead.objects.get(pk=lead.pk).customer == customer


def test_a_step_is_refused_to_someone_whose_task_it_is_not(installed):
    crm = installed
    lead = _register(crm)
    crm.dave.user.groups.add(crm.roles["crm_admin"])  # may evaluate any lead, but has no task
    with pytest.raises(DomainError) as refused:
        services.evaluate_lead(lead, in_scope=True, actor=crm.dave.user)
    assert refused.value.code == "crm.intake_not_your_task"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW
    with pytest.raises(DomainError) as refused:
        services.assign_lead(lead, assignee=crm.carol.user, actor=crm.alice.user)
    assert refused.value.code == "crm.intake_wrong_step"


def test_out_of_scope_ends_the_intake(installed):
    crm = installed
    lead = services.evaluate_lead(_register(crm), in_scope=False, reason="不属于公司业务范围", actor=crm.alice.user)
    assert lead.status == LeadStatus.DISQUALIFIED
    lead.process.refresh_from_db()
    assert lead.process.status == InstanceStatus.APPROVED
    assert not _open(lead)
    assert Event.objects.filter(activity="lead.intake_ended", case_type="crm.lead", case_id=str(lead.pk)).exists()


def test_out_of_scope_still_needs_the_reason_and_saves_nothing(installed):
    crm = installed
    lead = _register(crm)
    with pytest.raises(DomainError) as refused:
        services.evaluate_lead(lead, in_scope=False, reason="", actor=crm.alice.user)
    assert refused.value.code == "crm.reason_required"
    assert [t.step_id for t in _open(lead)] == ["evaluate"]


@pytest.mark.parametrize("how", ["close", "convert"])
def test_closing_or_converting_the_lead_cancels_its_intake(installed, how):
    crm = installed
    lead = services.evaluate_lead(_register(crm), in_scope=True, actor=crm.alice.user)
    if how == "close":
        lead = services.close_lead(lead, reason="客户预算取消", actor=crm.bob.user)
        assert lead.status == LeadStatus.CLOSED
    else:
        services.convert_lead(lead, values={"customer_class": crm.normal}, actor=crm.bob.user)
        lead = Lead.objects.get(pk=lead.pk)
        assert lead.status == LeadStatus.CONVERTED
    lead.process.refresh_from_db()
    assert lead.process.status == InstanceStatus.CANCELLED
    assert not _open(lead)
    assert Task.objects.filter(instance=lead.process, status=TaskStatus.CANCELLED).exists()
    assert Event.objects.filter(activity="lead.intake_ended", case_type="crm.lead", case_id=str(lead.pk)).exists()


def test_merging_a_duplicate_lead_cancels_the_duplicates_intake(installed):
    crm = installed
    keep = _register(crm)
    dup = _register(crm, company_name="上海云启信息技术有限公司（重复）", phone="021-77770304")
    services.merge_leads(dup, keep, actor=crm.bob.user)
    dup = Lead.objects.get(pk=dup.pk)
    assert dup.status == LeadStatus.MERGED and dup.process.status == InstanceStatus.CANCELLED
    assert Lead.objects.get(pk=keep.pk).process.status == InstanceStatus.RUNNING


def test_approving_in_the_inbox_cannot_skip_what_the_step_records(installed):
    """The generic inbox completes a task without the service: the hooks refuse, nothing moves."""
    crm = installed
    lead = _register(crm)
    (task,) = _open(lead)
    with pytest.raises(DomainError) as refused:
        workflow.approve_task(task, actor=crm.alice.user)
    assert refused.value.code == "crm.intake_step_missing"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW

    lead = services.assign_lead(services.evaluate_lead(lead, in_scope=True, actor=crm.alice.user),
                                assignee=crm.carol.user, actor=crm.alice.user)
    (task,) = _open(lead)
    with pytest.raises(DomainError) as refused:
        workflow.approve_task(task, actor=crm.carol.user)  # no summary, no report attached
    assert refused.value.code == "crm.intake_step_missing"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_rejecting_or_withdrawing_the_intake_in_the_inbox_is_refused(installed):
    crm = installed
    lead = _register(crm)
    (task,) = _open(lead)
    with pytest.raises(DomainError) as refused:
        workflow.reject_task(task, actor=crm.alice.user, comment="不要")
    assert refused.value.code == "crm.intake_end_on_lead"
    with pytest.raises(DomainError) as refused:
        workflow.withdraw_instance(lead.process, actor=crm.bob.user)
    assert refused.value.code == "crm.intake_end_on_lead"
    lead.process.refresh_from_db()
    assert lead.process.status == InstanceStatus.RUNNING


def test_needs_analysis_needs_a_summary_or_an_attached_report(installed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yewu.core.services import add_attachment

    crm = installed
    lead = _assigned(crm)
    with pytest.raises(DomainError) as refused:
        services.record_needs_analysis(lead, summary="  ", actor=crm.carol.user)
    assert refused.value.code == "crm.needs_analysis_required"
    with pytest.raises(DomainError) as refused:
        services.record_needs_analysis(lead, summary="报告", actor=crm.alice.user)
    assert refused.value.code == "crm.intake_not_your_task"
    add_attachment(lead, SimpleUploadedFile("需求分析报告.pdf", b"%PDF-1.4 report", content_type="application/pdf"),
                   actor=crm.carol.user)
    services.record_needs_analysis(lead, actor=crm.carol.user)
    lead.process.refresh_from_db()
    assert lead.process.status == InstanceStatus.APPROVED


def test_reassigning_during_the_needs_analysis_hands_the_task_over(installed):
    crm = installed
    lead = services.assign_lead(_assigned(crm), assignee=crm.bob.user, actor=crm.alice.user)
    (task,) = _open(lead)
    assert (task.step_id, task.assignee, lead.owner) == ("needs_analysis", crm.bob.user, crm.bob.user)


def test_worker_reminds_before_and_escalates_after_the_time_limit(installed):
    crm = installed
    crm.alice.supervisor = crm.dave
    crm.alice.save(update_fields=["supervisor"])
    lead = _register(crm)
    now = timezone.now()
    assert workflow.process_due_tasks(now + datetime.timedelta(hours=41))["reminded"] == 1
    assert Event.objects.filter(process_instance=lead.process.number, activity="evaluate.reminded").exists()
    assert workflow.process_due_tasks(now + datetime.timedelta(hours=49))["escalated"] == 1
    escalated = Event.objects.get(process_instance=lead.process.number, activity="evaluate.escalated")
    assert crm.dave.user.pk in json.loads(escalated.data)["notified"]
    assert Notification.objects.filter(recipient=crm.dave.user).exists()
    # the lead itself is untouched: the manager still has to evaluate it
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_without_the_process_leads_move_directly_as_before(crm):
    lead = _register(crm)
    assert lead.process is None
    lead = services.evaluate_lead(lead, in_scope=True, actor=crm.alice.user)
    lead = services.assign_lead(lead, assignee=crm.carol.user, actor=crm.alice.user)
    assert (lead.status, lead.owner) == (LeadStatus.ASSIGNED, crm.carol.user)
    lead = services.record_needs_analysis(lead, summary="需求已梳理", actor=crm.carol.user)
    assert lead.needs_analysis == "需求已梳理"
    assert not Task.objects.exists()


def test_the_demo_runs_its_leads_through_the_intake(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from yewu.crm import demo
    from yewu.org import demo as org_demo

    org_demo.load()
    demo.load()
    leads = Lead.objects.all()
    assert leads.exists() and not leads.filter(process__isnull=True).exists()
    waiting = {t.step_id for t in Task.objects.filter(status=TaskStatus.OPEN, instance__version__definition__key=intake.KEY)}
    assert waiting == {"evaluate", "assign", "needs_analysis"}
    for lead in leads.filter(status=LeadStatus.NEW):
        assert lead.process.status == InstanceStatus.RUNNING


def test_install_is_idempotent_and_the_crm_pack_installs_it(crm):
    from yewu.workflow import packs
    from yewu.workflow.models import ProcessDefinition, ProcessVersion

    (done,) = packs.install(["crm"], actor=crm.admin)
    assert [d.key for d in done.definitions] == [intake.KEY] and len(done.new_versions) == 1
    (again,) = packs.install(["crm"], actor=crm.admin)
    assert again.new_versions == []
    assert ProcessDefinition.objects.filter(key=intake.KEY).count() == 1
    assert ProcessVersion.objects.filter(definition__key=intake.KEY).count() == 1


# --- pages and API -------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_lead_page_shows_the_intake_trail_and_only_the_task_holder_gets_the_step_form(installed):
    from django.urls import reverse

    crm = installed
    crm.dave.user.groups.add(crm.roles["crm_admin"])
    lead = _register(crm)
    page = _client(crm.alice.user).get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="intake"' in page and 'data-testid="evaluate-form"' in page
    assert lead.process.get_absolute_url() in page
    page = _client(crm.dave.user).get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="evaluate-form"' not in page  # may evaluate, but the task is alice's

    alice, carol = _client(crm.alice.user), _client(crm.carol.user)
    alice.post(reverse("crm:lead_evaluate", args=[lead.pk]), {"in_scope": "yes"})
    alice.post(reverse("crm:lead_assign", args=[lead.pk]), {"assignee": crm.carol.user.pk})
    page = carol.get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="needs-analysis-form"' in page
    resp = carol.post(reverse("crm:lead_needs_analysis", args=[lead.pk]), {"summary": ""})
    assert resp.status_code == 302  # refused: back to the lead with the message, nothing moved
    assert Lead.objects.get(pk=lead.pk).process.status == InstanceStatus.RUNNING
    carol.post(reverse("crm:lead_needs_analysis", args=[lead.pk]), {"summary": "年内上线，预算 80 万"})
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.needs_analysis == "年内上线，预算 80 万"
    assert lead.process.status == InstanceStatus.APPROVED


def test_api_evaluation_goes_through_the_process_and_refuses_others_with_the_code(installed):
    from rest_framework.test import APIClient

    crm = installed
    crm.dave.user.groups.add(crm.roles["crm_admin"])
    lead = _register(crm)
    api = APIClient()
    api.force_authenticate(crm.dave.user)
    resp = api.post(f"/api/crm/leads/{lead.pk}/evaluate/", {"in_scope": True}, format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "crm.intake_not_your_task"
    api.force_authenticate(crm.alice.user)
    resp = api.post(f"/api/crm/leads/{lead.pk}/evaluate/", {"in_scope": True}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "qualified"
    resp = api.post(f"/api/crm/leads/{lead.pk}/assign/", {"assignee": "carol"}, format="json")
    assert resp.status_code == 200
    api.force_authenticate(crm.carol.user)
    resp = api.post(f"/api/crm/leads/{lead.pk}/needs-analysis/", {"summary": "预算与范围已确认"}, format="json")
    assert resp.status_code == 200, resp.content
    assert Lead.objects.get(pk=lead.pk).process.status == InstanceStatus.APPROVED
