from yewu.procurement.models.payments import PaymentRequest
from yewu.procurement.models.purchase_orders import Instalment, PurchaseOrder, PurchaseOrderLine
from yewu.procurement.models.receipts import Receipt, ReceiptLine
from yewu.procurement.models.requisitions import Requisition, RequisitionLine
from yewu.procurement.models.suppliers import (
    QualificationKind,
    Supplier,
    SupplierIssue,
    SupplierQualification,
)

__all__ = [
    "Instalment",
    "PaymentRequest",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "QualificationKind",
    "Receipt",
    "ReceiptLine",
    "Requisition",
    "RequisitionLine",
    "Supplier",
    "SupplierIssue",
    "SupplierQualification",
]
