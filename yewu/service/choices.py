"""Statuses and choice lists of the customer-service records (only services set `status`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("Web form")


class ConsultationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ROUTED = "routed", _("Routed to a department")
    ANSWERED = "answered", _("Answered")
    CONVERTED = "converted", _("Converted to a complaint")


#: Consultations still inside (or past) their response time limit.
CONSULTATION_OPEN = frozenset({ConsultationStatus.OPEN, ConsultationStatus.ROUTED})


class Severity(models.TextChoices):
    LOW = "low", _("Minor")
    MEDIUM = "medium", _("Moderate")
    HIGH = "high", _("Serious")


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("Product or service quality")
    DELIVERY = "delivery", _("Delivery and schedule")
    ATTITUDE = "attitude", _("Staff attitude")
    PRICE = "price", _("Price and billing")
    OTHER = "other", _("Other complaint")


class CauseKind(models.TextChoices):
    INTERNAL = "internal", _("Internal cause")
    EXTERNAL = "external", _("External cause")


class CauseCategory(models.TextChoices):
    PROCESS = "process", _("Work process")
    PERSONNEL = "personnel", _("Staff skill or conduct")
    PRODUCT = "product", _("Product design or manufacture")
    SUPPLIER = "supplier", _("Supplier or partner")
    CUSTOMER = "customer", _("Customer use or misunderstanding")
    OTHER = "other", _("Other cause")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not registered")
    ACCEPTING = "accepting", _("Waiting for the central department")
    INVESTIGATING = "investigating", _("Under investigation")
    PLANNING = "planning", _("Handling plan")
    REPLYING = "replying", _("Reply to the customer")
    FOLLOW_UP = "follow_up", _("Satisfaction follow-up")
    CLOSED = "closed", _("Closed")


#: Which complaint status stands for each user task of the complaint process.
STEP_STATUS: dict[str, str] = {
    "accept": ComplaintStatus.ACCEPTING,
    "investigate": ComplaintStatus.INVESTIGATING,
    "plan": ComplaintStatus.PLANNING,
    "reply": ComplaintStatus.REPLYING,
    "follow_up": ComplaintStatus.FOLLOW_UP,
}
COMPLAINT_RUNNING = frozenset(STEP_STATUS.values())


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    PARTLY = "partly", _("Partly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    VERIFIED = "verified", _("Verified")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating 1–5")
    CHOICE = "choice", _("Single choice")
    TEXT = "text", _("Free text")


class AnswerChannel(models.TextChoices):
    LINK = "link", _("Public link")
    PHONE = "phone", _("Phone")
    FACE = "face", _("Face to face")
