"""Satisfaction surveys: plan, questionnaire, respondents with their own public link, answers (by
the customer through the link or entered by staff after a call or a visit), results and
improvement actions. Every write is here, with its rule checks and its audit event."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import DomainError
from yewu.org.models import Department, Employee
from yewu.service.choices import ActionStatus, AnswerChannel, QuestionKind, SurveyStatus
from yewu.service.errors import ServiceError
from yewu.service.models import Answer, ImprovementAction, Question, Respondent, Survey
from yewu.service.services import _move_action, _required


def _department_of(user: Any) -> Department | None:
    employee = Employee.objects.filter(user=user).select_related("department").first()
    return employee.department if employee else None


@transaction.atomic
def create_survey(*, actor: Any, name: str, period_start: datetime.date, period_end: datetime.date,
                  target: str = "", department: Department | None = None) -> Survey:
    """Plan a survey: its name, the period for answers and the target customers (in words)."""
    department = department or _department_of(actor) or Department.objects.filter(parent__isnull=True).first()
    permissions.require_new(actor, "add", Survey, owner=actor, department=department)
    if period_end < period_start:
        raise DomainError(ServiceError.BAD_PERIOD)
    survey = Survey.objects.create(name=_required(name, _("survey name"))[:200], period_start=period_start,
                                   period_end=period_end, target=target or "", owner=actor, department=department)
    record_event(survey, "survey.created", actor=actor, department=department)
    return survey


def _lock(survey: Survey, actor: Any) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    permissions.require(actor, "change", survey)
    return survey


@transaction.atomic
def add_question(survey: Survey, *, actor: Any, text: str, kind: str, options: list[str] | None = None,
                 required: bool = True) -> Question:
    """Add a question to a draft questionnaire (a single choice needs two options or more)."""
    survey = _lock(survey, actor)
    if survey.status != SurveyStatus.DRAFT:
        raise DomainError(ServiceError.SURVEY_NOT_DRAFT, name=survey.name, status=survey.get_status_display())
    kind = QuestionKind(kind)
    options = [o.strip()[:200] for o in (options or []) if o and o.strip()]
    if kind == QuestionKind.CHOICE and len(options) < 2:
        raise DomainError(ServiceError.BAD_QUESTION)
    order = survey.questions.count() + 1
    question = Question.objects.create(survey=survey, order=order, text=_required(text, _("question"))[:300],
                                       kind=kind, options_text="\n".join(options) if kind == QuestionKind.CHOICE
                                       else "", required=required)
    record_event(survey, "survey.question_added", actor=actor, department=survey.department,
                 data={"question": question.pk})
    return question


@transaction.atomic
def add_respondents(survey: Survey, customers: list[Any], *, actor: Any) -> list[Respondent]:
    """Ask these customers: each gets a link with an unguessable token, valid to the period's end."""
    survey = _lock(survey, actor)
    if survey.status == SurveyStatus.CLOSED:
        raise DomainError(ServiceError.SURVEY_NOT_OPEN, name=survey.name)
    end = datetime.datetime.combine(survey.period_end + datetime.timedelta(days=1), datetime.time.min)
    expires = timezone.make_aware(end) if timezone.is_naive(end) else end
    made = []
    for customer in customers:
        if survey.respondents.filter(customer=customer).exists():
            raise DomainError(ServiceError.RESPONDENT_TWICE, customer=str(customer))
        made.append(Respondent.objects.create(survey=survey, customer=customer, token=secrets.token_urlsafe(32),
                                              expires_at=expires))
    record_event(survey, "survey.respondents_added", actor=actor, department=survey.department,
                 data={"customers": [c.pk for c in customers]})
    return made


@transaction.atomic
def open_survey(survey: Survey, *, actor: Any) -> Survey:
    """Open the survey for answers (its questionnaire is fixed from now on)."""
    survey = _lock(survey, actor)
    if survey.status != SurveyStatus.DRAFT:
        raise DomainError(ServiceError.SURVEY_NOT_DRAFT, name=survey.name, status=survey.get_status_display())
    if not survey.questions.exists():
        raise DomainError(ServiceError.SURVEY_NO_QUESTIONS)
    survey.status = SurveyStatus.OPEN
    survey.save(update_fields=["status"])
    record_event(survey, "survey.opened", actor=actor, department=survey.department)
    return survey


@transaction.atomic
def close_survey(survey: Survey, *, actor: Any) -> Survey:
    """No more answers; the results stand."""
    survey = _lock(survey, actor)
    if survey.status != SurveyStatus.OPEN:
        raise DomainError(ServiceError.SURVEY_NOT_OPEN, name=survey.name)
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status"])
    record_event(survey, "survey.closed", actor=actor, department=survey.department)
    return survey


def _clean_answers(survey: Survey, values: dict[str, Any]) -> list[tuple[Question, dict[str, Any]]]:
    """Each question's answer, checked: a rating 1–5, one of the options, or text."""
    out = []
    for q in survey.questions.all():
        raw = values.get(str(q.pk), values.get(q.pk))
        text = "" if raw is None else str(raw).strip()
        if not text:
            if q.required:
                raise DomainError(ServiceError.ANSWER_MISSING, question=q.text)
            continue
        if q.kind == QuestionKind.RATING:
            if text not in {"1", "2", "3", "4", "5"}:
                raise DomainError(ServiceError.ANSWER_INVALID, question=q.text)
            out.append((q, {"rating": int(text)}))
        elif q.kind == QuestionKind.CHOICE:
            if text not in q.options:
                raise DomainError(ServiceError.ANSWER_INVALID, question=q.text)
            out.append((q, {"choice": text}))
        else:
            out.append((q, {"text": text[:5000]}))
    return out


def _save_answers(respondent: Respondent, values: dict[str, Any], *, channel: str, actor: Any) -> Respondent:
    survey = respondent.survey
    if survey.status != SurveyStatus.OPEN:
        raise DomainError(ServiceError.SURVEY_NOT_OPEN, name=survey.name)
    if respondent.answered_at is not None:
        raise DomainError(ServiceError.LINK_USED)
    cleaned = _clean_answers(survey, values)
    Answer.objects.bulk_create([Answer(respondent=respondent, question=q, **v) for q, v in cleaned])
    respondent.answered_at, respondent.channel, respondent.entered_by = timezone.now(), channel, actor
    respondent.save(update_fields=["answered_at", "channel", "entered_by"])
    record_event(survey, "survey.answered", actor=actor, department=survey.department,
                 data={"respondent": respondent.pk, "channel": channel})
    return respondent


@transaction.atomic
def answer_by_link(token: str, values: dict[str, Any], *, now: datetime.datetime | None = None) -> Respondent:
    """The customer answers through their link: once, before it expires, while the survey is open."""
    respondent = Respondent.objects.select_for_update().select_related("survey").filter(token=token).first()
    if respondent is None:
        raise DomainError(ServiceError.LINK_EXPIRED)
    if respondent.answered_at is not None:
        raise DomainError(ServiceError.LINK_USED)
    if respondent.is_expired(now):
        raise DomainError(ServiceError.LINK_EXPIRED)
    return _save_answers(respondent, values, channel=AnswerChannel.LINK, actor=None)


@transaction.atomic
def enter_answers(respondent: Respondent, values: dict[str, Any], *, actor: Any, channel: str) -> Respondent:
    """Staff enter the answers given on the phone or face to face (the link is then used up)."""
    channel = AnswerChannel(channel)
    respondent = Respondent.objects.select_for_update().select_related("survey").get(pk=respondent.pk)
    permissions.require(actor, "change", respondent.survey)
    if channel == AnswerChannel.LINK:
        raise DomainError(ServiceError.ANSWER_INVALID, question=_("answer channel"))
    return _save_answers(respondent, values, channel=channel, actor=actor)


def survey_results(survey: Survey) -> list[dict[str, Any]]:
    """Per question: answers counted, the average rating and the distribution (1–5 or per option),
    read in the database; the latest text answers."""
    counts = {row["question"]: row for row in Answer.objects.filter(question__survey=survey).values("question")
              .annotate(n=Count("pk"), avg=Avg("rating"))}
    dist: dict[int, dict[str, int]] = {}
    for row in (Answer.objects.filter(question__survey=survey).exclude(rating__isnull=True, choice="")
                .values("question", "rating", "choice").annotate(n=Count("pk"))):
        key = str(row["rating"]) if row["rating"] is not None else row["choice"]
        dist.setdefault(row["question"], {})[key] = row["n"]
    out = []
    for q in survey.questions.all():
        row = counts.get(q.pk, {"n": 0, "avg": None})
        keys = ["1", "2", "3", "4", "5"] if q.kind == QuestionKind.RATING else q.options
        entry = {"question": q.pk, "text": q.text, "kind": q.kind, "answers": row["n"],
                 "average": round(float(row["avg"]), 2) if row["avg"] is not None else None,
                 "distribution": [{"value": k, "count": dist.get(q.pk, {}).get(k, 0)} for k in keys]}
        if q.kind == QuestionKind.TEXT:
            entry["texts"] = list(q.answers.order_by("-pk").values_list("text", flat=True)[:20])
        out.append(entry)
    return out


@transaction.atomic
def add_improvement(survey: Survey, *, actor: Any, description: str, owner: Any, due_on: datetime.date,
                    question: Question | None = None) -> ImprovementAction:
    """An improvement decided from the survey's results: owner and due date."""
    survey = _lock(survey, actor)
    if question is not None and question.survey_id != survey.pk:
        question = None
    action = ImprovementAction.objects.create(survey=survey, question=question, owner=owner, due_on=due_on,
                                              description=_required(description, _("improvement action")))
    record_event(action, "improvement.created", actor=actor, department=survey.department)
    record_event(survey, "survey.improvement_added", actor=actor, department=survey.department,
                 data={"action": action.pk})
    return action


@transaction.atomic
def complete_improvement(action: ImprovementAction, *, actor: Any, result: str) -> ImprovementAction:
    """The owner reports the improvement done."""
    action = _move_action(ImprovementAction, action, actor=actor, target=ActionStatus.DONE, allowed=ActionStatus.OPEN,
                          result=_required(result, _("result")), done_at=timezone.now())
    record_event(action, "improvement.done", actor=actor, department=action.survey.department)
    return action


@transaction.atomic
def verify_improvement(action: ImprovementAction, *, actor: Any) -> ImprovementAction:
    """The improvement is checked and closed."""
    action = _move_action(ImprovementAction, action, actor=actor, target=ActionStatus.VERIFIED,
                          allowed=ActionStatus.DONE, verified_at=timezone.now())
    record_event(action, "improvement.verified", actor=actor, department=action.survey.department)
    return action
