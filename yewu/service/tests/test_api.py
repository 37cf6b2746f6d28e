"""The customer-service API: each flow through its endpoints, refusals as JSON with a code, and
others' records invisible to a salesperson."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.service.models import Complaint, Respondent
from yewu.service.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(svc):
    return api_client(svc.erin.user)


@pytest.fixture
def bob(svc):
    return api_client(svc.bob.user)


def test_consultation_taken_and_answered_through_the_api(svc, erin):
    resp = erin.post("/api/service/consultations/", {
        "channel": "email", "contact_name": "吴晓东", "email": "wu@hengxin.example", "phone": "13862000002",
        "subject": "保修期", "question": "设备保修几年？"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["customer"] == svc.carols.pk and body["status"] == "open" and body["overdue"] is False
    resp = erin.post(f"/api/service/consultations/{body['id']}/answer/", {"answer": "整机保修两年。"}, format="json")
    assert resp.json()["status"] == "answered"
    assert_error(erin.post(f"/api/service/consultations/{body['id']}/answer/", {"answer": "再答"}, format="json"),
                 400, "service.consultation_closed")


def test_complaint_process_through_the_api(svc, erin, bob):
    resp = erin.post("/api/service/complaints/", {
        "channel": "phone", "customer": svc.bobs.pk, "product": "数控机床 CK6150", "category": "quality",
        "severity": "high", "description": "主轴异响"}, format="json")
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    assert resp.json()["status"] == "accepting" and resp.json()["process"]
    base = f"/api/service/complaints/{pk}"
    assert_error(bob.post(f"{base}/accept/", {"department": svc.sales.pk, "handler": "bob"}, format="json"),
                 400, "service.not_your_task")
    assert erin.post(f"{base}/accept/", {"department": svc.sales.pk, "handler": "bob"},
                     format="json").json()["status"] == "investigating"
    assert bob.post(f"{base}/investigate/", {"cause_kind": "internal", "cause_category": "product",
                                             "expectation": "更换主轴"}, format="json").json()["status"] == "planning"
    assert bob.post(f"{base}/plan/", {"plan": "上门更换"}, format="json").json()["status"] == "replying"
    assert bob.post(f"{base}/reply/", {"reply": "已安排"}, format="json").json()["status"] == "follow_up"
    assert_error(erin.post(f"{base}/follow-up/", {"satisfaction": "satisfied"}, format="json"),
                 400, "service.corrective_action_required")
    resp = bob.post(f"{base}/corrective-actions/", {"description": "修订装配工艺", "owner": "bob",
                                                    "due_on": timezone.localdate().isoformat()}, format="json")
    assert resp.status_code == 201, resp.content
    action = resp.json()["id"]
    body = erin.post(f"{base}/follow-up/", {"satisfaction": "satisfied"}, format="json").json()
    assert body["status"] == "closed" and body["corrective_actions"][0]["id"] == action
    assert bob.post(f"/api/service/corrective-actions/{action}/done/", {"result": "已修订"},
                    format="json").json()["status"] == "done"
    assert erin.post(f"/api/service/corrective-actions/{action}/verify/", {}, format="json").json()["status"] == \
        "verified"


def test_a_salesperson_sees_the_complaints_of_own_customers_only(svc, bob):
    mine = f.complaint(svc.bobs, svc.sales)
    theirs = f.complaint(svc.carols, svc.sales_east)
    assert result_ids(bob.get("/api/service/complaints/")) == [mine.pk]
    assert bob.get(f"/api/service/complaints/{theirs.pk}/").status_code == 404
    assert_error(bob.post(f"/api/service/complaints/{theirs.pk}/register/", {}, format="json"), 404, "not_found")


def test_the_handler_sees_the_complaint_handed_to_them(svc, erin):
    carol = api_client(svc.carol.user)
    obj = Complaint.objects.get(pk=erin.post("/api/service/complaints/", {
        "channel": "phone", "customer": svc.bobs.pk, "product": "数控机床", "category": "quality",
        "description": "主轴异响"}, format="json").json()["id"])
    assert carol.get(f"/api/service/complaints/{obj.pk}/").status_code == 404
    erin.post(f"/api/service/complaints/{obj.pk}/accept/", {"department": svc.sales_east.pk, "handler": "carol"},
              format="json")
    assert carol.get(f"/api/service/complaints/{obj.pk}/").status_code == 200


def test_statistics_endpoint(svc, erin):
    at = datetime.datetime(2026, 3, 2, 9, tzinfo=timezone.get_current_timezone())
    f.complaint(svc.bobs, svc.sales, product="数控机床", cause_kind="internal", cause_category="product",
                received_at=at, status="closed", closed_at=at + datetime.timedelta(hours=12))
    resp = erin.get("/api/service/complaints/statistics/", {"start": "2026-03", "end": "2026-03", "by": "product"})
    assert resp.json() == [{"month": "2026-03", "key": "数控机床", "count": 1, "closed": 1, "avg_hours_to_close": 12.0}]
    assert resp.status_code == 200
    assert_error(erin.get("/api/service/complaints/statistics/", {"start": "2026-04", "end": "2026-03"}),
                 400, "service.bad_month_range")


def test_survey_through_the_api(svc, erin):
    today = timezone.localdate()
    resp = erin.post("/api/service/surveys/", {"name": "季度满意度回访", "period_start": today.isoformat(),
                                                "period_end": (today + datetime.timedelta(days=7)).isoformat()},
                     format="json")
    assert resp.status_code == 201, resp.content
    base = f"/api/service/surveys/{resp.json()['id']}"
    body = erin.post(f"{base}/questions/", {"text": "总体满意度", "kind": "rating"}, format="json").json()
    question = body["questions"][0]["id"]
    body = erin.post(f"{base}/respondents/", {"customers": [svc.bobs.pk, svc.carols.pk]}, format="json").json()
    assert all(r["link"].startswith("http://testserver/service/s/") for r in body["respondents"])
    assert erin.post(f"{base}/open/", {}, format="json").json()["status"] == "open"
    respondent = Respondent.objects.get(customer=svc.bobs)
    resp = erin.post(f"{base}/answers/", {"respondent": respondent.pk, "channel": "face",
                                          "answers": {str(question): "4"}}, format="json")
    assert resp.status_code == 200, resp.content
    results = erin.get(f"{base}/results/").json()
    assert results[0]["average"] == 4.0 and results[0]["answers"] == 1
    resp = erin.post(f"{base}/improvements/", {"description": "增加回访频次", "owner": "bob",
                                               "due_on": today.isoformat()}, format="json")
    assert resp.status_code == 201, resp.content
    assert_error(erin.post(f"{base}/answers/", {"respondent": respondent.pk, "channel": "phone",
                                                "answers": {str(question): "5"}}, format="json"),
                 400, "service.link_used")
    # a manager who may only view the survey does not get the customers' links
    from yewu.core.scopes import Scope
    from yewu.core.testing.permissions import grant

    grant(svc.dave.user, "service.view_survey", Scope.ALL)
    body = api_client(svc.dave.user).get(base + "/").json()
    assert [r["link"] for r in body["respondents"]] == [None, None]


def test_respondents_must_be_customers_the_user_may_view(svc, bob):
    """Bob may change his own survey but sees only his own customers: carol's cannot be asked."""
    from yewu.core.scopes import Scope
    from yewu.core.testing.permissions import grant

    grant(svc.bob.user, "service.view_survey", Scope.OWN)
    grant(svc.bob.user, "service.change_survey", Scope.OWN)
    survey = f.survey(svc.bob.user, svc.sales)
    resp = bob.post(f"/api/service/surveys/{survey.pk}/respondents/", {"customers": [svc.carols.pk]}, format="json")
    assert resp.status_code == 404
    assert not survey.respondents.exists()
    resp = bob.post(f"/api/service/surveys/{survey.pk}/respondents/", {"customers": [svc.bobs.pk]}, format="json")
    assert resp.status_code == 200 and survey.respondents.get().customer == svc.bobs


def test_a_handler_with_only_the_staff_role_works_on_the_complaint_through_the_api(svc, erin):
    from yewu.core.testing.factories import EmployeeFactory

    frank = EmployeeFactory(department=svc.finance).user
    frank.groups.add(svc.roles["staff"])
    pk = erin.post("/api/service/complaints/", {"channel": "phone", "customer": svc.bobs.pk, "product": "发票",
                                                 "category": "price", "description": "发票金额有误"},
                   format="json").json()["id"]
    api = api_client(frank)
    assert api.get(f"/api/service/complaints/{pk}/").status_code == 404
    erin.post(f"/api/service/complaints/{pk}/accept/", {"department": svc.finance.pk, "handler": frank.username},
              format="json")
    assert result_ids(api.get("/api/service/complaints/")) == [pk]
    resp = api.post(f"/api/service/complaints/{pk}/investigate/", {
        "cause_kind": "internal", "cause_category": "process", "expectation": "重开发票"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "planning"
