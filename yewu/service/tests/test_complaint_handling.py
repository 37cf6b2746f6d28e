"""What the people handling a complaint see: the complaint page's steps and time limits (each step
the process reached, its time limit, and whether it was handled within it: on time, late, or still
waiting and overdue), people shown by their names, the approval page's link back to the complaint,
and the notice to the central department when a complaint arrives through the website."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from yewu.service import services
from yewu.workflow.choices import TaskStatus
from yewu.workflow.models import Task

pytestmark = pytest.mark.django_db


def _complaint(svc):
    return services.record_complaint(actor=svc.erin.user, channel="phone", customer=svc.bobs, product="数控机床 CK6150",
                                     category="quality", description="主轴异响。", severity="high")


def _open_task(obj):
    return Task.objects.get(instance_id=obj.process_id, status=TaskStatus.OPEN)


def test_steps_handled_promptly_are_on_time_and_the_next_one_waits(svc):
    obj = services.accept_complaint(_complaint(svc), actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    accept, investigate = services.step_times(obj)
    assert (accept.step, accept.assignee, accept.on_time, accept.late) == ("accept", svc.erin.user, True, False)
    assert accept.due_at is not None and accept.done_at <= accept.due_at
    assert (investigate.step, investigate.assignee) == ("investigate", svc.bob.user)
    assert investigate.done_at is None and not investigate.on_time and not investigate.overdue
    assert investigate.due_at - _open_task(obj).created_at == datetime.timedelta(hours=48)


def test_a_step_past_its_time_limit_is_overdue_then_late(svc):
    obj = _complaint(svc)
    task = _open_task(obj)
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    (accept,) = services.step_times(obj)
    assert accept.overdue and not accept.late and not accept.on_time
    obj = services.accept_complaint(obj, actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    accept = services.step_times(obj)[0]
    assert accept.late and not accept.overdue and not accept.on_time


def test_a_web_complaint_not_registered_has_no_steps(svc):
    obj = services.record_complaint(actor=None, channel="web", product="售后服务", category="other",
                                    description="维修人员迟到", contact_name="周建国", phone="0571-8888 0001")
    assert services.step_times(obj) == []


def test_the_complaint_page_lists_the_steps_with_their_time_limits(svc):
    obj = services.accept_complaint(_complaint(svc), actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    client = Client()
    client.force_login(svc.bob.user)
    page = client.get(reverse("service:complaint_detail", args=[obj.pk])).content.decode()
    assert 'data-testid="complaint-steps"' in page
    assert page.count('data-testid="complaint-step"') == 2
    assert 'data-step="accept"' in page and 'data-step="investigate"' in page


def test_the_handler_and_the_action_owner_are_shown_by_name_not_login(svc):
    obj = services.accept_complaint(_complaint(svc), actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    action = services.add_corrective_action(obj, actor=svc.bob.user, description="修订装配工艺卡", owner=svc.carol.user,
                                            due_on=timezone.localdate())
    client = Client()
    client.force_login(svc.erin.user)
    resp = client.get(reverse("service:complaint_detail", args=[obj.pk]))
    page = resp.content.decode()
    with translation.override(resp["Content-Language"]):
        label = translation.gettext("handler")
    shown = re.search(rf"<dt[^>]*>{label}</dt><dd[^>]*>\s*(.*?)\s*</dd>", page)
    assert shown is not None and shown.group(1) == svc.bob.name
    assert f"· {svc.carol.name} ·" in page
    for url in (reverse("service:correctiveaction_detail", args=[action.pk]), reverse("service:correctiveaction_list")):
        assert svc.carol.name in client.get(url).content.decode()


def test_the_approval_page_of_a_complaint_step_links_to_the_complaint(svc):
    """A handler's to-do opens the approval; its steps are done on the complaint page, one click away."""
    from yewu.workflow.hooks import bound_record

    obj = services.accept_complaint(_complaint(svc), actor=svc.erin.user, department=svc.sales, handler=svc.bob.user)
    client = Client()
    client.force_login(svc.bob.user)
    page = client.get(obj.process.get_absolute_url()).content.decode()
    assert f'href="{obj.get_absolute_url()}" data-testid="instance-record"' in page
    assert bound_record(obj.process, svc.bob.user) == obj
    assert bound_record(obj.process, svc.carol.user) is None  # out of carol's scope: no link


def test_a_web_complaint_is_announced_to_the_heads_of_the_central_department(svc, django_capture_on_commit_callbacks):
    from yewu.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        obj = services.record_complaint(actor=None, channel="web", product="售后服务", category="other",
                                        description="维修人员迟到", contact_name="周建国", phone="0571-8888 0001")
    notes = Notification.objects.filter(url=obj.get_absolute_url())
    assert [n.recipient for n in notes] == [svc.erin.user]
    with django_capture_on_commit_callbacks(execute=True):
        _complaint(svc)  # taken by staff: registered at once, the process assigns the step instead
    assert Notification.objects.filter(title__contains="CP-", url__startswith="/service/").count() == 1
