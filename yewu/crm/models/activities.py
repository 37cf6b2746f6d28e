"""What is done with customers: visits (拜访), the communication log (沟通记录), follow-up tasks
(回访) and care greetings (客户关怀).

Each row carries its owner and department (copied from its customer or lead, kept in step when the
customer changes hands), so the data scopes read one table and the lists stay fast.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.querysets import ScopedModel
from yewu.crm.choices import (
    CareKind,
    CareStatus,
    Channel,
    FollowUpKind,
    FollowUpStatus,
    VisitStatus,
)
from yewu.crm.models.customers import person_name


class _Owned(ScopedModel):
    scope_owner_field = "owner"
    scope_department_field = "department"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        abstract = True

    @property
    def owner_name(self) -> str:
        return person_name(self.owner)


class Visit(_Owned):
    """A planned customer visit and, once made, its check-in: when, notes, outcome and next step."""

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="visits")
    contact = models.ForeignKey("crm.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="visits")
    planned_on = models.DateField(_("planned for"))
    purpose = models.CharField(_("visit purpose"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED,
                              editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    notes = models.TextField(_("visit notes"), blank=True, default="", editable=False)
    outcome = models.TextField(_("outcome"), blank=True, default="", editable=False)
    next_step = models.CharField(_("next step"), max_length=300, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-planned_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.planned_on:%Y-%m-%d} {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("crm:visit_detail", args=[self.pk])

    def can_check_in(self) -> bool:
        return self.status == VisitStatus.PLANNED

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status == VisitStatus.PLANNED and self.planned_on < (today or timezone.localdate())


class Communication(_Owned):
    """One exchange with a customer or lead: when, how, what was said, the customer's feedback and
    the follow-up action agreed (with a date it becomes a follow-up task)."""

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="communications")
    lead = models.ForeignKey("crm.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="communications")
    contact = models.ForeignKey("crm.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="communications")
    at = models.DateTimeField(_("time"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    content = models.TextField(_("content"))
    feedback = models.TextField(_("customer feedback"), blank=True, default="")
    follow_up_action = models.CharField(_("follow-up action"), max_length=300, blank=True, default="")
    follow_up_due = models.DateField(_("follow up by"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                               related_name="+", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(lead__isnull=False),
                name="crm_communication_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.customer or self.lead}"

    def get_absolute_url(self) -> str:
        return reverse("crm:communication_detail", args=[self.pk])

    @property
    def subject(self) -> str:
        return str(self.customer or (self.lead.company_name if self.lead_id else ""))

    @property
    def author_name(self) -> str:
        return person_name(self.author)


class FollowUp(_Owned):
    """A follow-up task (回访) for a customer's owner: from the class cadence or from an agreed
    action. The worker reminds the owner before it is due and tells their supervisor once it is
    missed; it is done by recording the contact made."""

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="follow_ups")
    lead = models.ForeignKey("crm.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=20, choices=FollowUpKind.choices, editable=False)
    title = models.CharField(_("what to do"), max_length=300)
    due_on = models.DateField(_("follow-up date"))
    status = models.CharField(_("status"), max_length=20, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.OPEN, editable=False)
    source = models.ForeignKey(Communication, verbose_name=_("agreed in"), null=True, blank=True, editable=False,
                               on_delete=models.SET_NULL, related_name="follow_ups_requested")
    result = models.ForeignKey(Communication, verbose_name=_("done with"), null=True, blank=True, editable=False,
                               on_delete=models.SET_NULL, related_name="follow_ups_done")
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), null=True,
                                     blank=True, editable=False, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(kind="cadence", status="open"),
                name="crm_one_open_cadence_follow_up",
            ),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(lead__isnull=False),
                name="crm_follow_up_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_on:%Y-%m-%d} {self.subject} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("crm:followup_detail", args=[self.pk])

    @property
    def subject(self) -> str:
        return str(self.customer or (self.lead.company_name if self.lead_id else ""))

    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN

    @property
    def escalated_to_name(self) -> str:
        return person_name(self.escalated_to)

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open() and self.due_on < (today or timezone.localdate())


class CareTask(_Owned):
    """A greeting for the owner to send: a contact's birthday or a holiday, with the text from its
    template. Made once per occasion by the worker."""

    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="care_tasks")
    contact = models.ForeignKey("crm.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="care_tasks")
    holiday = models.ForeignKey("crm.Holiday", verbose_name=_("holiday"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="care_tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=CareKind.choices, editable=False)
    occasion_on = models.DateField(_("date"), editable=False)
    message = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=20, choices=CareStatus.choices, default=CareStatus.OPEN,
                              editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True,
                                editable=False, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("greeting")
        verbose_name_plural = _("greetings")
        ordering = ["status", "occasion_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "occasion_on"], condition=models.Q(kind="birthday"),
                                    name="crm_one_birthday_greeting"),
            models.UniqueConstraint(fields=["customer", "holiday"], condition=models.Q(kind="holiday"),
                                    name="crm_one_holiday_greeting"),
        ]

    def __str__(self) -> str:
        who = self.contact.name if self.contact_id else str(self.customer)
        what = self.holiday.name if self.holiday_id else self.get_kind_display()
        return f"{self.occasion_on:%Y-%m-%d} {what} · {who}"

    def get_absolute_url(self) -> str:
        return reverse("crm:caretask_detail", args=[self.pk])

    def is_open(self) -> bool:
        return self.status == CareStatus.OPEN
