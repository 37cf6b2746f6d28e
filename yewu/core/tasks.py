"""Background tasks of the core: notification delivery and audit sealing."""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from yewu.core.models import Copies, Notification

log = logging.getLogger(__name__)


def webhook_payload(kind: str, title: str, body: str, url: str) -> dict:
    """Message body for DingTalk, Feishu or WeCom style group robots."""
    text = f"{title}\n{body}\n{url}".strip()
    if kind == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    if kind == "wecom":
        return {"msgtype": "text", "text": {"content": text}}
    return {"msgtype": "text", "text": {"content": text}}


def post_webhook(url: str, payload: dict, timeout: float = 5.0) -> None:
    req = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (configured by the admin)
        resp.read()


def deliver_pending(limit: int = 100) -> int:
    """Empty up to `limit` notifications from the outbox (oldest first): each is claimed by one
    worker (its `copies` cleared) and then sent once. Returns how many this call took; the worker
    calls it again until it takes none."""
    taken = 0
    waiting = Notification.objects.filter(copies__gt=Copies.NONE).select_related("recipient").order_by("pk")
    for n in list(waiting[:limit]):
        if not Notification.objects.filter(pk=n.pk, copies=n.copies).update(copies=Copies.NONE):
            continue  # another worker took it
        taken += 1
        _deliver(n, email=n.copies == Copies.ALL)
    return taken


@task()
def deliver_notifications(ids: list[int], email: bool = True) -> int:
    """Send the e-mail and IM copies of these notifications; each is sent at most once. For task
    queues other than the database one (Yewu's worker empties the outbox itself), and for jobs
    queued before the outbox existed."""
    notifications = list(Notification.objects.filter(pk__in=ids).select_related("recipient"))
    Notification.objects.filter(pk__in=ids).update(copies=Copies.NONE)
    return sum(_deliver(n, email=email) for n in notifications)


def _deliver(n: Notification, *, email: bool) -> int:
    """Send one notification's copies not sent yet; returns the e-mails sent (0 or 1)."""
    sent = 0
    if email and n.recipient.email and Notification.objects.filter(
        pk=n.pk, emailed_at__isnull=True
    ).update(emailed_at=timezone.now()):
        try:
            send_mail(n.title, f"{n.body}\n\n{n.url}".strip(), None, [n.recipient.email])
            sent += 1
        except OSError as exc:
            Notification.objects.filter(pk=n.pk).update(emailed_at=None)
            log.warning("e-mail failed for notification %s: %s", n.pk, exc)
    if settings.YEWU_IM_WEBHOOK_URL and n.pushed_at is None:
        try:
            post_webhook(
                settings.YEWU_IM_WEBHOOK_URL,
                webhook_payload(settings.YEWU_IM_WEBHOOK_KIND, n.title, n.body, n.url),
            )
            Notification.objects.filter(pk=n.pk).update(pushed_at=timezone.now())
        except OSError as exc:
            log.warning("IM webhook failed for notification %s: %s", n.pk, exc)
    return sent


@task()
def seal_audit_events() -> int:
    from yewu.core.audit import seal_events

    seal = seal_events()
    return seal.count if seal else 0
