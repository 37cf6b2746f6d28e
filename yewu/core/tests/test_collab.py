"""Attachments, comments, mentions, notifications and their e-mail / IM delivery."""

from __future__ import annotations

import logging
import smtplib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from yewu.core import tasks
from yewu.core.errors import CoreError, DomainError
from yewu.core.models import Attachment, Comment, Copies, Event, Notification
from yewu.core.scopes import Scope
from yewu.core.services import add_attachment, add_comment, mark_read, notify
from yewu.core.tasks import deliver_notifications, webhook_payload
from yewu.core.testing.factories import UserFactory, grant

PDF = b"%PDF-1.4 quotation"


def _upload(name: str = "quotation.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _events(activity: str) -> list[Event]:
    return list(Event.objects.filter(activity=activity))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor(company):
    """Bob may change the records of his own department (sales)."""
    grant(company.bob.user, "org.change_department", Scope.DEPARTMENT)
    return company.bob.user


def _refused(code: str, call) -> DomainError:
    before = (
        Attachment.objects.count(),
        Comment.objects.count(),
        Notification.objects.count(),
        Event.objects.count(),
    )
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code
    after = (
        Attachment.objects.count(),
        Comment.objects.count(),
        Notification.objects.count(),
        Event.objects.count(),
    )
    assert after == before
    return err.value


# --- attachments -----------------------------------------------------------------------------------


def test_attachment_is_stored_with_its_metadata_and_an_audit_event(company, editor, media):
    attachment = add_attachment(company.sales, _upload(), actor=editor)

    attachment.refresh_from_db()
    assert attachment.record == company.sales
    assert (attachment.name, attachment.size, attachment.mime_type) == (
        "quotation.pdf",
        len(PDF),
        "application/pdf",
    )
    assert attachment.uploaded_by == editor
    stored = media / attachment.file.name
    assert stored.read_bytes() == PDF
    assert attachment.file.name.startswith(f"attachments/org/department/{company.sales.pk}/")
    [event] = _events("attachment.added")
    assert (event.case_type, event.case_id, event.actor) == (
        "org.department",
        str(company.sales.pk),
        editor,
    )
    assert event.payload == {"attachment": attachment.pk, "name": "quotation.pdf", "size": len(PDF)}


def test_attachment_extension_check_ignores_case(company, editor, media):
    attachment = add_attachment(company.sales, _upload("SCAN.PDF"), actor=editor)

    assert attachment.name == "SCAN.PDF"


def test_attachment_over_the_size_limit_is_refused(company, editor, media, settings):
    settings.YEWU_ATTACHMENT_MAX_BYTES = len(PDF) - 1

    error = _refused(
        CoreError.ATTACHMENT_TOO_LARGE,
        lambda: add_attachment(company.sales, _upload(), actor=editor),
    )

    assert error.params["name"] == "quotation.pdf"
    assert list(media.iterdir()) == []


def test_attachment_exactly_at_the_size_limit_is_accepted(company, editor, media, settings):
    settings.YEWU_ATTACHMENT_MAX_BYTES = len(PDF)

    assert add_attachment(company.sales, _upload(), actor=editor).size == len(PDF)


@pytest.mark.parametrize("name", ["setup.exe", "report.pdf.exe", "page.html", "README"])
def test_attachment_of_a_type_not_allowed_is_refused(company, editor, media, name):
    error = _refused(
        CoreError.ATTACHMENT_TYPE,
        lambda: add_attachment(company.sales, _upload(name), actor=editor),
    )

    assert "pdf" in error.params["allowed"]
    assert list(media.iterdir()) == []


def test_allowed_extensions_come_from_settings(company, editor, media, settings):
    settings.YEWU_ATTACHMENT_EXTENSIONS = ["txt"]

    _refused(
        CoreError.ATTACHMENT_TYPE, lambda: add_attachment(company.sales, _upload(), actor=editor)
    )
    assert (
        add_attachment(company.sales, _upload("notes.txt", b"hello"), actor=editor).name
        == "notes.txt"
    )


def test_empty_attachment_is_refused(company, editor, media):
    error = _refused(
        CoreError.ATTACHMENT_EMPTY,
        lambda: add_attachment(company.sales, _upload(content=b""), actor=editor),
    )

    assert error.params == {"name": "quotation.pdf"}


def test_attachment_needs_a_change_grant_on_the_record(company, media):
    bob = company.bob.user
    grant(bob, "org.view_department", Scope.DEPARTMENT)

    _refused(
        CoreError.PERMISSION_DENIED, lambda: add_attachment(company.sales, _upload(), actor=bob)
    )


def test_attachment_on_a_record_outside_the_scope_is_refused(company, editor, media):
    _refused(
        CoreError.OUT_OF_SCOPE, lambda: add_attachment(company.finance, _upload(), actor=editor)
    )
    assert list(media.iterdir()) == []


# --- comments and mentions -------------------------------------------------------------------------


@pytest.fixture
def viewers(company):
    """Alice and Bob see the sales department; Carol sees only her sub-department; Dave nothing."""
    for employee in (company.alice, company.bob, company.carol):
        grant(employee.user, "org.view_department", Scope.DEPARTMENT)
    return company


def test_comment_is_saved_with_an_audit_event(viewers):
    alice = viewers.alice.user

    comment = add_comment(viewers.sales, "  Quarter targets look right.  ", actor=alice)

    assert comment.record == viewers.sales
    assert (comment.author, comment.body) == (alice, "Quarter targets look right.")
    [event] = _events("comment.added")
    assert (event.case_id, event.actor) == (str(viewers.sales.pk), alice)
    assert event.payload == {"comment": comment.pk, "mentions": []}


def test_mentions_notify_only_mentioned_people_who_can_see_the_record(viewers):
    alice = viewers.alice.user

    comment = add_comment(viewers.sales, "@bob @carol @dave @alice please check", actor=alice)

    notified = Notification.objects.get()
    assert notified.recipient == viewers.bob.user
    assert notified.body == "@bob @carol @dave @alice please check"
    assert notified.url == viewers.sales.get_absolute_url()
    assert "alice" in notified.title and viewers.sales.name in notified.title
    assert set(comment.mentions.values_list("username", flat=True)) == {"bob", "carol", "dave"}
    [event] = _events("comment.added")
    assert sorted(event.payload["mentions"]) == ["bob", "carol", "dave"]


def test_mentions_of_unknown_or_inactive_users_notify_nobody(viewers):
    UserFactory(username="erin", is_active=False)

    add_comment(viewers.sales, "@erin @nobody see this", actor=viewers.alice.user)

    assert not Notification.objects.exists()


def test_superuser_mentioned_is_notified(viewers):
    add_comment(viewers.sales, "FYI @root", actor=viewers.alice.user)

    assert Notification.objects.get().recipient == viewers.admin


def test_mention_at_the_end_of_a_sentence_notifies(viewers):
    add_comment(viewers.sales, "Thanks @bob.", actor=viewers.alice.user)

    assert Notification.objects.filter(recipient=viewers.bob.user).exists()


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_empty_comment_is_refused(viewers, body):
    _refused(
        CoreError.COMMENT_EMPTY, lambda: add_comment(viewers.sales, body, actor=viewers.alice.user)
    )


def test_comment_needs_a_view_grant(company):
    _refused(
        CoreError.PERMISSION_DENIED,
        lambda: add_comment(company.sales, "@bob hi", actor=company.dave.user),
    )


def test_comment_on_a_record_outside_the_scope_is_refused(viewers):
    _refused(
        CoreError.OUT_OF_SCOPE,
        lambda: add_comment(viewers.finance, "@dave hi", actor=viewers.alice.user),
    )


# --- notifications ---------------------------------------------------------------------------------


def test_notify_creates_one_notification_per_distinct_recipient(company):
    bob = company.bob.user

    created = notify(
        [bob, bob, company.carol.user], title="Order approved", body="PO-2026-000001", url="/po/1/"
    )

    assert len(created) == 2
    assert set(Notification.objects.values_list("recipient__username", "title", "body", "url")) == {
        ("bob", "Order approved", "PO-2026-000001", "/po/1/"),
        ("carol", "Order approved", "PO-2026-000001", "/po/1/"),
    }


def test_notify_leaves_the_copies_to_send_in_the_outbox_of_its_transaction(company, settings):
    """The copies to send are part of the notification row (an outbox): they exist exactly when
    the notification commits, and no job row is written for them."""
    settings.YEWU_IM_WEBHOOK_URL = ""
    company.bob.user.email = "bob@example.com"
    company.bob.user.save()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([company.bob.user], title="Rolled back")
        raise RuntimeError
    assert not Notification.objects.exists()

    [created] = notify([company.bob.user], title="Order approved")

    assert Notification.objects.get(pk=created.pk).copies == Copies.ALL
    assert not DBTaskResult.objects.exists()


def test_notify_leaves_nothing_to_send_when_there_is_nothing_to_send(company, settings):
    settings.YEWU_IM_WEBHOOK_URL = ""
    company.bob.user.email = ""
    company.bob.user.save()
    notify([company.bob.user], title="in-app only")
    notify([company.carol.user], title="no e-mail wanted", email=False)
    assert list(Notification.objects.values_list("copies", flat=True)) == [Copies.NONE, Copies.NONE]

    settings.YEWU_IM_WEBHOOK_URL = "https://im.example.com/robot"
    [pushed] = notify([company.carol.user], title="pushed", email=False)
    [both] = notify([company.carol.user], title="both")
    assert Notification.objects.get(pk=pushed.pk).copies == Copies.IM
    assert Notification.objects.get(pk=both.pk).copies == Copies.ALL
    assert tasks.deliver_pending() == 2
    assert not Notification.objects.exclude(copies=Copies.NONE).exists()


def test_with_another_task_queue_a_delivery_job_runs_after_commit(company, settings, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    """A task queue without Yewu's worker (which empties the outbox): the copies are sent by a job
    queued when the notifications commit."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.YEWU_IM_WEBHOOK_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        [n] = notify([company.bob.user], title="Order approved")

    assert [m.subject for m in mailoutbox] == ["Order approved"]
    n.refresh_from_db()
    assert (n.copies, n.emailed_at is not None) == (Copies.NONE, True)
    assert not DBTaskResult.objects.exists()


def test_notify_without_recipients_does_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify([], title="nobody") == []

    assert callbacks == []
    assert not Notification.objects.exists()


def test_mark_read_marks_only_the_users_own_unread_notifications(company):
    bob, carol = company.bob.user, company.carol.user
    mine = notify([bob], title="one") + notify([bob], title="two")
    notify([carol], title="theirs")

    assert mark_read(bob, [mine[0].pk]) == 1
    assert mark_read(bob) == 1
    assert mark_read(bob) == 0
    assert Notification.objects.filter(recipient=carol, read_at__isnull=True).count() == 1


# --- delivery --------------------------------------------------------------------------------------


@pytest.fixture
def posted(monkeypatch):
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        tasks, "post_webhook", lambda url, payload, timeout=5.0: calls.append((url, payload))
    )
    return calls


def test_delivery_sends_each_email_once(company, mailoutbox, posted):
    [n] = notify([company.bob.user], title="Order approved", body="PO-2026-000001", url="/po/1/")

    assert deliver_notifications.call([n.pk]) == 1
    assert deliver_notifications.call([n.pk]) == 0

    [mail] = mailoutbox
    assert mail.to == [company.bob.user.email]
    assert mail.subject == "Order approved"
    assert mail.body == "PO-2026-000001\n\n/po/1/"
    n.refresh_from_db()
    assert n.emailed_at is not None
    assert posted == []


def test_the_outbox_is_emptied_oldest_first_in_batches_and_each_copy_sent_once(company, settings, mailoutbox,
                                                                               posted):
    settings.YEWU_IM_WEBHOOK_URL = "https://robot.example.cn/send"
    nobody = UserFactory(username="noaddress", email="")
    first = notify([company.bob.user], title="one") + notify([company.bob.user], title="two")
    notify([nobody], title="IM only")
    notify([company.carol.user], title="IM, no e-mail wanted", email=False)

    assert tasks.deliver_pending(limit=2) == 2
    assert [m.subject for m in mailoutbox] == ["one", "two"]
    assert set(Notification.objects.filter(copies=Copies.NONE).values_list("pk", flat=True)) == {n.pk for n in first}
    assert tasks.deliver_pending() == 2
    assert tasks.deliver_pending() == 0
    assert [m.subject for m in mailoutbox] == ["one", "two"]  # no e-mail without an address or wish
    assert [p[1]["text"]["content"] for p in posted] == ["one", "two", "IM only", "IM, no e-mail wanted"]
    assert Notification.objects.filter(pushed_at__isnull=True).count() == 0


def test_a_notification_taken_by_another_worker_is_not_sent_again(company, monkeypatch, mailoutbox):
    [n] = notify([company.bob.user], title="Order approved")
    real_update = tasks.Notification.objects.filter

    def another_worker_first(*args, **kwargs):
        qs = real_update(*args, **kwargs)
        if kwargs.get("copies") == Copies.ALL:  # our claim: the other worker has just claimed it
            Notification.objects.filter(pk=n.pk).update(copies=Copies.NONE)
        return qs

    monkeypatch.setattr(tasks.Notification.objects, "filter", another_worker_first)
    assert tasks.deliver_pending() == 0
    assert mailoutbox == []


def test_delivery_skips_email_when_not_wanted_or_no_address(company, mailoutbox):
    nobody = UserFactory(username="noaddress", email="")
    [a] = notify([company.bob.user], title="in-app only")
    [b] = notify([nobody], title="no address")

    assert deliver_notifications.call([a.pk], False) == 0
    assert deliver_notifications.call([b.pk]) == 0

    assert mailoutbox == []
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("dingtalk", {"msgtype": "text", "text": {"content": "Order approved\nPO-1\n/po/1/"}}),
        ("wecom", {"msgtype": "text", "text": {"content": "Order approved\nPO-1\n/po/1/"}}),
        ("feishu", {"msg_type": "text", "content": {"text": "Order approved\nPO-1\n/po/1/"}}),
    ],
)
def test_delivery_posts_the_robot_payload_of_the_configured_im(
    company, settings, posted, kind, expected
):
    settings.YEWU_IM_WEBHOOK_URL = "https://robot.example.cn/send?token=t"
    settings.YEWU_IM_WEBHOOK_KIND = kind
    [n] = notify([company.bob.user], title="Order approved", body="PO-1", url="/po/1/")

    deliver_notifications.call([n.pk], False)
    deliver_notifications.call([n.pk], False)

    assert posted == [("https://robot.example.cn/send?token=t", expected)]
    n.refresh_from_db()
    assert n.pushed_at is not None


def test_webhook_payload_leaves_out_empty_parts():
    assert webhook_payload("dingtalk", "Title", "", "") == {
        "msgtype": "text",
        "text": {"content": "Title"},
    }


def test_delivery_posts_nothing_without_a_webhook_url(company, settings, posted):
    settings.YEWU_IM_WEBHOOK_URL = ""
    [n] = notify([company.bob.user], title="Order approved")

    deliver_notifications.call([n.pk], False)

    assert posted == []
    n.refresh_from_db()
    assert n.pushed_at is None


def test_failed_webhook_is_logged_and_left_for_a_retry(
    company, settings, monkeypatch, mailoutbox, caplog
):
    settings.YEWU_IM_WEBHOOK_URL = "https://robot.example.cn/send"

    def down(url, payload, timeout=5.0):
        raise ConnectionRefusedError("robot down")

    monkeypatch.setattr(tasks, "post_webhook", down)
    [n] = notify([company.bob.user], title="Order approved")

    with caplog.at_level(logging.WARNING, logger="yewu.core.tasks"):
        assert deliver_notifications.call([n.pk]) == 1

    n.refresh_from_db()
    assert n.pushed_at is None
    assert n.emailed_at is not None
    assert len(mailoutbox) == 1
    assert f"notification {n.pk}" in caplog.text


def test_two_workers_delivering_the_same_notification_send_one_email(
    company, monkeypatch, mailoutbox
):
    [n] = notify([company.bob.user], title="Order approved")
    real_send = tasks.send_mail
    state = {"reentered": False}

    def send_while_another_worker_runs(*args, **kwargs):
        if not state["reentered"]:
            state["reentered"] = True
            deliver_notifications.call([n.pk])  # the second worker, between read and mark
        return real_send(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", send_while_another_worker_runs)

    deliver_notifications.call([n.pk])

    assert len(mailoutbox) == 1


def test_email_that_could_not_be_sent_is_not_marked_sent(company, settings):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    [n] = notify([company.bob.user], title="Order approved")

    assert deliver_notifications.call([n.pk]) == 0

    n.refresh_from_db()
    assert n.emailed_at is None


class MailServerDown(BaseEmailBackend):
    """An SMTP server that cannot be reached."""

    def send_messages(self, email_messages):
        if self.fail_silently:
            return 0
        raise smtplib.SMTPServerDisconnected("mail server down")
