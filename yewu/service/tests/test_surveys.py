"""Satisfaction surveys: questionnaire rules, one answer per public link, expired and used links,
staff entry, results computed per question, improvement actions tracked to closure."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yewu.core.errors import DomainError
from yewu.crm.tests import factories as crm
from yewu.service import surveys
from yewu.service.models import Answer, Respondent

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(svc):
    today = timezone.localdate()
    obj = surveys.create_survey(actor=svc.erin.user, name="2026 年度客户满意度调查", period_start=today,
                                period_end=today + datetime.timedelta(days=14), target="全部重点客户")
    rating = surveys.add_question(obj, actor=svc.erin.user, text="您对产品质量的总体评价", kind="rating")
    choice = surveys.add_question(obj, actor=svc.erin.user, text="您最看重哪一项", kind="choice",
                                  options=["质量", "价格", "服务"])
    text = surveys.add_question(obj, actor=svc.erin.user, text="其他意见和建议", kind="text", required=False)
    obj.q = (rating, choice, text)
    return obj


def _answers(survey, rating="5", choice="质量", text=""):
    r, c, t = survey.q
    return {str(r.pk): rating, str(c.pk): choice, str(t.pk): text}


def test_a_single_choice_question_needs_two_options(svc, survey):
    with pytest.raises(DomainError) as refused:
        surveys.add_question(survey, actor=svc.erin.user, text="是否续约", kind="choice", options=["是"])
    assert refused.value.code == "service.bad_question"


def test_a_survey_without_questions_cannot_open(svc):
    today = timezone.localdate()
    empty = surveys.create_survey(actor=svc.erin.user, name="空调查", period_start=today, period_end=today)
    with pytest.raises(DomainError) as refused:
        surveys.open_survey(empty, actor=svc.erin.user)
    assert refused.value.code == "service.survey_no_questions"


def test_the_questionnaire_is_fixed_once_open(svc, survey):
    surveys.open_survey(survey, actor=svc.erin.user)
    with pytest.raises(DomainError) as refused:
        surveys.add_question(survey, actor=svc.erin.user, text="新问题", kind="text")
    assert refused.value.code == "service.survey_not_draft"


def test_each_respondent_gets_an_unguessable_link_once(svc, survey):
    a, b = surveys.add_respondents(survey, [svc.bobs, svc.carols], actor=svc.erin.user)
    assert a.token != b.token and len(a.token) >= 40
    assert a.expires_at > timezone.now()
    with pytest.raises(DomainError) as refused:
        surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    assert refused.value.code == "service.respondent_twice"


def test_one_answer_per_link(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    surveys.answer_by_link(respondent.token, _answers(survey, text="售后响应可以再快些"))
    assert Answer.objects.filter(respondent=respondent).count() == 3
    with pytest.raises(DomainError) as refused:
        surveys.answer_by_link(respondent.token, _answers(survey, rating="1"))
    assert refused.value.code == "service.link_used"
    assert Answer.objects.filter(respondent=respondent).count() == 3


def test_an_expired_link_is_refused(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    with pytest.raises(DomainError) as refused:
        surveys.answer_by_link(respondent.token, _answers(survey), now=respondent.expires_at)
    assert refused.value.code == "service.link_expired"
    assert not Answer.objects.exists()


def test_answers_are_checked(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    for bad in (_answers(survey, rating="6"), _answers(survey, choice="交期"), _answers(survey, rating="")):
        with pytest.raises(DomainError) as refused:
            surveys.answer_by_link(respondent.token, bad)
        assert refused.value.code in ("service.answer_invalid", "service.answer_missing")
    assert not Answer.objects.exists()
    assert Respondent.objects.get(pk=respondent.pk).answered_at is None


def test_a_draft_survey_takes_no_answers(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    with pytest.raises(DomainError) as refused:
        surveys.answer_by_link(respondent.token, _answers(survey))
    assert refused.value.code == "service.survey_not_open"


def test_staff_enter_a_phone_answer_and_the_link_is_used_up(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    surveys.enter_answers(respondent, _answers(survey, rating="4"), actor=svc.erin.user, channel="phone")
    respondent.refresh_from_db()
    assert (respondent.channel, respondent.entered_by) == ("phone", svc.erin.user)
    with pytest.raises(DomainError) as refused:
        surveys.answer_by_link(respondent.token, _answers(survey))
    assert refused.value.code == "service.link_used"


def test_staff_entry_needs_the_change_grant_on_the_survey(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    with pytest.raises(DomainError):
        surveys.enter_answers(respondent, _answers(survey), actor=svc.bob.user, channel="phone")
    assert not Answer.objects.exists()


def test_results_average_and_distribution_per_question(svc, survey):
    customers = [svc.bobs, svc.carols, crm.customer(svc.bob.user, svc.sales, name="宁波甬港物流有限公司")]
    respondents = surveys.add_respondents(survey, customers, actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    for respondent, (rating, choice, text) in zip(respondents, [("5", "质量", "很好"), ("4", "服务", ""),
                                                                ("2", "质量", "交期太长")], strict=True):
        surveys.answer_by_link(respondent.token, _answers(survey, rating, choice, text))
    rating, choice, text = surveys.survey_results(survey)
    assert rating["answers"] == 3 and rating["average"] == 3.67
    assert [d["count"] for d in rating["distribution"]] == [0, 1, 0, 1, 1]
    assert {d["value"]: d["count"] for d in choice["distribution"]} == {"质量": 2, "价格": 0, "服务": 1}
    assert choice["average"] is None
    assert text["answers"] == 2 and set(text["texts"]) == {"很好", "交期太长"}


def test_improvement_actions_are_tracked_to_closure(svc, survey):
    action = surveys.add_improvement(survey, actor=svc.erin.user, description="售后响应缩短到 4 小时",
                                     owner=svc.bob.user, due_on=timezone.localdate(), question=survey.q[0])
    assert action.status == "open"
    with pytest.raises(DomainError) as refused:
        surveys.verify_improvement(action, actor=svc.erin.user)
    assert refused.value.code == "service.action_bad_transition"
    action = surveys.complete_improvement(action, actor=svc.bob.user, result="已增设值班工程师")
    action = surveys.verify_improvement(action, actor=svc.erin.user)
    assert action.status == "verified" and action.verified_at is not None


# --- the public link -----------------------------------------------------------------------------


def test_the_public_link_shows_the_questionnaire_and_takes_one_answer(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    client = Client()
    url = reverse("service:survey_answer", args=[respondent.token])
    page = client.get(url)
    assert page.status_code == 200 and "您对产品质量的总体评价" in page.content.decode()
    r, c, t = survey.q
    resp = client.post(url, {f"q_{r.pk}": "5", f"q_{c.pk}": "价格", f"q_{t.pk}": ""})
    assert resp.status_code == 200
    assert Answer.objects.filter(respondent=respondent).count() == 2
    used = client.get(url)
    assert 'data-testid="survey-message"' in used.content.decode()
    assert "您对产品质量的总体评价" not in used.content.decode()
    again = client.post(url, {f"q_{r.pk}": "1", f"q_{c.pk}": "价格"})
    assert 'data-testid="survey-message"' in again.content.decode()
    assert Answer.objects.filter(respondent=respondent).count() == 2


def test_an_unknown_or_expired_link_shows_a_message(svc, survey):
    (respondent,) = surveys.add_respondents(survey, [svc.bobs], actor=svc.erin.user)
    surveys.open_survey(survey, actor=svc.erin.user)
    assert Client().get(reverse("service:survey_answer", args=["x" * 43])).status_code == 404
    Respondent.objects.filter(pk=respondent.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = Client().get(reverse("service:survey_answer", args=[respondent.token]))
    assert 'data-testid="survey-message"' in page.content.decode()
    assert "<form" not in page.content.decode()
