"""Monthly complaint statistics: counts and the average time to close, per month and per cause,
product or department, computed in the database on the user's restricted queryset."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from yewu.core.errors import DomainError
from yewu.service.choices import CauseCategory, CauseKind, ComplaintStatus
from yewu.service.errors import ServiceError
from yewu.service.models import Complaint

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "cause": ("cause_kind", "cause_category"),
    "product": ("product",),
    "department": ("department__name",),
}


def month_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From the first moment of `start`'s month to the first moment after `end`'s month (local time)."""
    first = start.replace(day=1)
    last = end.replace(day=1)
    if last < first or last.year >= 9999 or (last.year - first.year) * 12 + last.month - first.month >= 36:
        raise DomainError(ServiceError.BAD_MONTH_RANGE)
    after = datetime.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(after, datetime.time.min, tzinfo=tz))


def _label(by: str, row: dict[str, Any]) -> str:
    if by == "cause":
        if not row["cause_kind"]:
            return "—"
        kind = CauseKind(row["cause_kind"]).label
        return f"{kind} / {CauseCategory(row['cause_category']).label}" if row["cause_category"] else str(kind)
    value = row[DIMENSIONS[by][0]]
    return str(value) if value else "—"


def complaint_statistics(user: Any, *, start: datetime.date, end: datetime.date, by: str = "cause") -> list[dict]:
    """Rows of (month, dimension): complaints received, how many of them are closed, and their
    average hours from receipt to closing. Only the complaints `user` may view are counted."""
    if by not in DIMENSIONS:
        by = "cause"
    begin, after = month_range(start, end)
    duration = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
    rows = (
        Complaint.objects.restrict(user, "view")
        .filter(received_at__gte=begin, received_at__lt=after)
        .annotate(month=TruncMonth("received_at"))
        .values("month", *DIMENSIONS[by])
        .annotate(count=Count("pk", distinct=True),
                  closed=Count("pk", filter=Q(status=ComplaintStatus.CLOSED), distinct=True),
                  avg_close=Avg(duration, filter=Q(status=ComplaintStatus.CLOSED)))
        .order_by("month", *DIMENSIONS[by])
    )
    out = []
    for row in rows:
        avg = row["avg_close"]
        if avg is not None and not isinstance(avg, datetime.timedelta):
            avg = datetime.timedelta(microseconds=float(avg))
        month = row["month"]
        out.append({
            "month": (month.date() if isinstance(month, datetime.datetime) else month).strftime("%Y-%m"),
            "key": _label(by, row),
            "count": row["count"],
            "closed": row["closed"],
            "avg_hours_to_close": round(avg.total_seconds() / 3600, 1) if avg is not None else None,
        })
    return out
