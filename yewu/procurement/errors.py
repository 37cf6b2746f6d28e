"""Procurement error codes: each refusal of a rule names its code and a translated message."""

from django.utils.translation import gettext_lazy as _

from yewu.core.errors import ErrorCode


class ProcurementError(ErrorCode):
    NO_LINES = "procurement.no_lines", _("Add at least one line.")
    DEPARTMENT_REQUIRED = "procurement.department_required", _("Choose the requesting department.")
    BAD_LINE = "procurement.bad_line", _(
        "Line %(line)s: the quantity must be above zero and the price zero or more."
    )
    BAD_TRANSITION = "procurement.bad_transition", _("%(record)s is %(current)s; it cannot become %(target)s.")
    REQUISITION_LOCKED = "procurement.requisition_locked", _(
        "Requisition %(number)s is %(status)s and can no longer be changed; amend it to make a new version."
    )
    REQUISITION_NOT_APPROVED = "procurement.requisition_not_approved", _(
        "Requisition %(number)s is not approved (it is %(status)s); orders need an approved requisition."
    )
    REQUISITION_HAS_ORDERS = "procurement.requisition_has_orders", _(
        "Requisition %(number)s already has purchase orders; it cannot be amended."
    )
    PROCESS_MISSING = "procurement.process_missing", _(
        "The approval process %(key)s is not installed; ask a process administrator to install it."
    )
    SUPPLIER_NOT_QUALIFIED = "procurement.supplier_not_qualified", _(
        "%(name)s is %(status)s, not on the qualified supplier list; no new orders can go to it."
    )
    QUALIFICATION_EXPIRED = "procurement.qualification_expired", _(
        "The qualification of %(name)s expired on %(date)s; renew its documents before ordering."
    )
    NO_QUALIFICATION = "procurement.no_qualification", _(
        "%(name)s has no valid qualification documents."
    )
    SUPPLIER_NAME_TAKEN = "procurement.supplier_name_taken", _("A supplier named %(name)s already exists.")
    ORDER_OVER_REQUISITION = "procurement.order_over_requisition", _(
        "Orders for requisition %(number)s would total %(total)s, above the approved %(approved)s "
        "plus the %(tolerance)s%% tolerance (at most %(limit)s)."
    )
    ORDER_LOCKED = "procurement.order_locked", _(
        "Purchase order %(number)s is %(status)s and can no longer be changed; amend it to make a new version."
    )
    ORDER_HAS_RECEIPTS = "procurement.order_has_receipts", _(
        "Goods have been received for purchase order %(number)s; it cannot be amended."
    )
    ORDER_NOT_RECEIVABLE = "procurement.order_not_receivable", _(
        "Purchase order %(number)s is %(status)s; goods can be received only for issued orders."
    )
    TERMS_MISMATCH = "procurement.terms_mismatch", _(
        "The payment instalments add up to %(terms)s, but the order totals %(total)s."
    )
    RECEIPT_EMPTY = "procurement.receipt_empty", _("Record a quantity for at least one line.")
    RECEIPT_FOREIGN_LINE = "procurement.receipt_foreign_line", _(
        "The line %(line)s does not belong to purchase order %(number)s."
    )
    RECEIPT_OVER_ORDERED = "procurement.receipt_over_ordered", _(
        "%(item)s: %(accepted)s would be accepted in all, but only %(ordered)s were ordered."
    )
    RECEIPT_NEGATIVE = "procurement.receipt_negative", _("%(item)s: quantities cannot be negative.")
    PAYMENT_WITHOUT_INSPECTION = "procurement.payment_without_inspection", _(
        "Purchase order %(number)s has no goods that passed inspection; nothing can be paid yet."
    )
    PAYMENT_ABOVE_ACCEPTED = "procurement.payment_above_accepted", _(
        "Payments would total %(total)s, above the value of the accepted goods (%(accepted)s)."
    )
    PAYMENT_ABOVE_ORDER = "procurement.payment_above_order", _(
        "Payments would total %(total)s, above the order amount (%(order)s)."
    )
    PAYMENT_ABOVE_INSTALMENT = "procurement.payment_above_instalment", _(
        "Instalment %(seq)s is %(amount)s; %(requested)s cannot be requested for it."
    )
    PAYMENT_NOT_POSITIVE = "procurement.payment_not_positive", _("The amount must be above zero.")
    INSTALMENT_PAID = "procurement.instalment_paid", _(
        "Instalment %(seq)s of purchase order %(number)s is already paid or requested (%(payment)s)."
    )
    INSTALMENT_NOT_DUE = "procurement.instalment_not_due", _(
        "Instalment %(seq)s is due on %(date)s; it cannot be paid before."
    )
    INSTALMENT_FOREIGN = "procurement.instalment_foreign", _(
        "The instalment does not belong to purchase order %(number)s."
    )
    PAYMENT_STATE = "procurement.payment_state", _("Payment request %(number)s is %(status)s.")
    EVALUATION_DUPLICATE = "procurement.evaluation_duplicate", _(
        "%(name)s has already been evaluated for %(period)s."
    )
    EVALUATION_WEIGHTS = "procurement.evaluation_weights", _(
        "The weights add up to %(total)s%%; they must add up to 100%%."
    )
    EVALUATION_SCORE = "procurement.evaluation_score", _("Scores and weights go from 0 to 100.")
    IMPORT_UNREADABLE = "procurement.import_unreadable", _("The file cannot be read as an xlsx workbook.")
    IMPORT_NO_NAME_COLUMN = "procurement.import_no_name_column", _(
        "The first row of the sheet must name the columns, with a column for the supplier name."
    )
    IMPORT_TOO_MANY_ROWS = "procurement.import_too_many_rows", _(
        "The sheet has more than %(limit)s rows; split it into smaller files."
    )
    QUOTATION_FOREIGN_LINE = "procurement.quotation_foreign_line", _(
        "The line %(line)s does not belong to requisition %(number)s."
    )
    QUOTATION_MISSING_PRICE = "procurement.quotation_missing_price", _(
        "%(item)s has no price: a quotation prices every line of the requisition."
    )
    QUOTATION_BAD_PRICE = "procurement.quotation_bad_price", _("%(item)s: the unit price must be zero or more.")
    QUOTATION_VALIDITY_REQUIRED = "procurement.quotation_validity_required", _(
        "Enter the date until which the quotation is valid."
    )
    QUOTATION_EXPIRED = "procurement.quotation_expired", _(
        "The quotation of %(supplier)s was valid until %(date)s; it can no longer be chosen or ordered from."
    )
    QUOTATION_ORDERED = "procurement.quotation_ordered", _(
        "An order has already been placed from the quotation of %(supplier)s (%(order)s); it cannot be replaced."
    )
    QUOTATION_BAD_DELIVERY = "procurement.quotation_bad_delivery", _(
        "The delivery time cannot be negative."
    )
    CHOICE_REASON_REQUIRED = "procurement.choice_reason_required", _(
        "The quotation of %(supplier)s totals %(total)s, above the lowest valid quotation (%(lowest)s of "
        "%(lowest_supplier)s); give the reason for choosing it."
    )
    QUOTATION_NOT_CHOSEN = "procurement.quotation_not_chosen", _(
        "The quotation of %(supplier)s is not the chosen one for requisition %(number)s; choose it first."
    )
    CONTRACT_NOT_SIGNED = "procurement.contract_not_signed", _(
        "Purchase order %(number)s is a large or important purchase: it cannot be sent to the supplier, "
        "received or paid before its purchase contract is signed."
    )
    CONTRACT_ABOVE_ORDER = "procurement.contract_above_order", _(
        "The contract amount %(amount)s is above the order amount %(order)s."
    )
    CONTRACT_AMOUNT_NOT_POSITIVE = "procurement.contract_amount_not_positive", _(
        "The contract amount must be above zero."
    )
    CONTRACT_EXISTS = "procurement.contract_exists", _(
        "Purchase order %(number)s already has contract %(contract)s; amend that one instead."
    )
    CONTRACT_ORDER_CLOSED = "procurement.contract_order_closed", _(
        "Purchase order %(number)s is %(status)s; a contract can be made only for a live order."
    )
    CONTRACT_LOCKED = "procurement.contract_locked", _(
        "Contract %(number)s is %(status)s and can no longer be changed; amend it to make a new version."
    )
    CONTRACT_SIGNED_COPY_REQUIRED = "procurement.contract_signed_copy_required", _(
        "Attach the signed copy of the contract."
    )
    CONTRACT_SIGNING_DATE = "procurement.contract_signing_date", _(
        "The signing date %(date)s lies in the future."
    )
