"""Leads (业务线索): the lead register, from first registration to conversion into a customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.crm.choices import LEAD_EDITABLE, LEAD_OPEN, LEAD_TRANSITIONS, LeadStatus
from yewu.crm.models.customers import person_name


class LeadQuerySet(RestrictedQuerySet):
    def open(self) -> LeadQuerySet:
        return self.filter(status__in=LEAD_OPEN)


class Lead(ScopedModel):
    """A business lead as registered (source, customer details, need), evaluated by the business
    manager, assigned to a project manager or specialist and converted into a customer.

    `owner` is who works on it now (the registrant, then the assignee); the needs analysis report
    is an attachment. Converting or merging keeps the lead and its history; the customer shows them.
    """

    scope_owner_field = "owner"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    source = models.ForeignKey("crm.LeadSource", verbose_name=_("source"), on_delete=models.PROTECT,
                               related_name="leads")
    company_name = models.CharField(_("company or person"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True, default="")
    contact_title = models.CharField(_("contact's title"), max_length=100, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    phone_key = models.CharField(max_length=20, editable=False, db_index=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="",
                                   db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    need = models.TextField(_("need"))
    needs_analysis = models.TextField(_("needs analysis summary"), blank=True, default="")
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW,
                              editable=False)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True, default="", editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="crm_leads", editable=False)
    department = models.ForeignKey("org.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="crm_leads")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"),
                                   on_delete=models.PROTECT, related_name="+", editable=False)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True, editable=False)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 editable=False, on_delete=models.PROTECT, related_name="leads")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True, editable=False,
                                    on_delete=models.PROTECT, related_name="merged_leads")
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    process = models.ForeignKey("workflow.ProcessInstance", verbose_name=_("business intake process"), null=True,
                                blank=True, editable=False, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-pk"]
        permissions = [("evaluate_lead", "Can evaluate and assign leads")]

    def __str__(self) -> str:
        return f"{self.number} {self.company_name}"

    def get_absolute_url(self) -> str:
        return reverse("crm:lead_detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        return person_name(self.owner)

    def can_move_to(self, target: str) -> bool:
        return self.status in LEAD_TRANSITIONS.get(target, ())

    def can_edit(self) -> bool:
        return self.status in LEAD_EDITABLE

    def can_evaluate(self) -> bool:
        return self.can_move_to(LeadStatus.QUALIFIED) or self.can_move_to(LeadStatus.DISQUALIFIED)

    def can_assign(self) -> bool:
        return self.can_move_to(LeadStatus.ASSIGNED)

    def can_convert(self) -> bool:
        return self.can_move_to(LeadStatus.CONVERTED)

    def can_close(self) -> bool:
        return self.can_move_to(LeadStatus.CLOSED)
