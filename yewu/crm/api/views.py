"""CRM API: each write and each action calls one service (the rules live there); lists use the
same filters as the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yewu.core.api.base import ScopedViewSet
from yewu.core.api.parsers import MultiPartParser
from yewu.crm import filters, services
from yewu.crm.api import serializers as s
from yewu.crm.importing import import_customers
from yewu.crm.models import (
    CareTask,
    CareTemplate,
    Communication,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
    Visit,
)

_READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)
_WRITE_METHODS = ["get", "post", "patch", "head", "options"]


class _ActionScopes:
    """The action a custom endpoint needs on the record (the queryset is restricted to it)."""

    action_scopes: dict[str, str] = {}

    def scope_action(self) -> str:
        return self.action_scopes.get(self.action) or super().scope_action()


def _input(serializer_class: type, request: Any) -> dict[str, Any]:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _other(model: type, request: Any, pk: int, action: str = "change") -> Any:
    obj = model.objects.restrict(request.user, action).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


class LeadViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """The lead register: registration (with a duplicate warning in `duplicates`), evaluation,
    assignment, conversion, closing and merging."""

    queryset = Lead.objects.all()
    serializer_class = s.LeadSerializer
    filterset_class = filters.LeadFilterSet
    select_related = ("owner", "source", "department")
    search_fields = ["number", "company_name", "contact_name"]
    ordering_fields = ["created_at", "company_name"]
    http_method_names = _WRITE_METHODS
    action_scopes = {"evaluate": "evaluate", "assign": "evaluate", "convert": "change", "close": "change",
                     "merge": "change", "communicate": "view", "duplicates": "add", "needs_analysis": "view"}

    def _respond(self, obj: Lead, code: int = status.HTTP_200_OK) -> Response:
        dupes = services.duplicates_of({"name": obj.company_name, "phone": obj.phone, "email": obj.email,
                                        "credit_code": obj.credit_code}, actor=self.request.user, exclude=obj)
        ser = self.get_serializer(obj, context={**self.get_serializer_context(), "duplicates": dupes})
        return Response(ser.data, status=code)

    def create(self, request, *args, **kwargs):
        data = self._validated(request)
        return self._respond(services.save_lead(None, data, actor=request.user), status.HTTP_201_CREATED)

    def _validated(self, request, instance=None, partial=False) -> dict[str, Any]:
        ser = self.get_serializer(instance, data=request.data, partial=partial)
        ser.is_valid(raise_exception=True)
        return dict(ser.validated_data)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        return self._respond(services.save_lead(obj, self._validated(request, obj, True), actor=request.user))

    @extend_schema(parameters=[s.DuplicateQuery], responses=s.DuplicateSerializer(many=True))
    @action(detail=False, methods=["get"])
    def duplicates(self, request):
        """Leads and customers that look like the given name, phone, e-mail or credit code (ask before
        registering; records you may not see are named by owner only)."""
        query = s.DuplicateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = services.find_duplicates(actor=request.user, **query.validated_data)
        return Response([c.as_dict() for c in found])

    @extend_schema(request=s.EvaluateInput, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        """The business manager's first evaluation (a lead out of scope needs the reason)."""
        data = _input(s.EvaluateInput, request)
        return self._respond(services.evaluate_lead(self.get_object(), actor=request.user, **data))

    @extend_schema(request=s.AssignInput, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Hand an in-scope lead to a project manager or specialist (login name)."""
        data = _input(s.AssignInput, request)
        return self._respond(services.assign_lead(self.get_object(), assignee=data["assignee"], actor=request.user))

    @extend_schema(request=s.NeedsAnalysisInput, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"], url_path="needs-analysis")
    def needs_analysis(self, request, pk=None):
        """The assignee's needs analysis: a summary, or none when the report is attached to the lead
        (completes the business-intake step when the process runs)."""
        data = _input(s.NeedsAnalysisInput, request)
        return self._respond(services.record_needs_analysis(self.get_object(), actor=request.user, **data))

    @extend_schema(request=s.ConvertInput, responses=s.CustomerSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Convert to a new customer (needs `customer_class`) or attach to an existing `customer`."""
        data = _input(s.ConvertInput, request)
        customer = _other(Customer, request, data["customer"]) if data.get("customer") else None
        values = {"customer_class": data["customer_class"]} if data.get("customer_class") else {}
        result = services.convert_lead(self.get_object(), customer=customer, values=values, actor=request.user)
        return Response(s.CustomerSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(request=s.ReasonInput, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = _input(s.ReasonInput, request)
        return self._respond(services.close_lead(self.get_object(), reason=data["reason"], actor=request.user))

    @extend_schema(request=s.MergeInput, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge this lead (a duplicate) into lead `into`; returns the lead kept."""
        data = _input(s.MergeInput, request)
        keep = services.merge_leads(self.get_object(), _other(Lead, request, data["into"]), actor=request.user)
        return self._respond(keep)

    @extend_schema(request=s.CommunicationSerializer, responses=s.CommunicationSerializer)
    @action(detail=True, methods=["post"])
    def communicate(self, request, pk=None):
        """Record a communication with the lead."""
        ser = s.CommunicationSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        comm = services.log_communication(dict(ser.validated_data), lead=self.get_object(), actor=request.user)
        return Response(s.CommunicationSerializer(comm).data, status=status.HTTP_201_CREATED)


class CustomerViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """Customers with their contacts and activities; creation answers possible duplicates."""

    queryset = Customer.objects.all()
    serializer_class = s.CustomerSerializer
    filterset_class = filters.CustomerFilterSet
    select_related = ("owner", "customer_class", "department", "loyalty__tier")
    search_fields = ["number", "name", "credit_code", "phone"]
    ordering_fields = ["name", "created_at", "last_contact_on", "credit_limit"]
    http_method_names = _WRITE_METHODS
    action_scopes = {"merge": "change", "contacts": "change", "visits": "view", "communicate": "view",
                     "follow_ups": "view", "import_xlsx": "add"}

    def _respond(self, obj: Customer, code: int = status.HTTP_200_OK, check: bool = False) -> Response:
        context = self.get_serializer_context()
        if check:
            context["duplicates"] = services.duplicates_of(
                {"name": obj.name, "phone": obj.phone, "email": obj.email, "credit_code": obj.credit_code},
                actor=self.request.user, exclude=obj)
        return Response(s.CustomerSerializer(obj, context=context).data, status=code)

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = services.save_customer(None, dict(ser.validated_data), actor=request.user)
        return self._respond(obj, status.HTTP_201_CREATED, check=True)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        return self._respond(services.save_customer(obj, dict(ser.validated_data), actor=request.user))

    @extend_schema(request=s.MergeInput, responses=s.CustomerSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge this customer (a duplicate) into customer `into`; returns the customer kept."""
        data = _input(s.MergeInput, request)
        keep = services.merge_customers(self.get_object(), _other(Customer, request, data["into"]), actor=request.user)
        return self._respond(keep)

    @extend_schema(request=s.ContactSerializer, responses=s.ContactSerializer)
    @action(detail=True, methods=["post"])
    def contacts(self, request, pk=None):
        """Add a contact to the customer."""
        data = _input(s.ContactSerializer, request)
        contact = services.save_contact(None, data, customer=self.get_object(), actor=request.user)
        return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VisitSerializer, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"])
    def visits(self, request, pk=None):
        """Plan a visit (today or later) for yourself or a named visitor."""
        ser = s.VisitSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        visit = services.plan_visit(self.get_object(), dict(ser.validated_data), actor=request.user)
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CommunicationSerializer, responses=s.CommunicationSerializer)
    @action(detail=True, methods=["post"])
    def communicate(self, request, pk=None):
        """Record a communication; a `follow_up_due` date makes a follow-up task."""
        ser = s.CommunicationSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        comm = services.log_communication(dict(ser.validated_data), customer=self.get_object(), actor=request.user)
        return Response(s.CommunicationSerializer(comm).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.FollowUpSerializer, responses=s.FollowUpSerializer)
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, pk=None):
        """Add a follow-up task for the customer's owner."""
        data = _input(s.FollowUpSerializer, request)
        fu = services.save_follow_up(None, data, customer=self.get_object(), actor=request.user)
        return Response(s.FollowUpSerializer(fu).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": s.ImportInput}, responses=s.ImportReportSerializer)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_xlsx(self, request):
        """Import customers and contacts from an xlsx file: good rows are saved (a re-import updates,
        never duplicates), each bad row is reported with its reasons, possible duplicates as warnings."""
        data = _input(s.ImportInput, request)
        report = import_customers(data["file"], actor=request.user)
        return Response({
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "contacts": report.contacts,
            "errors": [{"row": row, "reasons": reasons} for row, reasons in report.errors],
            "warnings": [{"row": row, "reasons": text} for row, text in report.warnings],
        })


class ContactViewSet(*_READ, ScopedViewSet):
    queryset = Contact.objects.all()
    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilterSet
    search_fields = ["name", "phone", "email"]
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        return Response(self.get_serializer(services.save_contact(obj, dict(ser.validated_data),
                                                                  actor=request.user)).data)


class VisitViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = Visit.objects.all()
    serializer_class = s.VisitSerializer
    filterset_class = filters.VisitFilterSet
    select_related = ("owner", "customer")
    ordering_fields = ["planned_on"]
    http_method_names = ["get", "post", "head", "options"]
    action_scopes = {"check_in": "change", "cancel": "change"}

    @extend_schema(request=s.CheckInInput, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Record that the visit took place (notes, outcome, next step and its date)."""
        data = _input(s.CheckInInput, request)
        return Response(self.get_serializer(services.check_in_visit(self.get_object(), data, actor=request.user)).data)

    @extend_schema(request=s.ReasonInput, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _input(s.ReasonInput, request)
        visit = services.cancel_visit(self.get_object(), reason=data["reason"], actor=request.user)
        return Response(self.get_serializer(visit).data)


class CommunicationViewSet(*_READ, ScopedViewSet):
    """The communication log (entries are recorded on a customer or lead and not changed later)."""

    queryset = Communication.objects.all()
    serializer_class = s.CommunicationSerializer
    filterset_class = filters.CommunicationFilterSet
    select_related = ("author", "owner")
    ordering_fields = ["at"]


class FollowUpViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """Follow-up tasks; `?overdue=true` lists the missed ones."""

    queryset = FollowUp.objects.all()
    serializer_class = s.FollowUpSerializer
    filterset_class = filters.FollowUpFilterSet
    select_related = ("owner",)
    ordering_fields = ["due_on"]
    http_method_names = _WRITE_METHODS
    action_scopes = {"complete": "change", "cancel": "change"}

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        return Response(self.get_serializer(services.save_follow_up(obj, dict(ser.validated_data),
                                                                    actor=request.user)).data)

    @extend_schema(request=s.CompleteInput, responses=s.FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record the contact made; it closes the follow-up."""
        data = _input(s.CompleteInput, request)
        return Response(self.get_serializer(services.complete_follow_up(self.get_object(), data,
                                                                        actor=request.user)).data)

    @extend_schema(request=s.ReasonInput, responses=s.FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _input(s.ReasonInput, request)
        fu = services.cancel_follow_up(self.get_object(), reason=data["reason"], actor=request.user)
        return Response(self.get_serializer(fu).data)


class CareTaskViewSet(_ActionScopes, *_READ, ScopedViewSet):
    """Birthday and holiday greetings prepared for the owners."""

    queryset = CareTask.objects.all()
    serializer_class = s.CareTaskSerializer
    filterset_class = filters.CareTaskFilterSet
    select_related = ("owner",)
    http_method_names = ["get", "post", "head", "options"]
    action_scopes = {"sent": "change", "skip": "change"}

    @extend_schema(request=s.CareDoneInput, responses=s.CareTaskSerializer)
    @action(detail=True, methods=["post"])
    def sent(self, request, pk=None):
        data = _input(s.CareDoneInput, request)
        task = services.finish_care_task(self.get_object(), sent=True, message=data["message"] or None,
                                         actor=request.user)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=s.ReasonInput, responses=s.CareTaskSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        data = _input(s.ReasonInput, request)
        task = services.finish_care_task(self.get_object(), sent=False, reason=data["reason"], actor=request.user)
        return Response(self.get_serializer(task).data)


def _setting_viewset(model: type, serializer: type, filterset: type) -> type:
    def create(self, request, *args, **kwargs):
        obj = services.save_setting(model, None, _input(serializer, request), actor=request.user)
        return Response(serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        return Response(serializer(services.save_setting(model, obj, dict(ser.validated_data),
                                                         actor=request.user)).data)

    return type(f"{model.__name__}ViewSet", (*_READ, ScopedViewSet), {
        "queryset": model.objects.all(), "serializer_class": serializer, "filterset_class": filterset,
        "http_method_names": _WRITE_METHODS, "create": create, "partial_update": partial_update,
        "__module__": __name__, "__doc__": f"{model._meta.verbose_name_plural} (company-wide settings).",
    })


LeadSourceViewSet = _setting_viewset(LeadSource, s.LeadSourceSerializer, filters.LeadSourceFilterSet)
CustomerClassViewSet = _setting_viewset(CustomerClass, s.CustomerClassSerializer, filters.CustomerClassFilterSet)
HolidayViewSet = _setting_viewset(Holiday, s.HolidaySerializer, filters.HolidayFilterSet)
CareTemplateViewSet = _setting_viewset(CareTemplate, s.CareTemplateSerializer, filters.CareTemplateFilterSet)
