"""A real-browser journey in Chinese from requisition to payment: Debian's Chromium, driven by
Playwright, against the live server with the demo company. Each person signs in with their own
browser context and acts on the pages (approvals from their inbox).

Run with: YEWU_DATA_DIR=/tmp/yw-browser .venv/bin/pytest -q -m browser yewu/procurement/tests/test_browser.py
"""

# ruff: noqa: F811 - the browser fixtures are imported from yewu.core.testing.browser and named as arguments
from __future__ import annotations

import re

import pytest

from yewu.core.testing.browser import (  # noqa: F401 - fixtures
    browser,
    chromium_path,
    demo,
    shot,
    static_files,
)
from yewu.workflow.tests.test_browser import People, decide, expect, t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def status_of(page):
    return page.locator(".yw-fields dd").first


def test_from_requisition_to_payment_in_chinese(browser):
    from yewu.procurement.models import PaymentRequest, PurchaseOrder, Requisition

    people = People(browser)
    sales = people["sales"]  # 业务专员（华东）
    sales.goto("/procurement/requisitions/add/")
    sales.locator("#id_title").fill("会议室投影仪采购")
    sales.locator("#id_purpose").fill("华东业务部会议室投影仪损坏，需要更换。")
    sales.locator("#id_lines-0-name").fill("投影仪")
    sales.locator("#id_lines-0-specification").fill("4000 流明")
    sales.locator("#id_lines-0-quantity").fill("2")
    sales.locator("#id_lines-0-unit").fill("台")
    sales.locator("#id_lines-0-budget_price").fill("4500")
    with sales.expect_navigation():
        sales.get_by_test_id("save").click()
    req = Requisition.objects.get(title="会议室投影仪采购")
    expect(status_of(sales)).to_have_text(t("Draft"))
    with sales.expect_navigation():
        sales.get_by_test_id("submit").click()
    expect(status_of(sales)).to_have_text(t("In approval"))
    req.refresh_from_db()
    number = req.approval.number
    expect(sales.get_by_test_id("approval")).to_contain_text(number)

    decide(people["bizeast"], number, "approve", "同意更换。")
    decide(people["central"], number, "approve", "同意，预算合理。")
    sales.reload()
    expect(status_of(sales)).to_have_text(t("Approved"))  # 9,000 元：不需要总经理审批

    central = people["central"]  # 业务集中管理部经理，也是采购专员
    central.goto(req.get_absolute_url())
    with central.expect_navigation():
        central.get_by_test_id("create-order").click()
    expect(central.locator("#id_lines-0-name")).to_have_value("投影仪")
    central.locator("#id_supplier").select_option(label="上海云启信息技术有限公司")
    central.locator("#id_delivery_place").fill("上海办公室")
    central.locator("#id_lines-0-unit_price").fill("4300")
    with central.expect_navigation():
        central.get_by_test_id("save").click()
    po = PurchaseOrder.objects.get(requisition=req)
    with central.expect_navigation():
        central.get_by_test_id("submit").click()
    expect(status_of(central)).to_have_text(t("In review"))
    po.refresh_from_db()
    decide(central, po.approval.number, "approve", "供应商在合格名录内，价格低于预算，同意下达。")
    central.goto(po.get_absolute_url())
    expect(status_of(central)).to_have_text(t("Issued to the supplier"))

    with central.expect_navigation():
        central.get_by_test_id("receive").click()
    line = po.lines.get()
    central.locator(f"input[name=accepted-{line.pk}]").fill("2")
    central.locator("#report").fill("外观完好，通电测试正常。")
    with central.expect_navigation():
        central.get_by_test_id("record-receipt").click()
    expect(central.locator(".yw-fields")).to_contain_text(t("Passed"))
    central.goto(po.get_absolute_url())
    expect(status_of(central)).to_have_text(t("Received"))
    with central.expect_navigation():
        central.get_by_test_id("request-payment").click()
    pay = PaymentRequest.objects.get(order=po)
    expect(central).to_have_url(re.compile(rf"/procurement/payments/{pay.pk}/$"))

    finance = people["finance"]
    finance.goto(pay.get_absolute_url())
    expect(finance.get_by_test_id("three-way-match")).to_contain_text("8,600.00")  # thousands grouped (yewu/formats)
    with finance.expect_navigation():
        finance.get_by_test_id("approve-payment").click()
    expect(status_of(finance)).to_have_text(t("Approved by finance"))
    finance.locator("input[name=reference]").fill("招行 20261201-001")
    with finance.expect_navigation():
        finance.get_by_test_id("pay").click()
    expect(status_of(finance)).to_have_text(t("Paid"))
    shot(finance, "procurement-paid")
    po.refresh_from_db()
    assert po.status == "closed"

    # the demo's large purchase: quotations compared (lowest prices marked), the lowest chosen, its
    # contract reviewed by the legal department, signed and filed, with the review's diagram
    from yewu.procurement.models import PurchaseContract

    contract = PurchaseContract.objects.select_related("order", "approval").get(
        order__requisition__title="项目演示服务器")
    central.goto(f"/procurement/requisitions/{contract.order.requisition_id}/quotations/")
    expect(central.get_by_test_id("comparison")).to_be_visible()
    expect(central.locator('[data-lowest="1"]')).to_have_count(2)
    shot(central, "procurement-comparison")
    central.goto(contract.get_absolute_url())
    expect(status_of(central)).to_have_text(t("Filed"))
    expect(central.get_by_test_id("approval")).to_contain_text(contract.approval.number)
    expect(central.locator("#yw-diagram svg").first).to_be_visible()
    shot(central, "procurement-contract")
