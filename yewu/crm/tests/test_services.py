"""The CRM rules, each through its service: leads (duplicates, evaluation, assignment, conversion,
merge), customers (validation, ownership, merge), contacts, visits, communications and follow-ups."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.core.audit import history
from yewu.core.errors import DomainError
from yewu.core.models import Event, Notification
from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.crm import matching, services
from yewu.crm.choices import (
    CustomerStatus,
    FollowUpKind,
    FollowUpStatus,
    LeadStatus,
    VisitStatus,
)
from yewu.crm.models import Communication, Contact, Customer, FollowUp, Lead
from yewu.crm.tests import factories as f

TODAY = datetime.date(2026, 12, 2)


def _lead_values(crm, **kw):
    return {"source": crm.fair, "company_name": "上海云启信息技术有限公司", "contact_name": "陈经理",
            "phone": "021-77770303", "email": "chen@yunqi.cn", "need": "ERP 实施", **kw}


def _code(err) -> str:
    return err.value.code


# --- matching ------------------------------------------------------------------------------------


def test_normalised_keys_ignore_legal_form_width_spacing_and_country_prefix():
    assert matching.name_key("上海云启信息技术有限公司") == matching.name_key(" 上海 云启信息技术（有限公司） ") == "上海云启信息技术"
    assert matching.name_key("ＡＢＣ Co., Ltd.") == matching.name_key("abc") == "abc"
    assert matching.phone_key("+86 138-0013-8000") == matching.phone_key("13800138000") == "13800138000"
    assert matching.email_key(" Chen@YunQi.CN ") == "chen@yunqi.cn"


def test_credit_codes_need_eighteen_valid_characters_and_the_check_digit():
    good = f.credit_code(1)
    assert len(good) == 18 and matching.valid_credit_code(good)
    assert matching.valid_credit_code("91350100M000100Y43")  # a published sample code
    bad_digit = good[:17] + ("0" if good[17] != "0" else "1")
    assert not matching.valid_credit_code(bad_digit)
    assert not matching.valid_credit_code(good[:17])
    assert not matching.valid_credit_code(good[:16] + "I" + good[17])  # I is not in the alphabet


# --- leads ---------------------------------------------------------------------------------------


def test_a_lead_is_registered_by_its_registrant_in_their_department(crm):
    lead = services.save_lead(None, _lead_values(crm), actor=crm.bob.user)
    assert lead.status == LeadStatus.NEW and lead.owner == crm.bob.user and lead.department == crm.sales
    assert lead.number.startswith("LD-") and lead.name_key == "上海云启信息技术"
    assert [e.activity for e in history(lead)] == ["lead.registered"]


@pytest.mark.parametrize(("change", "code"), [
    ({"company_name": " "}, "crm.name_required"),
    ({"phone": "", "email": ""}, "crm.contact_required"),
    ({"email": "not-an-address"}, "crm.bad_email"),
    ({"credit_code": "91310000MA1FL0001A"}, "crm.bad_credit_code"),
    ({"need": ""}, "crm.reason_required"),
])
def test_a_lead_with_bad_details_is_refused_and_nothing_saved(crm, change, code):
    with pytest.raises(DomainError) as err:
        services.save_lead(None, _lead_values(crm, **change), actor=crm.bob.user)
    assert _code(err) == code
    assert not Lead.objects.exists() and not Event.objects.filter(activity="lead.registered").exists()


def test_registering_a_lead_in_a_department_outside_ones_scope_is_refused(crm):
    with pytest.raises(DomainError) as err:
        services.save_lead(None, _lead_values(crm, department=crm.finance), actor=crm.bob.user)
    assert _code(err) == "core.out_of_scope"


def test_duplicates_are_found_by_name_phone_email_and_credit_code_across_leads_and_customers(crm):
    code = f.credit_code(7)
    other = f.customer(crm.carol.user, name="上海云启信息技术有限公司")
    f.contact(other, name="陈经理", phone="+86 21 7777 0303")
    lead = f.lead(crm.carol.user, company_name="云启科技", email="chen@yunqi.cn", credit_code=code)
    found = services.find_duplicates(name="上海 云启信息技术", phone="021-77770303", email="CHEN@yunqi.cn",
                                     credit_code=code.lower(), actor=crm.bob.user)
    by_record = {(c.kind, c.record.pk): c for c in found}
    assert set(by_record) == {("customer", other.pk), ("lead", lead.pk)}
    assert set(by_record[("customer", other.pk)].reasons) == {"name", "phone"}
    assert set(by_record[("lead", lead.pk)].reasons) == {"email", "credit_code"}
    # bob (own records only) is warned, but sees neither the name nor a link of carol's records
    assert all(not c.visible for c in found)
    assert set(by_record[("customer", other.pk)].as_dict()) == {"type", "reasons", "owner"}
    # alice (the manager of both) sees them
    assert all(c.visible for c in services.duplicates_of({"phone": "02177770303"}, actor=crm.alice.user))


def test_a_registered_duplicate_is_noted_in_the_leads_trail(crm):
    first = services.save_lead(None, _lead_values(crm), actor=crm.bob.user)
    second = services.save_lead(None, _lead_values(crm, company_name="云启信息技术"), actor=crm.bob.user)
    event = history(second).get()
    assert event.payload["possible_duplicates"] == [f"lead:{first.pk}"]


def test_the_manager_evaluates_a_lead_out_of_scope_only_with_a_reason(crm):
    lead = f.lead(crm.bob.user)
    with pytest.raises(DomainError) as err:
        services.evaluate_lead(lead, in_scope=False, reason=" ", actor=crm.alice.user)
    assert _code(err) == "crm.reason_required"
    lead = services.evaluate_lead(lead, in_scope=False, reason="不在公司业务范围", actor=crm.alice.user)
    assert lead.status == LeadStatus.DISQUALIFIED and lead.evaluated_by == crm.alice.user
    assert history(lead).last().payload["reason"] == "不在公司业务范围"


def test_a_salesperson_cannot_evaluate_or_assign_leads(crm):
    lead = f.lead(crm.bob.user)
    with pytest.raises(DomainError) as err:
        services.evaluate_lead(lead, in_scope=True, actor=crm.bob.user)
    assert _code(err) == "core.permission_denied"
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.QUALIFIED)
    with pytest.raises(DomainError):
        services.assign_lead(lead, assignee=crm.carol.user, actor=crm.bob.user)


def test_assignment_hands_the_lead_and_its_log_to_the_assignee(crm):
    lead = f.lead(crm.bob.user)
    services.log_communication({"channel": "phone", "content": "初次电话"}, lead=lead, actor=crm.bob.user)
    with pytest.raises(DomainError) as err:  # not evaluated yet
        services.assign_lead(lead, assignee=crm.carol.user, actor=crm.alice.user)
    assert _code(err) == "crm.bad_transition"
    services.evaluate_lead(lead, in_scope=True, actor=crm.alice.user)
    lead = services.assign_lead(lead, assignee=crm.carol.user, actor=crm.alice.user)
    assert (lead.status, lead.owner, lead.department) == (LeadStatus.ASSIGNED, crm.carol.user, crm.sales_east)
    assert Communication.objects.get(lead=lead).owner == crm.carol.user
    assert Notification.objects.filter(recipient=crm.carol.user, url=lead.get_absolute_url()).exists()
    assert Lead.objects.restrict(crm.bob.user).filter(pk=lead.pk).count() == 0


def test_a_resigned_employee_cannot_take_a_lead(crm):
    gone = EmployeeFactory(user=UserFactory(username="gone", is_active=False), department=crm.sales)
    lead = f.lead(crm.bob.user, status=LeadStatus.QUALIFIED)
    with pytest.raises(DomainError) as err:
        services.assign_lead(lead, assignee=gone.user, actor=crm.alice.user)
    assert _code(err) == "crm.assignee_inactive"


def test_conversion_makes_a_customer_that_carries_the_leads_history(crm):
    lead = f.lead(crm.bob.user, status=LeadStatus.ASSIGNED, contact_name="陈经理", email="chen@yunqi.cn")
    comm = services.log_communication({"channel": "phone", "content": "需求沟通", "follow_up_action": "发方案",
                                       "follow_up_due": timezone.localdate() + datetime.timedelta(days=5)},
                                      lead=lead, actor=crm.bob.user)
    customer = services.convert_lead(lead, values={"customer_class": crm.key}, actor=crm.bob.user)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.customer == customer
    assert customer.owner == crm.bob.user and customer.department == crm.sales and customer.name == lead.company_name
    assert list(customer.contacts.values_list("name", "is_primary")) == [("陈经理", True)]
    comm.refresh_from_db()
    assert comm.customer == customer and comm.lead == lead
    assert FollowUp.objects.get(source=comm).customer == customer
    created = history(customer).first()
    assert created.activity == "customer.created" and created.payload["lead"] == lead.number
    with pytest.raises(DomainError) as err:
        services.convert_lead(lead, values={"customer_class": crm.key}, actor=crm.bob.user)
    assert _code(err) == "crm.bad_transition"


def test_a_lead_can_be_attached_to_an_existing_customer(crm):
    customer = f.customer(crm.bob.user, cls=crm.normal)
    lead = f.lead(crm.bob.user, status=LeadStatus.QUALIFIED)
    assert services.convert_lead(lead, customer=customer, actor=crm.bob.user) == customer
    assert history(customer).last().activity == "customer.lead_attached"
    assert Customer.objects.count() == 1


def test_a_new_lead_cannot_be_converted_before_evaluation(crm):
    lead = f.lead(crm.bob.user)
    with pytest.raises(DomainError) as err:
        services.convert_lead(lead, values={"customer_class": crm.key}, actor=crm.bob.user)
    assert _code(err) == "crm.bad_transition"
    assert not Customer.objects.exists()


def test_conversion_without_a_class_saves_nothing(crm):
    lead = f.lead(crm.bob.user, status=LeadStatus.ASSIGNED)
    with pytest.raises(DomainError) as err:
        services.convert_lead(lead, actor=crm.bob.user)
    assert _code(err) == "crm.class_required"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED and not Customer.objects.exists()


def test_merging_leads_moves_the_log_fills_blanks_and_keeps_the_duplicate(crm):
    keep = f.lead(crm.bob.user, company_name="云启", email="")
    dup = f.lead(crm.bob.user, company_name="云启信息", email="chen@yunqi.cn", contact_name="陈经理")
    services.log_communication({"channel": "email", "content": "发送资料"}, lead=dup, actor=crm.bob.user)
    services.merge_leads(dup, keep, actor=crm.bob.user)
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.status == LeadStatus.MERGED and dup.merged_into == keep
    assert keep.email == "chen@yunqi.cn" and keep.contact_name == "陈经理"
    assert Communication.objects.get().lead == keep
    assert history(keep).last().activity == "lead.merged_in" and history(dup).last().activity == "lead.merged"
    with pytest.raises(DomainError) as err:
        services.merge_leads(keep, keep, actor=crm.bob.user)
    assert _code(err) == "crm.merge_self"
    with pytest.raises(DomainError) as err:
        services.merge_leads(dup, keep, actor=crm.bob.user)
    assert _code(err) == "crm.merge_state"


def test_merging_a_lead_one_cannot_change_is_refused(crm):
    mine, theirs = f.lead(crm.bob.user), f.lead(crm.carol.user)
    with pytest.raises(DomainError):
        services.merge_leads(theirs, mine, actor=crm.bob.user)
    theirs.refresh_from_db()
    assert theirs.status == LeadStatus.NEW


def test_closing_a_lead_needs_a_reason(crm):
    lead = f.lead(crm.bob.user)
    with pytest.raises(DomainError):
        services.close_lead(lead, reason="", actor=crm.bob.user)
    assert services.close_lead(lead, reason="客户无预算", actor=crm.bob.user).status == LeadStatus.CLOSED
    with pytest.raises(DomainError) as err:
        services.save_lead(lead, {"need": "改"}, actor=crm.bob.user)
    assert _code(err) == "crm.lead_locked"


# --- customers -----------------------------------------------------------------------------------


def _customer_values(crm, **kw):
    return {"name": "苏州精工设备制造有限公司", "customer_class": crm.key, "credit_code": f.credit_code(3),
            "credit_limit": "200000.00", "tags": "制造业，华东、重点", **kw}


def test_a_customer_is_created_owned_by_its_creator_with_tags_and_credit(crm):
    customer = services.save_customer(None, _customer_values(crm), actor=crm.bob.user)
    assert customer.owner == crm.bob.user and customer.department == crm.sales
    assert customer.tags == ["制造业", "华东", "重点"] and customer.credit_limit == Decimal("200000.00")
    assert customer.number.startswith("CUS-")


@pytest.mark.parametrize(("change", "code"), [
    ({"credit_limit": "-1"}, "crm.credit_limit_negative"),
    ({"credit_limit": "abc"}, "crm.credit_limit_negative"),
    ({"credit_code": "123"}, "crm.bad_credit_code"),
    ({"customer_class": None}, "crm.class_required"),
    ({"phone": "abc"}, "crm.bad_phone"),
])
def test_a_customer_with_bad_details_is_refused(crm, change, code):
    with pytest.raises(DomainError) as err:
        services.save_customer(None, _customer_values(crm, **change), actor=crm.bob.user)
    assert _code(err) == code
    assert not Customer.objects.exists()


def test_a_salesperson_cannot_give_a_customer_to_someone_else_but_the_manager_can(crm):
    customer = f.customer(crm.bob.user, cls=crm.key)
    f.follow_up(customer)
    with pytest.raises(DomainError) as err:
        services.save_customer(customer, {"owner": crm.carol.user}, actor=crm.bob.user)
    assert _code(err) == "core.out_of_scope"
    services.save_customer(customer, {"owner": crm.carol.user}, actor=crm.alice.user)
    customer.refresh_from_db()
    assert customer.owner == crm.carol.user and customer.department == crm.sales_east
    assert FollowUp.objects.get(customer=customer).owner == crm.carol.user  # open work follows the customer


def test_a_manager_cannot_move_a_customer_outside_their_subtree(crm):
    customer = f.customer(crm.bob.user)
    with pytest.raises(DomainError) as err:
        services.save_customer(customer, {"owner": crm.dave.user}, actor=crm.alice.user)
    assert _code(err) == "core.out_of_scope"


def test_merging_customers_moves_everything_and_keeps_the_trail(crm):
    keep = f.customer(crm.bob.user, cls=crm.key, name="云启")
    dup = f.customer(crm.bob.user, cls=crm.key, name="云启信息", phone="021-77770303", tags=["软件"])
    f.contact(dup, name="陈经理")
    f.visit(dup)
    f.communication(dup)
    f.follow_up(keep, kind=FollowUpKind.CADENCE)
    f.follow_up(dup, kind=FollowUpKind.CADENCE)
    lead = f.lead(crm.bob.user, status=LeadStatus.CONVERTED, customer=dup)
    services.merge_customers(dup, keep, actor=crm.bob.user)
    dup.refresh_from_db()
    keep.refresh_from_db()
    lead.refresh_from_db()
    assert dup.status == CustomerStatus.MERGED and dup.merged_into == keep
    assert keep.phone == "021-77770303" and keep.tags == ["软件"]
    assert keep.contacts.count() == 1 and keep.visits.count() == 1 and keep.communications.count() == 1
    assert lead.customer == keep
    assert keep.follow_ups.filter(kind=FollowUpKind.CADENCE, status=FollowUpStatus.OPEN).count() == 1
    with pytest.raises(DomainError) as err:
        services.save_customer(dup, {"notes": "x"}, actor=crm.bob.user)
    assert _code(err) == "crm.customer_merged"


def test_contacts_keep_valid_birthdays_and_one_primary(crm):
    customer = f.customer(crm.bob.user)
    a = services.save_contact(None, {"name": "王总", "birthday_month": 2, "birthday_day": 29, "is_primary": True},
                              customer=customer, actor=crm.bob.user)
    b = services.save_contact(None, {"name": "李工", "is_primary": True}, customer=customer, actor=crm.bob.user)
    a.refresh_from_db()
    assert (a.is_primary, b.is_primary) == (False, True)
    assert a.birthday_in(2027) == datetime.date(2027, 2, 28)
    for month, day in ((2, 30), (13, 1), (5, None)):
        with pytest.raises(DomainError) as err:
            services.save_contact(None, {"name": "x", "birthday_month": month, "birthday_day": day},
                                  customer=customer, actor=crm.bob.user)
        assert _code(err) == "crm.bad_birthday"
    with pytest.raises(DomainError):  # carol's customer is not bob's
        services.save_contact(None, {"name": "x"}, customer=f.customer(crm.carol.user), actor=crm.bob.user)
    assert Contact.objects.count() == 2


# --- visits, communications, follow-ups ------------------------------------------------------------


def test_a_visit_is_planned_then_checked_in_which_logs_the_contact(crm):
    customer = f.customer(crm.bob.user, cls=crm.key)
    cadence = f.follow_up(customer, kind=FollowUpKind.CADENCE)
    with pytest.raises(DomainError) as err:
        services.plan_visit(customer, {"planned_on": timezone.localdate() - datetime.timedelta(days=1),
                                       "purpose": "拜访"}, actor=crm.bob.user)
    assert _code(err) == "crm.visit_in_past"
    visit = services.plan_visit(customer, {"planned_on": timezone.localdate(), "purpose": "演示"}, actor=crm.bob.user)
    assert visit.status == VisitStatus.PLANNED and visit.owner == crm.bob.user
    due = timezone.localdate() + datetime.timedelta(days=7)
    visit = services.check_in_visit(visit, {"notes": "演示顺利", "outcome": "客户认可", "next_step": "报价",
                                            "next_step_due": due}, actor=crm.bob.user)
    assert visit.status == VisitStatus.DONE and visit.checked_in_at is not None
    comm = Communication.objects.get(customer=customer)
    assert comm.channel == "visit" and comm.feedback == "客户认可"
    cadence.refresh_from_db()
    assert cadence.status == FollowUpStatus.DONE and cadence.result == comm  # the contact made is the follow-up
    assert FollowUp.objects.get(source=comm).due_on == due
    customer.refresh_from_db()
    assert customer.last_contact_on == timezone.localdate()
    with pytest.raises(DomainError) as err:
        services.check_in_visit(visit, {"notes": "again"}, actor=crm.bob.user)
    assert _code(err) == "crm.visit_state"


def test_a_follow_up_date_in_the_past_is_refused(crm):
    customer = f.customer(crm.bob.user)
    with pytest.raises(DomainError) as err:
        services.log_communication({"channel": "phone", "content": "x",
                                    "follow_up_due": timezone.localdate() - datetime.timedelta(days=1)},
                                   customer=customer, actor=crm.bob.user)
    assert _code(err) == "crm.follow_up_due_past"
    assert not Communication.objects.exists()


def test_communications_go_only_on_records_one_can_see(crm):
    theirs = f.customer(crm.carol.user)
    with pytest.raises(DomainError):
        services.log_communication({"channel": "phone", "content": "x"}, customer=theirs, actor=crm.bob.user)
    services.log_communication({"channel": "phone", "content": "x"}, customer=theirs, actor=crm.alice.user)
    assert Communication.objects.get().owner == crm.carol.user  # it belongs with carol's customer


def test_a_follow_up_is_done_by_recording_the_contact(crm):
    customer = f.customer(crm.bob.user)
    fu = f.follow_up(customer)
    fu = services.complete_follow_up(fu, {"content": "电话回访，客户满意", "feedback": "满意"}, actor=crm.bob.user)
    assert fu.status == FollowUpStatus.DONE and fu.result.content == "电话回访，客户满意"
    with pytest.raises(DomainError) as err:
        services.complete_follow_up(fu, {"content": "再次"}, actor=crm.bob.user)
    assert _code(err) == "crm.follow_up_state"
    other = f.follow_up(customer)
    with pytest.raises(DomainError):
        services.cancel_follow_up(other, reason="", actor=crm.bob.user)
    assert services.cancel_follow_up(other, reason="客户已流失", actor=crm.bob.user).status == FollowUpStatus.CANCELLED


def test_settings_keep_codes_unique_and_cadences_not_negative(crm):
    from yewu.crm.models import CustomerClass, LeadSource

    with pytest.raises(DomainError) as err:
        services.save_setting(LeadSource, None, {"code": "fair", "name": "x"}, actor=crm.admin)
    assert _code(err) == "crm.code_taken"
    with pytest.raises(DomainError) as err:
        services.save_setting(CustomerClass, crm.key, {"follow_up_days": -5}, actor=crm.admin)
    assert _code(err) == "crm.cadence_negative"
    with pytest.raises(DomainError) as err:
        services.save_setting(CustomerClass, crm.key, {"follow_up_days": 7}, actor=crm.bob.user)
    assert _code(err) == "core.permission_denied"
    assert services.save_setting(CustomerClass, crm.key, {"follow_up_days": 14}, actor=crm.admin).follow_up_days == 14
