"""The purchase order as a PDF for the supplier: real text (Chinese included) with the order's
figures, total in capital numerals and the review stamp; only for orders that passed review, only
for people who may see the order (404 otherwise), on the page and in the API."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from yewu.core.testing.api import api_client
from yewu.procurement import documents, services
from yewu.procurement.choices import OrderStatus, RequisitionStatus
from yewu.procurement.tests import factories as f
from yewu.workflow import services as wf
from yewu.workflow.models import Task


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def supplier():
    return f.qualified_supplier(
        name="华东办公用品有限公司", address="上海市浦东新区张江路 88 号", contact="王经理", phone="021-55550101",
        email="sales@huadong.example.cn", bank_account="招商银行上海分行 1219 0000 0000 001",
    )


def _order(proc, supplier, *, department=None, submit=True, approve=True):
    """An order made and reviewed through the services: 2 lines, 2 instalments."""
    req = f.requisition(proc.bob.user, department or proc.sales, status=RequisitionStatus.APPROVED,
                        lines=(("笔记本电脑", "2", "6500.00"), ("激光打印机", "1", "200.00")))
    order = services.save_purchase_order(None, {
        "requisition": req, "supplier": supplier, "delivery_date": datetime.date(2026, 12, 20),
        "delivery_place": "上海市闵行区示例路 1 号 3 楼前台", "notes": "请随货附送货单和发票。",
    }, lines=[
        {"name": "笔记本电脑", "specification": "ThinkPad T14 i7/32G/1T", "quantity": "2", "unit": "台",
         "unit_price": "6172.80"},
        {"name": "激光打印机", "specification": "HP M406dn", "quantity": "1", "unit": "台", "unit_price": "0"},
    ], instalments=[
        {"description": "预付款 30%", "amount": "3703.68", "due_on": datetime.date(2026, 12, 1)},
        {"description": "验收合格后 70%", "amount": "8641.92", "due_on": None},
    ], actor=proc.erin.user)
    if submit:
        order = services.submit_purchase_order(order, actor=proc.erin.user)
    if approve:
        task = Task.objects.get(instance=order.approval, status="open")
        wf.approve_task(task, actor=task.assignee, comment="同意下达。")
        order.refresh_from_db()
        assert order.status == OrderStatus.ISSUED
    return order


def test_the_pdf_has_the_order_supplier_lines_total_in_words_and_stamp(proc, supplier):
    order = _order(proc, supplier)
    with translation.override("zh-hans"):
        content = documents.purchase_order_pdf(order)
    assert content.startswith(b"%PDF")
    text = _text(content)
    for expected in (
        "总部", order.number, order.requisition.number, "华东办公用品有限公司", "上海市浦东新区张江路 88 号", "王经理",
        "021-55550101", "笔记本电脑", "ThinkPad T14 i7/32G/1T", "¥6,172.80", "¥12,345.60", "激光打印机", "¥0.00",
        "壹万贰仟叁佰肆拾伍元陆角整", "2026-12-20", "上海市闵行区示例路 1 号 3 楼前台", "预付款 30%", "¥3,703.68",
        "2026-12-01", "验收合格后 70%", "¥8,641.92", "请随货附送货单和发票。", "Erin 艾琳", "销售部",
    ):
        assert expected in text, expected
    assert order.issued_at.astimezone().strftime("%Y-%m-%d") in text


def test_the_page_offers_the_pdf_once_the_order_passed_review(proc, supplier):
    order = _order(proc, supplier)
    ui = _client(proc.erin.user)
    page = ui.get(order.get_absolute_url()).content.decode()
    url = reverse("procurement:purchaseorder_pdf", args=[order.pk])
    assert f'href="{url}"' in page
    resp = ui.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == f'inline; filename="{order.number}.pdf"'
    assert resp.content.startswith(b"%PDF") and order.number in _text(resp.content)


@pytest.mark.parametrize("state", ["draft", "in_review"])
def test_an_order_that_has_not_passed_review_is_refused_with_the_reason(proc, supplier, state):
    order = _order(proc, supplier, submit=state == "in_review", approve=False)
    ui = _client(proc.erin.user)
    assert f'href="{reverse("procurement:purchaseorder_pdf", args=[order.pk])}"' not in ui.get(
        order.get_absolute_url()).content.decode()
    resp = ui.get(reverse("procurement:purchaseorder_pdf", args=[order.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.redirect_chain[-1][0] == order.get_absolute_url()
    shown = [str(m) for m in resp.context["messages"]]
    assert len(shown) == 1 and order.number in shown[0] and "passed review" in shown[0]
    with pytest.raises(documents.DomainError) as refused:
        documents.purchase_order_pdf(order)
    assert refused.value.code == "procurement.order_not_printable"


def test_superseded_and_cancelled_orders_are_not_sent(proc, supplier):
    order = _order(proc, supplier)
    new = services.amend_purchase_order(order, actor=proc.erin.user)
    order.refresh_from_db()
    assert order.status == OrderStatus.SUPERSEDED and not documents.can_print(order)
    assert not documents.can_print(new)  # the amendment is a draft until reviewed again
    services.cancel_purchase_order(new, actor=proc.erin.user)
    new.refresh_from_db()
    assert not documents.can_print(new)


def test_only_people_who_may_see_the_order_get_its_pdf(proc, supplier):
    order = _order(proc, supplier, department=proc.finance)
    url = reverse("procurement:purchaseorder_pdf", args=[order.pk])
    assert _client(proc.bob.user).get(url).status_code == 404  # staff: no grant on orders
    assert _client(proc.alice.user).get(url).status_code == 404  # sales manager: finance's order
    assert Client().get(url).status_code == 302  # signed out: to the login page
    ours = _order(proc, supplier, department=proc.sales_east)
    resp = _client(proc.alice.user).get(reverse("procurement:purchaseorder_pdf", args=[ours.pk]))
    assert resp.status_code == 200 and ours.number in _text(resp.content)


def test_the_api_returns_the_pdf_or_a_coded_refusal(proc, supplier):
    order = _order(proc, supplier)
    erin = api_client(proc.erin.user)
    path = f"/api/procurement/purchase-orders/{order.pk}/pdf/"
    resp = erin.get(path)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF") and order.number in _text(resp.content)
    assert erin.get(path, HTTP_ACCEPT="application/pdf").status_code == 200

    draft = _order(proc, supplier, submit=False, approve=False)
    for accept in ("application/json", "application/pdf"):
        refused = erin.get(f"/api/procurement/purchase-orders/{draft.pk}/pdf/", HTTP_ACCEPT=accept)
        assert refused.status_code == 400 and refused["Content-Type"].startswith("application/json")
        assert refused.json()["code"] == "procurement.order_not_printable" and refused.json()["message"]

    finance_order = _order(proc, supplier, department=proc.finance)
    alice = api_client(proc.alice.user)
    assert alice.get(f"/api/procurement/purchase-orders/{finance_order.pk}/pdf/").status_code == 404
    assert api_client(proc.bob.user).get(path).status_code == 403  # no grant on orders at all
