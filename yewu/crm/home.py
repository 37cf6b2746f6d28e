"""The CRM's home-page panel: the user's overdue follow-ups (and those coming due), today's visits
and the greetings to send, all through the user's restricted querysets (a manager sees the
department's, a salesperson their own)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from yewu.core import permissions
from yewu.crm.choices import CareStatus, FollowUpStatus, VisitStatus
from yewu.crm.models import CareTask, FollowUp, Visit


def context(user: Any) -> dict[str, Any] | None:
    if not permissions.can_model(user, "view", FollowUp):
        return None
    today = timezone.localdate()
    follow_ups = FollowUp.objects.restrict(user).filter(status=FollowUpStatus.OPEN)
    overdue = follow_ups.filter(due_on__lt=today)
    data = {
        "overdue_count": overdue.count(),
        "overdue": list(overdue.select_related("customer", "lead", "owner__employee").order_by("due_on", "pk")[:5]),
        "due_soon": follow_ups.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=7)).count(),
        "visits_today": 0,
        "greetings": 0,
    }
    if permissions.can_model(user, "view", Visit):
        data["visits_today"] = Visit.objects.restrict(user).filter(planned_on=today,
                                                                   status=VisitStatus.PLANNED).count()
    if permissions.can_model(user, "view", CareTask):
        data["greetings"] = CareTask.objects.restrict(user).filter(status=CareStatus.OPEN).count()
    return data
