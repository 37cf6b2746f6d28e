"""The CRM API: each flow through the services, each refusal with its status and code, and the
data scopes in lists, counts, filters and look-ups."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.crm.choices import LeadStatus
from yewu.crm.models import Communication, Customer, FollowUp, Lead
from yewu.crm.tests import factories as f

L = "/api/crm/leads/"
C = "/api/crm/customers/"
FU = "/api/crm/follow-ups/"


@pytest.fixture
def bob(crm):
    return api_client(crm.bob.user)


@pytest.fixture
def alice(crm):
    return api_client(crm.alice.user)


def test_a_lead_goes_from_registration_to_customer_through_the_api(crm, bob, alice):
    resp = bob.post(L, {"source": crm.fair.pk, "company_name": "常州龙城精密部件有限公司", "contact_name": "唐雨欣",
                        "phone": "13915000011", "need": "质量追溯系统"}, format="json")
    assert resp.status_code == 201, resp.content
    lead = resp.json()
    assert lead["status"] == "new" and lead["owner"] == "bob" and lead["duplicates"] == []
    # bob holds no evaluate grant: the lead is not among those he may evaluate
    assert_error(bob.post(f"{L}{lead['id']}/evaluate/", {"in_scope": True}, format="json"), 404, "not_found")
    assert_error(alice.post(f"{L}{lead['id']}/evaluate/", {"in_scope": False}, format="json"), 400,
                 "crm.reason_required")
    assert alice.post(f"{L}{lead['id']}/evaluate/", {"in_scope": True}, format="json").json()["status"] == "qualified"
    resp = alice.post(f"{L}{lead['id']}/assign/", {"assignee": "carol"}, format="json")
    assert resp.status_code == 200 and resp.json()["owner"] == "carol"
    assert_error(bob.get(f"{L}{lead['id']}/"), 404, "not_found")  # carol's now
    carol = api_client(crm.carol.user)
    resp = carol.post(f"{L}{lead['id']}/communicate/", {"channel": "phone", "content": "需求沟通"}, format="json")
    assert resp.status_code == 201
    assert_error(carol.post(f"{L}{lead['id']}/convert/", {}, format="json"), 400, "crm.class_required")
    resp = carol.post(f"{L}{lead['id']}/convert/", {"customer_class": crm.key.pk}, format="json")
    assert resp.status_code == 200, resp.content
    customer = resp.json()
    assert customer["owner"] == "carol" and customer["name"] == "常州龙城精密部件有限公司"
    assert Communication.objects.get().customer_id == customer["id"]


def test_creating_a_duplicate_answers_the_candidates_and_a_lookup_finds_them_first(crm, bob):
    mine = f.customer(crm.bob.user, name="上海云启信息技术有限公司", phone="021-77770303")
    theirs = f.lead(crm.carol.user, company_name="别家", email="chen@yunqi.cn")
    resp = bob.get(f"{L}duplicates/", {"name": "上海云启信息技术", "email": "CHEN@yunqi.cn"})
    assert resp.status_code == 200
    by_type = {row["type"]: row for row in resp.json()}
    assert by_type["customer"]["id"] == mine.pk and by_type["customer"]["reasons"] == ["name"]
    assert "id" not in by_type["lead"] and "label" not in by_type["lead"]  # carol's lead: owner only
    assert by_type["lead"]["owner"] == crm.carol.name and by_type["lead"]["reasons"] == ["email"]
    resp = bob.post(L, {"source": crm.web.pk, "company_name": "上海 云启信息技术", "phone": "+86 21 7777 0303",
                        "need": "咨询"}, format="json")
    assert resp.status_code == 201
    assert resp.json()["duplicates"] == [{"type": "customer", "reasons": ["name", "phone"], "owner": crm.bob.name,
                                          "id": mine.pk, "label": f"{mine.number} {mine.name}",
                                          "url": mine.get_absolute_url()}]
    assert theirs.pk != resp.json()["id"]


def test_a_bad_credit_code_is_refused_with_its_code(crm, bob):
    resp = bob.post(C, {"name": "甲", "customer_class": crm.key.pk, "credit_code": "91310000MA1FL0001A"},
                    format="json")
    assert_error(resp, 400, "crm.bad_credit_code")
    assert not Customer.objects.exists()


def test_customers_merge_through_the_api(crm, bob):
    keep, dup = f.customer(crm.bob.user, name="甲"), f.customer(crm.bob.user, name="甲公司")
    f.contact(dup, name="王总")
    resp = bob.post(f"{C}{dup.pk}/merge/", {"into": keep.pk}, format="json")
    assert resp.status_code == 200 and resp.json()["id"] == keep.pk
    assert keep.contacts.get().name == "王总"
    other = f.customer(crm.carol.user)
    assert_error(bob.post(f"{C}{keep.pk}/merge/", {"into": other.pk}, format="json"), 404, "not_found")


def test_visits_and_follow_ups_through_the_api(crm, bob):
    customer = f.customer(crm.bob.user, cls=crm.key)
    contact = f.contact(customer)
    today = timezone.localdate()
    resp = bob.post(f"{C}{customer.pk}/visits/", {"planned_on": today.isoformat(), "purpose": "演示",
                                                  "contact": contact.pk}, format="json")
    assert resp.status_code == 201, resp.content
    visit = resp.json()
    resp = bob.post(f"/api/crm/visits/{visit['id']}/check-in/", {
        "notes": "演示顺利", "next_step": "报价", "next_step_due": (today + datetime.timedelta(days=3)).isoformat()},
        format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "done"
    fu = FollowUp.objects.get()
    assert fu.title == "报价"
    resp = bob.post(f"{FU}{fu.pk}/complete/", {"content": "已发报价", "channel": "email"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "done"
    assert_error(bob.post(f"{FU}{fu.pk}/complete/", {"content": "again"}, format="json"), 400, "crm.follow_up_state")
    past = (today - datetime.timedelta(days=1)).isoformat()
    assert_error(bob.post(f"{C}{customer.pk}/visits/", {"planned_on": past, "purpose": "x"}, format="json"), 400,
                 "crm.visit_in_past")
    resp = bob.post(f"{C}{customer.pk}/follow-ups/", {"title": "寄送样品", "due_on": today.isoformat()}, format="json")
    assert resp.status_code == 201 and resp.json()["owner"] == "bob"


def test_a_contact_of_another_customer_cannot_be_named(crm, bob):
    customer, other = f.customer(crm.bob.user), f.customer(crm.bob.user)
    resp = bob.post(f"{C}{customer.pk}/communicate/", {"channel": "phone", "content": "x",
                                                       "contact": f.contact(other).pk}, format="json")
    assert_error(resp, 400, "crm.contact_foreign")


def test_lists_counts_and_filters_hold_only_what_the_scope_reaches(crm, bob, alice):
    mine = f.customer(crm.bob.user, name="甲")
    carols = f.customer(crm.carol.user, name="乙")
    finance = f.customer(crm.dave.user, name="丙")
    for customer in (mine, carols, finance):
        f.follow_up(customer, due_on=timezone.localdate() - datetime.timedelta(days=2))
    resp = bob.get(C)
    assert resp.json()["count"] == 1 and result_ids(resp) == [mine.pk]
    assert result_ids(bob.get(C, {"search": "乙"})) == []
    assert result_ids(bob.get(C, {"q": "丙"})) == []
    assert bob.get(FU, {"overdue": "true"}).json()["count"] == 1
    assert sorted(result_ids(alice.get(C))) == sorted([mine.pk, carols.pk])  # subtree: sales and sales_east
    assert alice.get(FU, {"overdue": "true"}).json()["count"] == 2
    assert_error(bob.get(f"{C}{finance.pk}/"), 404, "not_found")
    assert_error(bob.patch(f"{C}{carols.pk}/", {"notes": "x"}, format="json"), 404, "not_found")


def test_only_a_manager_may_assign_and_only_within_their_subtree(crm, alice):
    lead = f.lead(crm.bob.user, status=LeadStatus.QUALIFIED)
    assert_error(alice.post(f"{L}{lead.pk}/assign/", {"assignee": "dave"}, format="json"), 404, "core.out_of_scope")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED and lead.owner == crm.bob.user
    assert_error(alice.post(f"{L}{lead.pk}/assign/", {"assignee": "nobody"}, format="json"), 400, "invalid")


def test_settings_are_read_by_everyone_with_a_grant_and_changed_only_with_all(crm, bob):
    assert bob.get("/api/crm/customer-classes/").json()["count"] == 3
    assert_error(bob.post("/api/crm/customer-classes/", {"code": "vip", "name": "VIP"}, format="json"), 403,
                 "permission_denied")
    admin = api_client(crm.admin)
    resp = admin.post("/api/crm/customer-classes/", {"code": "vip", "name": "VIP", "follow_up_days": 14},
                      format="json")
    assert resp.status_code == 201
    body = assert_error(admin.post("/api/crm/customer-classes/", {"code": "vip", "name": "again"}, format="json"),
                        400, "invalid")
    assert "code" in body["fields"]
    assert_error(admin.patch(f"/api/crm/customer-classes/{resp.json()['id']}/", {"follow_up_days": -1},
                             format="json"), 400, "invalid")


def test_the_lead_register_cannot_be_edited_after_conversion(crm, bob):
    lead = f.lead(crm.bob.user, status=LeadStatus.CONVERTED)
    assert_error(bob.patch(f"{L}{lead.pk}/", {"need": "改"}, format="json"), 400, "crm.lead_locked")
    assert Lead.objects.get(pk=lead.pk).need != "改"


def test_contacts_and_visits_filter_by_a_customer_in_scope_only(crm, bob):
    mine, theirs = f.customer(crm.bob.user), f.customer(crm.dave.user)
    contact = f.contact(mine)
    f.contact(theirs)
    visit = f.visit(mine)
    assert result_ids(bob.get("/api/crm/contacts/", {"customer": mine.pk})) == [contact.pk]
    assert result_ids(bob.get("/api/crm/visits/", {"customer": mine.pk})) == [visit.pk]
    # a customer outside the scope is not even a valid filter value
    assert_error(bob.get("/api/crm/contacts/", {"customer": theirs.pk}), 400, "invalid")
