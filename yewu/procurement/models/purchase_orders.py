"""Purchase orders (采购订单): lines, prices, delivery and payment instalments, for one supplier."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.procurement.choices import (
    INSPECTION_PAYABLE,
    ORDER_EDITABLE,
    ORDER_OPEN,
    ORDER_RECEIVABLE,
    OrderStatus,
    PaymentStatus,
)
from yewu.procurement.models.requisitions import MONEY, QUANTITY

CENT = Decimal("0.01")


class PurchaseOrderQuerySet(RestrictedQuerySet):
    def open(self) -> PurchaseOrderQuerySet:
        return self.filter(status__in=ORDER_OPEN)


class PurchaseOrder(ScopedModel):
    """An order to a qualified supplier for an approved requisition, reviewed by the central
    business management department before it is issued. Never edited once issued: an amendment
    is a new version."""

    scope_owner_field = "buyer"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self", verbose_name=_("amends"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="amendment",
    )
    requisition = models.ForeignKey(
        "procurement.Requisition", verbose_name=_("requisition"), on_delete=models.PROTECT,
        related_name="orders",
    )
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="orders"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("requesting department"), on_delete=models.PROTECT,
        related_name="purchase_orders", editable=False,
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="purchase_orders",
        editable=False,
    )
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_place = models.CharField(_("delivery place"), max_length=300, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    important = models.BooleanField(
        _("important purchase"), default=False,
        help_text=_("An important purchase needs a signed purchase contract whatever its amount."),
    )
    needs_contract = models.BooleanField(_("needs a contract"), default=False, editable=False)
    quotation = models.ForeignKey(
        "procurement.Quotation", verbose_name=_("quotation"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="orders",
    )
    amount = models.DecimalField(_("amount"), default=Decimal("0"), editable=False, **MONEY)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT, editable=False
    )
    approval = models.ForeignKey(
        "workflow.ProcessInstance", verbose_name=_("review"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)

    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="purchase_order_number_version"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return self.number if self.version == 1 else f"{self.number} v{self.version}"

    @property
    def buyer_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.buyer)

    def get_absolute_url(self) -> str:
        return reverse("procurement:purchaseorder_detail", args=[self.pk])

    def can_edit(self) -> bool:
        return self.status in ORDER_EDITABLE

    def can_submit(self) -> bool:
        return self.status in ORDER_EDITABLE

    def can_receive(self) -> bool:
        return self.status in ORDER_RECEIVABLE

    def can_amend(self) -> bool:
        return self.status in (OrderStatus.ISSUED, OrderStatus.AWAITING_CONTRACT) and not self.receipts.exists()

    def signed_contract(self):
        """The signed (or filed) contract of this order, whichever version of the order it was made
        for (an amended order keeps its contract); None without one."""
        from yewu.procurement.models.contracts import PurchaseContract

        return PurchaseContract.objects.signed().filter(order__number=self.number).order_by("-version").first()

    def live_contract(self):
        """The contract that stands for this order now (draft to filed), None without one."""
        from yewu.procurement.choices import CONTRACT_LIVE
        from yewu.procurement.models.contracts import PurchaseContract

        return (PurchaseContract.objects.filter(order__number=self.number, status__in=CONTRACT_LIVE)
                .order_by("-version").first())

    def contract_missing(self) -> bool:
        """Needs a contract and none is signed: it may not be sent, received or paid."""
        return self.needs_contract and self.signed_contract() is None

    def accepted_value(self) -> Decimal:
        """Value of the goods that passed inspection: accepted quantity × order price, per line."""
        from yewu.procurement.models.receipts import ReceiptLine

        rows = (
            ReceiptLine.objects.filter(receipt__order=self, receipt__result__in=INSPECTION_PAYABLE)
            .values("order_line__unit_price")
            .annotate(accepted=Sum("accepted"))
        )
        total = sum((r["accepted"] * r["order_line__unit_price"] for r in rows), Decimal("0"))
        return total.quantize(CENT)

    def committed_payments(self) -> Decimal:
        """Requested, approved and paid amounts (what counts against the three-way match)."""
        from yewu.procurement.choices import PAYMENT_LIVE

        total = self.payments.filter(status__in=PAYMENT_LIVE).aggregate(s=Sum("amount"))["s"]
        return total or Decimal("0")

    def paid_amount(self) -> Decimal:
        return self.payments.filter(status=PaymentStatus.PAID).aggregate(s=Sum("amount"))["s"] or Decimal("0")


class PurchaseOrderLine(ScopedModel):
    """One ordered item at its agreed unit price."""

    scope_owner_field = "order__buyer"
    scope_department_field = "order__department"

    order = models.ForeignKey(PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.CASCADE,
                              related_name="lines")
    seq = models.PositiveIntegerField(_("line"), default=1)
    requisition_line = models.ForeignKey(
        "procurement.RequisitionLine", verbose_name=_("requisition line"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    name = models.CharField(_("item"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True, default="")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=20, default="")
    unit_price = models.DecimalField(_("unit price"), **MONEY)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["order", "seq", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT)

    def accepted_quantity(self) -> Decimal:
        return self.receipt_lines.aggregate(s=Sum("accepted"))["s"] or Decimal("0")


class Instalment(ScopedModel):
    """One payment instalment of an order (advance, on delivery, retention …) with its due date."""

    scope_owner_field = "order__buyer"
    scope_department_field = "order__department"

    order = models.ForeignKey(PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.CASCADE,
                              related_name="instalments")
    seq = models.PositiveIntegerField(_("instalment"), default=1)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    amount = models.DecimalField(_("amount"), **MONEY)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment instalment")
        verbose_name_plural = _("payment instalments")
        ordering = ["order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="instalment_seq_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.seq}"

    def live_payment(self):
        from yewu.procurement.choices import PAYMENT_LIVE

        return self.payments.filter(status__in=PAYMENT_LIVE).first()
