"""A consultation that turns out to be a complaint: converted by the person handling it, the
complaint takes the consultation's details and starts its process, the consultation closes as
converted; refused for a closed or converted consultation and for people who may not handle it,
on the pages and through the API alike."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from yewu.core.errors import DomainError
from yewu.core.models import Event
from yewu.service import services
from yewu.service.choices import ComplaintStatus, ConsultationStatus
from yewu.service.models import Complaint, Consultation
from yewu.workflow.choices import InstanceStatus

pytestmark = pytest.mark.django_db


def _ask(svc, **kw):
    values = {"actor": svc.erin.user, "channel": "email", "subject": "主轴异响", "customer": svc.bobs,
              "question": "新买的 CK6150 主轴异响，交付两周就坏了，请尽快处理！", "contact_name": "周建国",
              "phone": "0571-8888 0001", "email": "buy@mingyuan.example"}
    return services.record_consultation(**{**values, **kw})


def _events(record, activity):
    return Event.objects.filter(case_type=record._meta.label_lower, case_id=str(record.pk), activity=activity)


def test_converting_copies_the_details_starts_the_process_and_closes_the_consultation(svc):
    consultation = _ask(svc)
    complaint = services.convert_consultation(consultation, actor=svc.erin.user, category="quality",
                                              severity="high", product="数控机床 CK6150")
    assert (complaint.customer, complaint.contact_name, complaint.phone, complaint.email, complaint.channel) == (
        svc.bobs, "周建国", "0571-8888 0001", "buy@mingyuan.example", "email")
    assert complaint.description == consultation.question
    assert (complaint.product, complaint.category, complaint.severity) == ("数控机床 CK6150", "quality", "high")
    assert complaint.consultation == consultation
    assert complaint.status == ComplaintStatus.ACCEPTING
    assert complaint.process.status == InstanceStatus.RUNNING
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CONVERTED
    assert consultation.converted_complaint == complaint
    event = _events(consultation, "consultation.converted").get()
    assert json.loads(event.data)["complaint"] == complaint.number
    assert json.loads(_events(complaint, "complaint.from_consultation").get().data)["consultation"] == consultation.number


def test_the_product_defaults_to_the_consultations_subject(svc):
    complaint = services.convert_consultation(_ask(svc), actor=svc.erin.user, category="other")
    assert complaint.product == "主轴异响" and complaint.severity == "medium"


@pytest.mark.parametrize("first", ["answer", "convert"])
def test_an_answered_or_converted_consultation_cannot_be_converted(svc, first):
    consultation = _ask(svc)
    if first == "answer":
        services.answer_consultation(consultation, actor=svc.erin.user, answer="已安排工程师。")
    else:
        services.convert_consultation(consultation, actor=svc.erin.user, category="quality")
    before = Complaint.objects.count()
    with pytest.raises(DomainError) as refused:
        services.convert_consultation(consultation, actor=svc.erin.user, category="quality")
    assert refused.value.code == "service.consultation_not_convertible"
    assert Complaint.objects.count() == before


def test_a_converted_consultation_can_no_longer_be_answered_nor_escalated(svc):
    import datetime

    from django.utils import timezone

    consultation = _ask(svc)
    services.convert_consultation(consultation, actor=svc.erin.user, category="quality")
    with pytest.raises(DomainError) as refused:
        services.answer_consultation(consultation, actor=svc.erin.user, answer="迟到的回复")
    assert refused.value.code == "service.consultation_closed"
    assert services.escalate_overdue_consultations(timezone.now() + datetime.timedelta(days=3)) == 0


def test_someone_who_may_not_handle_the_consultation_cannot_convert_it(svc):
    consultation = _ask(svc)
    with pytest.raises(DomainError):
        services.convert_consultation(consultation, actor=svc.dave.user, category="quality")
    assert not Complaint.objects.exists()
    assert Consultation.objects.get(pk=consultation.pk).status == ConsultationStatus.OPEN


def test_nothing_is_saved_when_the_complaint_process_is_missing(svc):
    from yewu.workflow.models import ProcessDefinition

    ProcessDefinition.objects.filter(key="service_complaint").update(key="renamed")
    consultation = _ask(svc)
    with pytest.raises(DomainError) as refused:
        services.convert_consultation(consultation, actor=svc.erin.user, category="quality")
    assert refused.value.code == "service.process_missing"
    assert not Complaint.objects.exists()
    assert Consultation.objects.get(pk=consultation.pk).status == ConsultationStatus.OPEN


# --- pages ---------------------------------------------------------------------------------------


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_consultation_page_converts_and_opens_the_new_complaint(svc):
    consultation = _ask(svc)
    erin = _client(svc.erin.user)
    page = erin.get(consultation.get_absolute_url()).content.decode()
    assert 'data-testid="convert-to-complaint"' in page
    assert 'data-testid="convert-to-complaint"' not in _client(svc.dave.user).get(
        consultation.get_absolute_url()).content.decode()
    resp = erin.post(reverse("service:consultation_convert", args=[consultation.pk]),
                     {"product": "", "category": "quality", "severity": "high"})
    complaint = Complaint.objects.get()
    assert resp.status_code == 302 and resp["Location"] == complaint.get_absolute_url()
    assert consultation.number in erin.get(complaint.get_absolute_url()).content.decode()
    page = erin.get(consultation.get_absolute_url()).content.decode()
    assert complaint.number in page and 'data-testid="convert-to-complaint"' not in page


def test_the_page_refuses_a_second_conversion_and_saves_nothing(svc):
    consultation = _ask(svc)
    erin = _client(svc.erin.user)
    url = reverse("service:consultation_convert", args=[consultation.pk])
    erin.post(url, {"category": "quality", "severity": "medium"})
    resp = erin.post(url, {"category": "quality", "severity": "medium"})
    assert resp.status_code == 302 and resp["Location"] == consultation.get_absolute_url()
    assert Complaint.objects.count() == 1


def test_someone_outside_the_consultations_scope_gets_not_found_on_the_page(svc):
    consultation = _ask(svc)
    resp = _client(svc.dave.user).post(reverse("service:consultation_convert", args=[consultation.pk]),
                                       {"category": "quality", "severity": "medium"})
    assert resp.status_code == 404
    assert not Complaint.objects.exists()


# --- API -----------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_converts_and_returns_the_complaint(svc):
    consultation = _ask(svc)
    resp = _api(svc.erin.user).post(f"/api/service/consultations/{consultation.pk}/convert/",
                                    {"category": "delivery", "severity": "low"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["consultation"] == consultation.number and body["status"] == ComplaintStatus.ACCEPTING
    assert body["process"]
    resp = _api(svc.erin.user).get(f"/api/service/consultations/{consultation.pk}/")
    assert resp.json()["status"] == "converted" and resp.json()["complaint"] == body["number"]


def test_api_refuses_with_the_code_and_checks_permission(svc):
    consultation = _ask(svc)
    url = f"/api/service/consultations/{consultation.pk}/convert/"
    resp = _api(svc.erin.user).post(url, {"category": "nonsense"}, format="json")
    assert resp.status_code == 400
    resp = _api(svc.dave.user).post(url, {"category": "quality"}, format="json")
    assert resp.status_code in (403, 404)
    assert not Complaint.objects.exists()
    services.answer_consultation(consultation, actor=svc.erin.user, answer="已答复")
    resp = _api(svc.erin.user).post(url, {"category": "quality"}, format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "service.consultation_not_convertible"
