"""Organisation services: the rules they enforce, the grants and scopes they need, the events they write."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from yewu.core.errors import CoreError, DomainError
from yewu.core.models import Event
from yewu.core.scopes import Scope
from yewu.core.testing.factories import (
    DelegationFactory,
    DepartmentFactory,
    EmployeeFactory,
    PartTimePositionFactory,
    TeamFactory,
    grant,
)
from yewu.org.errors import OrgError
from yewu.org.models import Delegation, Department, Employee, PartTimePosition, Position, Team
from yewu.org.models.employees import EmployeeStatus
from yewu.org.services import (
    add_part_time_position,
    cancel_delegation,
    create_delegation,
    deactivate_department,
    remove_part_time_position,
    resign_employee,
    save_department,
    save_employee,
    save_position,
    save_team,
)

User = get_user_model()
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _state() -> dict[str, Any]:
    """Everything the org services can touch, to prove a refusal changed nothing."""
    return {
        "departments": list(Department.objects.order_by("pk").values()),
        "positions": list(Position.objects.order_by("pk").values()),
        "teams": list(Team.objects.order_by("pk").values()),
        "employees": list(Employee.objects.order_by("pk").values()),
        "part_time": list(PartTimePosition.objects.order_by("pk").values()),
        "delegations": list(Delegation.objects.order_by("pk").values()),
        "users": list(
            User.objects.order_by("pk").values("pk", "username", "is_active", "password")
        ),
        "events": list(Event.objects.order_by("pk").values_list("pk", flat=True)),
    }


def refused(code: str, call: Callable[[], Any]) -> DomainError:
    """The call raises DomainError with `code` and leaves the database exactly as it was."""
    before = _state()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, err.value.message
    assert _state() == before
    return err.value


def one_event(call: Callable[[], Any]) -> tuple[Any, Event]:
    """The call succeeds and writes exactly one audit event, which is returned with its result."""
    seen = set(Event.objects.values_list("pk", flat=True))
    result = call()
    new = list(Event.objects.exclude(pk__in=seen))
    assert len(new) == 1, [e.activity for e in new]
    return result, new[0]


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- departments -----------------------------------------------------------------------------------


def test_new_department_gets_a_path_under_its_parent_and_a_created_event(company):
    dept, event = one_event(
        lambda: save_department(
            None,
            {"name": "华南组", "code": "sales-south", "parent": company.sales},
            actor=company.admin,
        )
    )

    assert _fresh(dept).path == f"{company.sales.path}{dept.pk}/"
    assert (event.activity, event.case_type, event.case_id) == (
        "department.created",
        "org.department",
        str(dept.pk),
    )
    assert event.actor == company.admin
    assert event.payload == {
        "code": [None, "sales-south"],
        "description": [None, ""],
        "name": [None, "华南组"],
        "parent": [None, company.sales.pk],
        "sort_order": [None, 0],
    }


def test_new_top_level_department_is_a_root(company):
    dept = save_department(None, {"name": "分公司", "code": "branch"}, actor=company.admin)

    assert _fresh(dept).path == f"/{dept.pk}/"


def test_renaming_a_department_records_only_the_name_change(company):
    _, event = one_event(
        lambda: save_department(company.sales, {"name": "销售中心"}, actor=company.admin)
    )

    sales = _fresh(company.sales)
    assert (sales.name, sales.path) == ("销售中心", company.sales.path)
    assert (event.activity, event.payload) == (
        "department.changed",
        {"name": ["销售部", "销售中心"]},
    )


def test_moving_a_department_re_roots_its_whole_subtree(company):
    deep = DepartmentFactory(name="上海", code="shanghai", parent=company.sales_east)

    _, event = one_event(
        lambda: save_department(company.sales, {"parent": company.finance}, actor=company.admin)
    )

    sales, east, shanghai = _fresh(company.sales), _fresh(company.sales_east), _fresh(deep)
    assert sales.path == f"{company.finance.path}{sales.pk}/"
    assert east.path == f"{sales.path}{east.pk}/"
    assert shanghai.path == f"{east.path}{shanghai.pk}/"
    assert set(_fresh(company.finance).descendants()) == {sales, east, shanghai}
    assert set(_fresh(company.hq).descendants()) == {company.finance, sales, east, shanghai}
    assert _fresh(company.hq).path == company.hq.path
    assert event.payload == {"parent": [company.hq.pk, company.finance.pk]}


def test_moving_a_department_to_the_top_makes_its_subtree_a_new_root(company):
    save_department(company.sales, {"parent": None}, actor=company.admin)

    sales, east = _fresh(company.sales), _fresh(company.sales_east)
    assert sales.path == f"/{sales.pk}/"
    assert east.path == f"/{sales.pk}/{east.pk}/"
    assert list(sales.ancestors()) == []
    assert list(east.ancestors()) == [sales]


def test_moving_department_under_itself_is_refused(company):
    refused(
        OrgError.DEPARTMENT_CYCLE,
        lambda: save_department(company.sales, {"parent": company.sales}, actor=company.admin),
    )


def test_moving_department_under_its_child_is_refused(company):
    refused(
        OrgError.DEPARTMENT_CYCLE,
        lambda: save_department(company.sales, {"parent": company.sales_east}, actor=company.admin),
    )


def test_moving_department_under_a_deeper_descendant_is_refused(company):
    deep = DepartmentFactory(code="deep", parent=company.sales_east)

    refused(
        OrgError.DEPARTMENT_CYCLE,
        lambda: save_department(company.hq, {"parent": deep}, actor=company.admin),
    )


def test_department_under_an_inactive_parent_is_refused(company):
    closed = DepartmentFactory(code="closed", parent=company.hq, is_active=False)

    refused(
        OrgError.DEPARTMENT_INACTIVE,
        lambda: save_department(
            None, {"name": "新", "code": "new", "parent": closed}, actor=company.admin
        ),
    )
    refused(
        OrgError.DEPARTMENT_INACTIVE,
        lambda: save_department(company.sales_east, {"parent": closed}, actor=company.admin),
    )


def test_duplicate_department_code_is_refused(company):
    error = refused(
        OrgError.CODE_TAKEN,
        lambda: save_department(None, {"name": "又一个", "code": "sales"}, actor=company.admin),
    )
    assert error.params == {"code": "sales"}
    refused(
        OrgError.CODE_TAKEN,
        lambda: save_department(company.finance, {"code": "sales"}, actor=company.admin),
    )


def test_keeping_its_own_code_is_not_a_duplicate(company):
    save_department(company.sales, {"code": "sales", "name": "销售"}, actor=company.admin)

    assert _fresh(company.sales).name == "销售"


def test_new_department_path_uses_the_parents_current_path(company):
    finance_as_loaded = _fresh(company.finance)
    save_department(company.finance, {"parent": company.sales}, actor=company.admin)

    tax = save_department(
        None, {"name": "税务", "code": "tax", "parent": finance_as_loaded}, actor=company.admin
    )

    assert _fresh(tax).path == f"{_fresh(company.finance).path}{tax.pk}/"


def test_deactivating_a_department_with_active_staff_is_refused(company):
    error = refused(
        OrgError.DEPARTMENT_NOT_EMPTY,
        lambda: deactivate_department(company.finance, actor=company.admin),
    )

    assert error.params == {"name": company.finance.name}


def test_deactivating_a_department_with_active_sub_departments_is_refused(company):
    empty_parent = DepartmentFactory(code="parent", parent=company.hq)
    DepartmentFactory(code="child", parent=empty_parent)

    refused(
        OrgError.DEPARTMENT_NOT_EMPTY,
        lambda: deactivate_department(empty_parent, actor=company.admin),
    )


def test_deactivating_an_emptied_department_writes_one_event(company):
    resign_employee(company.dave, actor=company.admin)

    dept, event = one_event(lambda: deactivate_department(company.finance, actor=company.admin))

    assert _fresh(company.finance).is_active is False
    assert (event.activity, event.payload) == (
        "department.deactivated",
        {"is_active": [True, False]},
    )


# --- positions -------------------------------------------------------------------------------------


def test_position_create_and_change_record_their_deltas(company):
    position, created = one_event(
        lambda: save_position(
            None, {"name": "项目经理", "code": "pm", "rank": 50}, actor=company.admin
        )
    )
    _, changed = one_event(lambda: save_position(position, {"rank": 60}, actor=company.admin))

    assert created.activity == "position.created"
    assert created.payload["code"] == [None, "pm"]
    assert (changed.activity, changed.payload) == ("position.changed", {"rank": [50, 60]})
    assert _fresh(position).rank == 60


def test_duplicate_position_code_is_refused(company):
    refused(
        OrgError.CODE_TAKEN,
        lambda: save_position(None, {"name": "经理", "code": "manager"}, actor=company.admin),
    )


# --- groups ----------------------------------------------------------------------------------------


def test_group_with_a_leader_from_its_department_is_saved(company):
    team, event = one_event(
        lambda: save_team(
            None,
            {
                "department": company.sales,
                "name": "大客户组",
                "code": "key-accounts",
                "leader": company.bob,
            },
            actor=company.admin,
        )
    )

    assert (team.department, team.leader) == (company.sales, company.bob)
    assert event.activity == "team.created"
    assert event.department_id == company.sales.pk
    assert event.payload["leader"] == [None, company.bob.pk]


def test_group_leader_from_another_department_is_refused(company):
    refused(
        OrgError.TEAM_OTHER_DEPARTMENT,
        lambda: save_team(
            None,
            {"department": company.sales, "name": "组", "code": "t1", "leader": company.dave},
            actor=company.admin,
        ),
    )
    team = TeamFactory(department=company.sales, code="t2")
    refused(
        OrgError.TEAM_OTHER_DEPARTMENT,
        lambda: save_team(team, {"leader": company.dave}, actor=company.admin),
    )


def test_duplicate_group_code_is_refused(company):
    TeamFactory(department=company.sales, code="key-accounts")

    refused(
        OrgError.CODE_TAKEN,
        lambda: save_team(
            None,
            {"department": company.finance, "name": "组", "code": "key-accounts"},
            actor=company.admin,
        ),
    )


def test_moving_a_group_with_members_to_another_department_is_refused(company):
    team = TeamFactory(department=company.sales, code="key-accounts")
    save_employee(company.bob, {"team": team}, actor=company.admin)

    refused(
        OrgError.TEAM_OTHER_DEPARTMENT,
        lambda: save_team(team, {"department": company.finance}, actor=company.admin),
    )


# --- employees -------------------------------------------------------------------------------------


def _hire(company, **values):
    return {
        "employee_no": "E1001",
        "name": "Erin 艾琳",
        "department": company.sales,
        "position": company.staff,
        **values,
    }


def test_hiring_creates_the_employee_and_a_login_with_a_hashed_password(company):
    employee, event = one_event(
        lambda: save_employee(
            None,
            _hire(company, email="erin@example.cn"),
            actor=company.admin,
            username="erin",
            password="Erin-pw-2026",
        )
    )

    user = User.objects.get(username="erin")
    assert employee.user == user
    assert user.check_password("Erin-pw-2026") and not user.password.startswith("Erin")
    assert (user.email, user.first_name) == ("erin@example.cn", "Erin 艾琳")
    assert event.activity == "employee.hired"
    assert event.payload["employee_no"] == [None, "E1001"]
    assert event.payload["department"] == [None, company.sales.pk]


def test_hiring_without_a_password_gives_a_login_that_cannot_sign_in(company):
    save_employee(None, _hire(company), actor=company.admin, username="erin")

    assert User.objects.get(username="erin").has_usable_password() is False


def test_taken_login_name_is_refused(company):
    refused(
        OrgError.USERNAME_TAKEN,
        lambda: save_employee(None, _hire(company), actor=company.admin, username="bob"),
    )


def test_taken_employee_number_is_refused(company):
    taken = company.bob.employee_no

    refused(
        OrgError.EMPLOYEE_NO_TAKEN,
        lambda: save_employee(None, _hire(company, employee_no=taken), actor=company.admin),
    )
    refused(
        OrgError.EMPLOYEE_NO_TAKEN,
        lambda: save_employee(company.carol, {"employee_no": taken}, actor=company.admin),
    )


def test_hiring_into_an_inactive_department_is_refused(company):
    closed = DepartmentFactory(code="closed", parent=company.hq, is_active=False)

    refused(
        OrgError.DEPARTMENT_INACTIVE,
        lambda: save_employee(None, _hire(company, department=closed), actor=company.admin),
    )


def test_group_of_another_department_is_refused(company):
    finance_team = TeamFactory(department=company.finance, code="tax")

    refused(
        OrgError.TEAM_OTHER_DEPARTMENT,
        lambda: save_employee(None, _hire(company, team=finance_team), actor=company.admin),
    )
    refused(
        OrgError.TEAM_OTHER_DEPARTMENT,
        lambda: save_employee(company.bob, {"team": finance_team}, actor=company.admin),
    )


def test_moving_someone_away_from_their_groups_department_is_refused(company):
    team = TeamFactory(department=company.sales, code="key-accounts")
    save_employee(company.bob, {"team": team}, actor=company.admin)

    refused(
        OrgError.TEAM_OTHER_DEPARTMENT,
        lambda: save_employee(company.bob, {"department": company.finance}, actor=company.admin),
    )


def test_changing_an_employee_records_only_what_changed(company):
    _, event = one_event(
        lambda: save_employee(
            company.bob, {"mobile": "13800000000", "name": company.bob.name}, actor=company.admin
        )
    )

    assert (event.activity, event.payload) == ("employee.changed", {"mobile": ["", "13800000000"]})


def test_reporting_to_oneself_is_refused(company):
    refused(
        OrgError.SUPERVISOR_CYCLE,
        lambda: save_employee(company.bob, {"supervisor": company.bob}, actor=company.admin),
    )


def test_supervisor_loop_is_refused(company):
    error = refused(
        OrgError.SUPERVISOR_CYCLE,
        lambda: save_employee(company.alice, {"supervisor": company.bob}, actor=company.admin),
    )

    assert error.params == {"name": company.alice.name, "supervisor": company.bob.name}


def test_longer_supervisor_loop_is_refused(company):
    save_employee(company.alice, {"supervisor": company.dave}, actor=company.admin)

    # carol → alice → dave; dave reporting to carol would close the loop
    carol = _fresh(company.carol)
    refused(
        OrgError.SUPERVISOR_CYCLE,
        lambda: save_employee(company.dave, {"supervisor": carol}, actor=company.admin),
    )


def test_supervisor_loop_check_reads_the_chain_from_the_database(company):
    save_employee(company.alice, {"supervisor": company.dave}, actor=company.admin)

    # company.carol still caches the Alice object loaded before Alice got her supervisor
    refused(
        OrgError.SUPERVISOR_CYCLE,
        lambda: save_employee(company.dave, {"supervisor": company.carol}, actor=company.admin),
    )


def test_resigned_supervisor_is_refused(company):
    gone = EmployeeFactory(department=company.finance, status=EmployeeStatus.RESIGNED)

    refused(
        OrgError.SUPERVISOR_RESIGNED,
        lambda: save_employee(company.bob, {"supervisor": gone}, actor=company.admin),
    )
    refused(
        OrgError.SUPERVISOR_RESIGNED,
        lambda: save_employee(None, _hire(company, supervisor=gone), actor=company.admin),
    )


# --- resignation -----------------------------------------------------------------------------------


def test_resigning_someone_with_active_reports_is_refused(company):
    error = refused(
        OrgError.EMPLOYEE_HAS_REPORTS, lambda: resign_employee(company.alice, actor=company.admin)
    )

    assert error.params == {"name": company.alice.name, "count": 2}


def test_resigned_reports_do_not_block_resignation(company):
    resign_employee(company.bob, actor=company.admin)
    resign_employee(company.carol, actor=company.admin)

    resign_employee(company.alice, actor=company.admin)

    assert _fresh(company.alice).status == EmployeeStatus.RESIGNED


def test_resigning_twice_is_refused(company):
    resign_employee(company.bob, actor=company.admin)

    refused(OrgError.EMPLOYEE_RESIGNED, lambda: resign_employee(company.bob, actor=company.admin))


@pytest.fixture
def bobs_delegations(company):
    """Delegations Bob acts in (now, later, over) and one he gave."""
    now = timezone.now()
    return {
        "now": DelegationFactory(
            principal=company.alice, delegate=company.bob, starts_at=now - DAY, ends_at=now + DAY
        ),
        "later": DelegationFactory(
            principal=company.carol,
            delegate=company.bob,
            starts_at=now + 2 * DAY,
            ends_at=now + 3 * DAY,
        ),
        "over": DelegationFactory(
            principal=company.alice,
            delegate=company.bob,
            starts_at=now - 3 * DAY,
            ends_at=now - 2 * DAY,
        ),
        "given": DelegationFactory(
            principal=company.bob,
            delegate=company.carol,
            starts_at=now + 2 * DAY,
            ends_at=now + 3 * DAY,
        ),
    }


def test_resigning_closes_the_login_and_cancels_delegations_they_act_in(company, bobs_delegations):
    seen = set(Event.objects.values_list("pk", flat=True))

    resign_employee(company.bob, actor=company.admin, left_on=datetime.date(2026, 6, 30))

    [event] = Event.objects.exclude(pk__in=seen).filter(case_type="org.employee")

    bob = _fresh(company.bob)
    assert (bob.status, bob.left_on) == (EmployeeStatus.RESIGNED, datetime.date(2026, 6, 30))
    assert _fresh(company.bob.user).is_active is False
    cancelled = {k for k, d in bobs_delegations.items() if _fresh(d).cancelled_at is not None}
    assert cancelled == {"now", "later"}
    assert event.activity == "employee.resigned"
    assert event.payload == {"status": ["active", "resigned"], "left_on": [None, "2026-06-30"]}


def test_resigning_defaults_the_leaving_date_to_today(company):
    resign_employee(company.bob, actor=company.admin)

    assert _fresh(company.bob).left_on == timezone.localdate()


def test_delegations_cancelled_by_a_resignation_show_it_in_their_history(company, bobs_delegations):
    resign_employee(company.bob, actor=company.admin)

    for key in ("now", "later"):
        assert Event.objects.filter(
            case_type="org.delegation",
            case_id=str(bobs_delegations[key].pk),
            activity="delegation.cancelled",
        ).exists()


# --- part-time positions ---------------------------------------------------------------------------


def test_part_time_position_is_added_once(company):
    ptp, event = one_event(
        lambda: add_part_time_position(company.dave, company.hq, company.head, actor=company.admin)
    )

    assert (ptp.employee, ptp.department, ptp.position) == (company.dave, company.hq, company.head)
    assert (event.activity, event.case_id) == ("employee.part_time_added", str(company.dave.pk))
    assert event.payload == {"department": company.hq.pk, "position": company.head.pk}
    refused(
        OrgError.PART_TIME_DUPLICATE,
        lambda: add_part_time_position(company.dave, company.hq, company.head, actor=company.admin),
    )


def test_part_time_position_is_removed_with_an_event(company):
    ptp = PartTimePositionFactory(
        employee=company.dave, department=company.hq, position=company.head
    )

    _, event = one_event(lambda: remove_part_time_position(ptp, actor=company.admin))

    assert not PartTimePosition.objects.exists()
    assert (event.activity, event.case_id) == ("employee.part_time_removed", str(company.dave.pk))
    assert event.payload == {"department": company.hq.pk, "position": company.head.pk}


# --- delegations -----------------------------------------------------------------------------------


def _delegate(company, principal=None, delegate=None, *, start=0, end=2, **kwargs):
    """Delegation between days `start` and `end` from now (Alice to Bob unless told)."""
    now = timezone.now().replace(microsecond=0)
    return create_delegation(
        principal or company.alice,
        delegate or company.bob,
        starts_at=now + start * DAY,
        ends_at=now + end * DAY,
        actor=kwargs.pop("actor", company.admin),
        **kwargs,
    )


def test_delegation_is_created_with_an_event(company):
    delegation, event = one_event(
        lambda: _delegate(
            company,
            all_processes=False,
            process_keys=[" leave ", "expense", "leave"],
            reason="出差",
        )
    )

    assert (delegation.principal, delegation.delegate, delegation.reason) == (
        company.alice,
        company.bob,
        "出差",
    )
    assert delegation.process_keys == ["expense", "leave"]
    assert (event.activity, event.case_type) == ("delegation.created", "org.delegation")
    assert event.department_id == company.sales.pk
    assert event.payload["process_keys"] == ["expense", "leave"]
    assert (event.payload["principal"], event.payload["delegate"]) == (
        company.alice.pk,
        company.bob.pk,
    )


def test_delegating_to_oneself_is_refused(company):
    refused(OrgError.DELEGATION_SELF, lambda: _delegate(company, delegate=company.alice))


@pytest.mark.parametrize("end", [0, -1])
def test_delegation_ending_before_it_starts_is_refused(company, end):
    refused(OrgError.DELEGATION_PERIOD, lambda: _delegate(company, start=0, end=end))


def test_delegation_for_no_process_is_refused(company):
    refused(
        OrgError.DELEGATION_PROCESSES,
        lambda: _delegate(company, all_processes=False, process_keys=[" ", ""]),
    )


def test_overlapping_delegation_for_all_processes_is_refused(company):
    _delegate(company, start=0, end=3)

    error = refused(
        OrgError.DELEGATION_OVERLAP,
        lambda: _delegate(company, delegate=company.carol, start=2, end=5),
    )
    assert error.params == {"name": company.alice.name}
    refused(
        OrgError.DELEGATION_OVERLAP,
        lambda: _delegate(
            company,
            delegate=company.carol,
            start=1,
            end=2,
            all_processes=False,
            process_keys=["leave"],
        ),
    )


def test_overlapping_delegation_for_overlapping_processes_is_refused(company):
    _delegate(company, all_processes=False, process_keys=["leave", "expense"])

    refused(
        OrgError.DELEGATION_OVERLAP,
        lambda: _delegate(
            company, delegate=company.carol, all_processes=False, process_keys=["expense"]
        ),
    )
    refused(
        OrgError.DELEGATION_OVERLAP,
        lambda: _delegate(company, delegate=company.carol, all_processes=True),
    )


def test_overlapping_delegations_for_disjoint_processes_are_allowed(company):
    _delegate(company, all_processes=False, process_keys=["leave"])

    second = _delegate(
        company, delegate=company.carol, all_processes=False, process_keys=["purchase"]
    )

    assert Delegation.objects.filter(principal=company.alice).count() == 2
    assert second.delegate == company.carol


def test_back_to_back_and_cancelled_delegations_do_not_overlap(company):
    first = _delegate(company, start=0, end=2)
    _delegate(company, start=2, end=4)
    cancel_delegation(first, actor=company.admin)

    _delegate(company, delegate=company.carol, start=0, end=1)

    assert (
        Delegation.objects.filter(principal=company.alice, cancelled_at__isnull=True).count() == 2
    )


def test_delegating_to_someone_who_is_away_is_refused(company):
    _delegate(company, principal=company.bob, delegate=company.carol, start=1, end=3)

    error = refused(
        OrgError.DELEGATION_CHAIN, lambda: _delegate(company, delegate=company.bob, start=0, end=2)
    )
    assert error.params == {"name": company.bob.name}


def test_delegating_while_acting_for_someone_else_is_refused(company):
    _delegate(company, principal=company.alice, delegate=company.bob, start=0, end=2)

    refused(
        OrgError.DELEGATION_CHAIN,
        lambda: _delegate(company, principal=company.bob, delegate=company.carol, start=1, end=3),
    )


def test_delegating_to_a_resigned_employee_is_refused(company):
    gone = EmployeeFactory(department=company.sales, status=EmployeeStatus.RESIGNED)

    error = refused(OrgError.DELEGATE_RESIGNED, lambda: _delegate(company, delegate=gone))
    assert error.params == {"name": gone.name}


def test_cancelling_a_delegation_records_it(company):
    delegation = _delegate(company)

    _, event = one_event(lambda: cancel_delegation(delegation, actor=company.admin))

    cancelled_at = _fresh(delegation).cancelled_at
    assert cancelled_at is not None
    assert event.activity == "delegation.cancelled"
    assert event.payload["cancelled_at"][0] is None
    assert event.department_id == company.sales.pk


def test_cancelling_twice_is_refused(company):
    delegation = _delegate(company)
    cancel_delegation(delegation, actor=company.admin)

    refused(
        OrgError.DELEGATION_CANCELLED, lambda: cancel_delegation(delegation, actor=company.admin)
    )


def test_cancelling_a_delegation_that_is_over_is_refused(company):
    now = timezone.now()
    over = DelegationFactory(
        principal=company.alice, delegate=company.bob, starts_at=now - 3 * DAY, ends_at=now - DAY
    )

    refused(OrgError.DELEGATION_CANCELLED, lambda: cancel_delegation(over, actor=company.admin))


def test_employee_may_delegate_their_own_work_with_an_own_scope_grant(company):
    grant(company.bob.user, "org.add_delegation", Scope.OWN)

    delegation = _delegate(
        company, principal=company.bob, delegate=company.carol, actor=company.bob.user
    )

    assert delegation.principal == company.bob
    refused(
        CoreError.OUT_OF_SCOPE,
        lambda: _delegate(
            company, principal=company.alice, delegate=company.carol, actor=company.bob.user
        ),
    )


# --- grants and scopes: every service refuses first and changes nothing ----------------------------


def _team_in_finance(c):
    return TeamFactory(department=c.finance, code="tax")


def _ptp_in_finance(c):
    return PartTimePositionFactory(employee=c.dave, department=c.finance, position=c.staff)


def _delegation_in_finance(c):
    now = timezone.now()
    colleague = EmployeeFactory(department=c.finance)
    return DelegationFactory(
        principal=c.dave, delegate=colleague, starts_at=now - HOUR, ends_at=now + DAY
    )


# name: (grants needed, set-up of the target in finance, the call against it)
SERVICES: dict[str, tuple[list[str], Callable, Callable]] = {
    "save_department/change": (
        ["org.change_department"],
        lambda c: c.finance,
        lambda c, t, a: save_department(t, {"name": "改名"}, actor=a),
    ),
    "deactivate_department": (
        ["org.change_department"],
        lambda c: DepartmentFactory(code="archive", parent=c.finance),
        lambda c, t, a: deactivate_department(t, actor=a),
    ),
    "save_department/create": (
        ["org.add_department"],
        lambda c: c.finance,
        lambda c, t, a: save_department(
            None, {"name": "税务", "code": "tax", "parent": t}, actor=a
        ),
    ),
    "save_position/change": (
        ["org.change_position"],
        lambda c: c.head,
        lambda c, t, a: save_position(t, {"rank": 99}, actor=a),
    ),
    "save_position/create": (
        ["org.add_position"],
        lambda c: None,
        lambda c, t, a: save_position(None, {"name": "总裁", "code": "ceo"}, actor=a),
    ),
    "save_team/create": (
        ["org.add_team"],
        lambda c: c.finance,
        lambda c, t, a: save_team(
            None, {"department": t, "name": "税务组", "code": "tax"}, actor=a
        ),
    ),
    "save_team/change": (
        ["org.change_team"],
        _team_in_finance,
        lambda c, t, a: save_team(t, {"name": "改名"}, actor=a),
    ),
    "save_employee/create": (
        ["org.add_employee"],
        lambda c: c.finance,
        lambda c, t, a: save_employee(
            None, {"employee_no": "F1", "name": "新人", "department": t}, actor=a, username="newbie"
        ),
    ),
    "save_employee/change": (
        ["org.change_employee"],
        lambda c: c.dave,
        lambda c, t, a: save_employee(t, {"mobile": "13900000000"}, actor=a),
    ),
    "resign_employee": (
        ["org.change_employee"],
        lambda c: c.dave,
        lambda c, t, a: resign_employee(t, actor=a),
    ),
    "add_part_time_position": (
        ["org.change_employee", "org.add_parttimeposition"],
        lambda c: c.dave,
        lambda c, t, a: add_part_time_position(t, c.hq, c.staff, actor=a),
    ),
    "remove_part_time_position": (
        ["org.delete_parttimeposition"],
        _ptp_in_finance,
        lambda c, t, a: remove_part_time_position(t, actor=a),
    ),
    "create_delegation": (
        ["org.add_delegation"],
        lambda c: c.dave,
        lambda c, t, a: create_delegation(
            t, c.alice, starts_at=timezone.now(), ends_at=timezone.now() + DAY, actor=a
        ),
    ),
    "cancel_delegation": (
        ["org.change_delegation"],
        _delegation_in_finance,
        lambda c, t, a: cancel_delegation(t, actor=a),
    ),
}

ACTIVITY = {
    "save_department/change": "department.changed",
    "deactivate_department": "department.deactivated",
    "save_department/create": "department.created",
    "save_position/change": "position.changed",
    "save_position/create": "position.created",
    "save_team/create": "team.created",
    "save_team/change": "team.changed",
    "save_employee/create": "employee.hired",
    "save_employee/change": "employee.changed",
    "resign_employee": "employee.resigned",
    "add_part_time_position": "employee.part_time_added",
    "remove_part_time_position": "employee.part_time_removed",
    "create_delegation": "delegation.created",
    "cancel_delegation": "delegation.cancelled",
}

def _view_grant(perm: str) -> str:
    app, codename = perm.split(".")
    return f"{app}.view_{codename.split('_', 1)[1]}"


@pytest.mark.parametrize("name", list(SERVICES))
def test_service_refuses_an_actor_without_the_grant(company, name):
    perms, setup, call = SERVICES[name]
    target = setup(company)
    actor = company.bob.user
    for perm in perms:  # seeing everything is not being allowed to change it
        grant(actor, _view_grant(perm), Scope.ALL)

    refused(CoreError.PERMISSION_DENIED, lambda: call(company, target, actor))


@pytest.mark.parametrize("name", list(SERVICES))
def test_service_refuses_an_actor_whose_scope_does_not_cover_the_target(company, name):
    perms, setup, call = SERVICES[name]
    target = setup(company)
    actor = company.alice.user  # sales and below; the targets are in finance or company-wide
    for perm in perms:
        grant(actor, perm, Scope.SUBTREE)

    refused(CoreError.OUT_OF_SCOPE, lambda: call(company, target, actor))


@pytest.mark.parametrize("name", list(SERVICES))
def test_service_succeeds_for_an_actor_with_the_all_scope_and_writes_one_event(company, name):
    perms, setup, call = SERVICES[name]
    target = setup(company)
    actor = company.bob.user
    for perm in perms:
        grant(actor, perm, Scope.ALL)

    _, event = one_event(lambda: call(company, target, actor))

    assert event.activity == ACTIVITY[name]
    assert event.actor == actor
    assert event.payload


def test_subtree_scope_covers_sub_departments(company):
    alice = company.alice.user
    grant(alice, "org.change_department", Scope.SUBTREE)
    grant(alice, "org.add_employee", Scope.SUBTREE)

    save_department(company.sales_east, {"name": "华东区"}, actor=alice)
    save_employee(None, _hire(company, department=company.sales_east), actor=alice)

    assert _fresh(company.sales_east).name == "华东区"
    assert Employee.objects.filter(department=company.sales_east).count() == 2


def test_department_scope_does_not_cover_sub_departments(company):
    alice = company.alice.user
    grant(alice, "org.change_department", Scope.DEPARTMENT)

    save_department(company.sales, {"name": "销售中心"}, actor=alice)
    refused(
        CoreError.OUT_OF_SCOPE,
        lambda: save_department(company.sales_east, {"name": "华东区"}, actor=alice),
    )


def test_moving_an_employee_into_a_department_outside_the_scope_is_refused(company):
    alice = company.alice.user
    grant(alice, "org.change_employee", Scope.SUBTREE)

    refused(
        CoreError.OUT_OF_SCOPE,
        lambda: save_employee(company.bob, {"department": company.finance}, actor=alice),
    )
    save_employee(company.bob, {"department": company.sales_east}, actor=alice)
    assert _fresh(company.bob).department == company.sales_east


def test_part_time_position_in_a_department_outside_the_scope_is_refused(company):
    alice = company.alice.user
    grant(alice, "org.change_employee", Scope.SUBTREE)
    grant(alice, "org.add_parttimeposition", Scope.SUBTREE)

    refused(
        CoreError.OUT_OF_SCOPE,
        lambda: add_part_time_position(company.bob, company.finance, company.head, actor=alice),
    )
    add_part_time_position(company.bob, company.sales_east, company.head, actor=alice)
    assert PartTimePosition.objects.get().department == company.sales_east


def test_moving_a_department_under_a_parent_outside_the_scope_is_refused(company):
    alice = company.alice.user
    grant(alice, "org.change_department", Scope.SUBTREE)

    refused(
        CoreError.OUT_OF_SCOPE,
        lambda: save_department(company.sales_east, {"parent": company.finance}, actor=alice),
    )


def test_moving_a_group_into_a_department_outside_the_scope_is_refused(company):
    alice = company.alice.user
    grant(alice, "org.change_team", Scope.SUBTREE)
    team = TeamFactory(department=company.sales, code="key-accounts")

    refused(
        CoreError.OUT_OF_SCOPE,
        lambda: save_team(team, {"department": company.finance}, actor=alice),
    )


def test_inactive_actor_is_refused(company):
    alice = company.alice.user
    grant(alice, "org.change_department", Scope.ALL)
    alice.is_active = False

    refused(
        CoreError.PERMISSION_DENIED,
        lambda: save_department(company.sales, {"name": "x"}, actor=alice),
    )
