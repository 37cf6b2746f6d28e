"""Purchase contracts (采购合同): the signed agreement behind a large or important order, reviewed
by legal before it is signed and filed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.procurement.choices import CONTRACT_AMENDABLE, CONTRACT_EDITABLE, ContractStatus
from yewu.procurement.models.requisitions import MONEY


class PurchaseContractQuerySet(RestrictedQuerySet):
    def signed(self) -> PurchaseContractQuerySet:
        from yewu.procurement.choices import CONTRACT_SIGNED

        return self.filter(status__in=CONTRACT_SIGNED)


class PurchaseContract(ScopedModel):
    """The contract of one purchase order with its supplier: title, terms and amount (never above
    the order's), legal review through an approval, then signing (date and signed copy) and filing.

    Not edited after legal approval: an amendment is a new version (same number, version+1) that
    links to the one it replaces and goes through legal review again."""

    scope_owner_field = "drafted_by"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self", verbose_name=_("amends"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="amendment",
    )
    order = models.ForeignKey(
        "procurement.PurchaseOrder", verbose_name=_("purchase order"), on_delete=models.PROTECT,
        related_name="contracts",
    )
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="contracts",
        editable=False,
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("requesting department"), on_delete=models.PROTECT,
        related_name="purchase_contracts", editable=False,
    )
    title = models.CharField(_("title"), max_length=200)
    terms = models.TextField(_("terms"), blank=True, default="")
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT, editable=False
    )
    approval = models.ForeignKey(
        "workflow.ProcessInstance", verbose_name=_("legal review"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True, editable=False)
    signed_copy = models.ForeignKey(
        "core.Attachment", verbose_name=_("signed copy"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True, editable=False)

    objects = PurchaseContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase contract")
        verbose_name_plural = _("purchase contracts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="purchase_contract_number_version"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return self.number if self.version == 1 else f"{self.number} v{self.version}"

    @property
    def drafter_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.drafted_by)

    def get_absolute_url(self) -> str:
        return reverse("procurement:purchasecontract_detail", args=[self.pk])

    def can_edit(self) -> bool:
        return self.status in CONTRACT_EDITABLE

    def can_submit(self) -> bool:
        return self.status in CONTRACT_EDITABLE

    def can_sign(self) -> bool:
        return self.status == ContractStatus.APPROVED

    def can_file(self) -> bool:
        return self.status == ContractStatus.SIGNED

    def can_amend(self) -> bool:
        return self.status in CONTRACT_AMENDABLE
