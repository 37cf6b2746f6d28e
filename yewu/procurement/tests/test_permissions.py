"""Every procurement model against every data scope, through every channel it is exposed on
(queryset, UI list, csv/xlsx export, UI detail, search, API list and detail, changes and creates);
see yewu/core/testing/permissions.py."""

from __future__ import annotations

import datetime

from django.utils import timezone

from yewu.core.testing.factories import EmployeeFactory
from yewu.core.testing.permissions import Place, ScopedModelSpec, ScopedModelTests, register, unique
from yewu.procurement.choices import OrderStatus, RequisitionStatus
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
from yewu.procurement.tests import factories as f


def _someone(dept):
    return EmployeeFactory(department=dept).user


def _requisition(world, dept, owner=None, status=RequisitionStatus.DRAFT):
    return f.requisition(owner or _someone(dept), dept, status=status, title=unique("采购"))


def _order(world, dept, buyer=None, status=OrderStatus.DRAFT):
    req = _requisition(world, dept, status=RequisitionStatus.APPROVED)
    return f.order(req, f.qualified_supplier(), buyer or _someone(dept), status=status)


def _receipt(world, dept, inspector=None):
    return f.receipt(_order(world, dept, status=OrderStatus.ISSUED), inspector or _someone(dept))


def _payment(world, dept, requester=None):
    po = _order(world, dept, status=OrderStatus.ISSUED)
    f.receipt(po, _someone(dept))
    from yewu.core.services import next_number

    inst = po.instalments.get()
    return PaymentRequest.objects.create(number=next_number("PAY"), order=po, instalment=inst, amount=inst.amount,
                                         requested_by=requester or _someone(dept))


def _requisition_payload(world, place):
    lines = [{"name": "打印纸", "quantity": "1", "unit": "箱", "budget_price": "10"}]
    if place == Place.OWNED:  # the user's own requisition in their own department
        return {"title": unique("采购"), "purpose": "办公", "lines": lines}
    if place == Place.HOME:
        return None  # own department: the same payload as OWNED (every requester may raise one there)
    return {"title": unique("采购"), "purpose": "办公", "department": world.department(place).pk, "lines": lines}


class TestRequisitionPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Requisition,
        make=lambda world, dept: _requisition(world, dept),
        make_owned=lambda world: _requisition(world, world.company.sales, owner=world.user),
        list_url="procurement:requisition_list",
        detail_url="procurement:requisition_detail",
        search_field="title",
        api_path="/api/procurement/requisitions/",
        api_patch=lambda obj: {"purpose": unique("changed ")},
        edit_url="procurement:requisition_edit",
        edit_changes=lambda obj: {"purpose": unique("changed ")},
        api_create=_requisition_payload,
    ))


class TestRequisitionLinePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        RequisitionLine,
        make=lambda world, dept: _requisition(world, dept).lines.first(),
        make_owned=lambda world: _requisition(world, world.company.sales, owner=world.user).lines.first(),
    ))


class TestSupplierPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Supplier,
        make=lambda world, dept: f.qualified_supplier(),  # company-wide reference data
        list_url="procurement:supplier_list",
        detail_url="procurement:supplier_detail",
        search_field="name",
        api_path="/api/procurement/suppliers/",
        api_patch=lambda obj: {"notes": unique("changed ")},
        edit_url="procurement:supplier_edit",
        edit_changes=lambda obj: {"notes": unique("changed "), "categories": "办公用品"},
        api_create=lambda world, place: {"name": unique("新供应商")},
    ))


class TestSupplierQualificationPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        SupplierQualification,
        make=lambda world, dept: f.qualified_supplier().qualifications.first(),
    ))


class TestPurchaseOrderPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        PurchaseOrder,
        make=lambda world, dept: _order(world, dept),
        make_owned=lambda world: _order(world, world.company.sales, buyer=world.user),
        list_url="procurement:purchaseorder_list",
        detail_url="procurement:purchaseorder_detail",
        search_field="number",
        api_path="/api/procurement/purchase-orders/",
        api_patch=lambda obj: {"notes": unique("changed ")},
        edit_url="procurement:purchaseorder_edit",
        edit_changes=lambda obj: {"notes": unique("changed ")},
    ))


class TestPurchaseOrderLinePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        PurchaseOrderLine,
        make=lambda world, dept: _order(world, dept).lines.first(),
        make_owned=lambda world: _order(world, world.company.sales, buyer=world.user).lines.first(),
    ))


class TestInstalmentPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Instalment,
        make=lambda world, dept: _order(world, dept).instalments.first(),
        make_owned=lambda world: _order(world, world.company.sales, buyer=world.user).instalments.first(),
    ))


class TestReceiptPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Receipt,
        make=lambda world, dept: _receipt(world, dept),
        make_owned=lambda world: _receipt(world, world.company.sales, inspector=world.user),
        list_url="procurement:receipt_list",
        detail_url="procurement:receipt_detail",
        api_path="/api/procurement/receipts/",
    ))


class TestReceiptLinePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        ReceiptLine,
        make=lambda world, dept: _receipt(world, dept).lines.first(),
        make_owned=lambda world: _receipt(world, world.company.sales, inspector=world.user).lines.first(),
    ))


class TestSupplierIssuePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        SupplierIssue,
        make=lambda world, dept: f.issue(_order(world, dept, status=OrderStatus.ISSUED), _someone(dept)),
        make_owned=lambda world: f.issue(_order(world, world.company.sales, status=OrderStatus.ISSUED), world.user),
        list_url="procurement:supplierissue_list",
        detail_url="procurement:supplierissue_detail",
        api_path="/api/procurement/supplier-issues/",
        api_change_action="resolve",
        ui_change_action_url="procurement:supplierissue_resolve",
    ))


class TestPaymentRequestPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        PaymentRequest,
        make=lambda world, dept: _payment(world, dept),
        make_owned=lambda world: _payment(world, world.company.sales, requester=world.user),
        list_url="procurement:paymentrequest_list",
        detail_url="procurement:paymentrequest_detail",
        api_path="/api/procurement/payment-requests/",
        change_action="approve",
        api_change_action="approve",
        ui_change_action_url="procurement:paymentrequest_approve",
    ))


class TestSupplierEvaluationPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        SupplierEvaluation,
        make=lambda world, dept: SupplierEvaluation.objects.create(
            supplier=f.qualified_supplier(), period="2026", quality=90, delivery=90, price=90, service=90,
            quality_weight=40, delivery_weight=30, price_weight=20, service_weight=10, score=90, decision="keep",
            evaluated_by=world.company.admin,
        ),
    ))


def _quotation(world, dept, owner=None):
    req = _requisition(world, dept, status=RequisitionStatus.APPROVED)
    return f.quotation(req, f.qualified_supplier(), owner or _someone(dept))


def _quotation_payload(world, place):
    if place == Place.HOME:
        return None  # own department: the same payload as OWNED
    dept = world.company.sales if place == Place.OWNED else world.department(place)
    req = _requisition(world, dept, status=RequisitionStatus.APPROVED)
    return {"requisition": req.pk, "supplier": f.qualified_supplier().pk,
            "valid_until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "lines": [{"requisition_line": line.pk, "unit_price": "20"} for line in req.lines.all()]}


class TestQuotationPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        Quotation,
        make=lambda world, dept: _quotation(world, dept),
        make_owned=lambda world: _quotation(world, world.company.sales, owner=world.user),
        list_url="procurement:quotation_list",
        detail_url="procurement:quotation_detail",
        search_field="number",
        api_path="/api/procurement/quotations/",
        api_patch=lambda obj: {"note": unique("changed ")},
        edit_url="procurement:quotation_edit",
        edit_changes=lambda obj: {"note": unique("changed ")},
        api_create=_quotation_payload,
    ))


class TestQuotationLinePermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        QuotationLine,
        make=lambda world, dept: _quotation(world, dept).lines.first(),
        make_owned=lambda world: _quotation(world, world.company.sales, owner=world.user).lines.first(),
    ))


def _contract(world, dept, owner=None):
    po = _order(world, dept)
    return f.contract(po, owner or _someone(dept))


def _contract_payload(world, place):
    if place == Place.HOME:
        return None  # own department: the same payload as OWNED
    dept = world.company.sales if place == Place.OWNED else world.department(place)
    return {"order": _order(world, dept).pk, "title": unique("合同")}


class TestPurchaseContractPermissions(ScopedModelTests):
    spec = register(ScopedModelSpec(
        PurchaseContract,
        make=lambda world, dept: _contract(world, dept),
        make_owned=lambda world: _contract(world, world.company.sales, owner=world.user),
        list_url="procurement:purchasecontract_list",
        detail_url="procurement:purchasecontract_detail",
        search_field="title",
        api_path="/api/procurement/purchase-contracts/",
        api_patch=lambda obj: {"terms": unique("changed ")},
        edit_url="procurement:purchasecontract_edit",
        edit_changes=lambda obj: {"terms": unique("changed ")},
        api_create=_contract_payload,
    ))
