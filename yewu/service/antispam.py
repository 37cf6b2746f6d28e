"""Anti-spam for the public contact form, all checked before anything is saved: a honeypot field
that people do not see, a minimum time between opening the form and sending it (a signed stamp in
the form), and a limit of messages per IP address and hour (Django's cache)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from yewu.core.errors import DomainError
from yewu.service.errors import ServiceError

SALT = "yewu.service.contact"
HONEYPOT = "website"


def min_seconds() -> float:
    return float(getattr(settings, "YEWU_SERVICE_CONTACT_MIN_SECONDS", 3))


def hourly_limit() -> int:
    return int(getattr(settings, "YEWU_SERVICE_CONTACT_PER_HOUR", 5))


def stamp(now: float | None = None) -> str:
    """The signed moment the form was handed out (a hidden field)."""
    return signing.dumps(now if now is not None else time.time(), salt=SALT)


def _rate_key(ip: str) -> str:
    return f"service:contact:{ip or 'unknown'}:{int(time.time() // 3600)}"


def check(*, honeypot: str, stamp_value: str, ip: str, now: float | None = None) -> None:
    """Refuse (DomainError) a submission that looks automated or comes too often from one address.
    A passing submission counts against the address's hourly limit."""
    now = time.time() if now is None else now
    if (honeypot or "").strip():
        raise DomainError(ServiceError.SPAM_HONEYPOT)
    try:
        opened = float(signing.loads(stamp_value or "", salt=SALT, max_age=86400))
    except (signing.BadSignature, TypeError, ValueError):
        raise DomainError(ServiceError.SPAM_HONEYPOT) from None
    if now - opened < min_seconds():
        raise DomainError(ServiceError.SPAM_TOO_FAST)
    key = _rate_key(ip)
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > hourly_limit():
        raise DomainError(ServiceError.SPAM_RATE)


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:45]
