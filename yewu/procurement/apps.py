from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "yewu.procurement"
    label = "procurement"
    verbose_name = _("Procurement")

    def ready(self) -> None:
        from yewu.core import periodic
        from yewu.core.activities import register_labels
        from yewu.core.navigation import MenuItem, Module, register, register_search
        from yewu.procurement import approvals
        from yewu.procurement.models import (
            PurchaseContract,
            PurchaseOrder,
            Quotation,
            Requisition,
            Supplier,
        )
        from yewu.workflow import packs

        register(
            Module(
                key="procurement", label=_("Procurement"), icon="cart3", order=20,
                items=[
                    MenuItem(_("Procurement dashboard"), "procurement:dashboard", "procurement.view_purchaseorder"),
                    MenuItem(_("Requisitions"), "procurement:requisition_list", "procurement.view_requisition"),
                    MenuItem(_("Quotations"), "procurement:quotation_list", "procurement.view_quotation"),
                    MenuItem(_("Purchase orders"), "procurement:purchaseorder_list", "procurement.view_purchaseorder"),
                    MenuItem(_("Purchase contracts"), "procurement:purchasecontract_list",
                             "procurement.view_purchasecontract"),
                    MenuItem(_("Receipts"), "procurement:receipt_list", "procurement.view_receipt"),
                    MenuItem(_("Payment requests"), "procurement:paymentrequest_list", "procurement.view_paymentrequest"),
                    MenuItem(_("Suppliers"), "procurement:supplier_list", "procurement.view_supplier"),
                    MenuItem(_("Import suppliers"), "procurement:supplier_import", "procurement.add_supplier"),
                    MenuItem(_("Supplier issues"), "procurement:supplierissue_list", "procurement.view_supplierissue"),
                ],
            )
        )
        register_search(Requisition, ("number", "title"), _("Requisitions"))
        register_search(PurchaseOrder, ("number",), _("Purchase orders"))
        register_search(Supplier, ("name", "credit_code"), _("Suppliers"))
        register_search(Quotation, ("number", "supplier__name"), _("Quotations"))
        register_search(PurchaseContract, ("number", "title"), _("Purchase contracts"))
        register_labels({
            "requisition.created": _("Requisition created"),
            "requisition.changed": _("Requisition changed"),
            "requisition.submitted": _("Requisition submitted for approval"),
            "requisition.approved": _("Requisition approved"),
            "requisition.rejected": _("Requisition rejected"),
            "requisition.withdrawn": _("Requisition withdrawn"),
            "requisition.amended": _("Requisition amended"),
            "requisition.superseded": _("Requisition superseded"),
            "requisition.cancelled": _("Requisition cancelled"),
            "supplier.created": _("Supplier created"),
            "supplier.changed": _("Supplier changed"),
            "supplier.status_changed": _("Supplier status changed"),
            "supplier.qualification_added": _("Qualification document added"),
            "supplier.expiry_warned": _("Qualification expiry warned"),
            "supplier.evaluated": _("Supplier evaluated"),
            "purchase_order.created": _("Purchase order created"),
            "purchase_order.changed": _("Purchase order changed"),
            "purchase_order.submitted": _("Purchase order submitted for review"),
            "purchase_order.issued": _("Purchase order issued"),
            "purchase_order.awaiting_contract": _("Purchase order reviewed, waiting for its contract"),
            "purchase_order.rejected": _("Purchase order rejected"),
            "purchase_order.withdrawn": _("Purchase order review withdrawn"),
            "purchase_order.amended": _("Purchase order amended"),
            "purchase_order.superseded": _("Purchase order superseded"),
            "purchase_order.received": _("Goods received"),
            "purchase_order.closed": _("Purchase order closed"),
            "receipt.recorded": _("Receipt and inspection recorded"),
            "supplier_issue.opened": _("Supplier issue opened"),
            "supplier_issue.resolved": _("Supplier issue resolved"),
            "payment.requested": _("Payment requested"),
            "payment.approved": _("Payment checked by finance"),
            "payment.rejected": _("Payment request rejected"),
            "payment.paid": _("Payment made"),
            "requisition.quotation_chosen": _("Quotation chosen"),
            "quotation.recorded": _("Quotation recorded"),
            "quotation.requoted": _("Quotation replaced by a new quote"),
            "quotation.chosen": _("Quotation chosen"),
            "quotation.unchosen": _("Choice of the quotation undone"),
            "contract.created": _("Contract drafted"),
            "contract.changed": _("Contract changed"),
            "contract.submitted": _("Contract submitted for legal review"),
            "contract.approved": _("Contract approved by legal review"),
            "contract.rejected": _("Contract rejected by legal review"),
            "contract.withdrawn": _("Contract legal review withdrawn"),
            "contract.signed": _("Contract signed"),
            "contract.filed": _("Contract filed"),
            "contract.amended": _("Contract amended"),
            "contract.superseded": _("Contract superseded"),
            "contract.cancelled": _("Contract cancelled"),
        })
        periodic.register("procurement.expiring_qualifications", _warn_expiring)
        __import__("yewu.procurement.approvals")  # the approvals move requisitions, orders, contracts (hooks)
        packs.register("procurement", _("Procurement processes"), approvals.install)  # `yewu process install`
        __import__("yewu.procurement.demo")  # registers the demo loader with yewu.core.demo


def _warn_expiring():
    from yewu.procurement.services import warn_expiring_qualifications

    return warn_expiring_qualifications() or None
