"""Shared services every module uses: numbering, attachments, comments, notifications."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import CoreError, DomainError
from yewu.core.models import Attachment, Comment, Copies, Notification, NumberSequence
from yewu.core.sql import Table, kept_cursor

MENTION_RE = re.compile(r"@([\w.\-]+)", re.UNICODE)


def next_number(doc_type: str, *, prefix: str | None = None, width: int = 6, year: int | None = None) -> str:
    """The next human-readable number, e.g. PR-2026-000123: gap-free per type and year.

    Runs inside the caller's transaction: if that rolls back, the number is not used up.
    """
    year = year or timezone.localdate().year
    value = _take_number(doc_type, year)
    if value is None:  # the first number of this type and year: create its row (a racing creator is absorbed)
        NumberSequence.objects.bulk_create([NumberSequence(doc_type=doc_type, year=year)], ignore_conflicts=True)
        value = _take_number(doc_type, year)
    return f"{prefix or doc_type}-{year}-{value:0{width}d}"


_SEQUENCES = Table(NumberSequence)


def _take_number(doc_type: str, year: int) -> int | None:
    """Add one to the sequence and read it back in one statement (its row stays locked until the
    caller's transaction ends, so numbers stay gap-free and in commit order)."""
    c = _SEQUENCES.col
    sql = (
        f"UPDATE {connection.ops.quote_name(_SEQUENCES.table)} SET {c('last_value')} = {c('last_value')} + 1 "
        f"WHERE {c('doc_type')} = %s AND {c('year')} = %s RETURNING {c('last_value')}"
    )
    with kept_cursor() as cursor:
        cursor.execute(sql, [doc_type, year])
        row = cursor.fetchone()
    return row[0] if row else None


def add_attachment(record: models.Model, upload: Any, *, actor: Any, action: str | None = None) -> Attachment:
    """Attach an uploaded file to a record, within the size and type limits.

    The actor needs `action` on the record: by default the record type's `attachment_action`
    ("change" as a rule; "attach" for approvals, whose participants may add files); "add" for the
    files that come with a record its creator has just made (the start page of an approval).
    """
    permissions.require(actor, action or getattr(record, "attachment_action", "change"), record)
    name = str(getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
    size = int(getattr(upload, "size", 0) or 0)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = [e.lower() for e in settings.YEWU_ATTACHMENT_EXTENSIONS]
    limit = settings.YEWU_ATTACHMENT_MAX_BYTES
    if size <= 0:
        raise DomainError(CoreError.ATTACHMENT_EMPTY, name=name)
    if size > limit:
        raise DomainError(
            CoreError.ATTACHMENT_TOO_LARGE, name=name, size=filesizeformat(size), limit=filesizeformat(limit)
        )
    if ext not in allowed:
        raise DomainError(CoreError.ATTACHMENT_TYPE, ext=ext or "?", allowed=", ".join(allowed))
    with transaction.atomic():
        attachment = Attachment(
            content_type=ContentType.objects.get_for_model(record),
            object_id=str(record.pk),
            name=name,
            size=size,
            mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        record_event(record, "attachment.added", actor=actor, data={"attachment": attachment.pk, "name": name, "size": size})
    return attachment


def add_comment(record: models.Model, body: str, *, actor: Any) -> Comment:
    """Comment on a record that the actor can see; @username mentions notify those users."""
    permissions.require(actor, "view", record)
    body = (body or "").strip()
    if not body:
        raise DomainError(CoreError.COMMENT_EMPTY)
    found = MENTION_RE.findall(body)
    usernames = set(found) | {u.rstrip(".-") for u in found}
    User = get_user_model()
    mentioned = list(User.objects.filter(username__in=usernames, is_active=True).exclude(pk=actor.pk))
    with transaction.atomic():
        comment = Comment.objects.create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=str(record.pk),
            author=actor,
            body=body,
        )
        comment.mentions.set(mentioned)
        record_event(
            record, "comment.added", actor=actor,
            data={"comment": comment.pk, "mentions": [u.username for u in mentioned]},
        )
        url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
        # Only people who can see the record are told about it.
        visible = [u for u in mentioned if permissions.can(u, "view", record)]
        notify(
            visible,
            title=str(_mention_title(actor, record)),
            body=body[:500],
            url=url,
        )
    return comment


def _mention_title(actor: Any, record: models.Model) -> str:
    from django.utils.translation import gettext

    return gettext("%(name)s mentioned you on %(record)s") % {
        "name": actor.get_full_name() or actor.get_username(),
        "record": str(record),
    }


def notify(
    recipients: Iterable[Any], *, title: str, body: str = "", url: str = "", email: bool = True
) -> list[Notification]:
    """In-app notifications now; their e-mail and IM copies are left in the outbox (`copies`),
    which the background worker empties once the notifications have committed."""
    now = timezone.now()
    im = bool(settings.YEWU_IM_WEBHOOK_URL)
    rows = []
    for r in {r.pk: r for r in recipients}.values():
        copies = Copies.ALL if email and r.email else Copies.IM if im else Copies.NONE
        rows.append(_NOTIFICATIONS.build(recipient=r, title=title[:200], body=body, url=url, created_at=now,
                                         copies=copies))
    if not rows:
        return []
    _NOTIFICATIONS.insert_objects(rows, ("recipient_id", "title", "body", "url", "created_at", "copies"))
    if not _outbox_worker():  # a queue without Yewu's worker: a delivery job after commit
        ids = [n.pk for n in rows if n.copies]
        if ids:
            from yewu.core.tasks import deliver_notifications

            transaction.on_commit(lambda: deliver_notifications.enqueue(ids, email))
    return rows


_NOTIFICATIONS = Table(Notification)  # notify() runs on every approval step: no ORM compile


def _outbox_worker() -> bool:
    """Is the task queue the database one, run by `yewu worker` (which also empties the outbox)?"""
    from django_tasks_db.backend import DatabaseBackend

    from yewu.core.tasks import deliver_notifications

    return isinstance(deliver_notifications.get_backend(), DatabaseBackend)


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
