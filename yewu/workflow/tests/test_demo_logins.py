"""Everyone the demo approvals wait on or were decided by can sign in with the demo password, so a
visitor can play every part; `yewu demo` names the logins briefly and completely."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from yewu.org import demo as org_demo
from yewu.workflow import demo
from yewu.workflow.models import ProcessInstance, Task


@pytest.fixture
def loaded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo.load()
    demo.load()


def test_every_approver_in_the_demo_approvals_has_a_demo_login(loaded):
    tasks = Task.objects.filter(instance__in=ProcessInstance.objects.all())
    people = set(tasks.values_list("assignee", flat=True)) | set(
        tasks.exclude(principal=None).values_list("principal", flat=True)
    )
    approvers = get_user_model().objects.filter(pk__in=people)
    logins = {login for login, _label in org_demo.logins()}
    assert approvers.count() >= 6
    for user in approvers:
        assert user.username in logins and user.username != "admin", f"{user} approves without a demo login"
        assert user.check_password(org_demo.DEMO_PASSWORD), user.username
    # The steps that used to fall to the administrator now wait on the people they name.
    assert not tasks.filter(assignee__username="admin").exists()
    assert tasks.filter(assignee__username="gmo", step_id="seal_keeper").exists()
    assert tasks.filter(assignee__username="bizeast").exists()
    # and every demo login signs in with the demo password
    for login, _label in org_demo.logins():
        user = get_user_model().objects.get(username=login)
        assert user.is_active and user.check_password(org_demo.DEMO_PASSWORD), login


def test_the_demo_command_names_the_main_logins_and_then_the_others(db, settings, monkeypatch):
    from io import StringIO

    import yewu.core.demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(yewu.core.demo, "load_all", lambda: {"org": org_demo.load()})
    out = StringIO()
    call_command("demo", "--load-only", stdout=out)
    text = out.getvalue()
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  ") and not line.startswith("  Other")]
    assert listed == list(org_demo.FEATURED_LOGINS)
    others = next(line for line in text.splitlines() if line.startswith("  Other"))
    assert others.endswith("hr, legal, gmo, bizeast") and org_demo.DEMO_PASSWORD in text
    assert len(text.splitlines()) <= 20
