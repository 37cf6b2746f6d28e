"""The customer-service demo: consultations, complaints in every state of their process, a survey
with answers, all through the services on the CRM demo customers; loading twice changes nothing."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo_service(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from yewu.crm import demo as crm_demo
    from yewu.org import demo as org_demo
    from yewu.service import demo

    org_demo.load()
    crm_demo.load()
    return demo.load()


def test_the_demo_tells_the_service_story_and_loads_once(demo_service):
    from django.contrib.auth import get_user_model

    from yewu.core.models import Notification
    from yewu.service import demo, surveys
    from yewu.service.models import (
        Complaint,
        Consultation,
        CorrectiveAction,
        ImprovementAction,
        Survey,
    )

    assert demo_service["created"] == 1
    assert set(Consultation.objects.values_list("status", flat=True)) == {"answered", "routed", "open"}
    assert Consultation.objects.overdue().count() == 1
    assert sorted(Complaint.objects.values_list("status", flat=True)) == sorted(
        ["closed", "closed", "planning", "accepting", "received"])
    assert CorrectiveAction.objects.get().status == "verified"
    survey = Survey.objects.get()
    assert survey.respondents.filter(answered_at__isnull=False).count() == 3
    assert surveys.survey_results(survey)[0]["average"] == round((5 + 4 + 4) / 3, 2)
    assert ImprovementAction.objects.count() == 1
    assert not Notification.objects.filter(emailed_at__isnull=True).filter(
        title__contains="Complaint").exists()
    counts = (Consultation.objects.count(), Complaint.objects.count(), Survey.objects.count())
    assert demo.load()["created"] == 0
    assert (Consultation.objects.count(), Complaint.objects.count(), Survey.objects.count()) == counts
    central = get_user_model().objects.get(username="central")
    assert Complaint.objects.restrict(central).count() == 5
    assert central.groups.filter(name="客户服务").exists()
    sales = get_user_model().objects.get(username="sales")
    seen = Complaint.objects.restrict(sales)
    assert all(c.customer.owner == sales or c.handler == sales for c in seen)
