"""Statuses and kinds of the CRM records and the moves each allows (only services set `status`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    NEW = "new", _("Awaiting evaluation")
    QUALIFIED = "qualified", _("In scope")
    DISQUALIFIED = "disqualified", _("Out of scope")
    ASSIGNED = "assigned", _("Assigned")
    CONVERTED = "converted", _("Converted")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")


#: Allowed moves of a lead: target -> states it may come from.
LEAD_TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.QUALIFIED: frozenset({LeadStatus.NEW, LeadStatus.DISQUALIFIED}),
    LeadStatus.DISQUALIFIED: frozenset({LeadStatus.NEW, LeadStatus.QUALIFIED}),
    LeadStatus.ASSIGNED: frozenset({LeadStatus.QUALIFIED, LeadStatus.ASSIGNED}),
    LeadStatus.CONVERTED: frozenset({LeadStatus.QUALIFIED, LeadStatus.ASSIGNED}),
    LeadStatus.CLOSED: frozenset({LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.ASSIGNED}),
    LeadStatus.MERGED: frozenset({LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.ASSIGNED}),
}
#: Leads still being worked on (duplicate checks look at these and at customers).
LEAD_OPEN = frozenset({LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.ASSIGNED})
#: Leads whose details may still be edited.
LEAD_EDITABLE = frozenset({LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.ASSIGNED})


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active customer")
    DORMANT = "dormant", _("Dormant customer")
    MERGED = "merged", _("Merged")


class CreditRating(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Visited")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    IM = "im", _("WeChat / instant message")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class FollowUpKind(models.TextChoices):
    CADENCE = "cadence", _("Regular follow-up")
    ACTION = "action", _("Agreed follow-up action")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CareKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday greeting")
    HOLIDAY = "holiday", _("Holiday greeting")


class CareStatus(models.TextChoices):
    OPEN = "open", _("To send")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
