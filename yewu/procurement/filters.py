"""List filters of the procurement pages (the same queryset the user may view, narrowed)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yewu.org.filters import ScopedFilterSet
from yewu.org.models import Department
from yewu.procurement.choices import (
    ContractStatus,
    InspectionResult,
    IssueStatus,
    OrderStatus,
    PaymentStatus,
    RequisitionStatus,
    SupplierStatus,
)
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


class RequisitionFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "purpose")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequisitionStatus.choices)
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())

    class Meta:
        model = Requisition
        fields = ["q", "status", "department"]


class SupplierFilterSet(ScopedFilterSet):
    search_fields = ("name", "credit_code", "contact")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SupplierStatus.choices)

    class Meta:
        model = Supplier
        fields = ["q", "status"]


class PurchaseOrderFilterSet(ScopedFilterSet):
    search_fields = ("number", "supplier__name", "requisition__number")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=Supplier.objects.all())

    class Meta:
        model = PurchaseOrder
        fields = ["q", "status", "supplier"]


class ReceiptFilterSet(ScopedFilterSet):
    search_fields = ("number", "order__number", "order__supplier__name")
    result = django_filters.ChoiceFilter(label=_("Inspection result"), choices=InspectionResult.choices)

    class Meta:
        model = Receipt
        fields = ["q", "result"]


class SupplierIssueFilterSet(ScopedFilterSet):
    search_fields = ("number", "supplier__name", "description")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=IssueStatus.choices)

    class Meta:
        model = SupplierIssue
        fields = ["q", "status"]


class PaymentRequestFilterSet(ScopedFilterSet):
    search_fields = ("number", "order__number", "order__supplier__name")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PaymentStatus.choices)

    class Meta:
        model = PaymentRequest
        fields = ["q", "status"]


class QuotationFilterSet(ScopedFilterSet):
    search_fields = ("number", "supplier__name", "requisition__number", "requisition__title")
    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=Supplier.objects.all())
    chosen = django_filters.BooleanFilter(label=_("Chosen"))
    valid = django_filters.BooleanFilter(label=_("Still valid"), method="still_valid")

    class Meta:
        model = Quotation
        fields = ["q", "supplier", "chosen", "valid"]

    def still_valid(self, queryset, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        return queryset.filter(valid_until__gte=today) if value else queryset.filter(valid_until__lt=today)


class PurchaseContractFilterSet(ScopedFilterSet):
    search_fields = ("number", "title", "order__number", "supplier__name")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContractStatus.choices)
    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=Supplier.objects.all())
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())

    class Meta:
        model = PurchaseContract
        fields = ["q", "status", "supplier", "department"]
