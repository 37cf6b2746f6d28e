"""The customer dashboard: exact figures on known leads, customers, complaints, follow-ups and
survey answers, the period boundaries (in local time), each figure within the user's data scope
(bob sees his own customers, alice her department and its east group, never finance's) and equal
to what the lists, exports and the API show; and the page with its charts' JSON and tables."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from yewu.core.testing.factories import EmployeeFactory, UserFactory
from yewu.crm import dashboard
from yewu.crm.choices import CustomerStatus, FollowUpStatus, LeadStatus
from yewu.crm.models import Customer, Lead
from yewu.crm.tests import factories as f
from yewu.crm.views_dashboard import CustomerDashboardView
from yewu.service.choices import ComplaintStatus
from yewu.service.models import Answer, Complaint, Question
from yewu.service.tests import factories as sf

TODAY = datetime.date(2026, 11, 15)
D = Decimal
YEAR = dashboard.period_of("year", TODAY)


def at(day: str, hour: int = 9, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A moment in the local (Shanghai) time zone."""
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute, second),
                                     tzinfo=timezone.get_current_timezone())


def _lead(owner, source, status: str, created: datetime.datetime) -> Lead:
    lead = f.lead(owner, source=source, status=status)
    Lead.objects.filter(pk=lead.pk).update(created_at=created)
    return lead


def _customer(owner, cls, region: str, industry: str, created: str, department=None, **kw) -> Customer:
    cust = f.customer(owner, department, cls=cls, region=region, industry=industry, **kw)
    Customer.objects.filter(pk=cust.pk).update(created_at=at(created))
    return cust


def _complaint(customer, department, received: datetime.datetime, closed: datetime.datetime | None = None,
               cause: str = "") -> Complaint:
    return sf.complaint(customer, department, received_at=received, closed_at=closed, cause_category=cause,
                        cause_kind="internal" if cause else "",
                        status=ComplaintStatus.CLOSED if closed else ComplaintStatus.INVESTIGATING)


def _follow_up(customer, due: str, status: str = FollowUpStatus.OPEN, done: datetime.datetime | None = None):
    return f.follow_up(customer, due_on=datetime.date.fromisoformat(due), status=status, done_at=done)


def _answers(survey, customer, answered: datetime.datetime, ratings: list[int | None]) -> None:
    respondent = sf.respondent(survey, customer)
    type(respondent).objects.filter(pk=respondent.pk).update(answered_at=answered)
    for question, rating in zip(survey.questions.order_by("order"), ratings, strict=False):
        if question.kind == "rating" and rating is not None:
            Answer.objects.create(respondent=respondent, question=question, rating=rating)
        elif question.kind == "text":
            Answer.objects.create(respondent=respondent, question=question, text="服务很好")


def _survey(owner, department, name: str, questions: int = 2):
    survey = sf.survey(owner, department, name=name, period_start=datetime.date(2026, 1, 1),
                       period_end=datetime.date(2026, 12, 31))
    for i in range(questions):
        Question.objects.create(survey=survey, order=i, text=f"满意度{i}", kind="rating")
    Question.objects.create(survey=survey, order=9, text="建议", kind="text", required=False)
    return survey


@pytest.fixture
def world(crm):
    """bob's three customers (sales), carol's one (east group), two of finance; their leads,
    complaints, follow-ups and survey answers around the year's and months' edges."""
    bob, carol, dave = crm.bob.user, crm.carol.user, crm.dave.user
    b1 = _customer(bob, crm.key, "浙江", "机械", "2026-03-10")
    b2 = _customer(bob, crm.normal, "浙江", "电子", "2025-06-01")
    b3 = _customer(bob, crm.key, "浙江", "机械", "2026-11-10")
    c1 = _customer(carol, crm.key, "江苏", "电子", "2026-11-02")
    d1 = _customer(dave, crm.potential, "", "", "2026-10-01")
    d2 = _customer(dave, crm.normal, "", "", "2024-05-05")
    gone = _customer(bob, crm.key, "浙江", "机械", "2026-04-01")
    Customer.objects.filter(pk=gone.pk).update(status=CustomerStatus.MERGED, merged_into=b1)

    _lead(bob, crm.fair, LeadStatus.NEW, at("2026-11-03"))
    _lead(bob, crm.fair, LeadStatus.CONVERTED, at("2026-05-10"))
    _lead(bob, crm.web, LeadStatus.CLOSED, at("2026-01-01", 0, 0, 0))  # the year's first second (local)
    _lead(bob, crm.web, LeadStatus.NEW, at("2025-12-31", 23, 59, 59))  # the last of the year before
    _lead(carol, crm.fair, LeadStatus.ASSIGNED, at("2026-10-20"))
    _lead(dave, crm.web, LeadStatus.NEW, at("2026-11-05"))

    s, e, fin = crm.sales, crm.sales_east, crm.finance
    complaints = {
        "k1": _complaint(b1, s, at("2026-10-05"), at("2026-10-07"), "product"),  # 2 days
        "k2": _complaint(b2, s, at("2026-10-10"), at("2026-10-14"), "product"),  # 4 days
        "k3": _complaint(c1, e, at("2026-10-20"), at("2026-10-29"), "process"),  # 9 days
        "k4": _complaint(b3, s, at("2026-11-01"), at("2026-11-04", 21), "personnel"),  # 3.5 days
        "k5": _complaint(b1, s, at("2026-11-03")),  # under investigation, no cause yet
        "k6": _complaint(d1, fin, at("2026-11-05"), at("2026-11-06"), "product"),  # 1 day
        "k7": _complaint(b2, s, at("2025-12-20"), at("2026-01-03"), "supplier"),  # 14 days, closed in January
    }

    done = FollowUpStatus.DONE
    follow_ups = {
        "f1": _follow_up(b1, "2026-10-05", done, at("2026-10-05", 15)),  # on time
        "f2": _follow_up(b1, "2026-10-10", done, at("2026-10-12")),  # late
        "f3": _follow_up(b1, "2026-10-20"),  # missed, overdue
        "f4": _follow_up(b1, "2026-10-25", FollowUpStatus.CANCELLED),  # does not count
        "f5": _follow_up(b1, "2026-11-10", done, at("2026-11-11", 0, 30)),  # late by local date (UTC: the 10th)
        "f6": _follow_up(b1, "2026-11-20"),  # not due yet
        "f7": _follow_up(b2, "2026-11-25", done, at("2026-11-14")),  # done early: on time
        "f8": _follow_up(c1, "2026-11-01"),  # carol's, overdue
        "f9": _follow_up(d1, "2026-11-02"),  # finance's, overdue
        "f10": _follow_up(d1, "2026-10-03", done, at("2026-10-03", 10)),  # finance's, on time
    }

    sales_survey = _survey(crm.alice.user, s, "销售部满意度调查")
    finance_survey = _survey(dave, fin, "财务部满意度调查", questions=1)
    _answers(sales_survey, b1, at("2026-10-10"), [4, 5, None])
    _answers(sales_survey, c1, at("2026-11-03"), [3, 2, None])
    _answers(sales_survey, b2, at("2026-11-04"), [5, None, None])
    _answers(sales_survey, b3, at("2025-11-04"), [1, 1, None])  # the year before
    sf.respondent(sales_survey, d2)  # asked, never answered
    _answers(finance_survey, d1, at("2026-11-05"), [1, None])
    return {"customers": (b1, b2, b3, c1, d1, d2), "complaints": complaints, "follow_ups": follow_ups}


@pytest.fixture
def service_desk(crm):
    """A customer-service user (company-wide complaints, surveys and customers; no leads)."""
    user = UserFactory(username="erin")
    EmployeeFactory(user=user, name="Erin 艾琳", department=crm.hq, position=crm.staff)
    user.groups.add(crm.roles["staff"], crm.roles["customer_service"])
    return user


# --- the figures ---------------------------------------------------------------------------------


def test_leads_by_source_and_stage_for_the_year_quarter_and_month(crm, world):
    admin = crm.admin
    year = dashboard.leads(admin, YEAR)
    assert (year["count"], year["converted"], year["conversion"]) == (5, 1, D("20.0"))
    assert [(r["status"], r["count"]) for r in year["by_status"]] == [
        (LeadStatus.NEW, 2), (LeadStatus.ASSIGNED, 1), (LeadStatus.CONVERTED, 1), (LeadStatus.CLOSED, 1)]
    assert [(r["name"], r["count"], r["by_status"]) for r in year["by_source"]] == [
        ("行业展会", 3, {"new": 1, "assigned": 1, "converted": 1, "closed": 0}),
        ("网站咨询", 2, {"new": 1, "assigned": 0, "converted": 0, "closed": 1}),
    ]
    quarter = dashboard.leads(admin, dashboard.period_of("quarter", TODAY))
    assert quarter["count"] == 3 and quarter["conversion"] == D("0.0")
    month = dashboard.leads(admin, dashboard.period_of("month", TODAY))
    assert [(r["name"], r["count"]) for r in month["by_source"]] == [("网站咨询", 1), ("行业展会", 1)]  # ties: by name
    before = dashboard.leads(admin, dashboard.period_of("year", datetime.date(2025, 3, 1)))
    assert [(r["name"], r["by_status"]) for r in before["by_source"]] == [("网站咨询", {"new": 1})]
    assert dashboard.leads(admin, dashboard.period_of("year", datetime.date(2024, 3, 1)))["by_source"] == []


def test_customers_by_class_region_and_industry(crm, world):
    result = dashboard.customers(crm.admin, YEAR)
    assert (result["count"], result["new"]) == (6, 4)  # the merged one is not counted
    assert [(r["name"], r["count"], r["new"]) for r in result["by_class"]] == [
        ("重点客户", 3, 3), ("普通客户", 2, 0), ("潜在客户", 1, 1)]
    with translation.override("en"):
        regions = dashboard.customers(crm.admin, YEAR)["by_region"]
    assert [(r["name"], r["count"], r["new"]) for r in regions] == [
        ("浙江", 3, 2), ("Region not given", 2, 1), ("江苏", 1, 1)]
    industries = {r["name"]: r["count"] for r in result["by_industry"]}
    assert industries["机械"] == 2 and industries["电子"] == 2
    last_year = dashboard.customers(crm.admin, dashboard.period_of("year", datetime.date(2025, 1, 1)))
    assert (last_year["count"], last_year["new"]) == (6, 1)  # a snapshot; "new" follows the period


def test_complaints_by_cause_and_the_average_and_median_days_to_close(crm, world):
    result = dashboard.complaints(crm.admin, YEAR, YEAR.months(until=TODAY))
    with translation.override("en"):
        named = dashboard.complaints(crm.admin, YEAR, YEAR.months(until=TODAY))["by_cause"]
    assert [(r["cause"], r["count"], r["closed"]) for r in result["by_cause"]] == [
        ("product", 3, 3), ("process", 1, 1), ("personnel", 1, 1), ("", 1, 0)]
    assert named[-1]["name"] == "Not yet investigated" and named[0]["name"] == "Product design or manufacture"
    months = {r["month"]: r for r in result["months"]}
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 12)]  # up to this month, not beyond
    assert (months["2026-01"]["received"], months["2026-01"]["closed"]) == (0, 1)
    assert (months["2026-01"]["average_days"], months["2026-01"]["median_days"]) == (D("14.0"), D("14.0"))
    assert [months["2026-10"][k] for k in ("received", "closed", "average_days", "median_days")] == [
        3, 3, D("5.0"), D("4.0")]
    assert [months["2026-11"][k] for k in ("received", "closed", "average_days", "median_days")] == [
        3, 2, D("2.3"), D("2.3")]  # 3.5 and 1 days: 2.25 either way, rounded half up
    assert months["2026-06"] == {"month": "2026-06", "received": 0, "closed": 0, "average_days": None,
                                 "median_days": None}
    assert (result["count"], result["closed"], result["average_days"]) == (6, 6, D("5.6"))  # 33.5 / 6
    month = dashboard.complaints(crm.admin, dashboard.period_of("month", datetime.date(2026, 10, 1)),
                                 [datetime.date(2026, 10, 1)])
    assert [(r["cause"], r["count"]) for r in month["by_cause"]] == [("product", 2), ("process", 1)]


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(crm):
    cust = f.customer(crm.bob.user, crm.sales)
    for days in (1, 2, 6, 30):
        _complaint(cust, crm.sales, at("2026-03-01"), at("2026-03-01") + datetime.timedelta(days=days), "other")
    row = dashboard.complaints(crm.admin, YEAR, [datetime.date(2026, 3, 1)])["months"][0]
    assert (row["closed"], row["average_days"], row["median_days"]) == (4, D("9.8"), D("4.0"))


def test_follow_up_compliance_per_month_and_the_overdue_follow_ups(crm, world):
    fus = world["follow_ups"]
    result = dashboard.follow_ups(crm.admin, YEAR, YEAR.months(until=TODAY), TODAY)
    months = {r["month"]: r for r in result["months"]}
    assert months["2026-10"] == {"month": "2026-10", "due": 4, "on_time": 2, "late": 1, "missed": 1,
                                 "rate": D("50.0")}
    assert months["2026-11"] == {"month": "2026-11", "due": 4, "on_time": 1, "late": 1, "missed": 2,
                                 "rate": D("25.0")}
    assert months["2026-09"]["due"] == 0 and months["2026-09"]["rate"] is None
    assert (result["due"], result["on_time"], result["rate"]) == (8, 3, D("37.5"))
    assert result["overdue_count"] == 3
    assert [(r["follow_up"], r["days"]) for r in result["overdue"]] == [(fus["f3"], 26), (fus["f8"], 14),
                                                                      (fus["f9"], 13)]
    later = dashboard.follow_ups(crm.admin, YEAR, YEAR.months(), datetime.date(2026, 11, 21))
    assert {r["month"]: r["due"] for r in later["months"]}["2026-11"] == 5  # f6 fell due (and is missed)


def test_the_satisfaction_trend_averages_ratings_per_month(crm, world, service_desk):
    result = dashboard.satisfaction(service_desk, YEAR, YEAR.months(until=TODAY))
    months = {r["month"]: r for r in result["months"]}
    assert months["2026-10"] == {"month": "2026-10", "average": D("4.5"), "answers": 2, "respondents": 1}
    assert months["2026-11"] == {"month": "2026-11", "average": D("2.8"), "answers": 4, "respondents": 3}
    assert months["2026-01"]["average"] is None
    assert (result["average"], result["answers"], result["respondents"]) == (D("3.3"), 6, 4)
    before = dashboard.satisfaction(service_desk, dashboard.period_of("year", datetime.date(2025, 1, 1)),
                                    [datetime.date(2025, 11, 1)])
    assert before["months"] == [{"month": "2025-11", "average": D("1.0"), "answers": 2, "respondents": 1}]


def test_periods_span_their_months_and_stop_at_today():
    q = dashboard.period_of("quarter", TODAY)
    assert q.months() == [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)]
    assert q.months(until=TODAY) == [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
    assert len(YEAR.months()) == 12 and dashboard.period_of("month", TODAY).months() == [datetime.date(2026, 11, 1)]
    assert dashboard.period_of("year", datetime.date(2027, 5, 1)).months(until=TODAY) == []
    last = dashboard.period_of("month", datetime.date(9999, 12, 31))  # the calendar's end: no overflow
    assert (last.label, last.next().label) == ("9998-12", "9998-12")
    assert dashboard.period_of("year", datetime.date(1, 1, 1)).previous().start == datetime.date(2, 1, 1)


# --- data scopes ---------------------------------------------------------------------------------


def test_a_salesperson_sees_only_their_own_customers_figures(crm, world):
    bob = crm.bob.user
    data = dashboard.figures(bob, YEAR, today=TODAY)
    assert data["leads"]["count"] == 3
    assert [(r["name"], r["count"]) for r in data["leads"]["by_source"]] == [("行业展会", 2), ("网站咨询", 1)]
    assert (data["customers"]["count"], data["customers"]["new"]) == (3, 2)
    assert [(r["name"], r["count"]) for r in data["customers"]["by_class"]] == [("重点客户", 2), ("普通客户", 1)]
    complaints = data["complaints"]
    assert [(r["cause"], r["count"]) for r in complaints["by_cause"]] == [("product", 2), ("personnel", 1), ("", 1)]
    months = {r["month"]: r for r in complaints["months"]}
    assert (months["2026-10"]["closed"], months["2026-10"]["median_days"]) == (2, D("3.0"))
    assert (months["2026-11"]["received"], months["2026-11"]["average_days"]) == (2, D("3.5"))
    fu = data["follow_ups"]
    assert [(r["month"], r["due"], r["on_time"], r["rate"]) for r in fu["months"] if r["due"]] == [
        ("2026-10", 3, 1, D("33.3")), ("2026-11", 2, 1, D("50.0"))]
    assert fu["overdue_count"] == 1 and [r["follow_up"] for r in fu["overdue"]] == [world["follow_ups"]["f3"]]
    assert data["satisfaction"] is None  # no grant on surveys
    assert dashboard.departments_for(bob).count() == 0  # nothing to narrow down
    carol = dashboard.figures(crm.carol.user, YEAR, today=TODAY)
    assert (carol["leads"]["count"], carol["customers"]["count"], carol["complaints"]["count"]) == (1, 1, 1)
    assert carol["follow_ups"]["overdue_count"] == 1


def test_a_manager_sees_the_department_and_its_groups_not_another_department(crm, world):
    alice = crm.alice.user
    data = dashboard.figures(alice, YEAR, today=TODAY)
    assert data["leads"]["count"] == 4  # bob's three and carol's; not finance's
    assert (data["customers"]["count"], [r["count"] for r in data["customers"]["by_class"]]) == (4, [3, 1])
    assert data["complaints"]["count"] == 5 and "finance" not in str(data)
    assert [(r["cause"], r["count"]) for r in data["complaints"]["by_cause"]] == [
        ("product", 2), ("process", 1), ("personnel", 1), ("", 1)]
    fu = data["follow_ups"]
    assert [(r["month"], r["due"], r["on_time"]) for r in fu["months"] if r["due"]] == [
        ("2026-10", 3, 1), ("2026-11", 3, 1)]
    assert fu["overdue_count"] == 2
    sat = {r["month"]: r for r in data["satisfaction"]["months"]}
    assert (sat["2026-10"]["average"], sat["2026-11"]["average"], sat["2026-11"]["respondents"]) == (
        D("4.5"), D("3.3"), 2)  # the sales survey only, from her customers: (3 + 2 + 5) / 3
    assert list(dashboard.departments_for(alice)) == [crm.sales, crm.sales_east]
    dave = dashboard.figures(crm.dave.user, YEAR, today=TODAY)  # finance's manager
    assert (dave["leads"]["count"], dave["customers"]["count"], dave["complaints"]["count"]) == (1, 2, 1)
    assert (dave["follow_ups"]["due"], dave["follow_ups"]["overdue_count"]) == (2, 1)


def test_the_department_filter_narrows_to_the_department_and_below(crm, world, service_desk):
    east = dashboard.figures(crm.admin, YEAR, today=TODAY, department=crm.sales_east)
    assert (east["leads"]["count"], east["customers"]["count"], east["complaints"]["count"]) == (1, 1, 1)
    assert [r["follow_up"] for r in east["follow_ups"]["overdue"]] == [world["follow_ups"]["f8"]]
    assert east["satisfaction"]["average"] == D("2.5")  # carol's customer's answers
    sales = dashboard.figures(crm.admin, YEAR, today=TODAY, department=crm.sales)
    assert (sales["leads"]["count"], sales["customers"]["count"]) == (4, 4)  # with the east group
    mine = dashboard.figures(crm.alice.user, YEAR, today=TODAY, department=crm.finance)
    assert (mine["leads"]["count"], mine["customers"]["count"], mine["complaints"]["count"]) == (0, 0, 0)
    desk = dashboard.figures(service_desk, YEAR, today=TODAY)
    assert desk["leads"] is None and desk["follow_ups"] is None and desk["complaints"]["count"] == 6
    assert set(dashboard.departments_for(service_desk)) == {crm.hq, crm.sales, crm.sales_east, crm.finance}


@pytest.mark.parametrize("who", ["bob", "alice", "carol", "dave"])
def test_the_dashboard_counts_what_the_lists_exports_and_api_show(crm, world, who):
    user = getattr(crm, who).user
    client, api = Client(), APIClient()
    client.force_login(user)
    api.force_authenticate(user)

    def listed(name: str, query: str = "") -> int:
        resp = client.get(reverse(name) + query)
        assert resp.status_code == 200
        return resp.context["page"].paginator.count

    def exported(name: str, query: str = "") -> int:
        resp = client.get(reverse(name) + (query + "&" if query else "?") + "export=csv")
        return len(b"".join(resp.streaming_content).decode("utf-8-sig").strip().splitlines()) - 1

    every = dashboard.period_of("year", datetime.date(2025, 1, 1)), YEAR
    leads = sum(dashboard.leads(user, p)["count"] for p in every)
    assert leads == listed("crm:lead_list") == exported("crm:lead_list") == api.get("/api/crm/leads/").json()["count"]
    customers = dashboard.customers(user, YEAR)["count"]
    active = listed("crm:customer_list", "?status=active") + listed("crm:customer_list", "?status=dormant")
    assert customers == active == exported("crm:customer_list", "?status=active")
    complaints = sum(dashboard.complaints(user, p, [])["count"] for p in every)
    assert complaints == listed("service:complaint_list")
    today = timezone.localdate()  # the list reads today's date
    overdue = dashboard.follow_ups(user, YEAR, [], today)["overdue_count"]  # today's, whatever the period
    assert overdue == listed("crm:followup_list", "?overdue=true") == api.get(
        "/api/crm/follow-ups/?overdue=true").json()["count"]


# --- the page ------------------------------------------------------------------------------------


def _page(user, monkeypatch, query: str = "", language: str = "zh-hans"):
    monkeypatch.setattr(CustomerDashboardView, "today", lambda self: TODAY)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(reverse("crm:dashboard") + query)


def _chart_json(content: str) -> dict:
    match = re.search(r'<script id="yw-dashboard-data" type="application/json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def _table(content: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="yw-{key}-table">(.*?)</table>', content, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in rows]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_carries_each_charts_data_and_a_table_of_the_same_figures(crm, world, monkeypatch, language):
    resp = _page(crm.admin, monkeypatch, language=language)
    assert resp.status_code == 200
    content = resp.content.decode()
    data = _chart_json(content)
    keys = ["lead_sources", "lead_stages", "customer_classes", "customer_regions", "customer_industries",
            "complaint_causes", "complaint_closing", "follow_up_compliance", "satisfaction"]
    assert list(data) == keys
    for key in keys:
        assert f'data-chart="{key}"' in content and f'id="yw-{key}-table"' in content
    assert data["lead_sources"]["categories"] == ["行业展会", "网站咨询"]
    assert [s["data"] for s in data["lead_sources"]["series"]] == [[1, 1], [1, 0], [1, 0], [0, 1]]
    assert _table(content, "lead_sources")[1:3] == [["行业展会", "1", "1", "1", "0", "3"],
                                                   ["网站咨询", "1", "0", "0", "1", "2"]]
    assert _table(content, "lead_sources")[-1][-1] == "5"  # the total row
    assert data["customer_classes"]["series"][0]["data"] == [3, 2, 1]
    closing = data["complaint_closing"]
    assert closing["categories"][-2:] == ["2026-10", "2026-11"]
    assert [s["data"][-2:] for s in closing["series"]] == [[3, 3], [3, 2], [5.0, 2.3], [4.0, 2.3]]
    assert _table(content, "complaint_closing")[-1] == ["2026-11", "3", "2", "2.3", "2.3"]
    assert _table(content, "complaint_closing")[6] == ["2026-06", "0", "0", "—", "—"]
    assert data["follow_up_compliance"]["series"][2]["data"][-2:] == [50.0, 25.0]
    assert _table(content, "follow_up_compliance")[-1] == ["2026-11", "4", "1", "1", "2", "25.0%"]
    assert data["satisfaction"]["series"][1]["data"][-2:] == [4.5, 2.8]
    assert _table(content, "satisfaction")[-1] == ["2026-11", "2.8", "4", "3"]
    assert 'data-testid="overdue-follow-ups"' in content and world["follow_ups"]["f9"].get_absolute_url() in content
    assert f'{reverse("crm:followup_list")}?overdue=true' in content
    assert "vendor/echarts/echarts.min.js" in content and "crm/dashboard.js" in content
    assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"', content))  # no CDN
    assert resp.headers["Content-Language"] == language


def test_the_page_filters_by_period_and_department(crm, world, monkeypatch):
    data = _chart_json(_page(crm.admin, monkeypatch, "?period=month&date=2026-10-01").content.decode())
    assert data["complaint_closing"]["categories"] == ["2026-10"]
    assert data["lead_sources"]["categories"] == ["行业展会"]
    content = _page(crm.admin, monkeypatch, f"?period=quarter&department={crm.sales_east.pk}").content.decode()
    data = _chart_json(content)
    assert data["complaint_closing"]["categories"] == ["2026-10", "2026-11"]
    assert data["customer_classes"]["series"][0]["data"] == [1]
    assert f"overdue=true&amp;department={crm.sales_east.pk}" in content
    bad = _chart_json(_page(crm.admin, monkeypatch, "?period=bogus&date=xx&department=999999").content.decode())
    assert len(bad["complaint_closing"]["categories"]) == 11  # this year, every department
    for edge in ("?period=year&date=9999-12-31", "?period=month&date=0001-01-01", "?department=abc"):
        assert _page(crm.admin, monkeypatch, edge).status_code == 200


def test_another_departments_figures_stay_invisible_on_the_page(crm, world, monkeypatch):
    fin = f"?department={crm.finance.pk}"
    content = _page(crm.alice.user, monkeypatch, fin).content.decode()  # not hers: ignored, not obeyed
    data = _chart_json(content)
    assert data["customer_classes"]["series"][0]["data"] == [3, 1]
    assert "潜在客户" not in content and "财务部满意度调查" not in content
    assert world["follow_ups"]["f9"].get_absolute_url() not in content
    assert f'<option value="{crm.finance.pk}"' not in content and f'<option value="{crm.sales_east.pk}"' in content
    bob = _page(crm.bob.user, monkeypatch).content.decode()
    assert "satisfaction" not in _chart_json(bob) and 'data-testid="dashboard-department-filter"' not in bob
    assert world["follow_ups"]["f8"].get_absolute_url() not in bob  # carol's overdue follow-up


def test_the_follow_up_list_narrows_to_the_dashboards_department(crm, world):
    client = Client()
    client.force_login(crm.alice.user)
    resp = client.get(reverse("crm:followup_list") + f"?overdue=true&department={crm.sales_east.pk}")
    assert [obj for obj, _cells in resp.context["rows"]] == [world["follow_ups"]["f8"]]


def test_the_dashboard_needs_a_grant_and_a_login_and_is_in_the_menus(crm, monkeypatch, service_desk):
    nobody = UserFactory(username="nobody")
    assert _page(nobody, monkeypatch).status_code == 404
    anonymous = Client().get(reverse("crm:dashboard"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    resp = _page(crm.bob.user, monkeypatch)
    content = resp.content.decode()
    assert resp.status_code == 200 and f'href="{reverse("crm:dashboard")}"' in content
    assert 'data-chart="lead_sources"' not in content  # nothing to draw: the empty state, no chart
    desk = _page(service_desk, monkeypatch)
    assert desk.status_code == 200 and f'href="{reverse("crm:dashboard")}"' in desk.content.decode()
    assert "lead_sources" not in desk.content.decode()  # no grant on leads: no lead charts


def test_the_home_panel_links_to_the_dashboard(crm):
    client = Client()
    client.force_login(crm.bob.user)
    assert f'href="{reverse("crm:dashboard")}"' in client.get("/").content.decode()


def test_the_dashboard_reads_as_many_queries_for_many_records_as_for_few(crm, world, monkeypatch):
    client = Client()
    client.force_login(crm.alice.user)
    monkeypatch.setattr(CustomerDashboardView, "today", lambda self: TODAY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("crm:dashboard")).status_code == 200
        return len(captured)

    few = queries()
    for i in range(6):
        cust = _customer(crm.bob.user, crm.normal, f"地区{i}", "贸易", "2026-07-01")
        _lead(crm.carol.user, crm.web, LeadStatus.QUALIFIED, at("2026-07-02"))
        _follow_up(cust, f"2026-09-{10 + i}")
        _complaint(cust, crm.sales, at("2026-09-01"), at("2026-09-03"), "customer")
    assert queries() == few <= 40
