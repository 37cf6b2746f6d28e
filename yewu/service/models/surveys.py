"""Satisfaction surveys (满意度调查): a survey plan with its questionnaire, the customers asked
(each with a public link of their own), their answers, and the improvement actions that follow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.crm.models.customers import person_name
from yewu.service.choices import ActionStatus, AnswerChannel, QuestionKind, SurveyStatus


class Survey(ScopedModel):
    """A survey plan: name, the period in which customers answer, the target customers (chosen as
    respondents) and the questionnaire. Owned by whoever plans it, in their department."""

    scope_owner_field = "owner"
    scope_department_field = "department"

    name = models.CharField(_("survey name"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target = models.TextField(_("target customers"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT,
                              editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+", editable=False)
    department = models.ForeignKey("org.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="service_surveys")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="service_survey_period_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:survey_detail", args=[self.pk])


class Question(models.Model):
    """One question of a questionnaire: a 1–5 rating, a single choice among listed options, or free text."""

    survey = models.ForeignKey(Survey, verbose_name=_("satisfaction survey"), on_delete=models.CASCADE,
                               related_name="questions")
    order = models.PositiveIntegerField(_("sort order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("question type"), max_length=10, choices=QuestionKind.choices)
    options_text = models.TextField(_("options (one a line)"), blank=True, default="")
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.options_text.splitlines() if line.strip()]


class Respondent(models.Model):
    """A customer asked in a survey, with an unguessable link token: one answer per link, until it
    expires. Staff may enter the answer for a phone or face-to-face survey instead."""

    survey = models.ForeignKey(Survey, verbose_name=_("satisfaction survey"), on_delete=models.CASCADE,
                               related_name="respondents")
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="survey_respondents")
    token = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("link valid until"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    channel = models.CharField(_("answer channel"), max_length=10, choices=AnswerChannel.choices, blank=True,
                               default="", editable=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   editable=False, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("survey respondent")
        verbose_name_plural = _("survey respondents")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "customer"], name="service_respondent_once"),
        ]

    def __str__(self) -> str:
        return str(self.customer)

    def get_absolute_url(self) -> str:
        return reverse("service:survey_answer", args=[self.token])

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())


class Answer(models.Model):
    """One respondent's answer to one question."""

    respondent = models.ForeignKey(Respondent, verbose_name=_("survey respondent"), on_delete=models.CASCADE,
                                   related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE,
                                 related_name="answers")
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    choice = models.CharField(_("choice"), max_length=200, blank=True, default="")
    text = models.TextField(_("text answer"), blank=True, default="")

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["respondent", "question"], name="service_answer_once"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="service_answer_rating_range"),
        ]

    def __str__(self) -> str:
        return str(self.rating or self.choice or self.text[:40])


class ImprovementActionQuerySet(RestrictedQuerySet):
    def open(self) -> ImprovementActionQuerySet:
        return self.filter(status=ActionStatus.OPEN)


class ImprovementAction(ScopedModel):
    """An improvement decided from a survey's results: owner and due date, tracked until done and
    verified."""

    scope_owner_field = "owner"
    scope_department_field = "survey__department"

    survey = models.ForeignKey(Survey, verbose_name=_("satisfaction survey"), on_delete=models.PROTECT,
                               related_name="improvements")
    question = models.ForeignKey(Question, verbose_name=_("question"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    description = models.TextField(_("improvement action"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible person"),
                              on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN,
                              editable=False)
    result = models.TextField(_("result"), blank=True, default="", editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ImprovementActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    def get_absolute_url(self) -> str:
        return reverse("service:improvementaction_detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        return person_name(self.owner)
