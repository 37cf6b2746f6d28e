"""Requisitions (采购需求): what a department needs, approved before anything is ordered."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.procurement.choices import REQUISITION_EDITABLE, RequisitionStatus

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}


def person_name(user) -> str:
    """A user as people know them: the employee's name, else the login."""
    if user is None:
        return ""
    employee = getattr(user, "employee", None) if hasattr(user, "employee") else None
    return employee.name if employee is not None else user.get_username()


class RequisitionQuerySet(RestrictedQuerySet):
    def approved(self) -> RequisitionQuerySet:
        return self.filter(status=RequisitionStatus.APPROVED)


class Requisition(ScopedModel):
    """A department's request to buy goods or services; approved through the procurement process.

    An approved requisition is never edited: an amendment is a new version (same number, version+1)
    that replaces it and goes through the approval again.
    """

    scope_owner_field = "requester"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self", verbose_name=_("amends"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="amendment",
    )
    title = models.CharField(_("title"), max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
        related_name="requisitions",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("requesting department"), on_delete=models.PROTECT,
        related_name="requisitions",
    )
    purpose = models.TextField(_("purpose"))
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    amount = models.DecimalField(_("budget amount"), default=Decimal("0"), editable=False, **MONEY)
    status = models.CharField(
        _("status"), max_length=20, choices=RequisitionStatus.choices, default=RequisitionStatus.DRAFT,
        editable=False,
    )
    approval = models.ForeignKey(
        "workflow.ProcessInstance", verbose_name=_("approval"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    objects = RequisitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("requisition")
        verbose_name_plural = _("requisitions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="requisition_number_version"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return self.number if self.version == 1 else f"{self.number} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:requisition_detail", args=[self.pk])

    @property
    def requester_name(self) -> str:
        return person_name(self.requester)

    def can_edit(self) -> bool:
        return self.status in REQUISITION_EDITABLE

    def can_submit(self) -> bool:
        return self.status in REQUISITION_EDITABLE

    def can_amend(self) -> bool:
        return self.status == RequisitionStatus.APPROVED

    def can_order(self) -> bool:
        return self.status == RequisitionStatus.APPROVED


class RequisitionLine(ScopedModel):
    """One item of a requisition: name, specification, quantity, unit and budget price."""

    scope_owner_field = "requisition__requester"
    scope_department_field = "requisition__department"

    requisition = models.ForeignKey(
        Requisition, verbose_name=_("requisition"), on_delete=models.CASCADE, related_name="lines"
    )
    seq = models.PositiveIntegerField(_("line"), default=1)
    name = models.CharField(_("item"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True, default="")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=20, default="")
    budget_price = models.DecimalField(_("budget unit price"), **MONEY)

    class Meta:
        verbose_name = _("requisition line")
        verbose_name_plural = _("requisition lines")
        ordering = ["requisition", "seq", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="requisition_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(budget_price__gte=0), name="requisition_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.budget_price).quantize(Decimal("0.01"))
