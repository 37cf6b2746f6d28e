"""Sign-in protection through the web views: lockout, TOTP second factor, redirects, sessions, hashing."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from yewu.core.models import LoginFailure
from yewu.core.security import locked_minutes
from yewu.core.testing.factories import UserFactory

PASSWORD = "pw-Test-2026"  # what UserFactory sets
LOCK_MESSAGE = "Too many failed sign-in attempts"
LOGIN = reverse("core:login")
VERIFY = reverse("core:verify_otp")
HOME = reverse("core:home")


@pytest.fixture
def web(db):
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def _sign_in(web: Client, username: str, password: str, next_url: str | None = None):
    url = f"{LOGIN}?next={next_url}" if next_url is not None else LOGIN
    return web.post(url, {"username": username, "password": password})


def _signed_in_as(web: Client):
    return web.session.get(SESSION_KEY)


def _verify_next(response) -> str:
    """The page a redirect to the verify page will continue to (however `next` is encoded)."""
    location = urlsplit(response["Location"])
    assert location.path == VERIFY
    return parse_qs(location.query)["next"][0]


def _errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _code(device: TOTPDevice, offset_steps: int = 0) -> str:
    device.refresh_from_db()
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset_steps,
    )
    return f"{value:0{device.digits}d}"


def _wrong_code(device: TOTPDevice) -> str:
    valid = {_code(device, k) for k in range(-device.tolerance - 1, device.tolerance + 2)}
    return next(c for c in (f"{n:06d}" for n in range(0, 10**6, 7919)) if c not in valid)


# --- lockout ---------------------------------------------------------------------------------------


def test_wrong_password_is_refused_without_revealing_which_part_was_wrong(web, alice):
    wrong_password = _sign_in(web, "alice", "nope")
    unknown_user = _sign_in(web, "nobody", "nope")

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert (
        _errors(wrong_password)
        == _errors(unknown_user)
        == ["The user name or password is not correct."]
    )
    assert _signed_in_as(web) is None


def test_account_locks_after_the_configured_failures_and_refuses_the_right_password(
    web, alice, settings
):
    settings.YEWU_LOCKOUT_FAILURES = 3
    settings.YEWU_LOCKOUT_MINUTES = 15
    assert LOCK_MESSAGE not in " ".join(_errors(_sign_in(web, "alice", "nope-1")))
    assert LOCK_MESSAGE not in " ".join(_errors(_sign_in(web, "alice", "nope-2")))

    third = _sign_in(web, "alice", "nope-3")
    right = _sign_in(web, "alice", PASSWORD)

    assert _errors(third) == ["Too many failed sign-in attempts. Try again after 15 minutes."]
    assert right.status_code == 200
    assert _errors(right) == ["Too many failed sign-in attempts. Try again after 15 minutes."]
    assert _signed_in_as(web) is None
    assert LoginFailure.objects.get(username="alice").count == 3


def test_default_lockout_is_five_failures_for_fifteen_minutes(settings):
    assert (settings.YEWU_LOCKOUT_FAILURES, settings.YEWU_LOCKOUT_MINUTES) == (5, 15)


def test_lockout_counts_the_user_name_in_any_letter_case(web, alice, settings):
    settings.YEWU_LOCKOUT_FAILURES = 2
    _sign_in(web, "Alice", "nope")
    _sign_in(web, "ALICE", "nope")

    assert LOCK_MESSAGE in " ".join(_errors(_sign_in(web, "alice", PASSWORD)))
    assert _signed_in_as(web) is None


def test_unknown_user_names_lock_like_real_ones(web, settings):
    settings.YEWU_LOCKOUT_FAILURES = 2
    _sign_in(web, "ghost", "nope")

    assert LOCK_MESSAGE in " ".join(_errors(_sign_in(web, "ghost", "nope")))


def test_lock_expires_after_its_time(web, alice, settings):
    settings.YEWU_LOCKOUT_FAILURES = 2
    _sign_in(web, "alice", "nope")
    _sign_in(web, "alice", "nope")
    LoginFailure.objects.filter(username="alice").update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = _sign_in(web, "alice", PASSWORD)

    assert response.status_code == 302
    assert _signed_in_as(web) == str(alice.pk)
    assert not LoginFailure.objects.filter(username="alice").exists()


def test_minutes_left_on_a_lock_count_down_with_the_clock(alice, settings, monkeypatch):
    settings.YEWU_LOCKOUT_FAILURES = 1
    settings.YEWU_LOCKOUT_MINUTES = 15
    start = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: start)
    Client().post(LOGIN, {"username": "alice", "password": "nope"})
    assert locked_minutes("alice") == 15

    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: start + datetime.timedelta(minutes=14, seconds=30)
    )
    assert locked_minutes("alice") == 1
    monkeypatch.setattr("django.utils.timezone.now", lambda: start + datetime.timedelta(minutes=15))
    assert locked_minutes("alice") == 0
    assert Client().post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302


def test_a_failure_after_an_expired_lock_starts_counting_again(web, alice, settings):
    settings.YEWU_LOCKOUT_FAILURES = 2
    _sign_in(web, "alice", "nope")
    _sign_in(web, "alice", "nope")
    LoginFailure.objects.filter(username="alice").update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = _sign_in(web, "alice", "nope")

    assert _errors(response) == ["The user name or password is not correct."]
    row = LoginFailure.objects.get(username="alice")
    assert (row.count, row.locked_until) == (1, None)


def test_successful_sign_in_clears_earlier_failures(web, alice, settings):
    settings.YEWU_LOCKOUT_FAILURES = 3
    _sign_in(web, "alice", "nope")
    _sign_in(web, "alice", "nope")
    _sign_in(web, "alice", PASSWORD)
    web.post(reverse("core:logout"))

    _sign_in(web, "alice", "nope")
    _sign_in(web, "alice", "nope")

    assert LoginFailure.objects.get(username="alice").locked_until is None
    assert _sign_in(web, "alice", PASSWORD).status_code == 302


# --- second factor ---------------------------------------------------------------------------------


def test_password_alone_does_not_sign_in_a_user_with_an_authenticator(web, alice):
    _device(alice)

    response = _sign_in(web, "alice", PASSWORD)

    assert response.status_code == 302
    assert _verify_next(response) == HOME
    assert _signed_in_as(web) is None
    home = web.get(HOME)
    assert home.status_code == 302
    assert home["Location"].startswith(LOGIN)


def test_correct_code_completes_the_sign_in(web, alice):
    device = _device(alice)
    _sign_in(web, "alice", PASSWORD)

    response = web.post(f"{VERIFY}?next={HOME}", {"token": _code(device)})

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert _signed_in_as(web) == str(alice.pk)
    assert web.get(HOME).status_code == 200


def test_wrong_code_is_refused(web, alice):
    device = _device(alice)
    _sign_in(web, "alice", PASSWORD)

    response = web.post(VERIFY, {"token": _wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"] == ["The verification code is not correct."]
    assert _signed_in_as(web) is None
    assert web.get(HOME).status_code == 302
    assert LoginFailure.objects.get(username="alice").count == 1


def test_a_used_code_cannot_be_replayed(web, alice):
    device = _device(alice)
    _sign_in(web, "alice", PASSWORD)
    code = _code(device)
    web.post(VERIFY, {"token": code})
    web.post(reverse("core:logout"))

    _sign_in(web, "alice", PASSWORD)
    response = web.post(VERIFY, {"token": code})

    assert response.status_code == 200
    assert _signed_in_as(web) is None


def test_unconfirmed_authenticator_does_not_ask_for_a_code(web, alice):
    TOTPDevice.objects.create(user=alice, name="half set up", confirmed=False)

    response = _sign_in(web, "alice", PASSWORD)

    assert response["Location"] == HOME
    assert _signed_in_as(web) == str(alice.pk)


def test_verify_page_without_a_password_step_sends_back_to_sign_in(web, alice):
    device = _device(alice)

    response = web.post(VERIFY, {"token": _code(device)})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert _signed_in_as(web) is None


def test_wrong_codes_lock_the_account(web, alice, settings):
    settings.YEWU_LOCKOUT_FAILURES = 2
    device = _device(alice)
    _sign_in(web, "alice", PASSWORD)
    web.post(VERIFY, {"token": _wrong_code(device)})
    web.post(VERIFY, {"token": _wrong_code(device)})

    response = web.post(VERIFY, {"token": _code(device)})

    assert LOCK_MESSAGE in " ".join(_errors(response))
    assert _signed_in_as(web) is None


def test_signing_in_again_with_the_password_does_not_reset_wrong_code_failures(
    web, alice, settings
):
    settings.YEWU_LOCKOUT_FAILURES = 3
    device = _device(alice)
    _sign_in(web, "alice", PASSWORD)
    web.post(VERIFY, {"token": _wrong_code(device)})
    web.post(VERIFY, {"token": _wrong_code(device)})

    _sign_in(web, "alice", PASSWORD)  # start over: the password is known to the attacker
    web.post(VERIFY, {"token": _wrong_code(device)})

    assert locked_minutes("alice") > 0


def test_signed_in_user_with_an_unverified_authenticator_is_sent_to_verify(web, alice):
    _device(alice)
    web.force_login(alice)

    response = web.get(HOME)

    assert response.status_code == 302
    assert _verify_next(response) == HOME


def test_next_with_a_query_string_survives_the_second_factor(web, alice):
    device = _device(alice)
    target = "/search/?q=order&page=2"

    first = web.post(LOGIN, {"username": "alice", "password": PASSWORD, "next": target})
    second = web.post(first["Location"], {"token": _code(device)})

    assert second["Location"] == target


# --- redirects after sign-in -----------------------------------------------------------------------


def test_sign_in_follows_a_local_next(web, alice):
    response = _sign_in(web, "alice", PASSWORD, next_url="/notifications/")

    assert response["Location"] == "/notifications/"


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example/x", "https:///evil.example"]
)
def test_sign_in_ignores_a_next_on_another_site(web, alice, target):
    via_query = _sign_in(web, "alice", PASSWORD, next_url=target)
    web.post(reverse("core:logout"))
    via_form = web.post(LOGIN, {"username": "alice", "password": PASSWORD, "next": target})

    assert via_query["Location"] == HOME
    assert via_form["Location"] == HOME


def test_second_factor_ignores_a_next_on_another_site(web, alice):
    device = _device(alice)
    first = _sign_in(web, "alice", PASSWORD, next_url="https://evil.example")
    assert "evil" not in first["Location"]

    response = web.post(f"{VERIFY}?next=https://evil.example", {"token": _code(device)})

    assert response["Location"] == HOME
    assert _signed_in_as(web) == str(alice.pk)


# --- the admin site's own sign-in ------------------------------------------------------------------


def test_admin_sign_in_is_subject_to_the_lockout(web, settings):
    settings.YEWU_LOCKOUT_FAILURES = 3
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(3):
        web.post("/admin/login/", {"username": "root", "password": "nope"})

    web.post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert _signed_in_as(web) is None


def test_admin_sign_in_does_not_skip_the_second_factor_for_the_api(web):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    _device(root)
    web.post("/admin/login/", {"username": "root", "password": PASSWORD})

    response = web.get(reverse("api-me"))

    assert response.status_code in (302, 401, 403)


# --- sessions and password storage -----------------------------------------------------------------


def test_sessions_end_after_thirty_idle_minutes_and_refresh_on_every_request(settings, web, alice):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False
    _sign_in(web, "alice", PASSWORD)
    assert web.session.get_expiry_age() == 30 * 60

    key = web.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert web.get(HOME).status_code == 200

    refreshed = Session.objects.get(session_key=web.cookies[settings.SESSION_COOKIE_NAME].value)
    assert refreshed.expire_date > timezone.now() + datetime.timedelta(minutes=29)


def test_idle_session_past_its_expiry_is_signed_out(settings, web, alice):
    _sign_in(web, "alice", PASSWORD)
    Session.objects.filter(session_key=web.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = web.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_passwords_are_hashed_with_argon2(alice):
    assert get_hasher().algorithm == "argon2"
    assert identify_hasher(alice.password).algorithm == "argon2"
    assert alice.password.startswith("argon2$")


def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_on_sign_in(web, alice):
    get_user_model().objects.filter(pk=alice.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )

    assert _sign_in(web, "alice", PASSWORD).status_code == 302

    alice.refresh_from_db()
    assert identify_hasher(alice.password).algorithm == "argon2"
