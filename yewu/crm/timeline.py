"""A customer's timeline: its audit trail, the trail of the leads it came from and of customers
merged into it, and the visits, communications, follow-ups and greetings the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from yewu.core.activities import label_for
from yewu.core.models import Event
from yewu.crm.choices import VisitStatus
from yewu.crm.models import CareTask, Communication, Customer, FollowUp, Lead, Visit


@dataclass
class Entry:
    at: datetime.datetime
    kind: str  # event | communication | visit | follow_up | care
    title: str
    text: str = ""
    url: str = ""
    actor: str = ""


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def timeline(customer: Customer, user: Any, *, limit: int = 100) -> list[Entry]:
    customer_ids = [customer.pk, *Customer.objects.filter(merged_into=customer).values_list("pk", flat=True)]
    lead_ids = list(Lead.objects.filter(Q(customer_id__in=customer_ids)).values_list("pk", flat=True))
    lead_ids += list(Lead.objects.filter(merged_into_id__in=lead_ids).values_list("pk", flat=True))
    events = (
        Event.objects.filter(
            Q(case_type="crm.customer", case_id__in=[str(pk) for pk in customer_ids])
            | Q(case_type="crm.lead", case_id__in=[str(pk) for pk in lead_ids])
        )
        .select_related("actor__employee").order_by("-timestamp")[:limit]
    )
    entries = [
        Entry(at=e.timestamp, kind="event", title=label_for(e.activity),
              actor=_name(e.actor), text=_event_text(e))
        for e in events
    ]
    for c in Communication.objects.restrict(user).filter(customer=customer).select_related("author__employee")[:limit]:
        entries.append(Entry(at=c.at, kind="communication", title=c.get_channel_display(), text=c.content[:300],
                             url=c.get_absolute_url(), actor=_name(c.author)))
    for v in Visit.objects.restrict(user).filter(customer=customer).select_related("owner__employee")[:limit]:
        at = v.checked_in_at if v.status == VisitStatus.DONE and v.checked_in_at else _aware(v.planned_on)
        entries.append(Entry(at=at, kind="visit", title=f"{v._meta.verbose_name} · {v.get_status_display()}",
                             text=v.purpose, url=v.get_absolute_url(), actor=_name(v.owner)))
    for fu in FollowUp.objects.restrict(user).filter(customer=customer)[:limit]:
        entries.append(Entry(at=fu.done_at or _aware(fu.due_on), kind="follow_up",
                             title=f"{fu._meta.verbose_name} · {fu.get_status_display()}", text=fu.title,
                             url=fu.get_absolute_url()))
    for t in CareTask.objects.restrict(user).filter(customer=customer).select_related("holiday", "contact")[:limit]:
        entries.append(Entry(at=t.done_at or _aware(t.occasion_on), kind="care",
                             title=f"{t.get_kind_display()} · {t.get_status_display()}", text=t.message[:200],
                             url=t.get_absolute_url()))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _name(user: Any) -> str:
    if user is None:
        return ""
    employee = getattr(user, "employee", None) if hasattr(user, "employee") else None
    return employee.name if employee is not None else user.get_username()


def _event_text(event: Event) -> str:
    data = event.payload
    parts = []
    for key in ("lead", "customer", "from", "into", "reason", "name"):
        value = data.get(key)
        if value and not isinstance(value, (list, dict)):
            parts.append(str(value))
    return " · ".join(parts)
