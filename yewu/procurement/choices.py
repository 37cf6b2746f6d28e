"""Statuses of the procurement records and the moves each allows (only services set `status`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequisitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded by an amendment")
    CANCELLED = "cancelled", _("Cancelled")


#: A requisition can be changed only in these states; afterwards an amendment makes a new version.
REQUISITION_EDITABLE = frozenset({RequisitionStatus.DRAFT, RequisitionStatus.REJECTED})


class SupplierStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    QUALIFIED = "qualified", _("Qualified")
    WARNED = "warned", _("Warned")
    SUSPENDED = "suspended", _("Suspended")
    REMOVED = "removed", _("Removed")


#: Allowed moves of a supplier: target -> states it may come from.
SUPPLIER_TRANSITIONS: dict[str, frozenset[str]] = {
    SupplierStatus.QUALIFIED: frozenset({SupplierStatus.CANDIDATE, SupplierStatus.WARNED, SupplierStatus.SUSPENDED}),
    SupplierStatus.WARNED: frozenset({SupplierStatus.QUALIFIED}),
    SupplierStatus.SUSPENDED: frozenset({SupplierStatus.QUALIFIED, SupplierStatus.WARNED}),
    SupplierStatus.REMOVED: frozenset({
        SupplierStatus.CANDIDATE, SupplierStatus.QUALIFIED, SupplierStatus.WARNED, SupplierStatus.SUSPENDED,
    }),
}

#: Suppliers on the qualified list: new orders may go to them (a warned supplier stays on the list
#: on probation; suspended and removed ones take no new orders).
ORDERABLE_SUPPLIER = frozenset({SupplierStatus.QUALIFIED, SupplierStatus.WARNED})


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    REJECTED = "rejected", _("Rejected")
    AWAITING_CONTRACT = "awaiting_contract", _("Reviewed, waiting for the signed contract")
    ISSUED = "issued", _("Issued to the supplier")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    SUPERSEDED = "superseded", _("Superseded by an amendment")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_EDITABLE = frozenset({OrderStatus.DRAFT, OrderStatus.REJECTED})
#: Orders that still bind the company and the supplier (they stay valid if the supplier is removed).
ORDER_OPEN = frozenset({
    OrderStatus.IN_REVIEW, OrderStatus.AWAITING_CONTRACT, OrderStatus.ISSUED, OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED,
})
#: Orders whose goods may arrive.
ORDER_RECEIVABLE = frozenset({OrderStatus.ISSUED, OrderStatus.PARTIALLY_RECEIVED})
#: Orders that count against the requisition's approved amount.
ORDER_COUNTS = frozenset({OrderStatus.DRAFT, OrderStatus.REJECTED, *ORDER_OPEN, OrderStatus.CLOSED})


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    PARTIAL = "partial", _("Passed in part")
    FAILED = "failed", _("Failed")


#: Receipts whose accepted goods may be paid for.
INSPECTION_PAYABLE = frozenset({InspectionResult.PASSED, InspectionResult.PARTIAL})


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class PaymentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved by finance")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


#: Payment requests that hold their instalment (a second request for it is refused).
PAYMENT_LIVE = frozenset({PaymentStatus.REQUESTED, PaymentStatus.APPROVED, PaymentStatus.PAID})


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LEGAL_REVIEW = "legal_review", _("In legal review")
    APPROVED = "approved", _("Approved by legal review")
    SIGNED = "signed", _("Signed")
    FILED = "filed", _("Filed")
    SUPERSEDED = "superseded", _("Superseded by an amendment")
    CANCELLED = "cancelled", _("Cancelled")


#: A contract can be changed only as a draft (a rejected review sends it back to draft).
CONTRACT_EDITABLE = frozenset({ContractStatus.DRAFT})
#: Contracts that bind the order: signed, or signed and filed.
CONTRACT_SIGNED = frozenset({ContractStatus.SIGNED, ContractStatus.FILED})
#: Contracts an amendment may replace (after legal approval nothing is edited in place).
CONTRACT_AMENDABLE = frozenset({ContractStatus.APPROVED, ContractStatus.SIGNED, ContractStatus.FILED})
#: Contracts that still stand for their order (at most one per order number).
CONTRACT_LIVE = frozenset({
    ContractStatus.DRAFT, ContractStatus.LEGAL_REVIEW, ContractStatus.APPROVED, ContractStatus.SIGNED,
    ContractStatus.FILED,
})
