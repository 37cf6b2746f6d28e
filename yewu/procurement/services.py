"""Every write of the procurement module: requisitions, suppliers, quotations, orders, contracts,
receipts, payments.

Each function locks the rows it changes, checks the actor's right and the business rule, writes
the change and one audit event per state change, all in one transaction: a refusal is a
DomainError (code + translated message) and nothing is saved. Web pages, the API, the approval
hooks, imports and the admin all come through here, so a rule holds on every path.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yewu.core import permissions
from yewu.core.audit import atomic, delta, record_event, snapshot
from yewu.core.errors import DomainError
from yewu.core.services import next_number
from yewu.core.sql import Table, in_list
from yewu.procurement import approvals
from yewu.procurement.choices import (
    ORDER_COUNTS,
    ORDER_EDITABLE,
    ORDER_OPEN,
    ORDERABLE_SUPPLIER,
    PAYMENT_LIVE,
    SUPPLIER_TRANSITIONS,
    ContractStatus,
    InspectionResult,
    IssueStatus,
    OrderStatus,
    PaymentStatus,
    RequisitionStatus,
    SupplierStatus,
)
from yewu.procurement.errors import ProcurementError
from yewu.procurement.models import (
    EvaluationDecision,
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
from yewu.workflow import hooks
from yewu.workflow.choices import InstanceStatus

CENT = Decimal("0.01")
REQUISITION_FIELDS = ("title", "department", "purpose", "needed_by")
SUPPLIER_FIELDS = (
    "name", "credit_code", "categories", "contact", "phone", "email", "address", "bank_account", "notes",
)
QUALIFICATION_FIELDS = ("kind", "name", "reference", "issued_on", "expires_on")
ORDER_FIELDS = ("supplier", "delivery_date", "delivery_place", "notes", "important")
REQ_LINE_FIELDS = ("name", "specification", "quantity", "unit", "budget_price")
ORDER_LINE_FIELDS = ("name", "specification", "quantity", "unit", "unit_price")


# --- helpers -------------------------------------------------------------------------------------


def money(value: Decimal) -> str:
    """¥1,234.50: how amounts appear in messages."""
    return f"¥{Decimal(value).quantize(CENT):,}"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _apply(obj: Any, fields: Iterable[str], values: dict[str, Any]) -> None:
    for name in fields:
        if name in values:
            setattr(obj, name, values[name])


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label)


def _actor_department(actor: Any) -> Any:
    employee = getattr(actor, "employee", None)
    return employee.department if employee is not None else None


def _require_department(actor: Any, action: str, model: type, department: Any) -> None:
    """A new record of a department: the actor's own department needs only a grant for `action`;
    any other department must lie inside the grant's scope (being its creator is not enough)."""
    if department is not None and department.pk in {d.pk for d in permissions.departments_of(actor)}:
        permissions.require(actor, action, model)
        return
    permissions.require_new(actor, action, model, department=department)


def _clean_lines(lines: Any, price_field: str) -> list[dict[str, Any]]:
    """Lines as dicts with Decimal quantity and price; at least one, each quantity above zero."""
    rows = list(lines or [])
    if not rows:
        raise DomainError(ProcurementError.NO_LINES)
    cleaned = []
    for i, row in enumerate(rows, start=1):
        quantity = _decimal(row.get("quantity"))
        price = _decimal(row.get(price_field))
        name = str(row.get("name") or "").strip()
        if not name or quantity is None or price is None or quantity <= 0 or price < 0:
            raise DomainError(ProcurementError.BAD_LINE, line=i)
        cleaned.append({**row, "name": name, "quantity": quantity, price_field: price,
                        "specification": str(row.get("specification") or ""), "unit": str(row.get("unit") or "")})
    return cleaned


def _line_snapshot(lines: Iterable[Any], fields: tuple[str, ...]) -> list[dict[str, str]]:
    return [{f: str(getattr(line, f)) for f in fields} for line in lines]


def _total(lines: Iterable[dict[str, Any]], price_field: str) -> Decimal:
    return sum(((row["quantity"] * row[price_field]).quantize(CENT) for row in lines), Decimal("0"))


def _process_or_refuse(key: str) -> None:
    from yewu.workflow.services import process_exists

    if not process_exists(key):
        raise DomainError(ProcurementError.PROCESS_MISSING, key=key)


# --- requisitions --------------------------------------------------------------------------------


def _requisition_state(req: Requisition) -> dict[str, Any]:
    return {**snapshot(req, REQUISITION_FIELDS), "lines": _line_snapshot(req.lines.all(), REQ_LINE_FIELDS)}


def _write_requisition_lines(req: Requisition, lines: list[dict[str, Any]]) -> None:
    req.lines.all().delete()
    RequisitionLine.objects.bulk_create([
        RequisitionLine(requisition=req, seq=i, **{f: row[f] for f in REQ_LINE_FIELDS})
        for i, row in enumerate(lines, start=1)
    ])
    req.amount = _total(lines, "budget_price")


@atomic()
def save_requisition(
    requisition: Requisition | None, values: dict[str, Any], *, lines: Any = None, actor: Any
) -> Requisition:
    """Create a requisition (a draft raised by the actor) or change a draft or rejected one.

    `lines` replaces the items when given (required on creation). An approved requisition is never
    changed: amend_requisition makes a new version.
    """
    creating = requisition is None
    if creating:
        req = Requisition(requester=actor, department=_actor_department(actor))
        before: dict[str, Any] = {}
    else:
        req = Requisition.objects.select_for_update().get(pk=requisition.pk)
        permissions.require(actor, "change", req)
        if not req.can_edit():
            raise DomainError(ProcurementError.REQUISITION_LOCKED, number=req.display_number,
                              status=_label(RequisitionStatus, req.status))
        before = _requisition_state(req)
    _apply(req, REQUISITION_FIELDS, values)
    if req.department_id is None:
        raise DomainError(ProcurementError.DEPARTMENT_REQUIRED)
    if creating or before.get("department") != req.department_id:
        _require_department(actor, "add" if creating else "change", Requisition, req.department)
    if creating or lines is not None:
        cleaned = _clean_lines(lines, "budget_price")
    if creating:
        req.number = next_number("PR")
        req.save()
    if creating or lines is not None:
        _write_requisition_lines(req, cleaned)
    req.save()
    record_event(
        req, "requisition.created" if creating else "requisition.changed", actor=actor,
        data=delta(before, _requisition_state(req)), department=req.department_id, new=creating,
    )
    return req


@atomic()
def submit_requisition(requisition: Requisition, *, actor: Any) -> Requisition:
    """Send a draft (or a rejected requisition, changed) into the procurement approval."""
    from yewu.workflow.services import start_process

    req = Requisition.objects.select_for_update().get(pk=requisition.pk)
    permissions.require(actor, "change", req)
    if not req.can_submit():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=req.display_number,
                          current=_label(RequisitionStatus, req.status), target=RequisitionStatus.IN_APPROVAL.label)
    if not req.lines.exists():
        raise DomainError(ProcurementError.NO_LINES)
    _process_or_refuse(approvals.REQUISITION_KEY)
    old = req.status
    req.status = RequisitionStatus.IN_APPROVAL
    req.save(update_fields=["status"])
    record_event(req, "requisition.submitted", actor=actor, department=req.department_id,
                 data={"status": [old, req.status], "amount": str(req.amount)})
    form = {"requisition": req.display_number, "amount": str(req.amount), "purpose": req.purpose[:3000],
            "needed_by": req.needed_by.isoformat() if req.needed_by else None}
    instance = start_process(
        approvals.REQUISITION_KEY, actor=actor, title=f"{req.display_number} {req.title}"[:200],
        form=form, record=req, department=req.department, savepoint=False,
    )
    Requisition.objects.filter(pk=req.pk).update(approval=instance)
    req.refresh_from_db(fields=["status", "approval", "approved_at"])  # the approval may have ended at once
    return req


def follow_requisition_approval(instance: Any, *, actor: Any) -> Requisition | None:
    """The requisition's approval ended (workflow hook): approved, rejected, or withdrawn → draft."""
    return hooks.follow_outcome(
        Requisition, instance, actor=actor, waiting=RequisitionStatus.IN_APPROVAL,
        approved=hooks.Outcome(RequisitionStatus.APPROVED, "requisition.approved", stamp="approved_at"),
        rejected=hooks.Outcome(RequisitionStatus.REJECTED, "requisition.rejected"),
        withdrawn=hooks.Outcome(RequisitionStatus.DRAFT, "requisition.withdrawn"),
    )


@atomic()
def amend_requisition(
    requisition: Requisition, values: dict[str, Any] | None = None, *, lines: Any = None, actor: Any
) -> Requisition:
    """Change an approved requisition by making a new version (a draft to approve again); the
    approved one is superseded. Not once orders have been placed against it."""
    old = Requisition.objects.select_for_update().get(pk=requisition.pk)
    permissions.require(actor, "change", old)
    if not old.can_amend():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=old.display_number,
                          current=_label(RequisitionStatus, old.status), target=RequisitionStatus.SUPERSEDED.label)
    if old.orders.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.SUPERSEDED]).exists():
        raise DomainError(ProcurementError.REQUISITION_HAS_ORDERS, number=old.display_number)
    new = Requisition(
        number=old.number, version=old.version + 1, previous=old, requester=actor,
        **{f: getattr(old, f) for f in REQUISITION_FIELDS},
    )
    _apply(new, REQUISITION_FIELDS, values or {})
    if new.department_id != old.department_id:
        _require_department(actor, "add", Requisition, new.department)
    source = lines if lines is not None else [
        {f: getattr(line, f) for f in REQ_LINE_FIELDS} for line in old.lines.all()
    ]
    cleaned = _clean_lines(source, "budget_price")
    old.status = RequisitionStatus.SUPERSEDED
    old.save(update_fields=["status"])
    record_event(old, "requisition.superseded", actor=actor, department=old.department_id,
                 data={"status": [RequisitionStatus.APPROVED, RequisitionStatus.SUPERSEDED], "version": new.version})
    new.save()
    _write_requisition_lines(new, cleaned)
    new.save(update_fields=["amount"])
    record_event(new, "requisition.amended", actor=actor, department=new.department_id, new=True,
                 data={"amends": old.pk, "version": new.version, **delta({}, _requisition_state(new))})
    return new


@atomic()
def cancel_requisition(requisition: Requisition, *, actor: Any) -> Requisition:
    """Give up a draft or rejected requisition."""
    req = Requisition.objects.select_for_update().get(pk=requisition.pk)
    permissions.require(actor, "change", req)
    if not req.can_edit():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=req.display_number,
                          current=_label(RequisitionStatus, req.status), target=RequisitionStatus.CANCELLED.label)
    old = req.status
    req.status = RequisitionStatus.CANCELLED
    req.save(update_fields=["status"])
    record_event(req, "requisition.cancelled", actor=actor, department=req.department_id,
                 data={"status": [old, req.status]})
    return req


# --- suppliers -----------------------------------------------------------------------------------


def _categories(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    return [str(v).strip()[:50] for v in (value or []) if str(v).strip()]


@atomic()
def save_supplier(supplier: Supplier | None, values: dict[str, Any], *, actor: Any) -> Supplier:
    """Create a supplier (a candidate, not yet on the qualified list) or change its profile."""
    creating = supplier is None
    if creating:
        permissions.require_new(actor, "add", Supplier)
        obj, before = Supplier(), {}
    else:
        obj = Supplier.objects.select_for_update().get(pk=supplier.pk)
        permissions.require(actor, "change", obj)
        before = snapshot(obj, SUPPLIER_FIELDS)
    values = dict(values)
    if "categories" in values:
        values["categories"] = _categories(values["categories"])
    _apply(obj, SUPPLIER_FIELDS, values)
    obj.name = (obj.name or "").strip()
    if Supplier.objects.filter(name=obj.name).exclude(pk=obj.pk).exists():
        raise DomainError(ProcurementError.SUPPLIER_NAME_TAKEN, name=obj.name)
    obj.save()
    record_event(obj, "supplier.created" if creating else "supplier.changed", actor=actor,
                 data=delta(before, snapshot(obj, SUPPLIER_FIELDS)), new=creating)
    return obj


@atomic()
def add_qualification(supplier: Supplier, values: dict[str, Any], *, actor: Any) -> SupplierQualification:
    """Add a qualification document (licence, permit, certificate, audit report) to a supplier."""
    obj = Supplier.objects.select_for_update().get(pk=supplier.pk)
    permissions.require(actor, "change", obj)
    permissions.require_new(actor, "add", SupplierQualification)
    doc = SupplierQualification(supplier=obj, created_by=actor)
    _apply(doc, QUALIFICATION_FIELDS, values)
    doc.save()
    record_event(obj, "supplier.qualification_added", actor=actor,
                 data={"document": doc.pk, **{k: str(v) if v is not None else None
                                              for k, v in snapshot(doc, QUALIFICATION_FIELDS).items()}})
    return doc


def check_orderable(supplier: Supplier, today: datetime.date | None = None) -> None:
    """Refuse unless new orders may go to the supplier: on the qualified list, with documents, none
    of them (the newest of each kind) expired."""
    today = today or timezone.localdate()
    if supplier.status not in ORDERABLE_SUPPLIER:
        raise DomainError(ProcurementError.SUPPLIER_NOT_QUALIFIED, name=supplier.name,
                          status=_label(SupplierStatus, supplier.status))
    has_documents, until = supplier.qualification_state()
    if not has_documents:
        raise DomainError(ProcurementError.NO_QUALIFICATION, name=supplier.name)
    if until is not None and until < today:
        raise DomainError(ProcurementError.QUALIFICATION_EXPIRED, name=supplier.name, date=until.isoformat())


@atomic()
def set_supplier_status(supplier: Supplier, target: str, *, actor: Any, reason: str = "") -> Supplier:
    """Move a supplier on or off the qualified list (qualify, warn, suspend, remove).

    Qualifying needs current documents. Removing is allowed while orders are open: those orders
    stay valid (receipts and payments go on), but no new order can go to the supplier.
    """
    obj = Supplier.objects.select_for_update().get(pk=supplier.pk)
    permissions.require(actor, "qualify", obj)
    if obj.status not in SUPPLIER_TRANSITIONS.get(target, frozenset()):
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.name, current=_label(SupplierStatus, obj.status),
                          target=_label(SupplierStatus, target) if target in SupplierStatus.values else str(target)[:40])
    if target == SupplierStatus.QUALIFIED:
        if not obj.has_documents():
            raise DomainError(ProcurementError.NO_QUALIFICATION, name=obj.name)
        until = obj.qualified_until()
        if until is not None and until < timezone.localdate():
            raise DomainError(ProcurementError.QUALIFICATION_EXPIRED, name=obj.name, date=until.isoformat())
    old = obj.status
    obj.status = target
    obj.status_reason = (reason or "")[:500]
    obj.save(update_fields=["status", "status_reason"])
    open_orders = list(obj.orders.filter(status__in=ORDER_OPEN).values_list("pk", flat=True))
    record_event(obj, "supplier.status_changed", actor=actor,
                 data={"status": [old, target], "reason": obj.status_reason, "open_orders": open_orders})
    return obj


def qualify_supplier(supplier: Supplier, *, actor: Any, reason: str = "") -> Supplier:
    return set_supplier_status(supplier, SupplierStatus.QUALIFIED, actor=actor, reason=reason)


def warn_supplier(supplier: Supplier, *, actor: Any, reason: str = "") -> Supplier:
    return set_supplier_status(supplier, SupplierStatus.WARNED, actor=actor, reason=reason)


def suspend_supplier(supplier: Supplier, *, actor: Any, reason: str = "") -> Supplier:
    return set_supplier_status(supplier, SupplierStatus.SUSPENDED, actor=actor, reason=reason)


def remove_supplier(supplier: Supplier, *, actor: Any, reason: str = "") -> Supplier:
    return set_supplier_status(supplier, SupplierStatus.REMOVED, actor=actor, reason=reason)


# --- supplier evaluation -------------------------------------------------------------------------

CRITERIA = ("quality", "delivery", "price", "service")
#: Default weights in percent (an evaluation may give its own; they are kept with it).
DEFAULT_WEIGHTS = {"quality": Decimal("40"), "delivery": Decimal("30"), "price": Decimal("20"),
                   "service": Decimal("10")}
#: Scores from KEEP_FROM keep the supplier, from WARN_FROM warn it, below that remove it.
KEEP_FROM, WARN_FROM = Decimal("80"), Decimal("60")
EVALUABLE = frozenset({SupplierStatus.QUALIFIED, SupplierStatus.WARNED, SupplierStatus.SUSPENDED})


def suggested_decision(score: Decimal) -> str:
    if score >= KEEP_FROM:
        return EvaluationDecision.KEEP
    return EvaluationDecision.WARN if score >= WARN_FROM else EvaluationDecision.REMOVE


def _percent(value: Any) -> Decimal:
    number = _decimal(value)
    if number is None or not Decimal("0") <= number <= Decimal("100"):
        raise DomainError(ProcurementError.EVALUATION_SCORE)
    return number.quantize(CENT)


@atomic()
def evaluate_supplier(supplier: Supplier, values: dict[str, Any], *, actor: Any) -> SupplierEvaluation:
    """Record a period's evaluation of a supplier on the list and act on its decision: keep (a
    warned supplier is qualified again), warn, or remove. Without an explicit decision the score
    decides (from 80 keep, from 60 warn, below remove). One evaluation per supplier and period."""
    obj = Supplier.objects.select_for_update().get(pk=supplier.pk)
    permissions.require(actor, "qualify", obj)
    if obj.status not in EVALUABLE:
        raise DomainError(ProcurementError.SUPPLIER_NOT_QUALIFIED, name=obj.name,
                          status=_label(SupplierStatus, obj.status))
    period = str(values.get("period") or "").strip()[:20] or str(timezone.localdate().year)
    scores = {c: _percent(values.get(c)) for c in CRITERIA}
    weights = {c: _percent(values.get(f"{c}_weight", DEFAULT_WEIGHTS[c])) for c in CRITERIA}
    total_weight = sum(weights.values(), Decimal("0"))
    if total_weight != 100:
        raise DomainError(ProcurementError.EVALUATION_WEIGHTS, total=total_weight.normalize())
    if obj.evaluations.filter(period=period).exists():
        raise DomainError(ProcurementError.EVALUATION_DUPLICATE, name=obj.name, period=period)
    score = (sum((scores[c] * weights[c] for c in CRITERIA), Decimal("0")) / 100).quantize(CENT)
    decision = values.get("decision") or suggested_decision(score)
    if decision not in EvaluationDecision.values:
        decision = suggested_decision(score)
    evaluation = SupplierEvaluation.objects.create(
        supplier=obj, period=period, score=score, decision=decision, notes=str(values.get("notes") or ""),
        evaluated_by=actor, **scores, **{f"{c}_weight": w for c, w in weights.items()},
    )
    record_event(obj, "supplier.evaluated", actor=actor, data={
        "evaluation": evaluation.pk, "period": period, "score": str(score), "decision": decision,
        **{c: str(v) for c, v in scores.items()},
    })
    target = {
        EvaluationDecision.KEEP: SupplierStatus.QUALIFIED if obj.status == SupplierStatus.WARNED else None,
        EvaluationDecision.WARN: SupplierStatus.WARNED if obj.status == SupplierStatus.QUALIFIED else None,
        EvaluationDecision.REMOVE: SupplierStatus.REMOVED,
    }[decision]
    if target is not None:
        set_supplier_status(obj, target, actor=actor, reason=f"{period}: {score}")
    return evaluation


# --- purchase orders -----------------------------------------------------------------------------


def _order_state(order: PurchaseOrder, written: tuple[list, list] | None = None) -> dict[str, Any]:
    """The order's fields, lines and instalments for the audit delta; `written`: the lines and
    instalments just written (else they are read)."""
    lines, instalments = written or (order.lines.all(), order.instalments.all())
    return {
        **snapshot(order, ORDER_FIELDS),
        "lines": _line_snapshot(lines, ORDER_LINE_FIELDS),
        "instalments": _line_snapshot(instalments, ("seq", "description", "amount", "due_on")),
    }


def _clean_instalments(instalments: Any, total: Decimal) -> list[dict[str, Any]]:
    """Instalments that add up to the order total; none given: one instalment for the whole."""
    rows = list(instalments or [])
    if not rows:
        return [{"description": "", "amount": total, "due_on": None}]
    cleaned = []
    for row in rows:
        amount = _decimal(row.get("amount"))
        if amount is None or amount <= 0:
            raise DomainError(ProcurementError.PAYMENT_NOT_POSITIVE)
        cleaned.append({"description": str(row.get("description") or "")[:200], "amount": amount.quantize(CENT),
                        "due_on": row.get("due_on") or None})
    terms = sum((r["amount"] for r in cleaned), Decimal("0"))
    if terms != total:
        raise DomainError(ProcurementError.TERMS_MISMATCH, terms=money(terms), total=money(total))
    return cleaned


def _check_requisition_budget(req: Requisition, amount: Decimal, *, exclude: int | None) -> None:
    """All orders of the requisition together stay within its approved amount plus the tolerance."""
    t = _ORDERS
    others = t.select(
        f"{t.col('requisition_id')} = %s AND {t.col('status')} IN {in_list(len(_ORDER_COUNTS))} AND {t.col('id')} <> %s",
        [req.pk, *_ORDER_COUNTS, exclude or 0], names=("id", "amount"),
    )
    total = sum((o.amount for o in others), Decimal("0")) + amount
    tolerance = Decimal(settings.YEWU_PROCUREMENT_ORDER_TOLERANCE_PERCENT)
    limit = (req.amount * (1 + tolerance / 100)).quantize(CENT)
    if total > limit:
        raise DomainError(ProcurementError.ORDER_OVER_REQUISITION, number=req.display_number, total=money(total),
                          approved=money(req.amount), tolerance=tolerance, limit=money(limit))


def _check_requisition_approved(req: Requisition) -> None:
    if not req.can_order():
        raise DomainError(ProcurementError.REQUISITION_NOT_APPROVED, number=req.display_number,
                          status=_label(RequisitionStatus, req.status))


def _write_order_lines(
    order: PurchaseOrder, lines: list[dict[str, Any]], instalments: list[dict[str, Any]], *, fresh: bool = False
) -> tuple[list[PurchaseOrderLine], list[Instalment]]:
    """Replace the order's lines and instalments (prepared inserts: every order writes them);
    returns the rows written. A line keeps its requisition line only if that is one of the
    requisition's."""
    if not fresh:
        order.lines.all().delete()
        order.instalments.all().delete()
    named = {row.get("requisition_line") for row in lines} - {None, ""}
    valid_req_lines = set(order.requisition.lines.filter(pk__in=named).values_list("pk", flat=True)) if named else set()
    written = [
        PurchaseOrderLine(
            order=order, seq=i, **{f: row[f] for f in ORDER_LINE_FIELDS},
            requisition_line_id=row.get("requisition_line") if row.get("requisition_line") in valid_req_lines else None,
        )
        for i, row in enumerate(lines, start=1)
    ]
    terms = [Instalment(order=order, seq=i, **row) for i, row in enumerate(instalments, start=1)]
    _ORDER_LINES.insert_objects(written)
    _INSTALMENTS.insert_objects(terms)
    _ORDER_LINES.as_read(written)
    _INSTALMENTS.as_read(terms)
    return written, terms


# Every order goes through these: prepared statements (yewu.core.sql) instead of ORM compiles.
_ORDERS, _ORDER_LINES, _INSTALMENTS = Table(PurchaseOrder), Table(PurchaseOrderLine), Table(Instalment)
_REQUISITIONS, _SUPPLIERS = Table(Requisition), Table(Supplier)
_ORDER_COUNTS = sorted(ORDER_COUNTS)


@atomic()
def save_purchase_order(
    order: PurchaseOrder | None, values: dict[str, Any], *, lines: Any = None, instalments: Any = None, actor: Any,
    quotation: Quotation | None = None,
) -> PurchaseOrder:
    """Create a purchase order for an approved requisition to a qualified supplier, or change a
    draft or rejected one. `lines` (required on creation) and `instalments` (default: one for the
    whole amount) replace the current ones when given. Refused: a requisition that is not approved,
    a supplier not on the qualified list or with expired documents, orders above the approved
    amount plus the tolerance, instalments that do not add up, an amount below its contract's.
    Whether the order needs a contract (decision table of the contract process) is noted on it;
    `quotation`: the chosen quotation the new order is placed from."""
    creating = order is None
    if creating:
        req = values.get("requisition")
        if req is None:
            raise DomainError(ProcurementError.REQUISITION_NOT_APPROVED, number="—", status="—")
        # serialises orders of one requisition (only its row is locked)
        req = _REQUISITIONS.get(req.pk, related=("department",), lock=True)
        permissions.require(actor, "view", req)
        _require_department(actor, "add", PurchaseOrder, req.department)
        obj = PurchaseOrder(requisition=req, department=req.department, buyer=actor, quotation=quotation)
        before: dict[str, Any] = {}
    else:
        obj = PurchaseOrder.objects.select_for_update().select_related("requisition").get(pk=order.pk)
        permissions.require(actor, "change", obj)
        if not obj.can_edit():
            raise DomainError(ProcurementError.ORDER_LOCKED, number=obj.display_number,
                              status=_label(OrderStatus, obj.status))
        req = Requisition.objects.select_for_update().get(pk=obj.requisition_id)
        before = _order_state(obj)
    _check_requisition_approved(req)
    _apply(obj, ORDER_FIELDS, values)
    if obj.supplier_id is None:
        raise DomainError(ProcurementError.SUPPLIER_NOT_QUALIFIED, name="—", status="—")
    check_orderable(_SUPPLIERS.get(obj.supplier_id))
    if creating or lines is not None:
        cleaned_lines = _clean_lines(lines, "unit_price")
        amount = _total(cleaned_lines, "unit_price")
    else:
        cleaned_lines = [{f: getattr(line, f) for f in ORDER_LINE_FIELDS} | {"requisition_line": line.requisition_line_id}
                         for line in obj.lines.all()]
        amount = obj.amount
    if instalments is None and not creating and lines is None:
        cleaned_terms = [{"description": i.description, "amount": i.amount, "due_on": i.due_on}
                         for i in obj.instalments.all()]
    else:
        cleaned_terms = _clean_instalments(instalments, amount)
    _check_requisition_budget(req, amount, exclude=obj.pk)
    if not creating:
        _check_contract_within(obj, amount)
    if creating:
        obj.number = next_number("PO")
    obj.amount = amount
    obj.needs_contract = approvals.contract_required(amount, important=obj.important)
    obj.save()
    written = None
    if creating or lines is not None or instalments is not None:
        written = _write_order_lines(obj, cleaned_lines, cleaned_terms, fresh=creating)
    record_event(obj, "purchase_order.created" if creating else "purchase_order.changed", actor=actor,
                 department=obj.department_id, data=delta(before, _order_state(obj, written)), new=creating)
    return obj


@atomic()
def submit_purchase_order(order: PurchaseOrder, *, actor: Any) -> PurchaseOrder:
    """Send an order to the central department's review; the rules are checked again first."""
    from yewu.workflow.services import read_processes, start_process

    obj = _ORDERS.get(order.pk, related=("supplier", "department"), lock=True)
    permissions.require(actor, "change", obj)
    if not obj.can_submit():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.display_number,
                          current=_label(OrderStatus, obj.status), target=OrderStatus.IN_REVIEW.label)
    req = _REQUISITIONS.get(obj.requisition_id, lock=True)
    _check_requisition_approved(req)
    check_orderable(obj.supplier)
    _check_requisition_budget(req, obj.amount, exclude=obj.pk)
    read_processes(approvals.ORDER_KEY, approvals.CONTRACT_KEY)  # both in one statement (contract_required)
    _process_or_refuse(approvals.ORDER_KEY)
    old = obj.status
    obj.status = OrderStatus.IN_REVIEW
    obj.needs_contract = approvals.contract_required(obj.amount, important=obj.important)
    moved = _ORDERS.update_statement(f"{_ORDERS.col('id')} = %s", [obj.pk], status=obj.status,
                                     needs_contract=obj.needs_contract)  # written with the approval
    record_event(obj, "purchase_order.submitted", actor=actor, department=obj.department_id,
                 data={"status": [old, obj.status], "amount": str(obj.amount), "needs_contract": obj.needs_contract})
    form = {"order": obj.display_number, "requisition": req.display_number, "supplier": obj.supplier.name[:200],
            "amount": str(obj.amount), "delivery_date": obj.delivery_date.isoformat() if obj.delivery_date else None}
    instance = start_process(
        approvals.ORDER_KEY, actor=actor, title=f"{obj.display_number} {obj.supplier.name}"[:200],
        form=form, record=obj, department=obj.department, savepoint=False, along=[moved],
    )
    if instance.status == InstanceStatus.RUNNING:
        _ORDERS.update_pk(obj.pk, approval_id=instance.pk)
        obj.approval = instance
    else:  # the review ended at once (e.g. approved automatically): the hook has moved the order
        PurchaseOrder.objects.filter(pk=obj.pk).update(approval=instance)
        obj.refresh_from_db(fields=["status", "approval", "issued_at"])
    return obj


def follow_order_review(instance: Any, *, actor: Any) -> PurchaseOrder | None:
    """The order's review ended (workflow hook): approved → issued (an order that needs a contract
    waits for it to be signed first), rejected, or withdrawn → draft."""
    try:
        order = _ORDERS.get(hooks.bound_pk(instance), lock=True)
    except PurchaseOrder.DoesNotExist:
        return None
    issued = hooks.Outcome(OrderStatus.ISSUED, "purchase_order.issued", stamp="issued_at")
    if order.contract_missing():
        issued = hooks.Outcome(OrderStatus.AWAITING_CONTRACT, "purchase_order.awaiting_contract")
    return hooks.follow_outcome(
        PurchaseOrder, instance, actor=actor, waiting=OrderStatus.IN_REVIEW,
        approved=issued,
        rejected=hooks.Outcome(OrderStatus.REJECTED, "purchase_order.rejected"),
        withdrawn=hooks.Outcome(OrderStatus.DRAFT, "purchase_order.withdrawn"), record=order,
    )


@atomic()
def amend_purchase_order(order: PurchaseOrder, *, actor: Any) -> PurchaseOrder:
    """Change an issued order by making a new version (a draft to review again); the issued one is
    superseded. Only before goods arrive, and only to a supplier that may still take orders. The
    order's contract (by order number) stays with the new version."""
    old = PurchaseOrder.objects.select_for_update().select_related("supplier").get(pk=order.pk)
    permissions.require(actor, "change", old)
    if old.status not in (OrderStatus.ISSUED, OrderStatus.AWAITING_CONTRACT):
        raise DomainError(ProcurementError.BAD_TRANSITION, record=old.display_number,
                          current=_label(OrderStatus, old.status), target=OrderStatus.SUPERSEDED.label)
    if old.receipts.exists() or old.payments.exists():
        raise DomainError(ProcurementError.ORDER_HAS_RECEIPTS, number=old.display_number)
    check_orderable(old.supplier)
    new = PurchaseOrder(
        number=old.number, version=old.version + 1, previous=old, requisition_id=old.requisition_id,
        department_id=old.department_id, buyer=actor, amount=old.amount, needs_contract=old.needs_contract,
        quotation_id=old.quotation_id, **{f: getattr(old, f) for f in ORDER_FIELDS},
    )
    was = old.status
    old.status = OrderStatus.SUPERSEDED
    old.save(update_fields=["status"])
    record_event(old, "purchase_order.superseded", actor=actor, department=old.department_id,
                 data={"status": [was, OrderStatus.SUPERSEDED], "version": new.version})
    new.save()
    _write_order_lines(
        new,
        [{f: getattr(line, f) for f in ORDER_LINE_FIELDS} | {"requisition_line": line.requisition_line_id}
         for line in old.lines.all()],
        [{"description": i.description, "amount": i.amount, "due_on": i.due_on} for i in old.instalments.all()],
    )
    record_event(new, "purchase_order.amended", actor=actor, department=new.department_id, new=True,
                 data={"amends": old.pk, "version": new.version})
    return new


@atomic()
def cancel_purchase_order(order: PurchaseOrder, *, actor: Any) -> PurchaseOrder:
    """Give up an order that was never issued (draft or rejected)."""
    obj = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_edit():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.display_number,
                          current=_label(OrderStatus, obj.status), target=OrderStatus.CANCELLED.label)
    old = obj.status
    obj.status = OrderStatus.CANCELLED
    obj.save(update_fields=["status"])
    record_event(obj, "purchase_order.cancelled", actor=actor, department=obj.department_id,
                 data={"status": [old, obj.status]})
    return obj


def check_contract_signed(order: PurchaseOrder) -> None:
    """Refuse when the order needs a contract (large or important) and none is signed: such an
    order is not sent to the supplier, received or paid before."""
    if order.contract_missing():
        raise DomainError(ProcurementError.CONTRACT_NOT_SIGNED, number=order.display_number)


def _check_contract_within(order: PurchaseOrder, amount: Decimal) -> None:
    """The order's live contract may not end up above the order amount."""
    contract = order.live_contract()
    if contract is not None and contract.amount > amount:
        raise DomainError(ProcurementError.CONTRACT_ABOVE_ORDER, amount=money(contract.amount), order=money(amount))


# --- receiving and inspection --------------------------------------------------------------------


@atomic()
def record_receipt(
    order: PurchaseOrder, *, lines: Any, received_on: datetime.date | None = None, report: str = "", actor: Any
) -> Receipt:
    """Record a delivery and its inspection: per order line the accepted and rejected quantities.

    Deliveries may be partial; what is accepted in all never exceeds what was ordered. Rejected
    goods open a supplier issue. The order becomes partially received or received.
    """
    obj = PurchaseOrder.objects.select_for_update().select_related("supplier").get(pk=order.pk)
    permissions.require(actor, "view", obj)
    _require_department(actor, "add", Receipt, obj.department)
    if not obj.can_receive():
        raise DomainError(ProcurementError.ORDER_NOT_RECEIVABLE, number=obj.display_number,
                          status=_label(OrderStatus, obj.status))
    check_contract_signed(obj)
    order_lines = {line.pk: line for line in obj.lines.all()}
    rows = []
    for row in lines or []:
        line_id = getattr(row.get("order_line"), "pk", row.get("order_line"))
        line = order_lines.get(int(line_id)) if str(line_id).isdecimal() else None
        if line is None:
            raise DomainError(ProcurementError.RECEIPT_FOREIGN_LINE, line=line_id, number=obj.display_number)
        accepted = _decimal(row.get("accepted")) or Decimal("0")
        rejected = _decimal(row.get("rejected")) or Decimal("0")
        if accepted < 0 or rejected < 0:
            raise DomainError(ProcurementError.RECEIPT_NEGATIVE, item=line.name)
        if accepted == 0 and rejected == 0:
            continue
        already = line.accepted_quantity()
        if already + accepted > line.quantity:
            raise DomainError(ProcurementError.RECEIPT_OVER_ORDERED, item=line.name,
                              accepted=already + accepted, ordered=line.quantity)
        rows.append((line, accepted, rejected, str(row.get("note") or "")[:300]))
    if not rows:
        raise DomainError(ProcurementError.RECEIPT_EMPTY)
    accepted_total = sum((r[1] for r in rows), Decimal("0"))
    rejected_total = sum((r[2] for r in rows), Decimal("0"))
    result = (InspectionResult.PASSED if rejected_total == 0 else
              InspectionResult.FAILED if accepted_total == 0 else InspectionResult.PARTIAL)
    receipt = Receipt.objects.create(
        number=next_number("GR"), order=obj, received_on=received_on or timezone.localdate(),
        received_by=actor, result=result, report=report or "",
    )
    ReceiptLine.objects.bulk_create([
        ReceiptLine(receipt=receipt, order_line=line, accepted=acc, rejected=rej, note=note)
        for line, acc, rej, note in rows
    ])
    record_event(receipt, "receipt.recorded", actor=actor, department=obj.department_id, new=True, data={
        "order": obj.pk, "result": result,
        "lines": [{"line": line.pk, "accepted": str(acc), "rejected": str(rej)} for line, acc, rej, _n in rows],
    })
    complete = all(line.accepted_quantity() >= line.quantity for line in order_lines.values())
    old = obj.status
    any_accepted = ReceiptLine.objects.filter(receipt__order=obj, accepted__gt=0).exists()
    obj.status = OrderStatus.RECEIVED if complete else (OrderStatus.PARTIALLY_RECEIVED if any_accepted else old)
    obj.save(update_fields=["status"])
    record_event(obj, "purchase_order.received", actor=actor, department=obj.department_id,
                 data={"status": [old, obj.status], "receipt": receipt.number, "result": result})
    if rejected_total > 0:
        items = "；".join(f"{line.name} × {rej}" for line, _acc, rej, _n in rows if rej > 0)
        issue = SupplierIssue.objects.create(
            number=next_number("SI"), supplier=obj.supplier, order=obj, receipt=receipt,
            description=f"{receipt.number}: {items}" + (f"\n{report}" if report else ""), reported_by=actor,
        )
        record_event(issue, "supplier_issue.opened", actor=actor, department=obj.department_id, new=True,
                     data={"supplier": obj.supplier_id, "receipt": receipt.number, "rejected": str(rejected_total)})
    return receipt


@atomic()
def resolve_supplier_issue(issue: SupplierIssue, *, resolution: str, actor: Any) -> SupplierIssue:
    """Close a supplier issue with what was done (replacement, credit note, …)."""
    obj = SupplierIssue.objects.select_for_update().get(pk=issue.pk)
    permissions.require(actor, "change", obj)
    if obj.status != IssueStatus.OPEN:
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.number,
                          current=_label(IssueStatus, obj.status), target=IssueStatus.RESOLVED.label)
    obj.status = IssueStatus.RESOLVED
    obj.resolution = resolution or ""
    obj.resolved_at = timezone.now()
    obj.save(update_fields=["status", "resolution", "resolved_at"])
    record_event(obj, "supplier_issue.resolved", actor=actor, department=obj.order.department,
                 data={"status": [IssueStatus.OPEN, IssueStatus.RESOLVED]})
    return obj


# --- payments ------------------------------------------------------------------------------------


def _three_way_match(order: PurchaseOrder, amount: Decimal, *, exclude: int | None = None) -> None:
    """Order, inspection and payments agree: something passed inspection, and all payments of the
    order together stay within the order amount and within the value of the accepted goods."""
    accepted = order.accepted_value()
    if accepted <= 0:
        raise DomainError(ProcurementError.PAYMENT_WITHOUT_INSPECTION, number=order.display_number)
    committed = order.payments.filter(status__in=PAYMENT_LIVE)
    if exclude is not None:
        committed = committed.exclude(pk=exclude)
    total = sum(committed.values_list("amount", flat=True), Decimal("0")) + amount
    if total > order.amount:
        raise DomainError(ProcurementError.PAYMENT_ABOVE_ORDER, total=money(total), order=money(order.amount))
    if total > accepted:
        raise DomainError(ProcurementError.PAYMENT_ABOVE_ACCEPTED, total=money(total), accepted=money(accepted))


@atomic()
def request_payment(
    order: PurchaseOrder, *, instalment: Instalment, amount: Any = None, note: str = "", actor: Any
) -> PaymentRequest:
    """Ask finance to pay one instalment of an order: the instalment is due and not yet paid or
    requested, and the three-way match holds."""
    obj = PurchaseOrder.objects.select_for_update().get(pk=order.pk)  # serialises the order's payments
    permissions.require(actor, "view", obj)
    _require_department(actor, "add", PaymentRequest, obj.department)
    inst = Instalment.objects.filter(pk=getattr(instalment, "pk", instalment), order=obj).first()
    if inst is None:
        raise DomainError(ProcurementError.INSTALMENT_FOREIGN, number=obj.display_number)
    value = inst.amount if amount in (None, "") else _decimal(amount)
    if value is None or value <= 0:
        raise DomainError(ProcurementError.PAYMENT_NOT_POSITIVE)
    value = value.quantize(CENT)
    live = inst.live_payment()
    if live is not None:
        raise DomainError(ProcurementError.INSTALMENT_PAID, seq=inst.seq, number=obj.display_number,
                          payment=live.number)
    if value > inst.amount:
        raise DomainError(ProcurementError.PAYMENT_ABOVE_INSTALMENT, seq=inst.seq, amount=money(inst.amount),
                          requested=money(value))
    if inst.due_on is not None and inst.due_on > timezone.localdate():
        raise DomainError(ProcurementError.INSTALMENT_NOT_DUE, seq=inst.seq, date=inst.due_on.isoformat())
    check_contract_signed(obj)
    _three_way_match(obj, value)
    payment = PaymentRequest.objects.create(
        number=next_number("PAY"), order=obj, instalment=inst, amount=value, note=note or "", requested_by=actor,
    )
    record_event(payment, "payment.requested", actor=actor, department=obj.department_id, new=True,
                 data={"order": obj.number, "instalment": inst.seq, "amount": str(value)})
    return payment


def _payment_for_update(payment: PaymentRequest) -> tuple[PurchaseOrder, PaymentRequest]:
    order = PurchaseOrder.objects.select_for_update().get(pk=payment.order_id)
    return order, PaymentRequest.objects.select_for_update().select_related("instalment").get(pk=payment.pk)


def _payment_state(pay: PaymentRequest, *allowed: str) -> None:
    if pay.status == PaymentStatus.PAID:
        raise DomainError(ProcurementError.INSTALMENT_PAID, seq=pay.instalment.seq, number=pay.order.display_number,
                          payment=pay.number)
    if pay.status not in allowed:
        raise DomainError(ProcurementError.PAYMENT_STATE, number=pay.number, status=_label(PaymentStatus, pay.status))


@atomic()
def approve_payment(payment: PaymentRequest, *, actor: Any) -> PaymentRequest:
    """Finance checks a payment request against the order and the inspection (three-way match)."""
    order, pay = _payment_for_update(payment)
    permissions.require(actor, "approve", pay)
    _payment_state(pay, PaymentStatus.REQUESTED)
    check_contract_signed(order)
    _three_way_match(order, pay.amount, exclude=pay.pk)
    pay.status = PaymentStatus.APPROVED
    pay.checked_by = actor
    pay.checked_at = timezone.now()
    pay.save(update_fields=["status", "checked_by", "checked_at"])
    record_event(pay, "payment.approved", actor=actor, department=order.department_id,
                 data={"status": [PaymentStatus.REQUESTED, PaymentStatus.APPROVED]})
    return pay


@atomic()
def reject_payment(payment: PaymentRequest, *, actor: Any, reason: str = "") -> PaymentRequest:
    """Finance turns a payment request down; its instalment may be requested again."""
    order, pay = _payment_for_update(payment)
    permissions.require(actor, "approve", pay)
    _payment_state(pay, PaymentStatus.REQUESTED, PaymentStatus.APPROVED)
    old = pay.status
    pay.status = PaymentStatus.REJECTED
    pay.checked_by = actor
    pay.checked_at = timezone.now()
    pay.save(update_fields=["status", "checked_by", "checked_at"])
    record_event(pay, "payment.rejected", actor=actor, department=order.department_id,
                 data={"status": [old, PaymentStatus.REJECTED], "reason": reason or ""})
    return pay


@atomic()
def pay_payment(
    payment: PaymentRequest, *, actor: Any, paid_on: datetime.date | None = None, reference: str = ""
) -> PaymentRequest:
    """Record that finance paid a checked request. An instalment is paid once; the match is checked
    again. The order closes when everything was received and every instalment is paid."""
    order, pay = _payment_for_update(payment)
    permissions.require(actor, "pay", pay)
    _payment_state(pay, PaymentStatus.APPROVED)
    other = PaymentRequest.objects.filter(instalment=pay.instalment, status=PaymentStatus.PAID).exclude(pk=pay.pk).first()
    if other is not None:
        raise DomainError(ProcurementError.INSTALMENT_PAID, seq=pay.instalment.seq, number=order.display_number,
                          payment=other.number)
    check_contract_signed(order)
    _three_way_match(order, pay.amount, exclude=pay.pk)
    pay.status = PaymentStatus.PAID
    pay.paid_on = paid_on or timezone.localdate()
    pay.reference = (reference or "")[:100]
    pay.save(update_fields=["status", "paid_on", "reference"])
    record_event(pay, "payment.paid", actor=actor, department=order.department_id,
                 data={"status": [PaymentStatus.APPROVED, PaymentStatus.PAID], "paid_on": pay.paid_on.isoformat(),
                       "reference": pay.reference, "amount": str(pay.amount)})
    unpaid = order.instalments.exclude(payments__status=PaymentStatus.PAID).exists()
    if order.status == OrderStatus.RECEIVED and not unpaid:
        order.status = OrderStatus.CLOSED
        order.save(update_fields=["status"])
        record_event(order, "purchase_order.closed", actor=actor, department=order.department_id,
                     data={"status": [OrderStatus.RECEIVED, OrderStatus.CLOSED]})
    return pay


# --- quotations ----------------------------------------------------------------------------------

QUOTATION_FIELDS = ("delivery_days", "delivery_date", "payment_terms", "valid_until", "note")


def _quotation_state(quotation: Quotation) -> dict[str, Any]:
    return {
        **snapshot(quotation, ("supplier", "round", *QUOTATION_FIELDS)),
        "amount": str(quotation.amount),
        "lines": [{"line": q.requisition_line_id, "unit_price": str(q.unit_price)} for q in quotation.lines.all()],
    }


def _clean_quoted_prices(req: Requisition, lines: Any) -> list[tuple[RequisitionLine, Decimal]]:
    """A unit price for every line of the requisition, each zero or more, none for a foreign line."""
    req_lines = {line.pk: line for line in req.lines.all()}
    prices: dict[int, Decimal] = {}
    for row in lines or []:
        line_id = getattr(row.get("requisition_line"), "pk", row.get("requisition_line"))
        line = req_lines.get(int(line_id)) if str(line_id).isdecimal() else None
        if line is None:
            raise DomainError(ProcurementError.QUOTATION_FOREIGN_LINE, line=line_id, number=req.display_number)
        price = _decimal(row.get("unit_price"))
        if price is None or price < 0:
            raise DomainError(ProcurementError.QUOTATION_BAD_PRICE, item=line.name)
        prices[line.pk] = price.quantize(CENT)
    for line in req_lines.values():
        if line.pk not in prices:
            raise DomainError(ProcurementError.QUOTATION_MISSING_PRICE, item=line.name)
    return [(line, prices[line.pk]) for line in req_lines.values()]


@atomic()
def save_quotation(
    quotation: Quotation | None, values: dict[str, Any], *, lines: Any = None, actor: Any
) -> Quotation:
    """Record a supplier's quotation for an approved requisition, or replace it (a re-quote).

    A supplier has one quotation per requisition and round: quoting again in the same round
    replaces the prices and terms in place (the audit trail keeps the former ones) and undoes a
    choice of it. Refused: a requisition that is not approved, a supplier that may not take orders
    (not on the qualified list, documents expired), a price missing for a line, no validity date,
    and replacing a quotation that an order was placed from.
    """
    if quotation is not None:
        req = Requisition.objects.select_for_update().get(pk=quotation.requisition_id)
        obj = Quotation.objects.select_for_update().get(pk=quotation.pk)
        values = {k: v for k, v in values.items() if k not in ("requisition", "supplier", "round")}
    else:
        req = values.get("requisition")
        if req is None:
            raise DomainError(ProcurementError.REQUISITION_NOT_APPROVED, number="—", status="—")
        req = Requisition.objects.select_for_update().get(pk=req.pk)  # serialises the quotations of one requisition
        permissions.require(actor, "view", req)
        supplier = values.get("supplier")
        if supplier is None:
            raise DomainError(ProcurementError.SUPPLIER_NOT_QUALIFIED, name="—", status="—")
        latest = req.quotations.order_by("-round").values_list("round", flat=True).first() or 1
        round_no = int(values.get("round") or latest)
        obj = (Quotation.objects.select_for_update()
               .filter(requisition=req, supplier=supplier, round=round_no).first())
        if obj is None:
            _require_department(actor, "add", Quotation, req.department)
            obj = Quotation(requisition=req, supplier=supplier, round=round_no, created_by=actor)
    creating = obj.pk is None
    if not creating:
        permissions.require(actor, "change", obj)
        if not obj.can_edit():
            order = obj.orders.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.SUPERSEDED]).first()
            raise DomainError(ProcurementError.QUOTATION_ORDERED, supplier=obj.supplier.name, order=str(order))
    _check_requisition_approved(req)
    check_orderable(Supplier.objects.get(pk=obj.supplier_id))
    before = {} if creating else _quotation_state(obj)
    _apply(obj, QUOTATION_FIELDS, values)
    if obj.valid_until is None:
        raise DomainError(ProcurementError.QUOTATION_VALIDITY_REQUIRED)
    if obj.delivery_days is not None and int(obj.delivery_days) < 0:
        raise DomainError(ProcurementError.QUOTATION_BAD_DELIVERY)
    if creating or lines is not None:
        priced = _clean_quoted_prices(req, lines)
    else:
        priced = [(q.requisition_line, q.unit_price) for q in obj.lines.select_related("requisition_line")]
    obj.amount = sum(((line.quantity * price).quantize(CENT) for line, price in priced), Decimal("0"))
    was_chosen = obj.chosen
    if not creating:
        obj.chosen, obj.choice_reason, obj.chosen_by, obj.chosen_at = False, "", None, None
    if creating:
        obj.number = next_number("QT")
    obj.save()
    if creating or lines is not None:
        obj.lines.all().delete()
        QuotationLine.objects.bulk_create([
            QuotationLine(quotation=obj, requisition_line=line, unit_price=price) for line, price in priced
        ])
    data = delta(before, _quotation_state(obj))
    if was_chosen:
        data["chosen"] = [True, False]
    record_event(obj, "quotation.recorded" if creating else "quotation.requoted", actor=actor,
                 department=req.department_id, data=data, new=creating)
    return obj


def lowest_valid_quotation(req: Requisition, round_no: int, today: datetime.date | None = None) -> Quotation | None:
    """The cheapest quotation of the round that is still valid (the first recorded on a tie)."""
    today = today or timezone.localdate()
    return (req.quotations.filter(round=round_no, valid_until__gte=today).select_related("supplier")
            .order_by("amount", "pk").first())


@atomic()
def choose_quotation(quotation: Quotation, *, reason: str = "", actor: Any) -> Quotation:
    """Choose the quotation the order will be placed from. It must still be valid and its supplier
    still take orders; when it is not the lowest valid total of its round the reason is required.
    Choosing another one undoes the earlier choice (unless an order was placed from it)."""
    req = Requisition.objects.select_for_update().get(pk=quotation.requisition_id)
    obj = Quotation.objects.select_for_update().select_related("supplier").get(pk=quotation.pk)
    permissions.require(actor, "choose", obj)
    _check_requisition_approved(req)
    today = timezone.localdate()
    if not obj.is_valid_on(today):
        raise DomainError(ProcurementError.QUOTATION_EXPIRED, supplier=obj.supplier.name,
                          date=obj.valid_until.isoformat())
    check_orderable(obj.supplier)
    reason = (reason or "").strip()
    lowest = lowest_valid_quotation(req, obj.round, today)
    if lowest is not None and obj.amount > lowest.amount and not reason:
        raise DomainError(ProcurementError.CHOICE_REASON_REQUIRED, supplier=obj.supplier.name, total=money(obj.amount),
                          lowest=money(lowest.amount), lowest_supplier=lowest.supplier.name)
    previous = Quotation.objects.select_for_update().filter(requisition=req, chosen=True).exclude(pk=obj.pk).first()
    if previous is not None:
        if not previous.can_edit():
            order = previous.orders.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.SUPERSEDED]).first()
            raise DomainError(ProcurementError.QUOTATION_ORDERED, supplier=previous.supplier.name, order=str(order))
        previous.chosen, previous.choice_reason, previous.chosen_by, previous.chosen_at = False, "", None, None
        previous.save(update_fields=["chosen", "choice_reason", "chosen_by", "chosen_at"])
        record_event(previous, "quotation.unchosen", actor=actor, department=req.department_id,
                     data={"chosen": [True, False], "instead": obj.number})
    obj.chosen, obj.choice_reason, obj.chosen_by, obj.chosen_at = True, reason[:2000], actor, timezone.now()
    obj.save(update_fields=["chosen", "choice_reason", "chosen_by", "chosen_at"])
    data = {"chosen": [False, True], "amount": str(obj.amount), "reason": obj.choice_reason,
            "lowest": str(lowest.amount) if lowest is not None else None}
    record_event(obj, "quotation.chosen", actor=actor, department=req.department_id, data=data)
    record_event(req, "requisition.quotation_chosen", actor=actor, department=req.department_id,
                 data={"quotation": obj.number, "supplier": obj.supplier.name, **data})
    return obj


@atomic()
def order_from_quotation(quotation: Quotation, values: dict[str, Any] | None = None, *, actor: Any) -> PurchaseOrder:
    """Create the draft purchase order from the chosen quotation (one order per quotation): the
    requisition's lines at the quoted prices, the promised delivery date, the payment terms in the
    notes. It goes through
    save_purchase_order, so every order rule applies (approved requisition, qualified supplier,
    within the approved amount plus the tolerance)."""
    obj = Quotation.objects.select_related("supplier", "requisition").get(pk=quotation.pk)
    permissions.require(actor, "view", obj)
    if not obj.chosen:
        raise DomainError(ProcurementError.QUOTATION_NOT_CHOSEN, supplier=obj.supplier.name,
                          number=obj.requisition.display_number)
    if not obj.is_valid_on():
        raise DomainError(ProcurementError.QUOTATION_EXPIRED, supplier=obj.supplier.name,
                          date=obj.valid_until.isoformat())
    if not obj.can_edit():  # one order per quotation
        order = obj.orders.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.SUPERSEDED]).first()
        raise DomainError(ProcurementError.QUOTATION_ORDERED, supplier=obj.supplier.name, order=str(order))
    quoted = {q.requisition_line_id: q.unit_price for q in obj.lines.all()}
    lines = [
        {"requisition_line": line.pk, "name": line.name, "specification": line.specification,
         "quantity": line.quantity, "unit": line.unit, "unit_price": quoted.get(line.pk)}
        for line in obj.requisition.lines.all()
    ]
    notes = "；".join(part for part in (obj.payment_terms, obj.note) if part)
    order_values = {"requisition": obj.requisition, "supplier": obj.supplier,
                    "delivery_date": obj.expected_delivery(), "notes": notes[:3000], **(values or {})}
    return save_purchase_order(None, order_values, lines=lines, actor=actor, quotation=obj)


# --- purchase contracts --------------------------------------------------------------------------

CONTRACT_FIELDS = ("title", "terms", "amount")


def _contract_amount(value: Any) -> Decimal:
    amount = _decimal(value)
    if amount is None or amount <= 0:
        raise DomainError(ProcurementError.CONTRACT_AMOUNT_NOT_POSITIVE)
    return amount.quantize(CENT)


def _check_contract_order(order: PurchaseOrder, amount: Decimal) -> None:
    """The order still stands (not cancelled, superseded or closed) and covers the contract amount."""
    if order.status not in ORDER_EDITABLE | ORDER_OPEN:
        raise DomainError(ProcurementError.CONTRACT_ORDER_CLOSED, number=order.display_number,
                          status=_label(OrderStatus, order.status))
    if amount > order.amount:
        raise DomainError(ProcurementError.CONTRACT_ABOVE_ORDER, amount=money(amount), order=money(order.amount))


@atomic()
def save_contract(contract: PurchaseContract | None, values: dict[str, Any], *, actor: Any) -> PurchaseContract:
    """Draft the purchase contract of an order (one standing contract per order), or change a
    draft. The supplier and department are the order's; the amount may not exceed the order's.
    After legal approval a contract is not changed: amend_contract makes a new version."""
    creating = contract is None
    if creating:
        order = values.get("order")
        if order is None:
            raise DomainError(ProcurementError.CONTRACT_ORDER_CLOSED, number="—", status="—")
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)  # one contract per order at a time
        permissions.require(actor, "view", order)
        _require_department(actor, "add", PurchaseContract, order.department)
        existing = order.live_contract()
        if existing is not None:
            raise DomainError(ProcurementError.CONTRACT_EXISTS, number=order.display_number,
                              contract=existing.display_number)
        obj = PurchaseContract(order=order, supplier_id=order.supplier_id, department_id=order.department_id,
                               drafted_by=actor)
        before: dict[str, Any] = {}
    else:
        obj = PurchaseContract.objects.select_for_update().get(pk=contract.pk)
        permissions.require(actor, "change", obj)
        if not obj.can_edit():
            raise DomainError(ProcurementError.CONTRACT_LOCKED, number=obj.display_number,
                              status=_label(ContractStatus, obj.status))
        order = PurchaseOrder.objects.select_for_update().get(pk=obj.order_id)
        before = snapshot(obj, CONTRACT_FIELDS)
    _apply(obj, ("title", "terms"), values)
    if "amount" in values or creating:
        obj.amount = _contract_amount(values.get("amount", order.amount))
    obj.title = (obj.title or "").strip()[:200] or f"{order.supplier.name} 采购合同"[:200]
    _check_contract_order(order, obj.amount)
    if creating:
        obj.number = next_number("PC")
    obj.save()
    record_event(obj, "contract.created" if creating else "contract.changed", actor=actor, new=creating,
                 department=obj.department_id, data={"order": order.display_number,
                                                  **delta(before, snapshot(obj, CONTRACT_FIELDS))})
    return obj


@atomic()
def submit_contract(contract: PurchaseContract, *, actor: Any) -> PurchaseContract:
    """Send a draft contract to legal review (the procurement_contract approval)."""
    from yewu.workflow.services import start_process

    obj = PurchaseContract.objects.select_for_update().select_related("supplier").get(pk=contract.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_submit():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.display_number,
                          current=_label(ContractStatus, obj.status), target=ContractStatus.LEGAL_REVIEW.label)
    order = PurchaseOrder.objects.select_for_update().get(pk=obj.order_id)
    _check_contract_order(order, obj.amount)
    _process_or_refuse(approvals.CONTRACT_KEY)
    old = obj.status
    obj.status = ContractStatus.LEGAL_REVIEW
    obj.save(update_fields=["status"])
    record_event(obj, "contract.submitted", actor=actor, department=obj.department_id,
                 data={"status": [old, obj.status], "amount": str(obj.amount)})
    form = {"contract": obj.display_number, "order": order.display_number, "supplier": obj.supplier.name[:200],
            "amount": str(obj.amount), "title": obj.title[:200], "terms": obj.terms[:20000]}
    instance = start_process(
        approvals.CONTRACT_KEY, actor=actor, title=f"{obj.display_number} {obj.title}"[:200],
        form=form, record=obj, department=obj.department, savepoint=False,
    )
    PurchaseContract.objects.filter(pk=obj.pk).update(approval=instance)
    obj.refresh_from_db(fields=["status", "approval", "approved_at"])
    return obj


def follow_contract_review(instance: Any, *, actor: Any) -> PurchaseContract | None:
    """The contract's legal review ended (workflow hook): approved → ready to sign; rejected or
    withdrawn → back to draft."""
    return hooks.follow_outcome(
        PurchaseContract, instance, actor=actor, waiting=ContractStatus.LEGAL_REVIEW,
        approved=hooks.Outcome(ContractStatus.APPROVED, "contract.approved", stamp="approved_at"),
        rejected=hooks.Outcome(ContractStatus.DRAFT, "contract.rejected"),
        withdrawn=hooks.Outcome(ContractStatus.DRAFT, "contract.withdrawn"),
    )


@atomic()
def sign_contract(
    contract: PurchaseContract, *, signed_on: datetime.date | None, signed_copy: Any, actor: Any
) -> PurchaseContract:
    """Record the signing of an approved contract: the signing date (not in the future) and the
    signed copy (attached to the contract). An order that was waiting for it is issued now."""
    from yewu.core.services import add_attachment

    obj = PurchaseContract.objects.select_for_update().get(pk=contract.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_sign():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.display_number,
                          current=_label(ContractStatus, obj.status), target=ContractStatus.SIGNED.label)
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise DomainError(ProcurementError.CONTRACT_SIGNING_DATE, date=signed_on.isoformat())
    if signed_copy is None:
        raise DomainError(ProcurementError.CONTRACT_SIGNED_COPY_REQUIRED)
    order = PurchaseOrder.objects.select_for_update().get(pk=obj.order_id)
    if obj.amount > order.amount:
        raise DomainError(ProcurementError.CONTRACT_ABOVE_ORDER, amount=money(obj.amount), order=money(order.amount))
    attachment = add_attachment(obj, signed_copy, actor=actor)
    obj.status = ContractStatus.SIGNED
    obj.signed_on = signed_on
    obj.signed_copy = attachment
    obj.save(update_fields=["status", "signed_on", "signed_copy"])
    record_event(obj, "contract.signed", actor=actor, department=obj.department_id,
                 data={"status": [ContractStatus.APPROVED, ContractStatus.SIGNED], "signed_on": signed_on.isoformat(),
                       "signed_copy": attachment.name})
    for waiting in PurchaseOrder.objects.select_for_update().filter(
        number=order.number, status=OrderStatus.AWAITING_CONTRACT
    ):
        waiting.status = OrderStatus.ISSUED
        waiting.issued_at = timezone.now()
        waiting.save(update_fields=["status", "issued_at"])
        record_event(waiting, "purchase_order.issued", actor=actor, department=waiting.department_id,
                     data={"status": [OrderStatus.AWAITING_CONTRACT, OrderStatus.ISSUED],
                           "contract": obj.display_number})
    return obj


@atomic()
def file_contract(contract: PurchaseContract, *, actor: Any) -> PurchaseContract:
    """Put a signed contract on file (the central department's contract register)."""
    obj = PurchaseContract.objects.select_for_update().get(pk=contract.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_file():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.display_number,
                          current=_label(ContractStatus, obj.status), target=ContractStatus.FILED.label)
    obj.status = ContractStatus.FILED
    obj.filed_at = timezone.now()
    obj.save(update_fields=["status", "filed_at"])
    record_event(obj, "contract.filed", actor=actor, department=obj.department_id,
                 data={"status": [ContractStatus.SIGNED, ContractStatus.FILED]})
    return obj


@atomic()
def amend_contract(
    contract: PurchaseContract, values: dict[str, Any] | None = None, *, actor: Any
) -> PurchaseContract:
    """Change a contract after legal approval by making a new version (a draft linked to the one it
    replaces, to be reviewed and signed again); the old version is superseded. Until the new
    version is signed, the order counts as having no signed contract."""
    old = PurchaseContract.objects.select_for_update().get(pk=contract.pk)
    permissions.require(actor, "change", old)
    if not old.can_amend():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=old.display_number,
                          current=_label(ContractStatus, old.status), target=ContractStatus.SUPERSEDED.label)
    order = (PurchaseOrder.objects.select_for_update().filter(number=old.order.number)
             .exclude(status__in=[OrderStatus.SUPERSEDED, OrderStatus.CANCELLED]).order_by("-version").first()
             or old.order)
    values = values or {}
    new = PurchaseContract(
        number=old.number, version=old.version + 1, previous=old, order=order, supplier_id=old.supplier_id,
        department_id=old.department_id, drafted_by=actor, title=old.title, terms=old.terms, amount=old.amount,
    )
    _apply(new, ("title", "terms"), values)
    if "amount" in values:
        new.amount = _contract_amount(values["amount"])
    _check_contract_order(order, new.amount)
    was = old.status
    old.status = ContractStatus.SUPERSEDED
    old.save(update_fields=["status"])
    record_event(old, "contract.superseded", actor=actor, department=old.department_id,
                 data={"status": [was, ContractStatus.SUPERSEDED], "version": new.version})
    new.save()
    record_event(new, "contract.amended", actor=actor, department=new.department_id, new=True,
                 data={"amends": old.pk, "version": new.version, "order": order.display_number,
                       **delta(snapshot(old, CONTRACT_FIELDS), snapshot(new, CONTRACT_FIELDS))})
    return new


@atomic()
def cancel_contract(contract: PurchaseContract, *, actor: Any) -> PurchaseContract:
    """Give up a draft contract (a new one may then be drafted for the order)."""
    obj = PurchaseContract.objects.select_for_update().get(pk=contract.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_edit():
        raise DomainError(ProcurementError.BAD_TRANSITION, record=obj.display_number,
                          current=_label(ContractStatus, obj.status), target=ContractStatus.CANCELLED.label)
    old = obj.status
    obj.status = ContractStatus.CANCELLED
    obj.save(update_fields=["status"])
    record_event(obj, "contract.cancelled", actor=actor, department=obj.department_id,
                 data={"status": [old, obj.status]})
    return obj


# --- qualification expiry ------------------------------------------------------------------------


def warn_expiring_qualifications(today: datetime.date | None = None) -> int:
    """Tell the people who keep the qualified list about suppliers whose qualification lapses within
    YEWU_PROCUREMENT_EXPIRY_WARNING_DAYS (or has lapsed): once per supplier and expiry date, as an
    audit event of the supplier and an in-app notification. Run by the worker (periodic job)."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext

    from yewu.core.models import Event
    from yewu.core.services import notify

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.YEWU_PROCUREMENT_EXPIRY_WARNING_DAYS)
    candidates = Supplier.objects.filter(
        status__in=ORDERABLE_SUPPLIER, qualifications__expires_on__lte=horizon
    ).distinct()
    keepers = None
    warned = 0
    for supplier in candidates:
        until = supplier.qualified_until()
        if until is None or until > horizon:
            continue  # an expiring document was renewed
        already = Event.objects.filter(
            case_type=supplier._meta.label_lower, case_id=str(supplier.pk), activity="supplier.expiry_warned",
            data__contains=f'"until":"{until.isoformat()}"',
        ).exists()
        if already:
            continue
        if keepers is None:
            keepers = list(get_user_model().objects.filter(
                is_active=True, groups__grants__permission__codename="qualify_supplier",
            ).distinct())
        with transaction.atomic():
            record_event(supplier, "supplier.expiry_warned", actor=None, data={"until": until.isoformat()})
            notify(keepers, title=gettext("The qualification of %(name)s expires on %(date)s")
                   % {"name": supplier.name, "date": until.isoformat()}, url=supplier.get_absolute_url())
        warned += 1
    return warned
