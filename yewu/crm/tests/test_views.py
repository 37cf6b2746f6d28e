"""The CRM pages: the lead → customer flow, the duplicate warning before saving, the customer page
(contacts, visits, communications, timeline with the lead's history), the calendar, the overdue
list and its count, greetings; refusals show their message and save nothing."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yewu.core.activities import label_for
from yewu.crm.choices import LeadStatus, VisitStatus
from yewu.crm.errors import CrmError
from yewu.crm.models import Communication, Customer, FollowUp, Lead, Visit
from yewu.crm.tests import factories as f


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _lead_form(crm, **kw):
    return {"source": crm.fair.pk, "company_name": "常州龙城精密部件有限公司", "contact_name": "唐雨欣",
            "phone": "13915000011", "email": "", "credit_code": "", "industry": "", "region": "",
            "department": crm.sales.pk, "need": "质量追溯", "needs_analysis": "", "contact_title": "", **kw}


def test_a_lead_is_registered_evaluated_assigned_and_converted_on_the_pages(crm):
    bob, alice = _client(crm.bob.user), _client(crm.alice.user)
    assert bob.get(reverse("crm:lead_add")).status_code == 200
    resp = bob.post(reverse("crm:lead_add"), _lead_form(crm))
    lead = Lead.objects.get()
    assert resp.status_code == 302 and resp["Location"] == lead.get_absolute_url()
    page = bob.get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="evaluate"' not in page  # bob does not evaluate
    page = alice.get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="evaluate-form"' in page
    alice.post(reverse("crm:lead_evaluate", args=[lead.pk]), {"in_scope": "yes"})
    alice.post(reverse("crm:lead_assign", args=[lead.pk]), {"assignee": crm.bob.user.pk})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    bob.post(reverse("crm:lead_communicate", args=[lead.pk]), {"channel": "phone", "content": "需求沟通"})
    resp = bob.post(reverse("crm:lead_convert", args=[lead.pk]), {"customer_class": crm.key.pk})
    customer = Customer.objects.get()
    assert resp.status_code == 302 and resp["Location"] == customer.get_absolute_url()
    page = bob.get(customer.get_absolute_url()).content.decode()
    assert "唐雨欣" in page and lead.number in page
    timeline = page[page.index('data-testid="timeline"'):]
    labels = [label_for("lead.registered"), label_for("lead.evaluated"), label_for("lead.converted"), "需求沟通"]
    for label in labels:
        assert label in timeline, label


def test_out_of_scope_without_a_reason_shows_the_rule_and_changes_nothing(crm):
    lead = f.lead(crm.bob.user)
    alice = _client(crm.alice.user)
    resp = alice.post(reverse("crm:lead_evaluate", args=[lead.pk]), {"in_scope": "no", "reason": ""}, follow=True)
    assert str(CrmError.REASON_REQUIRED.label) in resp.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_a_new_lead_like_an_existing_customer_asks_for_confirmation_first(crm):
    existing = f.customer(crm.bob.user, name="常州龙城精密部件有限公司")
    hidden = f.customer(crm.dave.user, name="别人家", phone="13915000011")
    bob = _client(crm.bob.user)
    resp = bob.post(reverse("crm:lead_add"), _lead_form(crm))
    content = resp.content.decode()
    assert resp.status_code == 200 and not Lead.objects.exists()
    assert 'data-testid="duplicates"' in content and existing.get_absolute_url() in content
    assert hidden.name not in content and hidden.get_absolute_url() not in content  # named by owner only
    resp = bob.post(reverse("crm:lead_add"), _lead_form(crm, confirm_duplicates="on"))
    assert resp.status_code == 302 and Lead.objects.count() == 1


def test_a_customer_page_shows_its_work_and_records_more(crm):
    customer = f.customer(crm.bob.user, cls=crm.key, name="杭州明远")
    bob = _client(crm.bob.user)
    today = timezone.localdate()
    bob.post(reverse("crm:customer_contact_add", args=[customer.pk]),
             {"name": "周建国", "title": "采购总监", "phone": "13905710001", "birthday_month": "3", "birthday_day": "12"})
    bob.post(reverse("crm:customer_visit_plan", args=[customer.pk]), {"planned_on": today.isoformat(), "purpose": "演示"})
    bob.post(reverse("crm:customer_communicate", args=[customer.pk]), {
        "channel": "email", "content": "发送方案", "follow_up_action": "确认反馈",
        "follow_up_due": (today + datetime.timedelta(days=3)).isoformat()})
    assert customer.contacts.get().birthday == "03-12"
    visit = Visit.objects.get()
    assert Communication.objects.get().follow_up_due == today + datetime.timedelta(days=3)
    resp = bob.post(reverse("crm:visit_check_in", args=[visit.pk]), {"notes": "演示顺利", "outcome": "认可"})
    visit.refresh_from_db()
    assert resp.status_code == 302 and visit.status == VisitStatus.DONE
    page = bob.get(customer.get_absolute_url()).content.decode()
    for text in ("周建国", "演示", "发送方案", "确认反馈"):
        assert text in page, text


def test_a_visit_in_the_past_is_refused_with_the_message(crm):
    customer = f.customer(crm.bob.user)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    resp = _client(crm.bob.user).post(reverse("crm:customer_visit_plan", args=[customer.pk]),
                                      {"planned_on": yesterday.isoformat(), "purpose": "x"}, follow=True)
    assert yesterday.isoformat() in resp.content.decode() and not Visit.objects.exists()


def test_the_calendar_shows_the_months_visits_and_follow_ups_in_scope(crm):
    day = timezone.localdate().replace(day=15)
    mine = f.visit(f.customer(crm.bob.user, name="我的客户"), planned_on=day)
    f.visit(f.customer(crm.dave.user, name="财务的客户"), planned_on=day)
    f.follow_up(f.customer(crm.bob.user, name="待回访客户"), due_on=day)
    resp = _client(crm.bob.user).get(reverse("crm:visit_calendar"), {"month": f"{day:%Y-%m}"})
    content = resp.content.decode()
    assert resp.status_code == 200 and mine.get_absolute_url() in content
    assert "我的客户" in content and "待回访客户" in content and "财务的客户" not in content
    other = _client(crm.bob.user).get(reverse("crm:visit_calendar"), {"month": "2020-01"}).content.decode()
    assert "我的客户" not in other
    assert _client(crm.bob.user).get(reverse("crm:visit_calendar"), {"month": "bad"}).status_code == 200


def test_the_overdue_list_and_its_count_cover_only_the_scope(crm):
    late = timezone.localdate() - datetime.timedelta(days=3)
    f.follow_up(f.customer(crm.bob.user, name="甲"), due_on=late)
    f.follow_up(f.customer(crm.carol.user, name="乙"), due_on=late)
    f.follow_up(f.customer(crm.dave.user, name="丙"), due_on=late)
    resp = _client(crm.bob.user).get(reverse("crm:followup_list"), {"overdue": "true"})
    assert resp.context["overdue_count"] == 1 and [o.subject for o, _c in resp.context["rows"]] == ["甲"]
    resp = _client(crm.alice.user).get(reverse("crm:followup_list"), {"overdue": "true"})
    assert resp.context["overdue_count"] == 2 and sorted(o.subject for o, _c in resp.context["rows"]) == ["乙", "甲"]


def test_a_follow_up_is_done_from_its_page(crm):
    fu = f.follow_up(f.customer(crm.bob.user), due_on=timezone.localdate() - datetime.timedelta(days=1))
    bob = _client(crm.bob.user)
    assert 'data-testid="overdue"' in bob.get(fu.get_absolute_url()).content.decode()
    bob.post(reverse("crm:followup_complete", args=[fu.pk]), {"channel": "phone", "content": "已回访"})
    fu.refresh_from_db()
    assert fu.status == "done" and fu.result.content == "已回访"


def test_greetings_are_marked_sent_from_their_page(crm):
    task = f.care_task(f.customer(crm.bob.user))
    bob = _client(crm.bob.user)
    assert 'data-testid="sent-form"' in bob.get(task.get_absolute_url()).content.decode()
    bob.post(reverse("crm:caretask_sent", args=[task.pk]), {"message": "微信祝福已发"})
    task.refresh_from_db()
    assert task.status == "sent" and task.message == "微信祝福已发"


def test_every_list_exports_and_every_page_answers(crm):
    customer = f.customer(crm.bob.user)
    f.contact(customer)
    f.visit(customer)
    f.communication(customer)
    f.follow_up(customer)
    f.care_task(customer)
    f.lead(crm.bob.user)
    admin = _client(crm.admin)
    for name in ("lead", "customer", "contact", "visit", "communication", "followup", "caretask", "leadsource",
                 "customerclass", "holiday", "caretemplate"):
        url = reverse(f"crm:{name}_list")
        assert admin.get(url).status_code == 200, name
        resp = admin.get(url, {"export": "xlsx"})
        assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml"), name
    for url in (reverse("crm:lead_add"), reverse("crm:customer_add"), reverse("crm:customer_import"),
                reverse("crm:leadsource_add"), reverse("crm:holiday_add")):
        assert admin.get(url).status_code == 200, url
    for obj in (customer, customer.contacts.first(), Visit.objects.get(), Communication.objects.get(),
                FollowUp.objects.get(), Lead.objects.get(), crm.key, crm.fair):
        assert admin.get(obj.get_absolute_url()).status_code == 200, obj


def test_the_menu_shows_the_crm_to_sales_and_the_settings_only_to_administrators(crm):
    page = _client(crm.bob.user).get(reverse("crm:customer_list")).content.decode()
    assert reverse("crm:lead_list") in page and reverse("crm:visit_calendar") in page
    assert reverse("crm:customerclass_list") not in page
    assert _client(crm.dave.user).get(reverse("crm:customer_list")).status_code == 200  # managers see their own
    assert reverse("crm:customerclass_list") in _client(crm.admin).get(reverse("crm:customer_list")).content.decode()


def test_a_follow_up_escalated_by_the_worker_shows_who_was_told_and_a_system_entry(crm):
    from yewu.crm import services

    fu = f.follow_up(f.customer(crm.bob.user), due_on=timezone.localdate() - datetime.timedelta(days=2))
    services.run_follow_ups()
    resp = _client(crm.alice.user).get(fu.get_absolute_url())
    content = resp.content.decode()
    assert resp.status_code == 200 and crm.alice.name in content
    assert label_for("follow_up.escalated") in content


def test_a_customer_page_lists_look_alikes_and_merges_one_into_the_other(crm):
    keep = f.customer(crm.bob.user, name="杭州明远机械制造有限公司")
    dup = f.customer(crm.bob.user, name="杭州 明远机械制造（有限公司）")
    bob = _client(crm.bob.user)
    page = bob.get(dup.get_absolute_url()).content.decode()
    assert 'data-testid="duplicates"' in page and f'data-testid="merge-{keep.pk}"' in page
    resp = bob.post(reverse("crm:customer_merge", args=[dup.pk]), {"into": keep.pk})
    dup.refresh_from_db()
    assert resp.status_code == 302 and resp["Location"] == keep.get_absolute_url() and dup.merged_into == keep
    assert 'data-testid="duplicates"' not in bob.get(keep.get_absolute_url()).content.decode()


def test_list_filters_offer_only_customers_in_scope(crm):
    mine = f.customer(crm.bob.user, name="我的客户甲")
    f.customer(crm.dave.user, name="财务部的客户乙")
    for name in ("communication_list", "contact_list", "visit_list"):
        content = _client(crm.bob.user).get(reverse(f"crm:{name}")).content.decode()
        assert mine.name in content and "财务部的客户乙" not in content, name


def test_the_home_page_shows_overdue_follow_ups_within_the_scope(crm):
    late = timezone.localdate() - datetime.timedelta(days=2)
    f.follow_up(f.customer(crm.bob.user, name="鲍勃的客户"), due_on=late)
    f.follow_up(f.customer(crm.carol.user, name="卡罗尔的客户"), due_on=late)
    bob = _client(crm.bob.user).get("/").content.decode()
    assert 'data-testid="home-panel-crm"' in bob and "鲍勃的客户" in bob and "卡罗尔的客户" not in bob
    assert 'data-testid="overdue-count">1<' in bob
    alice = _client(crm.alice.user).get("/").content.decode()
    assert 'data-testid="overdue-count">2<' in alice and "卡罗尔的客户" in alice
    from yewu.core.testing.factories import EmployeeFactory

    outsider = _client(EmployeeFactory(department=crm.finance).user).get("/").content.decode()
    assert 'data-testid="home-panel-crm"' not in outsider
