"""The customer-service pages: lists with xlsx export, forms that call the services, the complaint
steps on the complaint page, the statistics page, the panel on the CRM customer page and search."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yewu.service import services, surveys
from yewu.service.models import Complaint, Consultation, Survey
from yewu.service.tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_complaint_recorded_and_handled_on_its_page(svc):
    erin, bob = _client(svc.erin.user), _client(svc.bob.user)
    resp = erin.post(reverse("service:complaint_add"), {
        "channel": "walk_in", "customer": svc.bobs.pk, "product": "数控机床", "category": "quality",
        "severity": "high", "description": "主轴异响"})
    obj = Complaint.objects.get()
    assert resp.status_code == 302 and resp["Location"] == obj.get_absolute_url()
    page = erin.get(obj.get_absolute_url()).content.decode()
    assert reverse("service:complaint_step", args=[obj.pk, "accept"]) in page
    erin.post(reverse("service:complaint_step", args=[obj.pk, "accept"]),
              {"department": svc.sales.pk, "handler": svc.bob.user.pk, "severity": "high"})
    obj.refresh_from_db()
    assert obj.status == "investigating" and obj.handler == svc.bob.user
    assert reverse("service:complaint_step", args=[obj.pk, "investigate"]) not in erin.get(
        obj.get_absolute_url()).content.decode()  # not erin's task
    bob.post(reverse("service:complaint_step", args=[obj.pk, "investigate"]),
             {"cause_kind": "internal", "cause_category": "product", "expectation": "更换主轴"})
    obj.refresh_from_db()
    assert obj.status == "planning"


def test_a_refused_step_shows_the_reason_and_changes_nothing(svc):
    obj = services.record_complaint(actor=svc.erin.user, channel="phone", customer=svc.bobs, product="数控机床",
                                    category="quality", description="主轴异响")
    bob = _client(svc.bob.user)
    resp = bob.post(reverse("service:complaint_step", args=[obj.pk, "accept"]),
                    {"department": svc.sales.pk, "handler": svc.bob.user.pk, "severity": "low"}, follow=True)
    assert resp.status_code == 200
    assert str(Complaint.objects.get(pk=obj.pk).number) in [str(m) for m in resp.context["messages"]][0]
    assert Complaint.objects.get(pk=obj.pk).status == "accepting"


def test_consultation_answered_on_its_page(svc):
    erin = _client(svc.erin.user)
    erin.post(reverse("service:consultation_add"), {"channel": "phone", "contact_name": "周建国",
                                                    "phone": "13900000009", "subject": "报价", "question": "价格？"})
    obj = Consultation.objects.get()
    erin.post(reverse("service:consultation_answer", args=[obj.pk]), {"answer": "已发报价单"})
    obj.refresh_from_db()
    assert obj.status == "answered" and obj.answered_by == svc.erin.user


def test_lists_export_xlsx_of_what_the_user_may_view(svc):
    f.complaint(svc.bobs, svc.sales, product="机床甲")
    f.complaint(svc.carols, svc.sales_east, product="机床乙")
    resp = _client(svc.bob.user).get(reverse("service:complaint_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(resp.content)).active
    products = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert products == ["机床甲"]


def test_the_statistics_page_shows_the_rows(svc):
    import datetime

    at = datetime.datetime(2026, 3, 2, 9, tzinfo=timezone.get_current_timezone())
    f.complaint(svc.bobs, svc.sales, product="数控机床", received_at=at, status="closed",
                closed_at=at + datetime.timedelta(hours=6))
    resp = _client(svc.erin.user).get(reverse("service:complaint_stats"),
                                      {"start": "2026-03", "end": "2026-03", "by": "product"})
    assert resp.context["rows"] == [{"month": "2026-03", "key": "数控机床", "count": 1, "closed": 1,
                                     "avg_hours_to_close": 6.0}]
    assert _client(svc.carol.user).get(reverse("service:complaint_stats")).status_code == 200
    assert _client(svc.company.admin).get(reverse("service:complaint_stats")).status_code == 200


def test_survey_pages_plan_questions_respondents_and_staff_entry(svc):
    erin = _client(svc.erin.user)
    today = timezone.localdate()
    erin.post(reverse("service:survey_add"), {"name": "年度调查", "period_start": today.isoformat(),
                                              "period_end": today.isoformat()})
    survey = Survey.objects.get()
    erin.post(reverse("service:survey_action", args=[survey.pk, "question"]),
              {"text": "总体满意度", "kind": "rating", "required": "on"})
    erin.post(reverse("service:survey_action", args=[survey.pk, "respondents"]), {"customers": [svc.bobs.pk]})
    erin.post(reverse("service:survey_action", args=[survey.pk, "open"]))
    respondent = survey.respondents.get()
    page = erin.get(survey.get_absolute_url()).content.decode()
    assert respondent.token in page
    entry = reverse("service:respondent_enter", args=[survey.pk, respondent.pk])
    assert erin.get(entry).status_code == 200
    question = survey.questions.get()
    erin.post(entry, {"channel": "phone", f"q_{question.pk}": "3"})
    respondent.refresh_from_db()
    assert respondent.channel == "phone"
    assert surveys.survey_results(survey)[0]["average"] == 3.0
    assert _client(svc.bob.user).get(entry).status_code == 404  # no change on the survey


def test_detail_pages_render(svc):
    obj = services.record_complaint(actor=svc.erin.user, channel="phone", customer=svc.bobs, product="数控机床",
                                    category="quality", description="主轴异响")
    action = services.add_corrective_action(obj, actor=svc.erin.user, description="修订工艺", owner=svc.bob.user,
                                            due_on=timezone.localdate())
    survey = f.survey(svc.erin.user, svc.central)
    improvement = f.improvement(survey, svc.bob.user)
    erin = _client(svc.erin.user)
    for url in (obj.get_absolute_url(), action.get_absolute_url(), survey.get_absolute_url(),
                improvement.get_absolute_url(), reverse("service:correctiveaction_list"),
                reverse("service:improvementaction_list"), reverse("service:survey_list"),
                reverse("service:consultation_list"), reverse("service:complaint_list"),
                reverse("service:consultation_add"), reverse("service:complaint_add"), reverse("service:survey_add")):
        assert erin.get(url).status_code == 200, url


def test_the_customer_page_shows_the_complaints_the_user_may_view(svc):
    obj = f.complaint(svc.bobs, svc.sales, product="机床甲")
    page = _client(svc.bob.user).get(svc.bobs.get_absolute_url()).content.decode()
    assert 'data-testid="panel-service"' in page and obj.number in page
    f.respondent(f.survey(svc.erin.user, svc.central, name="年度满意度调查"), svc.bobs)
    assert "年度满意度调查" in _client(svc.erin.user).get(svc.bobs.get_absolute_url()).content.decode()
    assert "年度满意度调查" not in _client(svc.bob.user).get(svc.bobs.get_absolute_url()).content.decode()
    page = _client(svc.carol.user).get(svc.carols.get_absolute_url()).content.decode()
    assert 'data-testid="panel-service"' not in page


def test_global_search_finds_complaints_in_scope_only(svc):
    mine = f.complaint(svc.bobs, svc.sales)
    theirs = f.complaint(svc.carols, svc.sales_east)
    page = _client(svc.bob.user).get(reverse("core:search"), {"q": "CP-"}).content.decode()
    assert mine.number in page and theirs.number not in page


def test_the_statistics_page_shows_a_refused_month_range(svc):
    resp = _client(svc.erin.user).get(reverse("service:complaint_stats"), {"start": "9999-11", "end": "9999-12"})
    assert resp.status_code == 200 and resp.context["error"] and resp.context["rows"] == []
