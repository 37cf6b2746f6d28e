"""API representations of the procurement records; writes are parsed here and done by the services."""

from __future__ import annotations

from rest_framework import serializers

from yewu.org.api.serializers import ScopedRelatedField
from yewu.org.models import Department
from yewu.procurement.models import (
    Instalment,
    PaymentRequest,
    PurchaseContract,
    PurchaseOrder,
    PurchaseOrderLine,
    Quotation,
    QuotationLine,
    Receipt,
    ReceiptLine,
    Requisition,
    RequisitionLine,
    Supplier,
    SupplierEvaluation,
    SupplierIssue,
    SupplierQualification,
)


class RequisitionLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = RequisitionLine
        fields = ["id", "seq", "name", "specification", "quantity", "unit", "budget_price", "amount"]
        read_only_fields = ["seq"]


class RequisitionSerializer(serializers.ModelSerializer):
    department = ScopedRelatedField(queryset=Department.objects.all(), required=False)
    lines = RequisitionLineSerializer(many=True, required=False)
    requester = serializers.CharField(source="requester.username", read_only=True)
    approval = serializers.CharField(source="approval.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Requisition
        fields = [
            "id", "number", "version", "previous", "title", "department", "requester", "purpose", "needed_by",
            "amount", "status", "approval", "created_at", "approved_at", "lines",
        ]
        read_only_fields = ["number", "version", "previous", "amount", "status", "created_at", "approved_at"]


class QualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierQualification
        fields = ["id", "kind", "name", "reference", "issued_on", "expires_on", "created_at"]
        read_only_fields = ["created_at"]


class EvaluationSerializer(serializers.ModelSerializer):
    quality_weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    delivery_weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    price_weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    service_weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    decision = serializers.ChoiceField(choices=SupplierEvaluation._meta.get_field("decision").choices, required=False)

    class Meta:
        model = SupplierEvaluation
        fields = ["id", "period", "quality", "delivery", "price", "service", "quality_weight", "delivery_weight",
                  "price_weight", "service_weight", "score", "decision", "notes", "created_at"]
        read_only_fields = ["score", "created_at"]


class SupplierSerializer(serializers.ModelSerializer):
    categories = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    qualifications = QualificationSerializer(many=True, read_only=True)
    evaluations = EvaluationSerializer(many=True, read_only=True)
    qualified_until = serializers.DateField(read_only=True, allow_null=True)
    can_take_orders = serializers.BooleanField(read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id", "name", "credit_code", "categories", "contact", "phone", "email", "address", "bank_account",
            "notes", "status", "status_reason", "qualified_until", "can_take_orders", "qualifications", "evaluations",
            "created_at",
        ]
        read_only_fields = ["status", "status_reason", "created_at"]


class OrderLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    accepted_quantity = serializers.DecimalField(max_digits=16, decimal_places=3, read_only=True)
    requisition_line = serializers.IntegerField(source="requisition_line_id", required=False, allow_null=True,
                                                min_value=1, max_value=2**31 - 1)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "seq", "requisition_line", "name", "specification", "quantity", "unit", "unit_price",
                  "amount", "accepted_quantity"]
        read_only_fields = ["seq"]

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if "requisition_line_id" in value:
            value["requisition_line"] = value.pop("requisition_line_id")
        return value


class InstalmentSerializer(serializers.ModelSerializer):
    paid = serializers.SerializerMethodField()

    class Meta:
        model = Instalment
        fields = ["id", "seq", "description", "amount", "due_on", "paid"]
        read_only_fields = ["seq"]

    def get_paid(self, obj) -> bool:
        return obj.payments.filter(status="paid").exists() if obj.pk else False


class PurchaseOrderSerializer(serializers.ModelSerializer):
    requisition = ScopedRelatedField(queryset=Requisition.objects.all())
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    lines = OrderLineSerializer(many=True, required=False)
    instalments = InstalmentSerializer(many=True, required=False)
    buyer = serializers.CharField(source="buyer.username", read_only=True)
    approval = serializers.CharField(source="approval.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id", "number", "version", "previous", "requisition", "supplier", "department", "buyer",
            "delivery_date", "delivery_place", "notes", "important", "needs_contract", "quotation", "amount",
            "status", "approval", "created_at", "issued_at", "lines", "instalments",
        ]
        read_only_fields = ["number", "version", "previous", "department", "needs_contract", "quotation", "amount",
                            "status", "created_at", "issued_at"]


class ReceiptLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceiptLine
        fields = ["id", "order_line", "accepted", "rejected", "note"]


class ReceiptSerializer(serializers.ModelSerializer):
    lines = ReceiptLineSerializer(many=True, read_only=True)
    received_by = serializers.CharField(source="received_by.username", read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "number", "order", "received_on", "received_by", "result", "report", "created_at", "lines"]
        read_only_fields = fields


class ReceiveLineInput(serializers.Serializer):
    order_line = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    accepted = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, default=0)
    rejected = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, default=0)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReceiveInput(serializers.Serializer):
    received_on = serializers.DateField(required=False, allow_null=True)
    report = serializers.CharField(required=False, allow_blank=True, default="")
    lines = ReceiveLineInput(many=True)


class PaymentInput(serializers.Serializer):
    instalment = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PayInput(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class SupplierIssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierIssue
        fields = ["id", "number", "supplier", "order", "receipt", "description", "status", "resolution",
                  "created_at", "resolved_at"]
        read_only_fields = fields


class PaymentRequestSerializer(serializers.ModelSerializer):
    instalment_seq = serializers.IntegerField(source="instalment.seq", read_only=True)

    class Meta:
        model = PaymentRequest
        fields = ["id", "number", "order", "instalment", "instalment_seq", "amount", "note", "status",
                  "requested_at", "checked_at", "paid_on", "reference"]
        read_only_fields = fields


class ImportInput(serializers.Serializer):
    file = serializers.FileField()


class ImportRowError(serializers.Serializer):
    row = serializers.IntegerField()
    reasons = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = ImportRowError(many=True)


class QuotationLineSerializer(serializers.ModelSerializer):
    requisition_line = serializers.IntegerField(source="requisition_line_id", min_value=1, max_value=2**31 - 1)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = QuotationLine
        fields = ["requisition_line", "unit_price", "amount"]

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["requisition_line"] = value.pop("requisition_line_id")
        return value


class QuotationSerializer(serializers.ModelSerializer):
    requisition = ScopedRelatedField(queryset=Requisition.objects.all())
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    lines = QuotationLineSerializer(many=True, required=False)
    round = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    chosen_by = serializers.CharField(source="chosen_by.username", read_only=True, allow_null=True, default=None)
    is_valid = serializers.SerializerMethodField()

    class Meta:
        model = Quotation
        fields = [
            "id", "number", "requisition", "supplier", "round", "delivery_days", "delivery_date", "payment_terms",
            "valid_until", "note", "amount", "is_valid", "chosen", "choice_reason", "chosen_by", "chosen_at",
            "created_by", "created_at", "updated_at", "lines",
        ]
        read_only_fields = ["number", "amount", "chosen", "choice_reason", "chosen_at", "created_at", "updated_at"]
        validators = []  # a second quotation of a supplier in a round is a re-quote (the service replaces it)

    def get_is_valid(self, obj) -> bool:
        return obj.is_valid_on()


class ChooseInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OrderFromQuotationInput(serializers.Serializer):
    delivery_place = serializers.CharField(required=False, allow_blank=True, max_length=300)
    important = serializers.BooleanField(required=False)


class ComparisonCellSerializer(serializers.Serializer):
    quotation = serializers.IntegerField(source="quotation.pk")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    lowest = serializers.BooleanField()


class ComparisonRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line.pk")
    name = serializers.CharField(source="line.name")
    quantity = serializers.DecimalField(source="line.quantity", max_digits=14, decimal_places=3)
    cells = ComparisonCellSerializer(many=True)


class ComparisonQuotationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    supplier = serializers.IntegerField(source="supplier_id")
    supplier_name = serializers.CharField(source="supplier.name")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    delivery_date = serializers.DateField(source="expected_delivery", allow_null=True)
    payment_terms = serializers.CharField()
    valid_until = serializers.DateField()
    chosen = serializers.BooleanField()


class ComparisonSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    rounds = serializers.ListField(child=serializers.IntegerField())
    quotations = ComparisonQuotationSerializer(many=True)
    rows = ComparisonRowSerializer(many=True)
    lowest_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    valid = serializers.SerializerMethodField()

    def get_valid(self, obj) -> list[int]:
        return sorted(obj.valid)


class PurchaseContractSerializer(serializers.ModelSerializer):
    order = ScopedRelatedField(queryset=PurchaseOrder.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    drafted_by = serializers.CharField(source="drafted_by.username", read_only=True)
    approval = serializers.CharField(source="approval.number", read_only=True, allow_null=True, default=None)
    signed_copy = serializers.CharField(source="signed_copy.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PurchaseContract
        fields = [
            "id", "number", "version", "previous", "order", "supplier", "department", "title", "terms", "amount",
            "status", "approval", "signed_on", "signed_copy", "drafted_by", "created_at", "approved_at", "filed_at",
        ]
        read_only_fields = ["number", "version", "previous", "supplier", "department", "status", "signed_on",
                            "created_at", "approved_at", "filed_at"]


class ContractAmendInput(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    terms = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)


class SignInput(serializers.Serializer):
    signed_on = serializers.DateField(required=False, allow_null=True)
    signed_copy = serializers.FileField(required=False)
