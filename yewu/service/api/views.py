"""Customer-service API: each write and each action calls one service (the rules live there);
lists use the same filters as the pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yewu.core.api.base import ScopedViewSet
from yewu.crm.models import Customer
from yewu.service import filters, services, stats, surveys
from yewu.service.api import serializers as s
from yewu.service.models import Complaint, Consultation, CorrectiveAction, ImprovementAction, Survey

_READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)
_METHODS = ["get", "post", "head", "options"]


class _ActionScopes:
    """The action a custom endpoint needs on the record (the queryset is restricted to it)."""

    action_scopes: dict[str, str] = {}

    def scope_action(self) -> str:
        return self.action_scopes.get(self.action) or super().scope_action()


def _input(serializer_class: type, request: Any, context: dict | None = None) -> dict[str, Any]:
    ser = serializer_class(data=request.data, context=context or {"request": request})
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


class ConsultationViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """Consultations: taken by any channel, answered within the time limit or routed to a department."""

    queryset = Consultation.objects.all()
    serializer_class = s.ConsultationSerializer
    filterset_class = filters.ConsultationFilterSet
    select_related = ("customer", "department")
    http_method_names = _METHODS
    action_scopes = {"answer": "change", "route": "change", "convert": "change"}

    def create(self, request, *args, **kwargs):
        data = _input(s.ConsultationSerializer, request)
        obj = services.record_consultation(actor=request.user, **data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AnswerInput, responses=s.ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Answer the customer (closes the consultation)."""
        data = _input(s.AnswerInput, request)
        return Response(self.get_serializer(services.answer_consultation(
            self.get_object(), actor=request.user, answer=data["answer"])).data)

    @extend_schema(request=s.RouteInput, responses=s.ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        """Route to the department that will answer (the time limit keeps running)."""
        data = _input(s.RouteInput, request)
        return Response(self.get_serializer(services.route_consultation(
            self.get_object(), actor=request.user, department=data["department"])).data)


    @extend_schema(request=s.ConvertToComplaintInput, responses={201: s.ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Convert to a complaint (customer, contact, channel and question copied; the complaint
        process starts); the consultation closes as converted. Returns the new complaint."""
        data = _input(s.ConvertToComplaintInput, request)
        complaint = services.convert_consultation(self.get_object(), actor=request.user, **data)
        return Response(s.ComplaintSerializer(complaint, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class ComplaintViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """Complaints and their process: register, then each step by the person whose task it is
    (accept, investigate, plan, reply, follow-up); corrective actions; monthly statistics."""

    queryset = Complaint.objects.all()
    serializer_class = s.ComplaintSerializer
    filterset_class = filters.ComplaintFilterSet
    select_related = ("customer", "department", "handler", "process")
    http_method_names = _METHODS
    action_scopes = {"register": "change", "accept": "view", "investigate": "view", "plan": "view",
                     "reply": "view", "follow_up": "view", "corrective_actions": "view", "statistics": "view"}

    def create(self, request, *args, **kwargs):
        data = _input(s.ComplaintSerializer, request)
        obj = services.record_complaint(actor=request.user, **data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def _step(self, service: Any, serializer: type | None = None) -> Response:
        data = _input(serializer, self.request) if serializer else {}
        return Response(self.get_serializer(service(self.get_object(), actor=self.request.user, **data)).data)

    @extend_schema(request=None, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        """Register a complaint received through the web form: the complaint process starts."""
        return self._step(services.register_complaint)

    @extend_schema(request=s.AcceptInput, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Central department: the responsible department and the handler (login name)."""
        return self._step(services.accept_complaint, s.AcceptInput)

    @extend_schema(request=s.InvestigationInput, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        """Handler: cause (internal / external, category) and the customer's expectation."""
        return self._step(services.record_investigation, s.InvestigationInput)

    @extend_schema(request=s.PlanInput, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        return self._step(services.record_plan, s.PlanInput)

    @extend_schema(request=s.ReplyInput, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._step(services.reply_to_customer, s.ReplyInput)

    @extend_schema(request=s.FollowUpInput, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        """The customer's satisfaction; closes the complaint (internal cause: a corrective action first)."""
        return self._step(services.record_follow_up, s.FollowUpInput)

    @extend_schema(request=s.CorrectiveActionSerializer, responses=s.CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], url_path="corrective-actions")
    def corrective_actions(self, request, pk=None):
        """Record a corrective action (owner by login name, due date)."""
        data = _input(s.CorrectiveActionSerializer, request)
        obj = services.add_corrective_action(self.get_object(), actor=request.user, **data)
        return Response(s.CorrectiveActionSerializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[s.StatsQuery], responses=s.StatsRow(many=True))
    @action(detail=False, methods=["get"])
    def statistics(self, request):
        """Per month and per cause, product or department: complaints, closed, average hours to close."""
        query = s.StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start = datetime.datetime.strptime(data["start"], "%Y-%m").date()
        end = datetime.datetime.strptime(data["end"], "%Y-%m").date()
        return Response(stats.complaint_statistics(request.user, start=start, end=end, by=data["by"]))


class _ActionViewSet(_ActionScopes, *_READ, ScopedViewSet):
    http_method_names = _METHODS
    action_scopes = {"done": "change", "verify": "change"}
    done_service: Any
    verify_service: Any

    @extend_schema(request=s.ResultInput)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """The owner reports the action done, with its result."""
        data = _input(s.ResultInput, request)
        obj = type(self).done_service(self.get_object(), actor=request.user, result=data["result"])
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """The action is checked and closed."""
        return Response(self.get_serializer(type(self).verify_service(self.get_object(), actor=request.user)).data)


class CorrectiveActionViewSet(_ActionViewSet):
    """Corrective actions of complaints with an internal cause, tracked until verified."""

    queryset = CorrectiveAction.objects.all()
    serializer_class = s.CorrectiveActionSerializer
    filterset_class = filters.CorrectiveActionFilterSet
    select_related = ("owner", "complaint")
    done_service = staticmethod(services.complete_corrective_action)
    verify_service = staticmethod(services.verify_corrective_action)


class ImprovementActionViewSet(_ActionViewSet):
    """Improvement actions from satisfaction surveys, tracked until verified."""

    queryset = ImprovementAction.objects.all()
    serializer_class = s.ImprovementActionSerializer
    filterset_class = filters.ImprovementActionFilterSet
    select_related = ("owner", "survey")
    done_service = staticmethod(surveys.complete_improvement)
    verify_service = staticmethod(surveys.verify_improvement)


class SurveyViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """Satisfaction surveys: plan, questionnaire, respondents (each with a public link), staff entry
    of phone or face-to-face answers, results, improvement actions."""

    queryset = Survey.objects.all()
    serializer_class = s.SurveySerializer
    filterset_class = filters.SurveyFilterSet
    select_related = ("owner", "department")
    http_method_names = _METHODS
    action_scopes = {"questions": "change", "respondents": "change", "open": "change", "close": "change",
                     "answers": "change", "improvements": "change", "results": "view"}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("questions", "respondents__customer")

    def create(self, request, *args, **kwargs):
        data = _input(s.SurveySerializer, request)
        obj = surveys.create_survey(actor=request.user, **data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def _fresh(self, obj: Survey) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)

    @extend_schema(request=s.QuestionInput, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        """Add a question to the draft questionnaire."""
        survey = self.get_object()
        surveys.add_question(survey, actor=request.user, **_input(s.QuestionInput, request))
        return self._fresh(survey)

    @extend_schema(request=s.RespondentsInput, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def respondents(self, request, pk=None):
        """Ask these customers (ids of customers you may view); each gets a public link."""
        survey = self.get_object()
        ids = _input(s.RespondentsInput, request)["customers"]
        customers = list(Customer.objects.restrict(request.user, "view").filter(pk__in=ids))
        if len(customers) != len(set(ids)):
            raise Http404
        surveys.add_respondents(survey, customers, actor=request.user)
        return self._fresh(survey)

    @extend_schema(request=None, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._fresh(surveys.open_survey(self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._fresh(surveys.close_survey(self.get_object(), actor=request.user))

    @extend_schema(request=s.EntryInput, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """Staff enter a respondent's answers given on the phone or face to face
        (`answers`: question id → value)."""
        survey = self.get_object()
        data = _input(s.EntryInput, request)
        respondent = survey.respondents.filter(pk=data["respondent"]).first()
        if respondent is None:
            raise Http404
        surveys.enter_answers(respondent, data["answers"], actor=request.user, channel=data["channel"])
        return self._fresh(survey)

    @extend_schema(responses=s.ResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Per question: answers, average rating, distribution (and the latest text answers)."""
        return Response(surveys.survey_results(self.get_object()))

    @extend_schema(request=s.ImprovementActionSerializer, responses=s.ImprovementActionSerializer)
    @action(detail=True, methods=["post"])
    def improvements(self, request, pk=None):
        """Record an improvement action (owner by login name, due date)."""
        survey = self.get_object()
        data = _input(s.ImprovementActionSerializer, request)
        obj = surveys.add_improvement(survey, actor=request.user, **data)
        return Response(s.ImprovementActionSerializer(obj).data, status=status.HTTP_201_CREATED)
