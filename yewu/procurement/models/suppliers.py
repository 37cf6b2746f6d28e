"""Suppliers (供应商), their qualification documents, and issues raised against them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.procurement.choices import ORDERABLE_SUPPLIER, IssueStatus, SupplierStatus


class SupplierQuerySet(RestrictedQuerySet):
    def orderable(self) -> SupplierQuerySet:
        """On the qualified list (whether documents are current is checked per supplier)."""
        return self.filter(status__in=ORDERABLE_SUPPLIER)


class Supplier(ScopedModel):
    """A company we buy from: profile, categories supplied and its place on the qualified list.

    Company-wide reference data (no owner, no department): only an "all" scope reaches it.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=30, blank=True, default="")
    categories = models.JSONField(_("categories supplied"), default=list, blank=True)
    contact = models.CharField(_("contact person"), max_length=100, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    bank_account = models.CharField(_("bank and account"), max_length=200, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=SupplierStatus.choices, default=SupplierStatus.CANDIDATE,
        editable=False,
    )
    status_reason = models.CharField(_("reason of the status"), max_length=500, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        permissions = [("qualify_supplier", "Can move a supplier on or off the qualified list")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procurement:supplier_detail", args=[self.pk])

    @property
    def categories_text(self) -> str:
        return "、".join(str(c) for c in self.categories or [])

    def qualification_state(self) -> tuple[bool, datetime.date | None]:
        """(has documents, qualified until) in one prepared statement (every order checks it twice)."""
        from yewu.core.sql import Table

        global _QUALIFICATIONS
        if _QUALIFICATIONS is None:
            _QUALIFICATIONS = Table(SupplierQualification)
        t = _QUALIFICATIONS
        docs = [(d.kind, d.expires_on) for d in
                t.select(f"{t.col('supplier_id')} = %s", [self.pk], names=("id", "kind", "expires_on"))]
        return bool(docs), self._until(docs)

    def qualified_until(self) -> datetime.date | None:
        """When its qualification lapses: for each kind of document the newest one counts, and the
        earliest of those expiry dates is the supplier's (None: nothing expires)."""
        return self._until(self.qualifications.values_list("kind", "expires_on"))

    @staticmethod
    def _until(docs) -> datetime.date | None:
        latest: dict[str, datetime.date | None] = {}
        for kind, expires in docs:
            if kind in latest and (latest[kind] is None or (expires is not None and expires <= latest[kind])):
                continue
            latest[kind] = expires
        dates = [d for d in latest.values() if d is not None]
        return min(dates) if dates else None

    def has_documents(self) -> bool:
        return self.qualifications.exists()

    def expiring_soon(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        until = self.qualified_until()
        days = settings.YEWU_PROCUREMENT_EXPIRY_WARNING_DAYS
        return until is not None and today <= until <= today + datetime.timedelta(days=days)

    def can_take_orders(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        until = self.qualified_until()
        return self.status in ORDERABLE_SUPPLIER and self.has_documents() and (until is None or until >= today)


class QualificationKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    PERMIT = "permit", _("Industry permit")
    CERTIFICATE = "certificate", _("Quality or system certificate")
    AUDIT = "audit", _("Audit or site-visit report")
    OTHER = "other", _("Other")


class SupplierQualification(ScopedModel):
    """A qualification document of a supplier (licence, permit, certificate, audit report) with its
    expiry date; scanned files are attachments of the supplier."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=QualificationKind.choices)
    name = models.CharField(_("document"), max_length=200)
    reference = models.CharField(_("document number"), max_length=100, blank=True, default="")
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        ordering = ["supplier", "kind", "-expires_on"]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.name}"

    def get_absolute_url(self) -> str:
        return self.supplier.get_absolute_url()

    def is_expired(self, today: datetime.date | None = None) -> bool:
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class SupplierIssue(ScopedModel):
    """A problem with a supplier's delivery (goods rejected at inspection, …), kept in its history."""

    scope_owner_field = "reported_by"
    scope_department_field = "order__department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="issues"
    )
    order = models.ForeignKey(
        "procurement.PurchaseOrder", verbose_name=_("purchase order"), on_delete=models.PROTECT,
        related_name="issues",
    )
    receipt = models.ForeignKey(
        "procurement.Receipt", verbose_name=_("receipt"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="issues",
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.OPEN, editable=False
    )
    resolution = models.TextField(_("resolution"), blank=True, default="")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("supplier issue")
        verbose_name_plural = _("supplier issues")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def reporter_name(self) -> str:
        from yewu.procurement.models.requisitions import person_name

        return person_name(self.reported_by)

    def get_absolute_url(self) -> str:
        return reverse("procurement:supplierissue_detail", args=[self.pk])


_QUALIFICATIONS = None  # the prepared statements on SupplierQualification (yewu.core.sql.Table)
