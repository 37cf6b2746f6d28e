"""The customer dashboard in a real browser (Debian's Chromium, the live server with the demo
company): the business manager opens it from the menu and every chart with figures is drawn by
the vendored ECharts, with its figures folded below; on a phone the page still fits; the
salesperson's dashboard holds only their own customers.

Run with: YEWU_DATA_DIR=/tmp/yw-browser .venv/bin/pytest -q -m browser yewu/crm/tests/test_dashboard_browser.py
"""

# ruff: noqa: F811 - the browser fixtures are imported from yewu.core.testing.browser and named as arguments
from __future__ import annotations

import pytest

from yewu.core.testing.browser import (  # noqa: F401 - fixtures
    PHONE,
    browser,
    chromium_path,
    demo,
    shot,
    sign_in,
    static_files,
)
from yewu.workflow.tests.test_browser import People, expect, t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def _charts_drawn(page) -> int:
    charts = page.locator("[data-chart]")
    count = charts.count()
    for i in range(count):
        expect(charts.nth(i)).to_have_attribute("data-state", "ready")
        expect(charts.nth(i).locator("canvas")).to_have_count(1)
    return count


def test_the_manager_opens_the_dashboard_from_the_menu_and_sees_every_chart_drawn(browser):
    from django.contrib.auth import get_user_model

    from yewu.crm import dashboard

    people = People(browser)
    manager = people["bizmgr"]
    manager.goto("/crm/customers/")
    link = manager.locator('a[href="/crm/dashboard/"]').first
    expect(link).to_have_count(1)
    manager.goto("/crm/dashboard/?period=year")
    expect(manager.get_by_role("heading", name=t("Customer dashboard"))).to_be_visible()
    assert _charts_drawn(manager) >= 5
    expect(manager.locator("details.yw-chart-data[open]")).to_have_count(0)  # figures folded once drawn
    user = get_user_model().objects.get(username="bizmgr")
    from django.utils import timezone

    leads = dashboard.leads(user, dashboard.period_of("year", timezone.localdate()))["count"]
    expect(manager.get_by_test_id("kpi-leads")).to_have_text(str(leads))
    shot(manager, "crm-dashboard-desktop")

    phone = browser.page(viewport=PHONE, is_mobile=True)
    phone.goto("/crm/dashboard/")
    sign_in(phone, "sales")
    phone.wait_for_url("**/crm/dashboard/")
    _charts_drawn(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width}px)"
    sales = get_user_model().objects.get(username="sales")
    mine = dashboard.customers(sales, dashboard.period_of("year", timezone.localdate()))["count"]
    expect(phone.get_by_test_id("kpi-customers")).to_have_text(str(mine))
    shot(phone, "crm-dashboard-phone")
