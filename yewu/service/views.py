"""Customer-service pages on the generic views (lists export to xlsx/csv), the complaint steps, the
statistics, and the two public pages (contact form, survey link) that need no login."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.views.generic import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from yewu.service import antispam, filters, forms, services, stats, surveys
from yewu.service.choices import STEP_STATUS, QuestionKind, SurveyStatus
from yewu.service.models import (
    Complaint,
    Consultation,
    CorrectiveAction,
    ImprovementAction,
    Respondent,
    Survey,
)

gl = gettext_lazy


# --- consultations -------------------------------------------------------------------------------


class ConsultationListView(ObjectListView):
    model = Consultation
    filterset_class = filters.ConsultationFilterSet
    select_related = ("customer", "department")
    create_url_name = "service:consultation_add"
    columns = [
        Column("number", gl("number"), link=True), Column("subject", gl("subject")),
        Column("customer", gl("customer")), Column("contact_name", gl("contact name")),
        Column("get_channel_display", gl("channel")), Column("department", gl("answering department")),
        Column("get_status_display", gl("status"), kind="tag"), Column("received_at", gl("received at")),
        Column("due_at", gl("answer due")), Column("is_overdue", gl("overdue"), kind="bool"),
    ]


class ConsultationDetailView(ObjectDetailView):
    model = Consultation
    template_name = "service/consultation_detail.html"
    fields = [
        Column("number", gl("number")), Column("get_channel_display", gl("channel")),
        Column("customer", gl("customer"), link=True), Column("contact_name", gl("contact name")),
        Column("phone", gl("phone")), Column("email", gl("e-mail")), Column("company_name", gl("company name")),
        Column("subject", gl("subject")), Column("question", gl("question")),
        Column("department", gl("answering department")), Column("get_status_display", gl("status")),
        Column("received_at", gl("received at")), Column("due_at", gl("answer due")),
        Column("answer", gl("answer")), Column("answered_at", gl("answered at")),
        Column("escalated_at", gl("escalated at")),
        Column("converted_complaint", gl("converted to complaint"), link=True),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        obj, user = ctx["object"], self.request.user
        can_convert = (obj.can_convert() and permissions.can(user, "change", obj)
                       and permissions.can_model(user, "add", Complaint))
        ctx.update(answer_form=forms.AnswerForm(), route_form=forms.RouteForm(user=user),
                   convert_form=forms.ConvertToComplaintForm(initial={"product": obj.subject}) if can_convert else None)
        return ctx


class ConsultationCreateView(ObjectEditView):
    model = Consultation
    form_class = forms.ConsultationForm

    def save(self, form: Any) -> Consultation:
        return services.record_consultation(actor=self.request.user, **form.cleaned_data)


class ConsultationAnswerView(ObjectActionView):
    model = Consultation

    def perform(self, obj: Consultation) -> None:
        form = forms.AnswerForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(services.ServiceError.ANSWER_REQUIRED)
        services.answer_consultation(obj, actor=self.request.user, answer=form.cleaned_data["answer"])


class ConsultationRouteView(ObjectActionView):
    model = Consultation

    def perform(self, obj: Consultation) -> None:
        form = forms.RouteForm(self.request.POST, user=self.request.user)
        if not form.is_valid():
            raise DomainError(services.ServiceError.FIELD_REQUIRED, field=_("answering department"))
        services.route_consultation(obj, actor=self.request.user, department=form.cleaned_data["route_to"])


class ConsultationConvertView(ObjectActionView):
    """Convert the consultation into a complaint; on success the complaint's page opens."""

    model = Consultation

    def perform(self, obj: Consultation) -> None:
        form = forms.ConvertToComplaintForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(services.ServiceError.FIELD_REQUIRED, field=", ".join(
                str(form.fields[f].label) for f in form.errors if f in form.fields))
        self.complaint = services.convert_consultation(obj, actor=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Consultation) -> str:
        complaint = getattr(self, "complaint", None)
        return complaint.get_absolute_url() if complaint is not None else obj.get_absolute_url()


# --- complaints ----------------------------------------------------------------------------------


class ComplaintListView(ObjectListView):
    model = Complaint
    filterset_class = filters.ComplaintFilterSet
    select_related = ("customer", "department")
    create_url_name = "service:complaint_add"
    columns = [
        Column("number", gl("number"), link=True), Column("customer", gl("customer")),
        Column("product", gl("product or service")), Column("get_category_display", gl("complaint category")),
        Column("get_severity_display", gl("severity")), Column("department", gl("responsible department")),
        Column("get_cause_kind_display", gl("cause")), Column("get_status_display", gl("status"), kind="tag"),
        Column("received_at", gl("received at")), Column("closed_at", gl("closed at")),
    ]


STEP_FORMS = {
    "accept": forms.AcceptForm, "investigate": forms.InvestigationForm, "plan": forms.PlanForm,
    "reply": forms.ReplyForm, "follow_up": forms.FollowUpForm,
}


def _step_of(obj: Complaint) -> str | None:
    return next((step for step, status in STEP_STATUS.items() if status == obj.status), None)


def _form(cls: type, data: Any = None, user: Any = None) -> Any:
    if issubclass(cls, forms._UserForm):
        return cls(data, user=user)
    return cls(data)


class ComplaintDetailView(ObjectDetailView):
    model = Complaint
    template_name = "service/complaint_detail.html"
    fields = [
        Column("number", gl("number")), Column("get_channel_display", gl("channel")),
        Column("customer", gl("customer"), link=True), Column("contact_name", gl("contact name")),
        Column("phone", gl("phone")), Column("email", gl("e-mail")),
        Column("product", gl("product or service")), Column("get_category_display", gl("complaint category")),
        Column("get_severity_display", gl("severity")), Column("description", gl("description")),
        Column("department", gl("responsible department")), Column("handler_name", gl("handler")),
        Column("get_cause_kind_display", gl("cause")), Column("get_cause_category_display", gl("cause category")),
        Column("cause_notes", gl("investigation findings")), Column("expectation", gl("customer's expectation")),
        Column("plan", gl("handling plan")), Column("reply", gl("reply to the customer")),
        Column("get_satisfaction_display", gl("satisfaction result")),
        Column("satisfaction_notes", gl("follow-up notes")), Column("get_status_display", gl("status")),
        Column("process", gl("complaint process"), link=True),
        Column("consultation", gl("converted from consultation"), link=True),
        Column("received_at", gl("received at")), Column("closed_at", gl("closed at")),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        obj, user = ctx["object"], self.request.user
        step = _step_of(obj)
        task = services.open_task(obj, step, user) if step else None
        ctx.update(
            step=step, step_form=_form(STEP_FORMS[step], user=user) if task else None,
            can_register=obj.can_register() and permissions.can(user, "change", obj),
            actions=obj.corrective_actions.select_related("owner__employee"),
            step_times=services.step_times(obj),
            action_form=forms.ActionForm(user=user) if (ctx["can_change"] or obj.handler_id == user.pk) else None,
        )
        return ctx


class ComplaintCreateView(ObjectEditView):
    model = Complaint
    form_class = forms.ComplaintForm

    def save(self, form: Any) -> Complaint:
        return services.record_complaint(actor=self.request.user, **form.cleaned_data)


class ComplaintRegisterView(ObjectActionView):
    model = Complaint

    def perform(self, obj: Complaint) -> None:
        services.register_complaint(obj, actor=self.request.user)


_STEP_SERVICES = {
    "accept": services.accept_complaint, "investigate": services.record_investigation,
    "plan": services.record_plan, "reply": services.reply_to_customer, "follow_up": services.record_follow_up,
}


class _KeywordAction(ObjectActionView):
    """An action page whose URL carries more than the pk (read from self.kwargs)."""

    def post(self, request: Any, pk: int, **kwargs: Any) -> Any:
        return super().post(request, pk)


class ComplaintStepView(_KeywordAction):
    """Complete the waiting step (the service checks that it is the user's task)."""

    model = Complaint

    def perform(self, obj: Complaint) -> None:
        step = self.kwargs["step"]
        if step not in STEP_FORMS:
            raise Http404
        form = _form(STEP_FORMS[step], self.request.POST, user=self.request.user)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            label = form.fields[field].label if field in form.fields else field
            raise DomainError(services.ServiceError.FIELD_REQUIRED, field=f"{label}（{errors[0]}）")
        _STEP_SERVICES[step](obj, actor=self.request.user, **form.cleaned_data)

    def base_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")


class CorrectiveActionAddView(ObjectActionView):
    model = Complaint

    def base_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")

    def perform(self, obj: Complaint) -> None:
        form = forms.ActionForm(self.request.POST, user=self.request.user)
        if not form.is_valid():
            raise DomainError(services.ServiceError.FIELD_REQUIRED, field=", ".join(
                str(form.fields[f].label) for f in form.errors if f in form.fields))
        services.add_corrective_action(obj, actor=self.request.user, **form.cleaned_data)


class ComplaintStatsView(LoginRequiredMixin, TemplateView):
    template_name = "service/complaint_stats.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        if not permissions.can_model(self.request.user, "view", Complaint):
            raise Http404
        today = timezone.localdate()
        start = _month(self.request.GET.get("start")) or today.replace(month=1, day=1)
        end = _month(self.request.GET.get("end")) or today
        by = self.request.GET.get("by") if self.request.GET.get("by") in stats.DIMENSIONS else "cause"
        try:
            rows = stats.complaint_statistics(self.request.user, start=start, end=end, by=by)
            error = ""
        except DomainError as exc:
            rows, error = [], exc.message
        ctx.update(title=_("Complaint statistics"), rows=rows, error=error, by=by,
                   start=start.strftime("%Y-%m"), end=end.strftime("%Y-%m"),
                   dimensions=[("cause", _("cause")), ("product", _("product or service")),
                               ("department", _("responsible department"))])
        return ctx


def _month(value: str | None) -> datetime.date | None:
    try:
        return datetime.datetime.strptime((value or "")[:7], "%Y-%m").date()
    except ValueError:
        return None


# --- corrective and improvement actions ----------------------------------------------------------

_ACTION_COLUMNS = [
    Column("description", gl("description"), link=True), Column("owner_name", gl("responsible person")),
    Column("due_on", gl("due date"), kind="date"), Column("get_status_display", gl("status"), kind="tag"),
    Column("done_at", gl("done at")), Column("verified_at", gl("verified at")),
]


class CorrectiveActionListView(ObjectListView):
    model = CorrectiveAction
    filterset_class = filters.CorrectiveActionFilterSet
    select_related = ("complaint", "owner__employee")
    columns = [Column("complaint", gl("complaint")), *_ACTION_COLUMNS]


class _ActionDetail(ObjectDetailView):
    template_name = "service/action_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(result_form=forms.ResultForm(), done_url=self.done_url, verify_url=self.verify_url)
        return ctx


class CorrectiveActionDetailView(_ActionDetail):
    model = CorrectiveAction
    done_url, verify_url = "service:correctiveaction_done", "service:correctiveaction_verify"
    fields = [Column("complaint", gl("complaint"), link=True), *_ACTION_COLUMNS, Column("result", gl("result"))]


class _ActionMove(ObjectActionView):
    move = "done"  # or "verify" (as_view(move="verify"))

    def perform(self, obj: Any) -> None:
        if self.move == "verify":
            self.verify(obj, actor=self.request.user)
            return
        form = forms.ResultForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(services.ServiceError.FIELD_REQUIRED, field=_("result"))
        self.done(obj, actor=self.request.user, result=form.cleaned_data["result"])


class CorrectiveActionMoveView(_ActionMove):
    model = CorrectiveAction
    done = staticmethod(services.complete_corrective_action)
    verify = staticmethod(services.verify_corrective_action)


class ImprovementActionListView(ObjectListView):
    model = ImprovementAction
    filterset_class = filters.ImprovementActionFilterSet
    select_related = ("survey", "owner__employee")
    columns = [Column("survey", gl("satisfaction survey")), *_ACTION_COLUMNS]


class ImprovementActionDetailView(_ActionDetail):
    model = ImprovementAction
    done_url, verify_url = "service:improvementaction_done", "service:improvementaction_verify"
    fields = [Column("survey", gl("satisfaction survey"), link=True), Column("question", gl("question")),
              *_ACTION_COLUMNS, Column("result", gl("result"))]


class ImprovementActionMoveView(_ActionMove):
    model = ImprovementAction
    done = staticmethod(surveys.complete_improvement)
    verify = staticmethod(surveys.verify_improvement)


# --- surveys -------------------------------------------------------------------------------------


class SurveyListView(ObjectListView):
    model = Survey
    filterset_class = filters.SurveyFilterSet
    select_related = ("department",)
    create_url_name = "service:survey_add"
    columns = [
        Column("name", gl("survey name"), link=True), Column("period_start", gl("period start"), kind="date"),
        Column("period_end", gl("period end"), kind="date"), Column("department", gl("department")),
        Column("get_status_display", gl("status"), kind="tag"),
    ]


class SurveyDetailView(ObjectDetailView):
    model = Survey
    template_name = "service/survey_detail.html"
    fields = [
        Column("name", gl("survey name")), Column("period_start", gl("period start"), kind="date"),
        Column("period_end", gl("period end"), kind="date"), Column("target", gl("target customers")),
        Column("department", gl("department")), Column("get_status_display", gl("status")),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        obj, user = ctx["object"], self.request.user
        ctx.update(
            questions=obj.questions.all(),
            respondents=obj.respondents.select_related("customer"),
            results=surveys.survey_results(obj),
            improvements=obj.improvements.select_related("owner__employee"),
            is_draft=obj.status == SurveyStatus.DRAFT, is_open=obj.status == SurveyStatus.OPEN,
            question_form=forms.QuestionForm(), respondents_form=forms.RespondentsForm(user=user),
            action_form=forms.ActionForm(user=user),
        )
        return ctx


class SurveyCreateView(ObjectEditView):
    model = Survey
    form_class = forms.SurveyForm

    def save(self, form: Any) -> Survey:
        return surveys.create_survey(actor=self.request.user, **form.cleaned_data)


class SurveyActionView(_KeywordAction):
    """The survey's POST actions: question, respondents, open, close, improvement."""

    model = Survey

    def perform(self, obj: Survey) -> None:
        user, post, what = self.request.user, self.request.POST, self.kwargs["what"]
        if what == "open":
            surveys.open_survey(obj, actor=user)
        elif what == "close":
            surveys.close_survey(obj, actor=user)
        elif what == "question":
            form = forms.QuestionForm(post)
            if not form.is_valid():
                raise DomainError(services.ServiceError.FIELD_REQUIRED, field=_("question"))
            data = form.cleaned_data
            surveys.add_question(obj, actor=user, text=data["text"], kind=data["kind"],
                                 options=data["options"].splitlines(), required=data["required"])
        elif what == "respondents":
            form = forms.RespondentsForm(post, user=user)
            if not form.is_valid():
                raise DomainError(services.ServiceError.FIELD_REQUIRED, field=_("customers"))
            surveys.add_respondents(obj, list(form.cleaned_data["customers"]), actor=user)
        elif what == "improvement":
            form = forms.ActionForm(post, user=user)
            if not form.is_valid():
                raise DomainError(services.ServiceError.FIELD_REQUIRED, field=_("improvement action"))
            surveys.add_improvement(obj, actor=user, **form.cleaned_data)
        else:
            raise Http404


class RespondentEntryView(LoginRequiredMixin, View):
    """Staff enter the answers of a phone or face-to-face survey."""

    def _respondent(self, request: Any, pk: int) -> Respondent:
        survey = Survey.objects.restrict(request.user, "change").filter(pk=pk).first()
        if survey is None:
            raise Http404
        respondent = survey.respondents.select_related("customer").filter(pk=self.kwargs["rid"]).first()
        if respondent is None:
            raise Http404
        return respondent

    def get(self, request: Any, pk: int, rid: int) -> Any:
        respondent = self._respondent(request, pk)
        return render(request, "service/survey_enter.html", {
            "respondent": respondent, "survey": respondent.survey, "questions": respondent.survey.questions.all(),
            "channels": forms.answer_channel_choices(), "title": _("Enter answers"),
        })

    def post(self, request: Any, pk: int, rid: int) -> Any:
        respondent = self._respondent(request, pk)
        try:
            surveys.enter_answers(respondent, _answers(request.POST), actor=request.user,
                                  channel=request.POST.get("channel") or "phone")
        except (DomainError, ValueError) as exc:
            messages.error(request, exc.message if isinstance(exc, DomainError) else _("Choose how it was answered."))
            return redirect("service:respondent_enter", pk=pk, rid=rid)
        messages.success(request, _("The answers are saved."))
        return redirect(respondent.survey.get_absolute_url())


def _answers(post: Any) -> dict[str, str]:
    return {key[2:]: value for key, value in post.items() if key.startswith("q_")}


# --- public pages (no login) ---------------------------------------------------------------------


@method_decorator(csrf_protect, name="dispatch")
class ContactView(View):
    """The public contact form: a question or a complaint, with anti-spam; nothing is saved when refused."""

    template_name = "service/contact.html"

    def get(self, request: Any) -> Any:
        form = forms.ContactForm(initial={"stamp": antispam.stamp()})
        return render(request, self.template_name, {"form": form})

    def post(self, request: Any) -> Any:
        form = forms.ContactForm(request.POST)
        error = ""
        if form.is_valid():
            data = form.cleaned_data
            try:
                antispam.check(honeypot=data["website"], stamp_value=data["stamp"], ip=antispam.client_ip(request))
                if not (data["phone"] or data["email"]):
                    raise DomainError(services.ServiceError.CONTACT_REQUIRED)
                if data["kind"] == "complaint":
                    obj: Any = services.record_complaint(
                        actor=None, channel="web", product=data["subject"], category="other",
                        description=data["message"], contact_name=data["contact_name"], phone=data["phone"],
                        email=data["email"], register=False)
                else:
                    obj = services.record_consultation(
                        actor=None, channel="web", subject=data["subject"], question=data["message"],
                        contact_name=data["contact_name"], phone=data["phone"], email=data["email"],
                        company_name=data["company_name"])
            except DomainError as exc:
                error = exc.message
            else:
                return render(request, "service/contact_thanks.html", {"number": obj.number})
        fresh = request.POST.copy()
        fresh["stamp"] = antispam.stamp()
        return render(request, self.template_name, {"form": forms.ContactForm(fresh) if not form.is_valid() else
                                                    form, "error": error}, status=400 if error else 200)


@method_decorator(csrf_protect, name="dispatch")
class SurveyAnswerView(View):
    """A respondent's public link: the questionnaire once; a used or expired link says so."""

    def _respondent(self, token: str) -> Respondent | None:
        return Respondent.objects.select_related("survey", "customer").filter(token=token).first()

    def _message(self, request: Any, text: str, status: int = 200) -> Any:
        return render(request, "service/survey_message.html", {"message": text}, status=status)

    def get(self, request: Any, token: str) -> Any:
        respondent = self._respondent(token)
        if respondent is None:
            return self._message(request, str(services.ServiceError.LINK_EXPIRED.label), 404)
        if respondent.answered_at is not None:
            return self._message(request, str(services.ServiceError.LINK_USED.label))
        if respondent.is_expired() or respondent.survey.status != SurveyStatus.OPEN:
            return self._message(request, str(services.ServiceError.LINK_EXPIRED.label))
        return render(request, "service/survey_answer.html", {
            "respondent": respondent, "survey": respondent.survey, "questions": respondent.survey.questions.all(),
            "rating": QuestionKind.RATING, "choice": QuestionKind.CHOICE,
        })

    def post(self, request: Any, token: str) -> Any:
        try:
            surveys.answer_by_link(token, _answers(request.POST))
        except DomainError as exc:
            respondent = self._respondent(token)
            if respondent is None or respondent.answered_at is not None or respondent.is_expired():
                return self._message(request, exc.message, 404 if respondent is None else 200)
            return render(request, "service/survey_answer.html", {
                "respondent": respondent, "survey": respondent.survey, "error": exc.message,
                "questions": respondent.survey.questions.all(), "values": _answers(request.POST),
                "rating": QuestionKind.RATING, "choice": QuestionKind.CHOICE,
            }, status=400)
        return self._message(request, _("Thank you for your answers!"))
