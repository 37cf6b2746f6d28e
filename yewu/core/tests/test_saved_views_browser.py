"""Saved views in a real browser: the filters changed in place by htmx are the ones saved, the
view applies them, a colleague sees the shared view within their own scope, and the owner
deletes it from the menu.

Run with: YEWU_DATA_DIR=/tmp/yw-d .venv/bin/pytest -q -m browser yewu/core/tests/test_saved_views_browser.py
"""

from __future__ import annotations

import re

import pytest

from yewu.core.testing.browser import shot, sign_in, sign_out, tr

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def expect(target):
    from playwright.sync_api import expect as _expect

    return _expect(target)


def open_views(page):
    page.get_by_test_id("saved-views-menu").click()
    menu = page.locator(".yw-saved-views.show")
    expect(menu).to_be_visible()
    return menu


def test_save_the_filters_apply_the_view_share_it_and_delete_it(browser):
    from yewu.core.models import SavedView
    from yewu.org.models import Department, Employee

    finance = Department.objects.get(name="财务部")
    page = browser.page()
    page.goto("/accounts/login/")
    sign_in(page, "hr")
    page.goto("/org/employees/")
    table = page.locator("table.yw-table tbody")
    page.evaluate("window.ywSamePage = true")
    page.locator(".yw-filters select[name=department]").select_option(label="财务部")
    expect(page).to_have_url(re.compile(rf"[?&]department={finance.pk}\b"))
    expect(table.locator("tr")).to_have_count(Employee.objects.filter(department__path__startswith=finance.path).count())
    with page.expect_download() as download:  # the export takes the filters changed in place
        page.get_by_test_id("export-csv").click()
    assert re.search(rf"[?&]department={finance.pk}\b", download.value.url) and "export=csv" in download.value.url

    menu = open_views(page)
    expect(menu).to_contain_text(tr("No saved views yet.", "zh-hans"))
    menu.locator("#yw-save-view-name").fill("财务部员工")
    menu.locator("#yw-save-view-shared").check()
    menu.get_by_test_id("save-view").click()
    link = menu.get_by_test_id("saved-view")
    expect(link).to_have_text(re.compile("财务部员工"))
    expect(menu).to_be_visible()  # the menu stays open, with the new view in it
    assert page.evaluate("window.ywSamePage") is True
    view = SavedView.objects.get()
    assert (view.query, view.shared) == (f"department={finance.pk}", True)
    shot(page, "saved-views-menu", full_page=False)

    page.goto("/org/employees/")
    expect(table.locator("tr")).to_have_count(min(Employee.objects.count(), 25))
    open_views(page).get_by_test_id("saved-view").click()
    expect(page).to_have_url(re.compile(rf"/org/employees/\?department={finance.pk}$"))
    expect(page.locator(".yw-filters select[name=department]")).to_have_value(str(finance.pk))
    expect(table.locator("tr")).to_have_count(Employee.objects.filter(department__path__startswith=finance.path).count())
    sign_out(page)

    # A specialist in another department is offered the shared view; it shows nobody outside their scope.
    sign_in(page, "sales")
    page.goto("/org/employees/")
    open_views(page).get_by_test_id("saved-view").click()
    expect(page).to_have_url(re.compile(rf"\?department={finance.pk}$"))
    expect(table).to_contain_text(tr("No records.", "zh-hans"))
    expect(page.get_by_test_id("delete-saved-view")).to_have_count(0)  # not theirs to delete
    sign_out(page)

    sign_in(page, "hr")
    page.goto("/org/employees/")
    menu = open_views(page)
    page.once("dialog", lambda dialog: dialog.accept())
    menu.get_by_test_id("delete-saved-view").click()
    expect(menu).to_contain_text(tr("No saved views yet.", "zh-hans"))
    assert not SavedView.objects.exists()
