"""Real-browser journeys: Debian's Chromium, driven by Playwright, against the live server.

Run with: YEWU_DATA_DIR=/tmp/yw-d .venv/bin/pytest -q -m browser yewu/core/tests/test_browser.py
Screenshots land in /tmp/yewu-shots/ for a human (or a reviewer) to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from yewu.core.testing.browser import (
    PHONE,
    open_user_menu,
    shot,
    sign_in,
    sign_out,
    switch_language,
    tr,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # WhiteNoise warns that STATIC_ROOT was never collected; the live server uses the finders.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SIDEBAR_BG = "rgb(0, 21, 41)"  # #001529 from yewu.css: proves the stylesheet was served
ZH_HANS_MO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def expect(target):
    from playwright.sync_api import expect as _expect

    return _expect(target)


def assert_assets_loaded(page) -> None:
    """CSS, icon font and JavaScript really arrived (yewu.css, Bootstrap, bootstrap-icons, htmx)."""
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap?.Dropdown") == "function"
    assert css(page, "body", "backgroundColor") == "rgb(245, 247, 250)"  # yewu.css
    assert css(page, ".yw-avatar", "backgroundColor") == "rgb(22, 119, 255)"  # yewu.css
    assert css(page, ".yw-topbar", "position") == "sticky"  # bootstrap.min.css
    assert page.evaluate("document.fonts.check('16px bootstrap-icons')")


def css(page, selector: str, prop: str) -> str:
    return page.evaluate(
        "([s, p]) => getComputedStyle(document.querySelector(s))[p]", [selector, prop]
    )


@pytest.mark.parametrize(
    "path",
    ["yewu/yewu.css", "yewu/favicon.svg", "vendor/bootstrap/bootstrap.min.css",
     "vendor/bootstrap/bootstrap.bundle.min.js", "vendor/htmx/htmx.min.js",
     "vendor/bootstrap-icons/bootstrap-icons.min.css"],
)
def test_static_files_found(path):
    """The shell's assets live in yewu/static/, which is no app's static folder: the settings must
    list it in STATICFILES_DIRS, or runserver, WhiteNoise and collectstatic all miss it."""
    from django.contrib.staticfiles import finders

    assert finders.find(path), f"{path} not found: add BASE_DIR / 'static' to STATICFILES_DIRS"


def test_sign_in_switch_language_org_chart_and_todos(browser):
    """From the issue: log in, switch language, open the org chart, see the to-dos."""
    from yewu.org.models import Employee

    page = browser.page()  # a browser that asks for zh-CN
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    sign_in(page, "bizmgr")

    # Home: to-dos and notifications, in Simplified Chinese.
    expect(page).to_have_url(f"{browser.base_url}/")
    assert_assets_loaded(page)
    todos = page.get_by_test_id("todos")
    expect(todos).to_be_visible()
    expect(todos).to_contain_text(tr("My to-dos", "zh-hans"))
    expect(page.get_by_test_id("home-notifications")).to_be_visible()
    expect(page.get_by_test_id("home-notifications")).to_contain_text(tr("Notifications", "zh-hans"))
    if ZH_HANS_MO.exists():  # catalogs compiled: the UI must really be Chinese
        assert tr("My to-dos", "zh-hans") != "My to-dos"
        expect(page.locator("#yw-sidebar")).to_contain_text(tr("Organisation chart", "zh-hans"))
    shot(page, "home-zh-hans")

    # English through the user menu (Bootstrap dropdown + set_language).
    switch_language(page, "en")
    expect(page.get_by_test_id("todos")).to_contain_text("My to-dos")
    expect(page.get_by_test_id("home-notifications")).to_contain_text("Notifications")
    expect(page.locator("#yw-sidebar")).to_contain_text("Organisation chart")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")
    shot(page, "home-en")

    # Traditional Chinese.
    switch_language(page, "zh-hant")
    expect(page.get_by_test_id("todos")).to_contain_text(tr("My to-dos", "zh-hant"))

    # The organisation chart from the navigation.
    page.locator("#yw-sidebar").get_by_role("link", name=tr("Organisation chart", "zh-hant")).click()
    expect(page).to_have_url(f"{browser.base_url}/org/chart/")
    chart = page.get_by_test_id("org-chart")
    expect(chart).to_be_visible()
    for name in ("示例科技有限公司", "业务部", "华东业务部", "华南业务部", "财务部"):
        expect(chart.locator(".yw-org-card").filter(has=page.get_by_text(name, exact=True))).to_have_count(1)
    expect(page.locator("#yw-sidebar a.nav-link.active")).to_have_attribute("href", "/org/chart/")
    shot(page, "org-chart-zh-hant")

    # A department and its members.
    chart.locator(".yw-org-card").filter(has=page.get_by_text("华东业务部", exact=True)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("华东业务部")
    members = page.locator("section").filter(has_text=tr("Members", "zh-hant")).locator("tbody")
    expected = list(
        Employee.objects.filter(department__code="biz-east", status="active").values_list("name", flat=True)
    )
    assert len(expected) >= 5
    expect(members.locator("tr")).to_have_count(len(expected))
    for name in expected:
        expect(members).to_contain_text(name)
    expect(members.locator(".badge")).to_have_text(tr("Head", "zh-hant"))

    # Sign out: back at the sign-in page, and the session is gone.
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("#id_username")).to_be_visible()
    page.goto("/org/chart/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/org/chart/$"))


def test_lockout_and_phone_navigation(browser):
    """Five wrong passwords lock the account; on a phone the navigation is an offcanvas menu."""
    from yewu.core.models import LoginFailure

    page = browser.page(viewport=PHONE, is_mobile=True)
    page.goto("/accounts/login/")
    wrong = tr("The user name or password is not correct.", "zh-hans")
    locked = tr("Too many failed sign-in attempts. Try again after %(minutes)s minutes.", "zh-hans") % {
        "minutes": settings.YEWU_LOCKOUT_MINUTES
    }
    alert = page.get_by_role("alert")
    for _attempt in range(settings.YEWU_LOCKOUT_FAILURES - 1):
        sign_in(page, "legal", "not-the-password")
        expect(alert).to_have_text(wrong)
    sign_in(page, "legal", "not-the-password")
    expect(alert).to_have_text(locked)
    # Now even the right password is refused, with the same message.
    sign_in(page, "legal")
    expect(alert).to_have_text(locked)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert LoginFailure.objects.get(username="legal").locked_until is not None
    shot(page, "login-locked-phone")

    # Another account is unaffected; on a phone the sidebar starts hidden.
    sign_in(page, "pm")
    expect(page).to_have_url(f"{browser.base_url}/")
    sidebar = page.locator("#yw-sidebar")
    toggle = page.locator("button[aria-controls=yw-sidebar]")
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_visible()
    expect(page.get_by_test_id("todos")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "page scrolls sideways"
    shot(page, "home-phone", full_page=False)

    toggle.click()
    expect(sidebar).to_be_visible()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    assert css(page, "#yw-sidebar", "backgroundColor") == SIDEBAR_BG
    shot(page, "menu-phone", full_page=False)
    sidebar.get_by_role("link", name=tr("Employees", "zh-hans"), exact=True).click()
    expect(page).to_have_url(f"{browser.base_url}/org/employees/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(sidebar).to_be_hidden()
    expect(page.locator("table.yw-table tbody tr").first).to_be_visible()

    # The menu closes again with its close button.
    toggle.click()
    expect(sidebar).to_be_visible()
    sidebar.locator(".btn-close").click()
    expect(sidebar).to_be_hidden()

    # The user menu works on a phone too.
    open_user_menu(page)
    expect(page.get_by_test_id("logout")).to_be_visible()


def test_hr_creates_employee_outside_a_specialists_scope(browser):
    """HR adds an employee with a History entry; a specialist in another department cannot see it."""
    page = browser.page()
    page.goto("/accounts/login/")
    sign_in(page, "hr")
    expect(page).to_have_url(f"{browser.base_url}/")

    page.locator("#yw-sidebar").get_by_role("link", name=tr("Employees", "zh-hans"), exact=True).click()
    expect(page).to_have_url(f"{browser.base_url}/org/employees/")
    page.get_by_role("link", name=tr("New", "zh-hans")).click()
    expect(page).to_have_url(f"{browser.base_url}/org/employees/add/")
    page.locator("#id_employee_no").fill("E9001")
    page.locator("#id_name").fill("欧阳新")
    page.locator("#id_department").select_option(label="财务部")
    page.locator("#id_position").select_option(label="职员")
    expect(page.locator("#id_department")).to_have_class(re.compile(r"\bform-select\b"))
    shot(page, "employee-form")
    page.get_by_role("button", name=tr("Save", "zh-hans")).click()

    expect(page).to_have_url(re.compile(r"/org/employees/\d+/$"))
    detail_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("欧阳新")
    expect(page.locator(".yw-fields")).to_contain_text("E9001")
    expect(page.locator(".yw-fields")).to_contain_text("财务部")
    history = page.get_by_test_id("history")
    expect(history).to_be_visible()
    expect(history.locator("li")).to_have_count(1)
    expect(history).to_contain_text(tr("Employee added", "zh-hans"))
    from yewu.org.models import Employee

    hr_name = Employee.objects.get(user__username="hr").name
    expect(history).to_contain_text(hr_name)
    shot(page, "employee-detail")
    sign_out(page)

    # A specialist in 华东业务部 sees only their own department's employees.
    sign_in(page, "sales")
    page.goto("/org/employees/")
    table = page.locator("table.yw-table tbody")
    expect(table).to_contain_text(Employee.objects.get(user__username="sales").name)
    expect(table).not_to_contain_text("欧阳新")
    expect(table).not_to_contain_text("E9001")
    # Searching does not find it either; the list filters in place through htmx (no page load).
    page.evaluate("window.ywSamePage = true")
    page.locator(".yw-filters input[name=q]").fill("欧阳新")
    expect(table).to_contain_text(tr("No records.", "zh-hans"))
    expect(page).to_have_url(re.compile(r"[?&]q=%E6%AC%A7%E9%98%B3%E6%96%B0"))
    own = Employee.objects.get(user__username="sales").name
    page.locator(".yw-filters input[name=q]").fill(own)
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text(own)
    assert page.evaluate("window.ywSamePage") is True
    response = page.goto(detail_url)
    assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text("404")
    expect(page.locator("main")).to_contain_text(tr("This page does not exist, or you may not see it.", "zh-hans"))
    expect(page.locator("main")).not_to_contain_text("欧阳新")


WHITE = "rgb(255, 255, 255)"
TRANSPARENT = "rgba(0, 0, 0, 0)"


def test_calm_admin_look(browser):
    """Computed styles of the shell: white cards and inputs on a grey page, a navy sidebar on a
    desktop, coloured status tags. Each mismatch names the fix."""
    problems = []

    def check(actual, wanted, fix):
        if actual != wanted:
            problems.append(f"{fix} (got {actual}, want {wanted})")

    page = browser.page()
    page.goto("/accounts/login/")
    check(css(page, ".yw-auth-card", "backgroundColor"), WHITE,
          "login card is grey: yewu.css sets --bs-body-bg, which Bootstrap also uses for cards; "
          "drop it from :root and add `body { background-color: #f5f7fa; }`")
    check(css(page, "#id_username", "backgroundColor"), WHITE,
          "inputs are grey for the same reason (.form-control uses --bs-body-bg)")
    sign_in(page, "pm")
    check(css(page, "#yw-sidebar", "backgroundColor"), SIDEBAR_BG,
          "sidebar is transparent on a desktop (Bootstrap's .offcanvas-lg sets `background-color: "
          "transparent !important` from 992px): yewu.css `.yw-sidebar { background-color: #001529 !important; }`")
    check(css(page, "[data-testid=todos]", "backgroundColor"), WHITE, "cards are grey (see --bs-body-bg)")
    page.goto("/org/employees/")
    tag = page.locator("table.yw-table tbody .badge").first
    expect(tag).to_be_visible()
    check(tag.evaluate("el => getComputedStyle(el).backgroundColor") == TRANSPARENT, False,
          "status tags have no background: Bootstrap 5.3 has no `text-bg-primary-subtle`/`text-bg-success-subtle`; "
          "in yewu/templates/includes/value.html use `bg-primary-subtle text-primary-emphasis` and "
          "`bg-success-subtle text-success-emphasis`")
    shot(page, "employee-list")
    assert not problems, "\n".join(problems)
