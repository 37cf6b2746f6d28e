"""Consultations (咨询): questions from customers by phone, e-mail, walk-in or the public web
form, answered within a time limit or routed to a department."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import RestrictedQuerySet, ScopedModel
from yewu.service.choices import CONSULTATION_OPEN, Channel, ConsultationStatus


class ConsultationQuerySet(RestrictedQuerySet):
    def open(self) -> ConsultationQuerySet:
        return self.filter(status__in=CONSULTATION_OPEN)

    def overdue(self, now=None) -> ConsultationQuerySet:
        return self.open().filter(due_at__lt=now or timezone.now())


class Consultation(ScopedModel):
    """One question from a customer (or a visitor not yet known as one): who asked, how, what; due
    within the response time limit; answered, or routed to the department that will answer it.

    Seen by the customer's owner (own scope) and by the department that answers it."""

    scope_owner_field = "customer__owner"
    scope_department_field = "department"

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="consultations",
    )
    contact_name = models.CharField(_("contact name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    company_name = models.CharField(_("company name"), max_length=200, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=200)
    question = models.TextField(_("question"))
    department = models.ForeignKey(
        "org.Department", verbose_name=_("answering department"), on_delete=models.PROTECT,
        related_name="service_consultations",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN,
        editable=False,
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    due_at = models.DateTimeField(_("answer due"), editable=False)
    answer = models.TextField(_("answer"), blank=True, default="", editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:consultation_detail", args=[self.pk])

    def can_answer(self) -> bool:
        return self.status in CONSULTATION_OPEN

    def can_convert(self) -> bool:
        """Only a consultation still waiting for its answer can turn into a complaint."""
        return self.status in CONSULTATION_OPEN

    @property
    def converted_complaint(self):
        """The complaint this consultation was converted into, else None."""
        return getattr(self, "complaint", None)

    def is_overdue(self) -> bool:
        return self.status in CONSULTATION_OPEN and self.due_at < timezone.now()
