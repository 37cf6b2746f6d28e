"""Quotations (询价/报价): suppliers' prices for an approved requisition, compared line by line
before one of them is chosen and ordered from."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel
from yewu.procurement.models.requisitions import MONEY


class Quotation(ScopedModel):
    """One supplier's offer for a requisition in one round of enquiry: a unit price for every line,
    delivery, payment terms and how long the offer holds. A re-quote in the same round replaces
    the offer in place (its history is in the audit trail); one quotation per requisition may be
    the chosen one, with the reason when it is not the cheapest."""

    scope_owner_field = "created_by"
    scope_department_field = "requisition__department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    requisition = models.ForeignKey(
        "procurement.Requisition", verbose_name=_("requisition"), on_delete=models.PROTECT,
        related_name="quotations",
    )
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="quotations"
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    delivery_days = models.PositiveIntegerField(_("delivery in days"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=300, blank=True, default="")
    valid_until = models.DateField(_("valid until"))
    note = models.TextField(_("note"), blank=True, default="")
    amount = models.DecimalField(_("total"), default=Decimal("0"), editable=False, **MONEY)
    chosen = models.BooleanField(_("chosen"), default=False, editable=False)
    choice_reason = models.TextField(_("reason of the choice"), blank=True, default="", editable=False)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chosen by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    chosen_at = models.DateTimeField(_("chosen at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        ordering = ["-created_at", "-pk"]
        permissions = [("choose_quotation", "Can choose the quotation an order is placed from")]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "supplier", "round"],
                                    name="one_quotation_per_supplier_round"),
            models.UniqueConstraint(fields=["requisition"], condition=Q(chosen=True),
                                    name="one_chosen_quotation_per_requisition"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quotation_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.supplier}" if self.supplier_id else self.number

    def get_absolute_url(self) -> str:
        return reverse("procurement:quotation_detail", args=[self.pk])

    @property
    def recorder_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.created_by)

    def is_valid_on(self, today: datetime.date | None = None) -> bool:
        """Still within its validity (an expired offer cannot be chosen or ordered from)."""
        return self.valid_until >= (today or timezone.localdate())

    def expected_delivery(self) -> datetime.date | None:
        """The promised delivery date, else the date the delivery time reaches from today."""
        if self.delivery_date is not None:
            return self.delivery_date
        if self.delivery_days is not None:
            return timezone.localdate() + datetime.timedelta(days=self.delivery_days)
        return None

    def can_edit(self) -> bool:
        """A quotation that an order was placed from is not replaced any more."""
        from yewu.procurement.choices import OrderStatus

        return not self.orders.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.SUPERSEDED]).exists()


class QuotationLine(ScopedModel):
    """The unit price a supplier quotes for one line of the requisition."""

    scope_owner_field = "quotation__created_by"
    scope_department_field = "quotation__requisition__department"

    quotation = models.ForeignKey(Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE,
                                  related_name="lines")
    requisition_line = models.ForeignKey(
        "procurement.RequisitionLine", verbose_name=_("requisition line"), on_delete=models.CASCADE,
        related_name="quotation_lines",
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)

    class Meta:
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
        ordering = ["quotation", "requisition_line__seq"]
        constraints = [
            models.UniqueConstraint(fields=["quotation", "requisition_line"], name="one_price_per_quoted_line"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quotation_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quotation} · {self.requisition_line}"

    @property
    def amount(self) -> Decimal:
        return (self.requisition_line.quantity * self.unit_price).quantize(Decimal("0.01"))
