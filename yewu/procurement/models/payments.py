"""Payment requests (付款申请): one instalment of an order, checked against order and inspection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel
from yewu.procurement.choices import PAYMENT_LIVE, PaymentStatus
from yewu.procurement.models.requisitions import MONEY


class PaymentRequest(ScopedModel):
    """A request to pay one instalment of an order: finance checks it (three-way match: order,
    accepted goods, instalment) and pays it. An instalment is held by at most one live request."""

    scope_owner_field = "requested_by"
    scope_department_field = "order__department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        "procurement.PurchaseOrder", verbose_name=_("purchase order"), on_delete=models.PROTECT,
        related_name="payments",
    )
    instalment = models.ForeignKey(
        "procurement.Instalment", verbose_name=_("instalment"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.TextField(_("note"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.REQUESTED, editable=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True, editable=False)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, editable=False)
    reference = models.CharField(_("payment reference"), max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-requested_at", "-pk"]
        permissions = [
            ("approve_paymentrequest", "Can check a payment request (finance)"),
            ("pay_paymentrequest", "Can record a payment"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["instalment"], condition=Q(status__in=sorted(PAYMENT_LIVE)), name="one_live_payment_per_instalment"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def requester_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.requested_by)

    @property
    def checker_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.checked_by)

    def get_absolute_url(self) -> str:
        return reverse("procurement:paymentrequest_detail", args=[self.pk])

    def can_approve(self) -> bool:
        return self.status == PaymentStatus.REQUESTED

    def can_pay(self) -> bool:
        return self.status == PaymentStatus.APPROVED
