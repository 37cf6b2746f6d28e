"""Procurement API: each write and each action calls one service (the rules live there)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from yewu.core.api.base import ScopedViewSet
from yewu.procurement import comparison, services
from yewu.procurement.api import serializers as s
from yewu.procurement.api.documents import PurchaseOrderPdfMixin
from yewu.procurement.choices import SupplierStatus
from yewu.procurement.importing import import_suppliers
from yewu.procurement.models import (
    PaymentRequest,
    PurchaseContract,
    PurchaseOrder,
    Quotation,
    Receipt,
    Requisition,
    Supplier,
    SupplierIssue,
)

_READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


class _ActionScopes:
    """The action a custom endpoint needs on the record (the queryset is restricted to it)."""

    action_scopes: dict[str, str] = {}

    def scope_action(self) -> str:
        return self.action_scopes.get(self.action) or super().scope_action()


class RequisitionViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = Requisition.objects.all()
    serializer_class = s.RequisitionSerializer
    select_related = ("department", "requester", "approval")
    filterset_fields = ["status", "department"]
    search_fields = ["number", "title"]
    ordering_fields = ["created_at", "amount", "needed_by"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_scopes = {"submit": "change", "amend": "change", "cancel": "change"}

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        obj = services.save_requisition(None, data, lines=data.pop("lines", None), actor=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        obj = services.save_requisition(obj, data, lines=data.pop("lines", None), actor=request.user)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None, responses=s.RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the requisition into the procurement approval."""
        return Response(self.get_serializer(services.submit_requisition(self.get_object(), actor=request.user)).data)

    @extend_schema(request=None, responses=s.RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Make a new version of an approved requisition (the approved one is superseded)."""
        new = services.amend_requisition(self.get_object(), actor=request.user)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return Response(self.get_serializer(services.cancel_requisition(self.get_object(), actor=request.user)).data)

    @extend_schema(request=None, responses=s.ComparisonSerializer,
                   parameters=[OpenApiParameter("round", int, description="The round (default: the latest).")])
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        """The quotations of the requisition compared: lines × suppliers, lowest valid prices marked."""
        round_param = str(request.query_params.get("round", ""))
        result = comparison.compare(self.get_object(), Quotation.objects.restrict(request.user, "view"),
                                    round_no=int(round_param) if round_param.isdecimal() else None)
        return Response(s.ComparisonSerializer(result).data)


class SupplierViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = Supplier.objects.all()
    serializer_class = s.SupplierSerializer
    filterset_fields = ["status"]
    search_fields = ["name", "credit_code", "contact"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_scopes = {"qualify": "qualify", "warn": "qualify", "suspend": "qualify", "remove": "qualify",
                     "documents": "change", "evaluate": "qualify", "import_xlsx": "add"}

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = services.save_supplier(None, dict(ser.validated_data), actor=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        return Response(self.get_serializer(services.save_supplier(obj, dict(ser.validated_data), actor=request.user)).data)

    def _status(self, request, target):
        ser = s.ReasonInput(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = services.set_supplier_status(self.get_object(), target, actor=request.user,
                                           reason=ser.validated_data["reason"])
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=s.ReasonInput, responses=s.SupplierSerializer)
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        """Put the supplier on the qualified list (needs current qualification documents)."""
        return self._status(request, SupplierStatus.QUALIFIED)

    @extend_schema(request=s.ReasonInput, responses=s.SupplierSerializer)
    @action(detail=True, methods=["post"])
    def warn(self, request, pk=None):
        return self._status(request, SupplierStatus.WARNED)

    @extend_schema(request=s.ReasonInput, responses=s.SupplierSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._status(request, SupplierStatus.SUSPENDED)

    @extend_schema(request=s.ReasonInput, responses=s.SupplierSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """Take the supplier off the list: its open orders stay valid, no new ones can be made."""
        return self._status(request, SupplierStatus.REMOVED)

    @extend_schema(request=s.EvaluationSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        """Record the period's evaluation (weighted scores); its decision keeps, warns or removes."""
        ser = s.EvaluationSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        evaluation = services.evaluate_supplier(self.get_object(), dict(ser.validated_data), actor=request.user)
        return Response(s.EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": s.ImportInput}, responses=s.ImportReportSerializer)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_xlsx(self, request):
        """Import suppliers from an xlsx file: good rows are saved (a re-import updates, never
        duplicates), each bad row is reported with its reasons."""
        ser = s.ImportInput(data=request.data)
        ser.is_valid(raise_exception=True)
        report = import_suppliers(ser.validated_data["file"], actor=request.user)
        return Response({"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                         "errors": [{"row": row, "reasons": reasons} for row, reasons in report.errors]})

    @extend_schema(request=s.QualificationSerializer, responses=s.QualificationSerializer)
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        """Add a qualification document with its expiry date."""
        ser = s.QualificationSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        doc = services.add_qualification(self.get_object(), dict(ser.validated_data), actor=request.user)
        return Response(s.QualificationSerializer(doc).data, status=status.HTTP_201_CREATED)


class PurchaseOrderViewSet(PurchaseOrderPdfMixin, _ActionScopes, *_READ, ScopedViewSet):
    queryset = PurchaseOrder.objects.all()
    serializer_class = s.PurchaseOrderSerializer
    select_related = ("supplier", "requisition", "buyer", "approval")
    filterset_fields = ["status", "supplier", "requisition", "department"]
    search_fields = ["number"]
    ordering_fields = ["created_at", "amount", "delivery_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_scopes = {"submit": "change", "amend": "change", "cancel": "change", "receive": "view",
                     "request_payment": "view"}

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        obj = services.save_purchase_order(None, data, lines=data.pop("lines", None),
                                           instalments=data.pop("instalments", None), actor=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        data.pop("requisition", None)  # an order stays with its requisition
        obj = services.save_purchase_order(obj, data, lines=data.pop("lines", None),
                                           instalments=data.pop("instalments", None), actor=request.user)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None, responses=s.PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the order to the central department's review."""
        return Response(self.get_serializer(services.submit_purchase_order(self.get_object(), actor=request.user)).data)

    @extend_schema(request=None, responses=s.PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Make a new version of an issued order before goods arrive (the issued one is superseded)."""
        new = services.amend_purchase_order(self.get_object(), actor=request.user)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return Response(self.get_serializer(services.cancel_purchase_order(self.get_object(), actor=request.user)).data)

    @extend_schema(request=s.ReceiveInput, responses=s.ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Record a delivery and its inspection: accepted and rejected quantities per line."""
        ser = s.ReceiveInput(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        receipt = services.record_receipt(self.get_object(), lines=data["lines"], received_on=data.get("received_on"),
                                          report=data.get("report", ""), actor=request.user)
        return Response(s.ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PaymentInput, responses=s.PaymentRequestSerializer)
    @action(detail=True, methods=["post"], url_path="request-payment")
    def request_payment(self, request, pk=None):
        """Ask finance to pay one instalment (three-way match against order and inspection)."""
        ser = s.PaymentInput(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        payment = services.request_payment(self.get_object(), instalment=data["instalment"], amount=data.get("amount"),
                                           note=data.get("note", ""), actor=request.user)
        return Response(s.PaymentRequestSerializer(payment).data, status=status.HTTP_201_CREATED)


class ReceiptViewSet(*_READ, ScopedViewSet):
    queryset = Receipt.objects.all()
    serializer_class = s.ReceiptSerializer
    select_related = ("received_by",)
    filterset_fields = ["order", "result"]
    search_fields = ["number"]


class SupplierIssueViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = SupplierIssue.objects.all()
    serializer_class = s.SupplierIssueSerializer
    filterset_fields = ["supplier", "order", "status"]
    search_fields = ["number", "description"]
    action_scopes = {"resolve": "change"}

    @extend_schema(request=s.ReasonInput, responses=s.SupplierIssueSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        ser = s.ReasonInput(data=request.data)
        ser.is_valid(raise_exception=True)
        issue = services.resolve_supplier_issue(self.get_object(), resolution=ser.validated_data["reason"],
                                                actor=request.user)
        return Response(self.get_serializer(issue).data)


class PaymentRequestViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = PaymentRequest.objects.all()
    serializer_class = s.PaymentRequestSerializer
    select_related = ("instalment",)
    filterset_fields = ["order", "status"]
    search_fields = ["number"]
    action_scopes = {"approve": "approve", "reject": "approve", "pay": "pay"}

    @extend_schema(request=None, responses=s.PaymentRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Finance's check: the three-way match holds."""
        return Response(self.get_serializer(services.approve_payment(self.get_object(), actor=request.user)).data)

    @extend_schema(request=s.ReasonInput, responses=s.PaymentRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        ser = s.ReasonInput(data=request.data)
        ser.is_valid(raise_exception=True)
        pay = services.reject_payment(self.get_object(), actor=request.user, reason=ser.validated_data["reason"])
        return Response(self.get_serializer(pay).data)

    @extend_schema(request=s.PayInput, responses=s.PaymentRequestSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """Record the payment (date and bank reference); an instalment is paid once."""
        ser = s.PayInput(data=request.data)
        ser.is_valid(raise_exception=True)
        pay = services.pay_payment(self.get_object(), actor=request.user, paid_on=ser.validated_data.get("paid_on"),
                                   reference=ser.validated_data.get("reference", ""))
        return Response(self.get_serializer(pay).data)


class QuotationViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = Quotation.objects.all()
    serializer_class = s.QuotationSerializer
    select_related = ("supplier", "requisition", "created_by", "chosen_by")
    filterset_fields = ["requisition", "supplier", "round", "chosen"]
    search_fields = ["number", "supplier__name"]
    ordering_fields = ["created_at", "amount", "valid_until"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_scopes = {"choose": "choose", "order": "view"}

    def create(self, request, *args, **kwargs):
        """Record a quotation; the same supplier, requisition and round again replaces it (a re-quote)."""
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        obj = services.save_quotation(None, data, lines=data.pop("lines", None), actor=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        obj = services.save_quotation(obj, data, lines=data.pop("lines", None), actor=request.user)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=s.ChooseInput, responses=s.QuotationSerializer)
    @action(detail=True, methods=["post"])
    def choose(self, request, pk=None):
        """Choose this quotation (a reason is required when it is not the lowest valid total)."""
        ser = s.ChooseInput(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = services.choose_quotation(self.get_object(), reason=ser.validated_data["reason"], actor=request.user)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=s.OrderFromQuotationInput, responses=s.PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        """Create the draft purchase order from the chosen quotation (every order rule applies)."""
        ser = s.OrderFromQuotationInput(data=request.data)
        ser.is_valid(raise_exception=True)
        order = services.order_from_quotation(self.get_object(), dict(ser.validated_data), actor=request.user)
        return Response(s.PurchaseOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class PurchaseContractViewSet(_ActionScopes, *_READ, ScopedViewSet):
    queryset = PurchaseContract.objects.all()
    serializer_class = s.PurchaseContractSerializer
    select_related = ("supplier", "order", "drafted_by", "approval", "signed_copy")
    filterset_fields = ["status", "supplier", "order", "department"]
    search_fields = ["number", "title"]
    ordering_fields = ["created_at", "amount", "signed_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_scopes = {"submit": "change", "sign": "change", "file": "change", "amend": "change", "cancel": "change"}

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = services.save_contract(None, dict(ser.validated_data), actor=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = self.get_serializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        data.pop("order", None)  # a contract stays with its order
        return Response(self.get_serializer(services.save_contract(obj, data, actor=request.user)).data)

    @extend_schema(request=None, responses=s.PurchaseContractSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the draft to legal review."""
        return Response(self.get_serializer(services.submit_contract(self.get_object(), actor=request.user)).data)

    @extend_schema(request={"multipart/form-data": s.SignInput}, responses=s.PurchaseContractSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def sign(self, request, pk=None):
        """Record the signing: date and signed copy (file). An order waiting for it is issued."""
        ser = s.SignInput(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = services.sign_contract(self.get_object(), signed_on=ser.validated_data.get("signed_on"),
                                     signed_copy=ser.validated_data.get("signed_copy"), actor=request.user)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None, responses=s.PurchaseContractSerializer)
    @action(detail=True, methods=["post"], url_path="file")
    def file(self, request, pk=None):
        """Put the signed contract on file."""
        return Response(self.get_serializer(services.file_contract(self.get_object(), actor=request.user)).data)

    @extend_schema(request=s.ContractAmendInput, responses=s.PurchaseContractSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Make a new version of an approved, signed or filed contract (the old one is superseded)."""
        ser = s.ContractAmendInput(data=request.data)
        ser.is_valid(raise_exception=True)
        new = services.amend_contract(self.get_object(), dict(ser.validated_data), actor=request.user)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PurchaseContractSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return Response(self.get_serializer(services.cancel_contract(self.get_object(), actor=request.user)).data)
