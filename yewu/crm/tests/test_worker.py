"""The worker's CRM jobs with a moved clock: regular follow-ups from the class cadence, reminders
before they are due, escalation of missed ones to the owner's supervisor (the org resolver), care
greetings for birthdays and listed holidays — each once only, however often the job runs."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yewu.core import periodic
from yewu.core.audit import history
from yewu.core.models import Notification
from yewu.crm import services
from yewu.crm.choices import CareKind, FollowUpKind, FollowUpStatus
from yewu.crm.models import CareTask, Customer, FollowUp
from yewu.crm.tests import factories as f

DAY = datetime.timedelta(days=1)


@pytest.fixture
def key_customer(crm):
    """A key customer (30-day cadence) of bob's, last followed up on 1 March 2026."""
    customer = f.customer(crm.bob.user, cls=crm.key, name="杭州明远机械")
    Customer.objects.filter(pk=customer.pk).update(last_contact_on=datetime.date(2026, 3, 1))
    customer.refresh_from_db()
    return customer


def _notes(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_the_cadence_makes_one_follow_up_when_it_comes_within_the_reminder_window(crm, key_customer, settings):
    settings.YEWU_CRM_REMIND_DAYS = 3
    due = datetime.date(2026, 3, 31)
    assert key_customer.next_follow_up_on() == due
    assert services.run_follow_ups(due - 4 * DAY)["created"] == 0  # not yet
    counts = services.run_follow_ups(due - 3 * DAY)
    assert counts == {"created": 1, "reminded": 1, "escalated": 0}
    fu = FollowUp.objects.get()
    assert (fu.kind, fu.due_on, fu.owner, fu.department) == (FollowUpKind.CADENCE, due, crm.bob.user, crm.sales)
    assert len(_notes(crm.bob.user)) == 1 and "2026-03-31" in _notes(crm.bob.user)[0]
    # running again (or the next day) changes nothing
    assert services.run_follow_ups(due - 3 * DAY) == {"created": 0, "reminded": 0, "escalated": 0}
    assert services.run_follow_ups(due - 2 * DAY) == {"created": 0, "reminded": 0, "escalated": 0}
    assert FollowUp.objects.count() == 1 and len(_notes(crm.bob.user)) == 1
    assert [e.activity for e in history(fu)] == ["follow_up.created", "follow_up.reminded"]


def test_a_class_without_cadence_gets_no_regular_follow_ups(crm):
    customer = f.customer(crm.bob.user, cls=crm.potential)
    assert customer.next_follow_up_on() is None
    assert services.run_follow_ups(timezone.localdate() + 400 * DAY)["created"] == 0


def test_a_missed_follow_up_is_escalated_once_to_the_owners_supervisor(crm, key_customer):
    due = datetime.date(2026, 3, 31)
    services.run_follow_ups(due - 3 * DAY)
    assert services.run_follow_ups(due)["escalated"] == 0  # due today is not missed yet
    counts = services.run_follow_ups(due + DAY)
    assert counts["escalated"] == 1
    fu = FollowUp.objects.get()
    assert fu.escalated_to == crm.alice.user  # bob's supervisor
    assert any("杭州明远机械" in t for t in _notes(crm.alice.user))
    assert len(_notes(crm.bob.user)) == 2  # the reminder, then the escalation
    event = history(fu).last()
    assert event.activity == "follow_up.escalated" and event.payload["supervisor"] == crm.alice.user.pk
    assert event.payload["days_late"] == 1
    for later in (due + DAY, due + 5 * DAY):
        assert services.run_follow_ups(later) == {"created": 0, "reminded": 0, "escalated": 0}
    assert len(_notes(crm.alice.user)) == 1


def test_without_a_direct_supervisor_the_department_head_is_told(crm):
    carol = crm.carol
    carol.supervisor = None
    carol.save(update_fields=["supervisor"])
    customer = f.customer(carol.user, cls=crm.key)
    fu = f.follow_up(customer, due_on=datetime.date(2026, 5, 1))
    services.run_follow_ups(datetime.date(2026, 5, 3))
    fu.refresh_from_db()
    # sales_east has no head of its own: the resolver climbs to the head of sales
    assert fu.escalated_to == crm.alice.user


def test_a_follow_up_done_in_time_is_neither_reminded_again_nor_escalated(crm, key_customer):
    due = datetime.date(2026, 3, 31)
    services.run_follow_ups(due - 3 * DAY)
    fu = FollowUp.objects.get()
    services.complete_follow_up(fu, {"content": "电话回访", "at": timezone.make_aware(datetime.datetime(2026, 3, 30, 10))},
                                actor=crm.bob.user)
    fu.refresh_from_db()
    assert fu.status == FollowUpStatus.DONE
    assert services.run_follow_ups(due + 2 * DAY)["escalated"] == 0
    key_customer.refresh_from_db()
    # the next cycle counts from the contact made
    assert key_customer.last_contact_on == datetime.date(2026, 3, 30)
    assert key_customer.next_follow_up_on() == datetime.date(2026, 4, 29)
    assert services.run_follow_ups(datetime.date(2026, 4, 26))["created"] == 1
    assert FollowUp.objects.filter(status=FollowUpStatus.OPEN).get().due_on == datetime.date(2026, 4, 29)


def test_rescheduling_a_follow_up_arms_its_reminder_again(crm):
    customer = f.customer(crm.bob.user)
    fu = f.follow_up(customer, due_on=timezone.localdate() + 2 * DAY)
    services.run_follow_ups(timezone.localdate())
    fu.refresh_from_db()
    assert fu.reminded_at is not None
    fu = services.save_follow_up(fu, {"due_on": timezone.localdate() + 10 * DAY}, actor=crm.bob.user)
    assert fu.reminded_at is None
    assert services.run_follow_ups(timezone.localdate() + 7 * DAY)["reminded"] == 1


def test_the_overdue_list_shows_only_missed_open_follow_ups(crm):
    customer = f.customer(crm.bob.user)
    late = f.follow_up(customer, due_on=timezone.localdate() - DAY)
    f.follow_up(customer, due_on=timezone.localdate())
    f.follow_up(customer, due_on=timezone.localdate() - 5 * DAY, status=FollowUpStatus.DONE)
    from yewu.crm.filters import FollowUpFilterSet

    fs = FollowUpFilterSet({"overdue": "true"}, queryset=FollowUp.objects.restrict(crm.bob.user))
    assert list(fs.qs) == [late]


def test_the_periodic_jobs_are_registered_with_the_worker(crm, key_customer, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 4, 2))
    results = periodic.run_all()
    assert results["crm.follow_ups"] == {"created": 1, "reminded": 0, "escalated": 1}
    assert "crm.care" in results


# --- care ----------------------------------------------------------------------------------------


def test_birthday_greetings_are_prepared_days_ahead_with_the_template_once(crm, settings):
    settings.YEWU_CRM_CARE_DAYS = 3
    f.CareTemplateFactory(kind="birthday", body="{contact}，{customer}祝您生日快乐！")
    customer = f.customer(crm.bob.user, name="苏州恒信")
    f.contact(customer, name="吴晓东", birthday_month=7, birthday_day=8)
    f.contact(customer, name="没生日")
    assert services.generate_care_tasks(datetime.date(2026, 7, 4))["created"] == 0
    assert services.generate_care_tasks(datetime.date(2026, 7, 5))["created"] == 1
    task = CareTask.objects.get()
    assert (task.kind, task.occasion_on, task.owner) == (CareKind.BIRTHDAY, datetime.date(2026, 7, 8), crm.bob.user)
    assert task.message == "吴晓东，苏州恒信祝您生日快乐！"
    assert services.generate_care_tasks(datetime.date(2026, 7, 6))["created"] == 0
    assert Notification.objects.filter(recipient=crm.bob.user).count() == 1
    # next year: a new greeting
    assert services.generate_care_tasks(datetime.date(2027, 7, 6))["created"] == 1


def test_a_29_february_birthday_is_greeted_on_28_february_in_other_years(crm):
    customer = f.customer(crm.bob.user)
    f.contact(customer, birthday_month=2, birthday_day=29)
    services.generate_care_tasks(datetime.date(2027, 2, 27))
    assert CareTask.objects.get().occasion_on == datetime.date(2027, 2, 28)


def test_holiday_greetings_go_to_every_live_customers_owner_once(crm):
    holiday = f.HolidayFactory(name="中秋节", date=datetime.date(2026, 9, 25),
                               template=f.CareTemplateFactory(kind="holiday", body="{holiday}快乐，{contact}！"))
    mine = f.customer(crm.bob.user, name="甲公司")
    f.contact(mine, name="王总", is_primary=True)
    theirs = f.customer(crm.carol.user, name="乙公司")
    merged = f.customer(crm.carol.user, name="丙公司", status="merged")
    assert services.generate_care_tasks(datetime.date(2026, 9, 20))["created"] == 0
    assert services.generate_care_tasks(datetime.date(2026, 9, 23))["created"] == 2
    tasks = {t.customer_id: t for t in CareTask.objects.filter(holiday=holiday)}
    assert set(tasks) == {mine.pk, theirs.pk} and merged.pk not in tasks
    assert tasks[mine.pk].message == "中秋节快乐，王总！" and tasks[mine.pk].owner == crm.bob.user
    assert tasks[theirs.pk].message == "中秋节快乐，乙公司！" and tasks[theirs.pk].owner == crm.carol.user
    assert services.generate_care_tasks(datetime.date(2026, 9, 24))["created"] == 0


def test_a_greeting_is_marked_sent_or_skipped_with_a_reason(crm):
    task = f.care_task(f.customer(crm.bob.user))
    from yewu.core.errors import DomainError

    with pytest.raises(DomainError):
        services.finish_care_task(task, sent=False, reason="", actor=crm.bob.user)
    task = services.finish_care_task(task, sent=True, message="已电话祝福", actor=crm.bob.user)
    assert (task.status, task.message, task.done_by) == ("sent", "已电话祝福", crm.bob.user)
    with pytest.raises(DomainError):
        services.finish_care_task(task, sent=True, actor=crm.bob.user)
    other = f.care_task(f.customer(crm.carol.user))
    with pytest.raises(DomainError):  # not bob's
        services.finish_care_task(other, sent=True, actor=crm.bob.user)
