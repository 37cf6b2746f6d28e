"""Builders for procurement tests: records in a given state, made directly (the services are what
the tests prove; these only set the scene)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from yewu.core.services import next_number
from yewu.procurement.choices import OrderStatus, RequisitionStatus, SupplierStatus
from yewu.procurement.models import (
    Instalment,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Requisition,
    RequisitionLine,
    Supplier,
    SupplierIssue,
    SupplierQualification,
)


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"供应商{n}有限公司")
    credit_code = factory.Sequence(lambda n: f"9131{n:014d}")
    categories = factory.LazyFunction(lambda: ["办公用品"])


def qualified_supplier(*, expires_in_days: int | None = 365, status: str = SupplierStatus.QUALIFIED, **kw: Any) -> Supplier:
    """A supplier on the list with one licence that expires in `expires_in_days` (None: never)."""
    supplier = SupplierFactory(status=status, **kw)
    expires = None if expires_in_days is None else timezone.localdate() + datetime.timedelta(days=expires_in_days)
    SupplierQualification.objects.create(supplier=supplier, kind="licence", name="营业执照", expires_on=expires)
    return supplier


def requisition(
    user: Any, department: Any, *, lines: list[tuple[str, str, str]] = (("打印纸", "10", "25.00"),),
    status: str = RequisitionStatus.DRAFT, title: str | None = None,
) -> Requisition:
    """A requisition of `user` for `department`; lines are (name, quantity, budget price)."""
    req = Requisition.objects.create(
        number=next_number("PR"), title=title or "办公用品采购", requester=user, department=department,
        purpose="日常办公", status=status,
    )
    total = Decimal("0")
    for i, (name, qty, price) in enumerate(lines, start=1):
        RequisitionLine.objects.create(requisition=req, seq=i, name=name, quantity=Decimal(qty), unit="箱",
                                       budget_price=Decimal(price))
        total += Decimal(qty) * Decimal(price)
    req.amount = total
    req.save(update_fields=["amount"])
    return req


def order(
    req: Requisition, supplier: Supplier, buyer: Any, *, lines: list[tuple[str, str, str]] | None = None,
    instalments: list[tuple[str, str | None]] | None = None, status: str = OrderStatus.ISSUED,
) -> PurchaseOrder:
    """An order for `req`; lines (name, quantity, unit price) default to the requisition's at budget
    price; instalments (amount, due date iso or None) default to one for the whole amount."""
    lines = lines or [(line.name, str(line.quantity), str(line.budget_price)) for line in req.lines.all()]
    po = PurchaseOrder.objects.create(
        number=next_number("PO"), requisition=req, supplier=supplier, department=req.department, buyer=buyer,
        status=status,
    )
    total = Decimal("0")
    for i, (name, qty, price) in enumerate(lines, start=1):
        PurchaseOrderLine.objects.create(order=po, seq=i, name=name, quantity=Decimal(qty), unit="箱",
                                         unit_price=Decimal(price))
        total += (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    po.amount = total
    po.save(update_fields=["amount"])
    for i, (amount, due) in enumerate(instalments or [(str(total), None)], start=1):
        Instalment.objects.create(order=po, seq=i, amount=Decimal(amount),
                                  due_on=datetime.date.fromisoformat(due) if due else None)
    return po


def receipt(po: PurchaseOrder, user: Any, *, accepted: str | None = None, rejected: str = "0",
            result: str = "passed") -> Receipt:
    """A receipt of the order's first line (all of it accepted by default)."""
    line = po.lines.first()
    r = Receipt.objects.create(number=next_number("GR"), order=po, received_on=timezone.localdate(),
                               received_by=user, result=result)
    ReceiptLine.objects.create(receipt=r, order_line=line, accepted=Decimal(accepted or line.quantity),
                               rejected=Decimal(rejected))
    return r


def issue(po: PurchaseOrder, user: Any) -> SupplierIssue:
    return SupplierIssue.objects.create(number=next_number("SI"), supplier=po.supplier, order=po,
                                        description="包装破损", reported_by=user)


def quotation(req: Requisition, supplier: Supplier, user: Any, *, prices: list[str] | None = None,
              valid_days: int = 30, round: int = 1, chosen: bool = False, delivery_days: int | None = 10):
    """A quotation of `supplier` for every line of `req` (prices per line, default its budget price)."""
    from yewu.procurement.models import Quotation, QuotationLine

    lines = list(req.lines.all())
    prices = prices or [str(line.budget_price) for line in lines]
    q = Quotation.objects.create(
        number=next_number("QT"), requisition=req, supplier=supplier, round=round, created_by=user,
        valid_until=timezone.localdate() + datetime.timedelta(days=valid_days), delivery_days=delivery_days,
        payment_terms="货到验收合格后 30 天付款", chosen=chosen,
    )
    total = Decimal("0")
    for line, price in zip(lines, prices, strict=True):
        QuotationLine.objects.create(quotation=q, requisition_line=line, unit_price=Decimal(price))
        total += (line.quantity * Decimal(price)).quantize(Decimal("0.01"))
    q.amount = total
    q.save(update_fields=["amount"])
    return q


def contract(po: PurchaseOrder, user: Any, *, status: str = "draft", amount: str | None = None):
    """A contract of the order (the order's amount by default) in the given status."""
    from yewu.procurement.models import PurchaseContract

    return PurchaseContract.objects.create(
        number=next_number("PC"), order=po, supplier=po.supplier, department=po.department, drafted_by=user,
        title=f"{po.supplier.name} 采购合同", terms="质量标准、交货、验收、付款、违约责任。",
        amount=Decimal(amount) if amount else po.amount, status=status,
        signed_on=timezone.localdate() if status in ("signed", "filed") else None,
    )
