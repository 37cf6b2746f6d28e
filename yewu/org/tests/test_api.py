"""The org API: filtering and search, validation and business-rule errors, writes through the
services with their audit events. Scopes per model are proven in test_permissions.py."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.models import Event
from yewu.core.roles import ensure_default_roles
from yewu.core.scopes import Scope
from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.factories import EmployeeFactory, TeamFactory, grant
from yewu.org.models import Delegation, Department, Employee
from yewu.org.models.employees import EmployeeStatus


@pytest.fixture
def hr(company):
    """dave from finance holds the default HR administrator role (everything in org, company-wide)."""
    company.dave.user.groups.add(ensure_default_roles()["hr"])
    return company.dave.user


def _events(obj, activity):
    return Event.objects.filter(
        case_type=obj._meta.label_lower, case_id=str(obj.pk), activity=activity
    )


# --- reading: filters, search, ordering, pagination ----------------------------------------------


def test_employees_filter_by_department_position_and_status(company, hr):
    client = api_client(hr)
    ids = result_ids(client.get("/api/org/employees/", {"department": company.sales.pk}))
    assert sorted(ids) == sorted([company.alice.pk, company.bob.pk])
    ids = result_ids(client.get("/api/org/employees/", {"position": company.head.pk}))
    assert sorted(ids) == sorted([company.alice.pk, company.dave.pk])
    Employee.objects.filter(pk=company.carol.pk).update(status=EmployeeStatus.RESIGNED)
    assert result_ids(client.get("/api/org/employees/", {"status": "resigned"})) == [
        company.carol.pk
    ]
    assert result_ids(
        client.get("/api/org/employees/", {"supervisor": company.alice.pk, "status": "active"})
    ) == [company.bob.pk]


def test_employees_search_by_name_number_mobile_and_email(company, hr):
    Employee.objects.filter(pk=company.carol.pk).update(
        mobile="13912345678", email="carol@yewu.example"
    )
    client = api_client(hr)
    for term in ("Carol", "卡罗尔", company.carol.employee_no, "1391234", "carol@yewu"):
        assert result_ids(client.get("/api/org/employees/", {"search": term})) == [
            company.carol.pk
        ], term


def test_search_and_filters_never_widen_the_scope(company):
    grant(company.bob.user, "org.view_employee", Scope.DEPARTMENT)
    client = api_client(company.bob.user)
    assert result_ids(client.get("/api/org/employees/", {"search": "Dave"})) == []
    assert result_ids(client.get("/api/org/employees/", {"department": company.finance.pk})) == []
    assert sorted(
        result_ids(client.get("/api/org/employees/", {"department": company.sales.pk}))
    ) == sorted([company.alice.pk, company.bob.pk])


def test_departments_and_groups_filter_and_search(company, hr):
    client = api_client(hr)
    ids = result_ids(client.get("/api/org/departments/", {"parent": company.hq.pk}))
    assert sorted(ids) == sorted([company.sales.pk, company.finance.pk])
    assert result_ids(client.get("/api/org/departments/", {"search": "sales-east"})) == [
        company.sales_east.pk
    ]
    assert result_ids(client.get("/api/org/departments/", {"code": "finance"})) == [
        company.finance.pk
    ]
    team = TeamFactory(department=company.sales, name="大客户组")
    TeamFactory(department=company.finance)
    assert result_ids(client.get("/api/org/groups/", {"department": company.sales.pk})) == [team.pk]
    assert result_ids(client.get("/api/org/groups/", {"search": "大客户"})) == [team.pk]


def test_ordering(company, hr):
    client = api_client(hr)
    numbers = [
        r["employee_no"]
        for r in client.get("/api/org/employees/", {"ordering": "-employee_no"}).json()["results"]
    ]
    assert numbers == sorted(numbers, reverse=True)


def test_employee_list_is_paginated(company, hr):
    for _ in range(5):
        EmployeeFactory(department=company.finance)
    client = api_client(hr)
    body = client.get("/api/org/employees/", {"page_size": 4}).json()
    assert body["count"] == Employee.objects.count() == 9
    assert len(body["results"]) == 4 and "page=2" in body["next"]
    body = client.get("/api/org/employees/", {"page_size": 4, "page": 3}).json()
    assert len(body["results"]) == 1 and body["next"] is None


def test_invalid_filter_value_is_a_json_validation_error(company, hr):
    body = assert_error(
        api_client(hr).get("/api/org/employees/", {"department": "abc"}), 400, "invalid"
    )
    assert "department" in body["fields"]


# --- validation and business rules ---------------------------------------------------------------


def test_missing_fields_are_a_validation_error_with_field_messages(company, hr):
    body = assert_error(
        api_client(hr, language="en").post("/api/org/employees/", {}, format="json"), 400, "invalid"
    )
    assert {"employee_no", "name", "department"} <= set(body["fields"])
    assert body["message"] == "The request is not valid."


def test_foreign_key_outside_the_view_scope_does_not_exist(company):
    """A user may only point at records they can see: a department outside the scope is invalid."""
    grant(company.alice.user, "org.view_department", Scope.SUBTREE)
    grant(company.alice.user, "org.add_team", Scope.ALL)
    client = api_client(company.alice.user)
    body = assert_error(
        client.post(
            "/api/org/groups/",
            {"name": "x", "code": "x", "department": company.finance.pk},
            format="json",
        ),
        400,
        "invalid",
    )
    assert "department" in body["fields"]
    resp = client.post(
        "/api/org/groups/",
        {"name": "x", "code": "x", "department": company.sales_east.pk},
        format="json",
    )
    assert resp.status_code == 201


def test_moving_a_department_under_its_own_child_is_refused(company, hr):
    resp = api_client(hr, language="en").patch(
        f"/api/org/departments/{company.sales.pk}/",
        {"parent": company.sales_east.pk},
        format="json",
    )
    body = assert_error(resp, 400, "org.department_cycle")
    assert (
        body["message"]
        == "A department cannot be placed under itself or one of its own sub-departments."
    )
    company.sales.refresh_from_db()
    assert (
        company.sales.parent_id == company.hq.pk
        and company.sales.path == f"/{company.hq.pk}/{company.sales.pk}/"
    )


def test_business_rule_messages_are_translated(company, hr):
    def message(language):
        resp = api_client(hr, language=language).patch(
            f"/api/org/departments/{company.sales.pk}/", {"parent": company.sales.pk}, format="json"
        )
        return assert_error(resp, 400, "org.department_cycle")["message"]

    assert message("zh-hans") != message("en")
    assert message("zh-hant") != message("en")


def test_duplicate_code_is_a_field_error(company, hr):
    resp = api_client(hr).post(
        "/api/org/departments/", {"name": "Dup", "code": "sales"}, format="json"
    )
    assert "code" in assert_error(resp, 400, "invalid")["fields"]


def test_business_rule_message_fills_its_placeholders(company, hr):
    Department.objects.filter(pk=company.finance.pk).update(is_active=False)
    resp = api_client(hr, language="en").post(
        "/api/org/employees/",
        {"employee_no": "E1", "name": "x", "department": company.finance.pk},
        format="json",
    )
    body = assert_error(resp, 400, "org.department_inactive")
    assert body["message"] == f"The department {company.finance.name} is no longer active."
    assert not Employee.objects.filter(employee_no="E1").exists()


def test_reporting_loop_is_refused(company, hr):
    resp = api_client(hr).patch(
        f"/api/org/employees/{company.alice.pk}/", {"supervisor": company.bob.pk}, format="json"
    )
    assert_error(resp, 400, "org.supervisor_cycle")
    company.alice.refresh_from_db()
    assert company.alice.supervisor_id is None


def test_resigning_someone_with_reports_is_refused(company, hr):
    resp = api_client(hr, language="en").post(f"/api/org/employees/{company.alice.pk}/resign/")
    body = assert_error(resp, 400, "org.employee_has_reports")
    assert body["message"].startswith(f"{company.alice.name} still supervises 2 active employees")
    company.alice.refresh_from_db()
    assert company.alice.status == EmployeeStatus.ACTIVE


def test_delegating_to_oneself_is_refused(company, hr):
    now = timezone.now()
    resp = api_client(hr).post(
        "/api/org/delegations/",
        {
            "principal": company.bob.pk,
            "delegate": company.bob.pk,
            "starts_at": now.isoformat(),
            "ends_at": (now + datetime.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert_error(resp, 400, "org.delegation_self")
    assert not Delegation.objects.exists()


def test_read_only_fields_are_ignored(company, hr):
    resp = api_client(hr).patch(
        f"/api/org/employees/{company.bob.pk}/",
        {"status": "resigned", "left_on": "2026-01-01"},
        format="json",
    )
    assert resp.status_code == 200
    company.bob.refresh_from_db()
    assert company.bob.status == EmployeeStatus.ACTIVE and company.bob.left_on is None


# --- writes go through the services and leave audit events ---------------------------------------


def test_creating_and_changing_a_department_writes_audit_events(company, hr):
    client = api_client(hr)
    resp = client.post(
        "/api/org/departments/",
        {"name": "研发部", "code": "rd", "parent": company.hq.pk},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    dept = Department.objects.get(pk=resp.json()["id"])
    assert resp.json()["path"] == dept.path == f"/{company.hq.pk}/{dept.pk}/"
    created = _events(dept, "department.created").get()
    assert created.actor == hr and created.payload["code"] == [None, "rd"]

    resp = client.patch(
        f"/api/org/departments/{dept.pk}/", {"parent": company.sales.pk}, format="json"
    )
    assert resp.status_code == 200, resp.content
    dept.refresh_from_db()
    assert dept.path == f"{company.sales.path}{dept.pk}/"
    changed = _events(dept, "department.changed").get()
    assert changed.actor == hr and changed.payload == {"parent": [company.hq.pk, company.sales.pk]}
    assert changed.seq == created.seq + 1 and changed.prev_hash == created.hash


def test_creating_changing_and_resigning_an_employee_writes_audit_events(company, hr):
    client = api_client(hr)
    resp = client.post(
        "/api/org/employees/",
        {
            "employee_no": "E900",
            "name": "新人",
            "department": company.sales.pk,
            "supervisor": company.alice.pk,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    emp = Employee.objects.get(pk=resp.json()["id"])
    hired = _events(emp, "employee.hired").get()
    assert hired.actor == hr and hired.payload["employee_no"] == [None, "E900"]

    resp = client.patch(f"/api/org/employees/{emp.pk}/", {"mobile": "13800000000"}, format="json")
    assert resp.status_code == 200 and resp.json()["mobile"] == "13800000000"
    assert _events(emp, "employee.changed").get().payload == {"mobile": ["", "13800000000"]}

    resp = client.post(f"/api/org/employees/{emp.pk}/resign/")
    assert resp.status_code == 200 and resp.json()["status"] == "resigned"
    assert _events(emp, "employee.resigned").get().actor == hr


def test_refused_write_leaves_no_event(company, hr):
    before = Event.objects.count()
    api_client(hr).patch(
        f"/api/org/departments/{company.sales.pk}/",
        {"parent": company.sales_east.pk},
        format="json",
    )
    assert Event.objects.count() == before


def test_creating_and_cancelling_a_delegation(company, hr):
    client = api_client(hr)
    now = timezone.now()
    resp = client.post(
        "/api/org/delegations/",
        {
            "principal": company.alice.pk,
            "delegate": company.bob.pk,
            "starts_at": now.isoformat(),
            "ends_at": (now + datetime.timedelta(days=3)).isoformat(),
            "all_processes": False,
            "process_keys": ["purchase", "leave"],
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["process_keys"] == ["leave", "purchase"]
    delegation = Delegation.objects.get(pk=resp.json()["id"])
    assert _events(delegation, "delegation.created").get().actor == hr
    resp = client.post(f"/api/org/delegations/{delegation.pk}/cancel/")
    assert resp.status_code == 200 and resp.json()["cancelled_at"]
    assert _events(delegation, "delegation.cancelled").get().actor == hr
    assert_error(
        client.post(f"/api/org/delegations/{delegation.pk}/cancel/"),
        400,
        "org.delegation_cancelled",
    )
