"""Consultations and the public contact form: intake by channel, matching to a customer, the
response time limit and its escalation, answering and routing; the form needs no login and refuses
spam (honeypot, too fast, too many from one address) without saving anything."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from yewu.core.errors import DomainError
from yewu.core.models import Event, Notification
from yewu.service import antispam, services
from yewu.service.choices import ComplaintStatus, ConsultationStatus
from yewu.service.models import Complaint, Consultation

pytestmark = pytest.mark.django_db


def _ask(svc, **kw):
    values = {"actor": svc.erin.user, "channel": "phone", "subject": "交货期", "question": "CK6150 多久能交货？",
              "contact_name": "周建国", "phone": "13900000001"}
    return services.record_consultation(**{**values, **kw})


# --- services ------------------------------------------------------------------------------------


@override_settings(YEWU_SERVICE_RESPONSE_HOURS=24)
def test_consultation_is_due_within_the_response_time_limit(svc):
    now = timezone.now()
    obj = _ask(svc, now=now)
    assert obj.due_at == now + datetime.timedelta(hours=24)
    assert obj.status == ConsultationStatus.OPEN and obj.number.startswith("CS-")


@override_settings(YEWU_SERVICE_RESPONSE_HOURS=4)
def test_the_response_time_limit_is_configurable(svc):
    now = timezone.now()
    assert _ask(svc, now=now).due_at == now + datetime.timedelta(hours=4)


def test_a_consultation_is_matched_to_the_customer_by_phone_or_email(svc):
    assert _ask(svc, phone="+86 571-8888-0001").customer == svc.bobs
    assert _ask(svc, phone="", email="BUY@mingyuan.example").customer == svc.bobs
    assert _ask(svc, phone="13700000000").customer is None


def test_a_matched_consultation_goes_to_the_customers_department_else_central(svc):
    assert _ask(svc, phone="13862000002").department == svc.sales_east
    assert _ask(svc, phone="13700000000").department == svc.central


def test_a_consultation_needs_a_way_to_reply(svc):
    with pytest.raises(DomainError) as refused:
        _ask(svc, phone="", email="")
    assert refused.value.code == "service.contact_required"
    assert not Consultation.objects.exists()


def test_answering_closes_the_consultation_and_records_lateness(svc):
    obj = _ask(svc, now=timezone.now() - datetime.timedelta(hours=30))
    assert obj.is_overdue()
    obj = services.answer_consultation(obj, actor=svc.erin.user, answer="标准机型 30 天交货。")
    assert obj.status == ConsultationStatus.ANSWERED and not obj.is_overdue()
    event = Event.objects.get(case_type="service.consultation", case_id=str(obj.pk), activity="consultation.answered")
    assert event.payload["late"] is True
    with pytest.raises(DomainError) as refused:
        services.answer_consultation(obj, actor=svc.erin.user, answer="再答一次")
    assert refused.value.code == "service.consultation_closed"


def test_an_empty_answer_is_refused(svc):
    with pytest.raises(DomainError) as refused:
        services.answer_consultation(_ask(svc), actor=svc.erin.user, answer="  ")
    assert refused.value.code == "service.answer_required"


def test_routing_hands_the_consultation_to_the_department_and_tells_its_head(svc, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        obj = services.route_consultation(_ask(svc), actor=svc.erin.user, department=svc.finance)
    assert (obj.status, obj.department) == (ConsultationStatus.ROUTED, svc.finance)
    assert Notification.objects.filter(recipient=svc.dave.user, url=obj.get_absolute_url()).exists()


def test_sales_may_not_answer_a_consultation_about_another_salespersons_customer(svc):
    obj = _ask(svc, phone="13862000002")  # carol's customer
    with pytest.raises(DomainError):
        services.answer_consultation(obj, actor=svc.bob.user, answer="我来答")
    assert Consultation.objects.get(pk=obj.pk).status == ConsultationStatus.OPEN


def test_overdue_consultations_are_escalated_once_to_the_department_heads(svc):
    obj = _ask(svc, phone="+86 571 8888 0001", now=timezone.now() - datetime.timedelta(hours=25))
    on_time = _ask(svc, phone="13700000000")
    assert services.escalate_overdue_consultations() == 1
    obj.refresh_from_db()
    assert obj.escalated_at is not None
    assert Notification.objects.filter(recipient=svc.alice.user, url=obj.get_absolute_url()).exists()  # sales head
    assert Notification.objects.filter(recipient=svc.erin.user, url=obj.get_absolute_url()).exists()  # central head
    assert services.escalate_overdue_consultations() == 0
    assert Consultation.objects.get(pk=on_time.pk).escalated_at is None


# --- anti-spam -----------------------------------------------------------------------------------


def test_antispam_refuses_a_filled_honeypot(svc):
    with pytest.raises(DomainError) as refused:
        antispam.check(honeypot="http://spam.example", stamp_value=antispam.stamp(time.time() - 60), ip="1.2.3.4")
    assert refused.value.code == "service.spam_honeypot"


def test_antispam_refuses_a_form_sent_too_quickly(svc):
    with pytest.raises(DomainError) as refused:
        antispam.check(honeypot="", stamp_value=antispam.stamp(), ip="1.2.3.4")
    assert refused.value.code == "service.spam_too_fast"


def test_antispam_refuses_a_forged_stamp(svc):
    with pytest.raises(DomainError) as refused:
        antispam.check(honeypot="", stamp_value="1700000000", ip="1.2.3.4")
    assert refused.value.code == "service.spam_honeypot"


@override_settings(YEWU_SERVICE_CONTACT_PER_HOUR=2)
def test_antispam_limits_messages_per_address_and_hour(svc):
    old = antispam.stamp(time.time() - 60)
    antispam.check(honeypot="", stamp_value=old, ip="1.2.3.4")
    antispam.check(honeypot="", stamp_value=old, ip="1.2.3.4")
    with pytest.raises(DomainError) as refused:
        antispam.check(honeypot="", stamp_value=old, ip="1.2.3.4")
    assert refused.value.code == "service.spam_rate"
    antispam.check(honeypot="", stamp_value=old, ip="5.6.7.8")  # another address is not affected


# --- the public form -----------------------------------------------------------------------------


def _post(client, **kw):
    data = {"kind": "consultation", "contact_name": "周建国", "company_name": "杭州明远", "phone": "0571-88880001",
            "email": "", "subject": "交货期", "message": "CK6150 多久能交货？", "website": "",
            "stamp": antispam.stamp(time.time() - 30)}
    return client.post(reverse("service:contact"), {**data, **kw}, REMOTE_ADDR=kw.pop("ip", "10.0.0.1"))


def test_the_public_form_opens_without_login(svc):
    resp = Client().get(reverse("service:contact"))
    assert resp.status_code == 200
    assert 'name="website"' in resp.content.decode() and 'name="stamp"' in resp.content.decode()


def test_the_public_form_records_a_consultation_matched_to_the_customer(svc):
    resp = _post(Client())
    assert resp.status_code == 200
    obj = Consultation.objects.get()
    assert (obj.channel, obj.customer, obj.recorded_by) == ("web", svc.bobs, None)
    assert obj.number in resp.content.decode()


def test_the_public_form_records_a_complaint_waiting_for_registration(svc):
    _post(Client(), kind="complaint", subject="数控机床 CK6150", message="主轴异响")
    obj = Complaint.objects.get()
    assert (obj.status, obj.channel, obj.customer, obj.product) == (ComplaintStatus.RECEIVED, "web", svc.bobs,
                                                                   "数控机床 CK6150")


@pytest.mark.parametrize("spam", [
    {"website": "http://buy-now.example"},
    {"stamp": "just opened"},
    {"stamp": "forged"},
])
def test_the_public_form_refuses_spam_and_saves_nothing(svc, spam):
    if spam.get("stamp") == "just opened":
        spam = {"stamp": antispam.stamp()}
    resp = _post(Client(), **spam)
    assert resp.status_code == 400
    assert 'data-testid="form-error"' in resp.content.decode()
    assert not Consultation.objects.exists() and not Complaint.objects.exists()


@override_settings(YEWU_SERVICE_CONTACT_PER_HOUR=2)
def test_the_public_form_refuses_a_flood_from_one_address(svc):
    client = Client()
    assert _post(client).status_code == 200
    assert _post(client).status_code == 200
    resp = _post(client)
    assert resp.status_code == 400
    assert Consultation.objects.count() == 2


def test_the_public_form_needs_a_phone_or_email(svc):
    resp = _post(Client(), phone="", email="")
    assert resp.status_code == 400
    assert not Consultation.objects.exists()


def test_the_worker_runs_the_overdue_escalation(svc):
    from yewu.core import periodic

    obj = _ask(svc, phone="+86 571 8888 0001", now=timezone.now() - datetime.timedelta(hours=25))
    assert periodic.run_all()["service.overdue_consultations"] == 1
    assert Consultation.objects.get(pk=obj.pk).escalated_at is not None
