"""Complaints (投诉) and their corrective actions: the complaint follows the complaint process
(yewu/service/processes/complaint.bpmn); an internal cause needs a corrective action before the
complaint can close."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.crm.models.customers import person_name
from yewu.service.choices import (
    COMPLAINT_RUNNING,
    ActionStatus,
    CauseCategory,
    CauseKind,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    Satisfaction,
    Severity,
)


class ComplaintQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> ComplaintQuerySet:
        """As the data scopes say; a handler also sees the complaints handed to them."""
        qs = super().restrict(user, action)
        if action != "view" or user is None or not user.is_authenticated or not user.is_active:
            return qs
        return self.filter(Q(pk__in=qs.values("pk")) | Q(handler=user))

    def running(self) -> ComplaintQuerySet:
        return self.filter(status__in=COMPLAINT_RUNNING)


class Complaint(ScopedModel):
    """A customer's complaint: what about (product or service, category, severity), the
    investigation (cause and the customer's expectation), the handling plan, the reply and the
    customer's satisfaction. The status follows the complaint process step by step.

    Seen by the customer's owner (own scope) and by the responsible department."""

    scope_owner_field = "customer__owner"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="complaints",
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    product = models.CharField(_("product or service"), max_length=200)
    category = models.CharField(_("complaint category"), max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("responsible department"), on_delete=models.PROTECT,
        related_name="service_complaints",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    cause_kind = models.CharField(_("cause"), max_length=10, choices=CauseKind.choices, blank=True, default="",
                                  editable=False)
    cause_category = models.CharField(_("cause category"), max_length=20, choices=CauseCategory.choices,
                                      blank=True, default="", editable=False)
    cause_notes = models.TextField(_("investigation findings"), blank=True, default="", editable=False)
    expectation = models.TextField(_("customer's expectation"), blank=True, default="", editable=False)
    plan = models.TextField(_("handling plan"), blank=True, default="", editable=False)
    reply = models.TextField(_("reply to the customer"), blank=True, default="", editable=False)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True, editable=False)
    satisfaction = models.CharField(_("satisfaction result"), max_length=20, choices=Satisfaction.choices,
                                    blank=True, default="", editable=False)
    satisfaction_notes = models.TextField(_("follow-up notes"), blank=True, default="", editable=False)
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED, editable=False)
    process = models.ForeignKey(
        "workflow.ProcessInstance", verbose_name=_("complaint process"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    consultation = models.OneToOneField(
        "service.Consultation", verbose_name=_("converted from consultation"), null=True, blank=True,
        editable=False, on_delete=models.PROTECT, related_name="complaint",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.product}"

    def get_absolute_url(self) -> str:
        return reverse("service:complaint_detail", args=[self.pk])

    @property
    def handler_name(self) -> str:
        return person_name(self.handler)

    def can_register(self) -> bool:
        return self.status == ComplaintStatus.RECEIVED

    def needs_corrective_action(self) -> bool:
        return self.cause_kind == CauseKind.INTERNAL


class CorrectiveActionQuerySet(RestrictedQuerySet):
    def open(self) -> CorrectiveActionQuerySet:
        return self.filter(status=ActionStatus.OPEN)


class CorrectiveAction(ScopedModel):
    """What the company changes so that an internally caused complaint does not happen again: an
    owner, a due date, done and then verified."""

    scope_owner_field = "owner"
    scope_department_field = "complaint__department"

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT,
                                  related_name="corrective_actions")
    description = models.TextField(_("corrective action"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible person"),
                              on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN,
                              editable=False)
    result = models.TextField(_("result"), blank=True, default="", editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                    editable=False, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint.number}: {self.description[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("service:correctiveaction_detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        return person_name(self.owner)
