"""Fixtures and helpers for real-browser journeys (Playwright's sync API + Debian's Chromium).

The browser is Debian's /usr/bin/chromium (``playwright install`` is never used); tests that need
it skip when it is absent. Each test gets its own Playwright instance, browser and context, so
nothing (cookies, language, storage) leaks between journeys.

Playwright's sync API keeps an asyncio loop running in the test thread, which makes Django refuse
ORM calls there (SynchronousOnlyOperation). While a browser is open we therefore set
DJANGO_ALLOW_ASYNC_UNSAFE; the live server answers from its own thread and is unaffected, and the
variable is restored before pytest-django flushes the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS_DIR = Path("/tmp/yewu-shots")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def tr(msgid: str, lang: str) -> str:
    """What the server shows for `msgid` in `lang`: the same catalogs, so the tests do not care
    whether the translations are compiled yet (the msgids are English)."""
    from django.utils import translation

    with translation.override(lang):
        return str(translation.gettext(msgid))


@dataclass
class Browser:
    """One browser with one context; opens pages that record broken assets and script errors."""

    base_url: str
    _browser: Any
    contexts: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def page(self, *, viewport: dict | None = None, locale: str = "zh-CN", is_mobile: bool = False):
        context = self._browser.new_context(
            base_url=self.base_url, viewport=viewport or DESKTOP, locale=locale,
            is_mobile=is_mobile, has_touch=is_mobile, device_scale_factor=1,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))

        def on_response(response):
            # Documents may legitimately be 404 (the scope test opens a hidden record).
            if response.status >= 400 and response.request.resource_type != "document":
                self.problems.append(f"{response.status} {response.url}")

        page.on("response", on_response)
        def on_failed(request) -> None:
            # net::ERR_ABORTED: the page navigated away while the request was in flight (a favicon,
            # an htmx poll); the asset itself is fine. Anything else is a broken request.
            if "ERR_ABORTED" not in (request.failure or ""):
                self.problems.append(f"failed {request.url}: {request.failure}")

        page.on("requestfailed", on_failed)
        return page


@pytest.fixture
def demo(transactional_db, settings):
    """The demo company (示例科技有限公司) in the test database; logins use DEMO_PASSWORD."""
    from yewu.core.demo import load_all

    # A cheap hasher keeps ten demo logins and the lockout attempts fast; sign-in logic is unchanged.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A short procurement year (the journeys need its people and suppliers, not 200 requisitions).
    settings.YEWU_DEMO_REQUISITIONS = 15
    return load_all()


@pytest.fixture
def static_files(settings):
    """Make sure the live server can find yewu/static/ (the shell's CSS, JS and icons).

    When the settings already let the staticfiles finders see it (STATICFILES_DIRS), this changes
    nothing; otherwise it adds the folder so the journeys can still exercise the UI, while
    test_static_files_found (no browser needed) fails and points at the missing setting.
    """
    from django.contrib.staticfiles import finders

    if finders.find("yewu/yewu.css") is None:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, Path(settings.BASE_DIR) / "static"]


@pytest.fixture
def chromium_path() -> str:
    """Debian's Chromium; the journeys skip (before any set-up) when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def browser(chromium_path, live_server, demo, static_files):
    """A headless Chromium against the live server; fails the test on broken assets or JS errors."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        session = Browser(base_url=live_server.url, _browser=chromium)
        try:
            yield session
        finally:
            for context in session.contexts:
                context.close()
            chromium.close()
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    assert not session.problems, "browser problems:\n" + "\n".join(session.problems)


# --- journey steps ---------------------------------------------------------------------------------


def sign_in(page, username: str, password: str | None = None) -> None:
    """Fill and submit the sign-in form on the current page (which must be the login page)."""
    from yewu.org.demo import DEMO_PASSWORD

    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD if password is None else password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def open_user_menu(page) -> None:
    """Open the top-bar user dropdown (needs Bootstrap's JavaScript)."""
    from playwright.sync_api import expect

    page.get_by_test_id("user-menu").click()
    expect(page.locator(".dropdown-menu.show")).to_be_visible()


def switch_language(page, code: str) -> None:
    from playwright.sync_api import expect

    open_user_menu(page)
    with page.expect_navigation():
        page.get_by_test_id(f"lang-{code}").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def sign_out(page) -> None:
    open_user_menu(page)
    with page.expect_navigation():
        page.get_by_test_id("logout").click()


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under /tmp/yewu-shots/ (for looking at, never committed)."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
