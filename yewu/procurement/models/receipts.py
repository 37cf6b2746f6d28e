"""Receiving and inspection (到货验收): what arrived, what was accepted and what was rejected."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel
from yewu.procurement.choices import InspectionResult
from yewu.procurement.models.requisitions import QUANTITY


class Receipt(ScopedModel):
    """One delivery of an order (deliveries may be partial) with its inspection result and report."""

    scope_owner_field = "received_by"
    scope_department_field = "order__department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        "procurement.PurchaseOrder", verbose_name=_("purchase order"), on_delete=models.PROTECT,
        related_name="receipts",
    )
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspected by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    result = models.CharField(_("inspection result"), max_length=20, choices=InspectionResult.choices,
                              editable=False)
    report = models.TextField(_("inspection report"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def inspector_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.received_by)

    def get_absolute_url(self) -> str:
        return reverse("procurement:receipt_detail", args=[self.pk])


class ReceiptLine(ScopedModel):
    """Per order line: the quantity received, accepted and rejected at inspection."""

    scope_owner_field = "receipt__received_by"
    scope_department_field = "receipt__order__department"

    receipt = models.ForeignKey(Receipt, verbose_name=_("receipt"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "procurement.PurchaseOrderLine", verbose_name=_("order line"), on_delete=models.PROTECT,
        related_name="receipt_lines",
    )
    accepted = models.DecimalField(_("accepted"), default=Decimal("0"), **QUANTITY)
    rejected = models.DecimalField(_("rejected"), default=Decimal("0"), **QUANTITY)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["receipt", "order_line__seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted__gte=0, rejected__gte=0), name="receipt_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} · {self.order_line}"

    @property
    def received(self) -> Decimal:
        return self.accepted + self.rejected
