"""Sign-in protection: failed attempts lock the account for a while."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yewu.core.models import LoginFailure


def locked_minutes(username: str) -> int:
    """Minutes left on a lock for this user name (0 when not locked)."""
    row = LoginFailure.objects.filter(username=username.lower()).first()
    if row is None or row.locked_until is None:
        return 0
    left = (row.locked_until - timezone.now()).total_seconds()
    return max(0, int(left // 60) + (1 if left % 60 else 0)) if left > 0 else 0


@transaction.atomic
def register_failure(username: str) -> None:
    key = username.lower()[:150]
    LoginFailure.objects.bulk_create([LoginFailure(username=key)], ignore_conflicts=True)
    row = LoginFailure.objects.select_for_update().get(username=key)
    now = timezone.now()
    if row.locked_until and row.locked_until <= now:
        row.count = 0
        row.locked_until = None
    row.count += 1
    row.last_failed_at = now
    if row.count >= settings.YEWU_LOCKOUT_FAILURES:
        row.locked_until = now + datetime.timedelta(minutes=settings.YEWU_LOCKOUT_MINUTES)
    row.save()


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
