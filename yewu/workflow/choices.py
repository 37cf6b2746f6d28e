"""Statuses of process versions, instances and tasks, with the transitions the services allow."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    TRIAL = "trial", _("Trial run")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


VERSION_TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.REVIEW},
    VersionStatus.REVIEW: {VersionStatus.DRAFT, VersionStatus.TRIAL, VersionStatus.PUBLISHED},
    VersionStatus.TRIAL: {VersionStatus.DRAFT, VersionStatus.PUBLISHED},
    VersionStatus.PUBLISHED: {VersionStatus.RETIRED},
    VersionStatus.RETIRED: set(),
}


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("In progress")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Waiting")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("No longer needed")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    TRANSFERRED = "transferred", _("Transferred")
    SUBMITTED = "submitted", _("Submitted")
    AUTO_APPROVED = "auto_approved", _("Approved automatically")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalMode(models.TextChoices):
    """How the people of one approval step decide together."""

    SINGLE = "single", _("One approver")
    ALL = "all", _("Countersign: everyone must approve")
    ANY = "any", _("Or-sign: the first decision counts")
    QUORUM = "quorum", _("Quorum: N of the approvers")
    SEQUENTIAL = "sequential", _("One after another")
