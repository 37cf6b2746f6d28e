"""Every CRM model against every data scope, through every channel it is exposed on (queryset, UI
list, csv/xlsx export, UI detail, global search, API list and detail, changes and creates); see
yewu/core/testing/permissions.py. A salesperson holds OWN, a manager SUBTREE: these prove that
exactly the records inside such a scope show up, and nothing else leaks."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from yewu.core.scopes import Scope
from yewu.core.testing.factories import EmployeeFactory, grant
from yewu.core.testing.permissions import (
    DEPARTMENT_PLACES,
    Place,
    ScopedModelSpec,
    ScopedModelTests,
    build_world,
    reaches,
    register,
    unique,
)
from yewu.crm.models import (
    CareTask,
    CareTemplate,
    Communication,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
    LoyaltyComponent,
    LoyaltyScore,
    LoyaltyTier,
    Visit,
)
from yewu.crm.tests import factories as f

_days = itertools.count(1)


def _day() -> datetime.date:
    """A date no other probe uses (list exports are keyed by their date column)."""
    return timezone.localdate() + datetime.timedelta(days=next(_days))


def _someone(dept):
    return EmployeeFactory(department=dept).user


def _customer(world, dept, owner=None):
    return f.customer(owner or _someone(dept), dept, name=unique("客户"))


def _owned_customer(world):
    return _customer(world, world.company.sales, owner=world.user)


def _class():
    return f.CustomerClassFactory(code="normal", name="普通客户", follow_up_days=90)


def _source():
    return f.LeadSourceFactory(code="fair", name="行业展会")


def _customer_payload(world, place):
    base = {"name": unique("新客户"), "customer_class": _class().pk}
    if place == Place.OWNED:
        return base
    if place == Place.HOME:
        return None  # own department: the same payload as OWNED
    return {**base, "department": world.department(place).pk}


def _lead_payload(world, place):
    base = {"source": _source().pk, "company_name": unique("新线索"), "phone": "13900000000", "need": "咨询"}
    if place == Place.OWNED:
        return base
    if place == Place.HOME:
        return None
    return {**base, "department": world.department(place).pk}


class TestCustomerPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Customer,
        make=_customer,
        make_owned=_owned_customer,
        list_url="crm:customer_list",
        detail_url="crm:customer_detail",
        search_field="name",
        api_path="/api/crm/customers/",
        api_patch=lambda obj: {"notes": unique("changed ")},
        edit_url="crm:customer_edit",
        edit_changes=lambda obj: {"notes": unique("changed ")},
        api_create=_customer_payload,
    ))


class TestContactPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Contact,
        make=lambda world, dept: f.contact(_customer(world, dept), name=unique("联系人")),
        make_owned=lambda world: f.contact(_owned_customer(world), name=unique("联系人")),
        list_url="crm:contact_list",
        detail_url="crm:contact_detail",
        search_field="name",
        api_path="/api/crm/contacts/",
        api_patch=lambda obj: {"notes": unique("changed ")},
        edit_url="crm:contact_edit",
        edit_changes=lambda obj: {"notes": unique("changed ")},
    ))


class TestLeadPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Lead,
        make=lambda world, dept: f.lead(_someone(dept), dept, company_name=unique("线索")),
        make_owned=lambda world: f.lead(world.user, world.company.sales, company_name=unique("线索")),
        list_url="crm:lead_list",
        detail_url="crm:lead_detail",
        search_field="company_name",
        api_path="/api/crm/leads/",
        api_patch=lambda obj: {"needs_analysis": unique("changed ")},
        edit_url="crm:lead_edit",
        edit_changes=lambda obj: {"needs_analysis": unique("changed ")},
        api_create=_lead_payload,
    ))


class TestVisitPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Visit,
        make=lambda world, dept: f.visit(_customer(world, dept), planned_on=_day()),
        make_owned=lambda world: f.visit(_customer(world, world.company.sales), owner=world.user, planned_on=_day()),
        list_url="crm:visit_list",
        detail_url="crm:visit_detail",
        api_path="/api/crm/visits/",
        api_change_action="cancel",
        ui_change_action_url="crm:visit_cancel",
    ))


def _communication(world, dept, owner=None):
    customer = _customer(world, dept, owner=owner)
    return f.communication(customer, at=timezone.now() - datetime.timedelta(minutes=next(_days)))


class TestCommunicationPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Communication,
        make=lambda world, dept: _communication(world, dept),
        make_owned=lambda world: _communication(world, world.company.sales, owner=world.user),
        list_url="crm:communication_list",
        detail_url="crm:communication_detail",
        api_path="/api/crm/communications/",
    ))


class TestFollowUpPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        FollowUp,
        make=lambda world, dept: f.follow_up(_customer(world, dept), due_on=_day()),
        make_owned=lambda world: f.follow_up(_owned_customer(world), due_on=_day()),
        list_url="crm:followup_list",
        detail_url="crm:followup_detail",
        api_path="/api/crm/follow-ups/",
        api_patch=lambda obj: {"title": unique("changed ")},
        edit_url="crm:followup_edit",
        edit_changes=lambda obj: {"title": unique("changed ")},
    ))


class TestCareTaskPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        CareTask,
        make=lambda world, dept: f.care_task(_customer(world, dept), occasion_on=_day()),
        make_owned=lambda world: f.care_task(_owned_customer(world), occasion_on=_day()),
        list_url="crm:caretask_list",
        detail_url="crm:caretask_detail",
        api_path="/api/crm/greetings/",
        api_change_action="sent",
        ui_change_action_url="crm:caretask_sent",
    ))


class TestLeadSourcePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        LeadSource,
        make=lambda world, dept: f.LeadSourceFactory(name=unique("来源")),  # company-wide reference data
        list_url="crm:leadsource_list",
        detail_url="crm:leadsource_detail",
        api_path="/api/crm/lead-sources/",
        api_patch=lambda obj: {"name": unique("改")},
        edit_url="crm:leadsource_edit",
        edit_changes=lambda obj: {"name": unique("改")},
        api_create=lambda world, place: {"code": unique("src-"), "name": unique("来源")},
    ))


class TestCustomerClassPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        CustomerClass,
        make=lambda world, dept: f.CustomerClassFactory(name=unique("类别")),
        list_url="crm:customerclass_list",
        detail_url="crm:customerclass_detail",
        api_path="/api/crm/customer-classes/",
        api_patch=lambda obj: {"follow_up_days": obj.follow_up_days + 1},
        edit_url="crm:customerclass_edit",
        edit_changes=lambda obj: {"name": unique("改")},
        api_create=lambda world, place: {"code": unique("cls-"), "name": unique("类别"), "follow_up_days": 30},
    ))


class TestHolidayPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Holiday,
        make=lambda world, dept: f.HolidayFactory(name=unique("节日")),
        list_url="crm:holiday_list",
        detail_url="crm:holiday_detail",
        api_path="/api/crm/holidays/",
        api_patch=lambda obj: {"name": unique("改")},
        edit_url="crm:holiday_edit",
        edit_changes=lambda obj: {"name": unique("改")},
        api_create=lambda world, place: {"name": unique("节日"), "date": "2027-02-06"},
    ))


class TestCareTemplatePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        CareTemplate,
        make=lambda world, dept: f.CareTemplateFactory(name=unique("模板"), is_default=False),
        list_url="crm:caretemplate_list",
        detail_url="crm:caretemplate_detail",
        api_path="/api/crm/greeting-templates/",
        api_patch=lambda obj: {"body": unique("改 {contact}")},
        edit_url="crm:caretemplate_edit",
        edit_changes=lambda obj: {"name": unique("改")},
        api_create=lambda world, place: {"kind": "holiday", "name": unique("模板"), "body": "{holiday}快乐"},
    ))


# --- the loyalty score: its settings are company-wide, a score goes with its customer -----------


def _component(world, dept):
    """The formula's components exist once each (created by the migration): each place probes another."""
    used = world.__dict__.setdefault("_loyalty_components", [])
    obj = LoyaltyComponent.objects.exclude(pk__in=used).order_by("pk").first()
    used.append(obj.pk)
    return obj


class TestLoyaltyComponentPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        LoyaltyComponent,
        make=_component,
        list_url="crm:loyaltycomponent_list",
        detail_url="crm:loyaltycomponent_detail",
        api_path="/api/crm/loyalty-components/",
        api_patch=lambda obj: {"weight": obj.weight % 100 + 1},
        edit_url="crm:loyaltycomponent_edit",
        edit_changes=lambda obj: {"weight": obj.weight % 100 + 1},
    ))


_tier_scores = itertools.count()


def _tier_score() -> int:
    """A minimum score no active tier of a test has (the defaults: 0, 40, 60, 80)."""
    return 81 + next(_tier_scores) % 19


class TestLoyaltyTierPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        LoyaltyTier,
        make=lambda world, dept: LoyaltyTier.objects.create(name=unique("层级"), min_score=_tier_score()),
        list_url="crm:loyaltytier_list",
        detail_url="crm:loyaltytier_detail",
        api_path="/api/crm/loyalty-tiers/",
        api_patch=lambda obj: {"strategy": unique("策略")},
        edit_url="crm:loyaltytier_edit",
        edit_changes=lambda obj: {"name": unique("改")},
        api_create=lambda world, place: {"name": unique("层级"), "min_score": _tier_score(), "strategy": "维护"},
    ))


def _score(customer):
    return LoyaltyScore.objects.create(customer=customer, score=50, computed_on=timezone.localdate(),
                                       computed_at=timezone.now())


@pytest.mark.parametrize("scope", [None, Scope.OWN, Scope.DEPARTMENT, Scope.SUBTREE, Scope.ALL])
def test_loyalty_scores_are_seen_exactly_with_their_customers(db, scope):
    """A score has no pages, endpoints or grants of its own: whoever may view (or change) a
    customer sees its score, nobody else, whatever grants on scores they hold."""
    world = build_world()
    scores = {place: _score(_customer(world, world.department(place))) for place in DEPARTMENT_PLACES}
    scores[Place.OWNED] = _score(_owned_customer(world))
    if scope is not None:
        grant(world.user, "crm.view_customer", scope)
    for action in ("view", "change"):
        customers = set(Customer.objects.restrict(world.user, action).values_list("pk", flat=True))
        seen = set(LoyaltyScore.objects.restrict(world.user, action).values_list("pk", flat=True))
        assert seen == {s.pk for s in scores.values() if s.customer_id in customers}
    assert {s.pk for s in LoyaltyScore.objects.restrict(world.user, "view")} == {
        scores[p].pk for p in scores if reaches(Customer, scope, p)}
