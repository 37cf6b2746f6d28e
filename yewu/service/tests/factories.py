"""Builders for customer-service tests: records in a given state, made directly (the services are
what the tests prove; these only set the scene)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.utils import timezone

from yewu.core.services import next_number
from yewu.service.models import (
    Complaint,
    Consultation,
    CorrectiveAction,
    ImprovementAction,
    Respondent,
    Survey,
)


def consultation(customer: Any, department: Any, **kw: Any) -> Consultation:
    now = timezone.now()
    values = {"channel": "phone", "contact_name": "周建国", "phone": "13900000000", "subject": "报价咨询",
              "question": "CK6150 的交货期是多久？", "due_at": now + datetime.timedelta(hours=24)}
    return Consultation.objects.create(number=next_number("CS"), customer=customer, department=department,
                                       **{**values, **kw})


def complaint(customer: Any, department: Any, **kw: Any) -> Complaint:
    values = {"channel": "phone", "product": "数控机床", "category": "quality", "description": "主轴异响"}
    return Complaint.objects.create(number=next_number("CP"), customer=customer, department=department,
                                    **{**values, **kw})


def corrective_action(complaint_: Complaint, owner: Any, **kw: Any) -> CorrectiveAction:
    values = {"description": "修订装配工艺", "due_on": timezone.localdate() + datetime.timedelta(days=30)}
    return CorrectiveAction.objects.create(complaint=complaint_, owner=owner, **{**values, **kw})


def survey(owner: Any, department: Any, **kw: Any) -> Survey:
    today = timezone.localdate()
    values = {"name": "2026 年度客户满意度调查", "period_start": today, "period_end": today + datetime.timedelta(days=30)}
    return Survey.objects.create(owner=owner, department=department, **{**values, **kw})


def improvement(survey_: Survey, owner: Any, **kw: Any) -> ImprovementAction:
    values = {"description": "缩短售后响应时间", "due_on": timezone.localdate() + datetime.timedelta(days=30)}
    return ImprovementAction.objects.create(survey=survey_, owner=owner, **{**values, **kw})


def respondent(survey_: Survey, customer: Any, **kw: Any) -> Respondent:
    values = {"expires_at": timezone.now() + datetime.timedelta(days=7)}
    return Respondent.objects.create(survey=survey_, customer=customer, token=secrets.token_urlsafe(32),
                                     **{**values, **kw})
