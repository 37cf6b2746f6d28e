"""Who works on a step: every assignee rule resolved against the persona company (plus a general
manager and three accountants), and a few through a running approval."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from yewu.core.testing.factories import (
    DelegationFactory,
    EmployeeFactory,
    PartTimePositionFactory,
    PositionFactory,
    UserFactory,
)
from yewu.org.models.employees import EmployeeStatus
from yewu.workflow import assignment, services
from yewu.workflow.models import Task
from yewu.workflow.testing.bpmn import chain, publish


@dataclass
class Org:
    gm: object
    eve: object  # accountant in finance
    frank: object  # accountant in sales_east
    grace: object  # staff in hq, part-time accountant in sales


@pytest.fixture
def org(company):
    gm_position = PositionFactory(code="gm", name="总经理", is_department_head=True, rank=100)
    accountant = PositionFactory(code="accountant", name="会计", rank=20)
    gm = EmployeeFactory(user=UserFactory(username="gm"), employee_no="E001", department=company.hq,
                         position=gm_position)
    eve = EmployeeFactory(user=UserFactory(username="eve"), employee_no="E002", department=company.finance,
                          position=accountant)
    frank = EmployeeFactory(user=UserFactory(username="frank"), employee_no="E003", department=company.sales_east,
                            position=accountant)
    grace = EmployeeFactory(user=UserFactory(username="grace"), employee_no="E004", department=company.hq,
                            position=company.staff)
    PartTimePositionFactory(employee=grace, department=company.sales, position=accountant)
    return Org(gm, eve, frank, grace)


def names(rule, company, requester=None, form=None, department=None):
    requester = requester or company.bob
    result = assignment.resolve(rule, requester=requester.user, department=department or requester.department,
                                form=form or {})
    return [u.username for u in result.users], result.reason


# --- user and field ------------------------------------------------------------------------------


def test_user_rule_names_people_in_the_given_order(company, org):
    assert names({"type": "user", "username": "dave"}, company)[0] == ["dave"]
    assert names({"type": "user", "usernames": ["gm", "dave", "gm"]}, company)[0] == ["gm", "dave"]


def test_user_rule_may_name_a_login_without_an_employee_record(company, org):
    assert names({"type": "user", "username": "root"}, company)[0] == ["root"]


def test_user_rule_skips_unknown_inactive_and_resigned_people(company, org):
    company.dave.status = EmployeeStatus.RESIGNED
    company.dave.save()
    UserFactory(username="locked", is_active=False)
    users, reason = names({"type": "user", "usernames": ["dave", "locked", "nobody"]}, company)
    assert users == [] and "dave" in reason


def test_field_rule_takes_the_people_the_requester_chose_on_the_form(company, org):
    form = {"approvers": [org.eve.user.pk, str(company.dave.user.pk), "x", "²", None], "reviewer": org.gm.user.pk}
    assert names({"type": "field", "field": "approvers"}, company, form=form)[0] == ["eve", "dave"]
    assert names({"type": "field", "field": "reviewer"}, company, form=form)[0] == ["gm"]
    users, reason = names({"type": "field", "field": "missing"}, company, form=form)
    assert users == [] and "form" in reason


# --- department head -----------------------------------------------------------------------------


def test_department_head_of_the_requesters_department(company, org):
    assert names({"type": "department_head"}, company)[0] == ["alice"]


def test_department_head_climbs_from_a_department_without_a_head(company, org):
    assert names({"type": "department_head"}, company, requester=company.carol)[0] == ["alice"]


def test_a_head_asking_for_themself_goes_to_their_supervisor(company, org):
    assert names({"type": "department_head"}, company, requester=company.alice)[0] == ["gm"]


def test_a_head_without_a_supervisor_finds_nobody_with_the_reason(company):
    users, reason = names({"type": "department_head"}, company, requester=company.alice)
    assert users == [] and "no supervisor" in reason


def test_department_head_of_a_department_named_on_the_form(company, org):
    form = {"target_department": company.finance.pk}
    assert names({"type": "department_head", "field": "target_department"}, company, form=form)[0] == ["dave"]
    users, reason = names({"type": "department_head", "field": "target_department"}, company, form={})
    assert users == [] and "department" in reason


# --- supervisor chain ----------------------------------------------------------------------------


def test_supervisor_rule_is_one_level_by_default(company, org):
    assert names({"type": "supervisor"}, company, requester=company.carol)[0] == ["alice"]


@pytest.mark.parametrize(("levels", "expected"), [(1, ["alice"]), (2, ["alice", "gm"]), (5, ["alice", "gm"]),
                                                  ("2", ["alice", "gm"])])
def test_supervisor_rule_climbs_the_given_number_of_levels(company, org, levels, expected):
    assert names({"type": "supervisor", "levels": levels}, company, requester=company.carol)[0] == expected


def test_supervisor_rule_up_to_a_position_includes_its_holder(company, org):
    assert names({"type": "supervisor", "up_to": "manager"}, company, requester=company.carol)[0] == ["alice"]
    assert names({"type": "supervisor", "up_to": "gm"}, company, requester=company.carol)[0] == ["alice", "gm"]
    assert names({"type": "supervisor", "up_to": "gm", "levels": 1}, company, requester=company.carol)[0] == ["alice"]


def test_supervisor_rule_up_to_an_unknown_position_finds_nobody(company, org):
    users, reason = names({"type": "supervisor", "up_to": "ceo"}, company, requester=company.carol)
    assert users == [] and "ceo" in reason


def test_supervisor_rule_for_someone_at_the_top_finds_nobody(company, org):
    users, reason = names({"type": "supervisor"}, company, requester=org.gm)
    assert users == [] and "supervisor" in reason


# --- position holders ----------------------------------------------------------------------------


def test_position_holders_across_the_company(company, org):
    assert names({"type": "position", "position": "accountant"}, company)[0] == ["eve", "frank", "grace"]


def test_position_holders_within_the_requesters_department(company, org):
    rule = {"type": "position", "position": "accountant", "department": "requester"}
    assert names(rule, company)[0] == ["grace"]  # her part-time position in sales


def test_position_holders_within_the_requesters_department_and_below(company, org):
    rule = {"type": "position", "position": "accountant", "department": "requester", "include_below": True}
    assert names(rule, company)[0] == ["frank", "grace"]


def test_position_holders_within_a_named_department(company, org):
    assert names({"type": "position", "position": "accountant", "department": "finance"}, company)[0] == ["eve"]


def test_position_holders_in_an_unknown_department_or_position_are_nobody(company, org):
    users, reason = names({"type": "position", "position": "accountant", "department": "nowhere"}, company)
    assert users == [] and "nowhere" in reason
    users, reason = names({"type": "position", "position": "astronaut"}, company)
    assert users == [] and "astronaut" in reason


def test_resigned_holders_are_not_named(company, org):
    org.eve.status = EmployeeStatus.RESIGNED
    org.eve.save()
    assert names({"type": "position", "position": "accountant"}, company)[0] == ["frank", "grace"]


def test_a_rule_without_a_type_names_nobody(company):
    assert names({}, company) == ([], "the step names no approver rule")


# --- delegation ----------------------------------------------------------------------------------


def test_delegate_for_returns_the_delegate_and_the_principal_while_in_force(company, org):
    now = timezone.now()
    DelegationFactory(principal=company.dave, delegate=org.eve, all_processes=False,
                      process_keys_text='["expense"]', starts_at=now - datetime.timedelta(hours=1),
                      ends_at=now + datetime.timedelta(hours=1))
    assert assignment.delegate_for(company.dave.user, "expense") == (org.eve.user, company.dave.user)
    assert assignment.delegate_for(company.dave.user, "purchase") == (company.dave.user, None)
    assert assignment.delegate_for(company.admin, "expense") == (company.admin, None)


def test_people_found_by_a_rule_bring_whether_a_delegation_is_in_force_and_save_its_read(company, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yewu.org import resolvers

    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    DelegationFactory(principal=company.dave, delegate=org.eve, starts_at=now - hour, ends_at=now + hour)
    DelegationFactory(principal=company.alice, delegate=org.eve, starts_at=now - 3 * hour, ends_at=now - hour)
    DelegationFactory(principal=company.bob, delegate=org.eve, starts_at=now + hour, ends_at=now + 2 * hour)
    DelegationFactory(principal=company.carol, delegate=org.eve, starts_at=now - hour, ends_at=now + hour,
                      cancelled_at=now - datetime.timedelta(minutes=5))
    people = {e.pk: e for e in [company.dave, company.alice, company.bob, company.carol]}
    found = resolvers.logins(ids=[e.user_id for e in people.values()])
    assert {u.employee.pk: u.employee._delegated_now for u in found} == {
        company.dave.pk: True, company.alice.pk: False, company.bob.pk: False, company.carol.pk: False}

    quiet = [u for u in found if u.pk != company.dave.user_id]
    with CaptureQueriesContext(connection) as ctx:
        assert assignment.delegates_for(quiet, "expense") == [(u, None) for u in quiet]
    assert ctx.captured_queries == []  # nobody stands in: known from the rule's own read
    assert assignment.delegates_for(found, "expense")[[u.pk for u in found].index(company.dave.user_id)] == (
        org.eve.user, company.dave.user)


# --- through a running approval ------------------------------------------------------------------


def test_the_approver_the_requester_chose_gets_the_task(company, org):
    publish("chosen", chain("chosen", ["review"]), {
        "review": {"assignee": {"type": "field", "field": "reviewer"}},
    }, actor=company.admin)
    inst = services.start_process("chosen", actor=company.bob.user, title="x", form={"reviewer": org.eve.user.pk})
    assert Task.objects.get(instance=inst).assignee == org.eve.user


def test_the_rule_is_resolved_when_the_step_opens_not_when_the_approval_starts(company, org):
    publish("later", chain("later", ["head", "accounting"]), {
        "head": {"assignee": {"type": "department_head"}},
        "accounting": {"assignee": {"type": "position", "position": "accountant", "department": "finance"}},
    }, actor=company.admin)
    inst = services.start_process("later", actor=company.bob.user, title="x")
    newcomer = EmployeeFactory(user=UserFactory(username="henry"), employee_no="E005", department=company.finance,
                               position=org.eve.position)
    org.eve.status = EmployeeStatus.RESIGNED
    org.eve.save()
    services.approve_task(Task.objects.get(instance=inst), actor=company.alice.user)
    assert Task.objects.get(instance=inst, step_id="accounting").assignee == newcomer.user
