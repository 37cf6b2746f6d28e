"""Append-only audit events, hash-chained per case and sealed in batches."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from yewu.core.errors import CoreError, DomainError
from yewu.core.querysets import RestrictedQuerySet, ScopeMixin


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise DomainError(CoreError.APPEND_ONLY)

    def delete(self):
        raise DomainError(CoreError.APPEND_ONLY)


def canonical_json(value: object) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Event(ScopeMixin, models.Model):
    """One state change of a business record (the case) or of its process instance.

    Visible by data scope like any record: the acting user's own events, their department's, ...
    Written only by service functions. `seq` numbers the events of one case; each event's hash
    covers its content and the previous event's hash, so altering or removing a row breaks the chain.
    `prev_activity` and `wait_seconds` are known at write time and make bottleneck analysis an aggregate.
    """

    case_type = models.CharField(_("case type"), max_length=100)
    case_id = models.CharField(_("case id"), max_length=64)
    process_instance = models.CharField(_("process instance"), max_length=64, blank=True, default="")
    seq = models.PositiveIntegerField(_("sequence"))
    activity = models.CharField(_("activity"), max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("on behalf of"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    role = models.CharField(_("role"), max_length=100, blank=True, default="")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    timestamp = models.DateTimeField(_("time"), db_index=True)
    data = models.TextField(_("data change"), default="{}")
    prev_activity = models.CharField(_("previous activity"), max_length=100, blank=True, default="")
    wait_seconds = models.FloatField(_("time since previous activity (s)"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    scope_owner_field = "actor"
    scope_department_field = "department"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case_type", "case_id", "seq"], name="event_case_seq_unique")
        ]
        indexes = [
            models.Index(fields=["case_type", "activity"], name="event_type_activity"),
            models.Index(fields=["prev_activity", "activity"], name="event_transition"),
            models.Index(fields=["process_instance"], name="event_process_instance"),
        ]

    def __str__(self) -> str:
        return f"{self.case_type}:{self.case_id}#{self.seq} {self.activity}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise DomainError(CoreError.APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError(CoreError.APPEND_ONLY)

    @property
    def activity_label(self) -> str:
        from yewu.core.activities import label_for

        return label_for(self.activity, self.payload)

    @property
    def payload(self) -> dict:
        return json.loads(self.data or "{}")

    def compute_hash(self) -> str:
        body = canonical_json(
            [
                self.prev_hash,
                self.case_type,
                self.case_id,
                self.seq,
                self.process_instance,
                self.activity,
                self.actor_id,
                self.on_behalf_of_id,
                self.role,
                self.department_id,
                self.timestamp.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
                self.data,
                self.prev_activity,
            ]
        )
        return hashlib.sha256(body.encode()).hexdigest()


class CaseHead(models.Model):
    """The last event of each case: one row lock per case serialises its writers, not the company."""

    case_type = models.CharField(max_length=100)
    case_id = models.CharField(max_length=64)
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")
    last_activity = models.CharField(max_length=100, default="", blank=True)
    last_timestamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit case head")
        verbose_name_plural = _("audit case heads")
        constraints = [
            models.UniqueConstraint(fields=["case_type", "case_id"], name="casehead_case_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_type}:{self.case_id}@{self.last_seq}"


class Seal(models.Model):
    """A batch seal over a contiguous id range of events, chained to the previous seal.

    It catches rows removed or inserted in sealed ranges, including whole cases, which per-case
    chains alone cannot see.
    """

    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    count = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    prev_digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"seal {self.first_event_id}-{self.last_event_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise DomainError(CoreError.APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError(CoreError.APPEND_ONLY)
