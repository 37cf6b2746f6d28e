from yewu.procurement.models.contracts import PurchaseContract
from yewu.procurement.models.evaluations import EvaluationDecision, SupplierEvaluation
from yewu.procurement.models.payments import PaymentRequest
from yewu.procurement.models.purchase_orders import Instalment, PurchaseOrder, PurchaseOrderLine
from yewu.procurement.models.quotations import Quotation, QuotationLine
from yewu.procurement.models.receipts import Receipt, ReceiptLine
from yewu.procurement.models.requisitions import Requisition, RequisitionLine
from yewu.procurement.models.suppliers import (
    QualificationKind,
    Supplier,
    SupplierIssue,
    SupplierQualification,
)

__all__ = [
    "EvaluationDecision",
    "Instalment",
    "PaymentRequest",
    "PurchaseContract",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "QualificationKind",
    "Quotation",
    "QuotationLine",
    "Receipt",
    "ReceiptLine",
    "Requisition",
    "RequisitionLine",
    "Supplier",
    "SupplierEvaluation",
    "SupplierIssue",
    "SupplierQualification",
]
