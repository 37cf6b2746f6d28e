"""Attachments, comments and notifications that any record can have."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.content_type.app_label}/{instance.content_type.model}/{instance.object_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a record."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(_("type"), max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record")]

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    """A comment on a record; @username mentions notify the people named."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="comment_record")]

    def __str__(self) -> str:
        return self.body[:40]


class Copies(models.IntegerChoices):
    """Which copies of a notification the worker still has to send (its outbox)."""

    NONE = 0, _("none")
    IM = 1, _("IM only")
    ALL = 2, _("e-mail and IM")


class Notification(models.Model):
    """An in-app message for one user; e-mail and IM copies are sent by the background worker,
    which takes the notifications whose `copies` are still to send (an outbox: they are sent
    exactly when the notification commits)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True, default="")
    url = models.CharField(_("link"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("sent to IM at"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(
        _("copies to send"), choices=Copies.choices, default=Copies.NONE, db_default=Copies.NONE
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["id"], condition=models.Q(copies__gt=0), name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return self.title
