"""The procurement pages: forms with rows, actions through the services, approval on detail pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from yewu.procurement.choices import OrderStatus, RequisitionStatus
from yewu.procurement.models import PaymentRequest, PurchaseOrder, Receipt, Requisition
from yewu.procurement.tests import factories as f


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _rows(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_requisition_is_raised_with_lines_and_submitted_from_the_pages(proc):
    ui = _client(proc.bob.user)
    assert ui.get(reverse("procurement:requisition_add")).status_code == 200
    resp = ui.post(reverse("procurement:requisition_add"), {
        "title": "打印纸", "department": proc.sales.pk, "purpose": "日常办公",
        **_rows("lines", [{"name": "打印纸", "quantity": "10", "unit": "箱", "budget_price": "25"},
                          {"name": "墨盒", "quantity": "2", "unit": "个", "budget_price": "100"}]),
    })
    req = Requisition.objects.get()
    assert resp.status_code == 302 and req.amount == 450 and req.lines.count() == 2
    ui.post(reverse("procurement:requisition_submit", args=[req.pk]))
    req.refresh_from_db()
    assert req.status == RequisitionStatus.IN_APPROVAL
    page = ui.get(req.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="approval"' in content and 'data-testid="trail"' in content and req.approval.number in content
    # an approved requisition cannot be edited: the page says why, nothing changes
    Requisition.objects.filter(pk=req.pk).update(status=RequisitionStatus.APPROVED)
    resp = ui.post(reverse("procurement:requisition_edit", args=[req.pk]),
                   {"title": "改", "department": proc.sales.pk, "purpose": "改"})
    assert resp.status_code == 200 and 'data-testid="form-error"' in resp.content.decode()
    req.refresh_from_db()
    assert req.title == "打印纸"


def test_a_refused_form_shows_the_rule(proc):
    ui = _client(proc.bob.user)
    resp = ui.post(reverse("procurement:requisition_add"), {
        "title": "x", "department": proc.sales.pk, "purpose": "y",
        **_rows("lines", [{"name": "打印纸", "quantity": "0", "unit": "箱", "budget_price": "25"}]),
    })
    assert resp.status_code == 200 and 'data-testid="form-error"' in resp.content.decode()
    assert not Requisition.objects.exists()


def test_an_order_is_proposed_from_the_requisition_and_goods_received_and_paid(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    supplier = f.qualified_supplier()
    erin = _client(proc.erin.user)
    page = erin.get(reverse("procurement:purchaseorder_add") + f"?requisition={req.pk}")
    assert page.status_code == 200 and "打印纸" in page.content.decode()
    resp = erin.post(reverse("procurement:purchaseorder_add") + f"?requisition={req.pk}", {
        "supplier": supplier.pk, "delivery_place": "仓库",
        **_rows("lines", [{"name": "打印纸", "quantity": "10", "unit": "箱", "unit_price": "25"}]),
        **_rows("instalments", []),
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    po = PurchaseOrder.objects.get()
    assert po.amount == 250 and po.instalments.count() == 1
    PurchaseOrder.objects.filter(pk=po.pk).update(status=OrderStatus.ISSUED)
    line = po.lines.get()
    assert erin.get(reverse("procurement:purchaseorder_receive", args=[po.pk])).status_code == 200
    resp = erin.post(reverse("procurement:purchaseorder_receive", args=[po.pk]),
                     {f"accepted-{line.pk}": "10", f"rejected-{line.pk}": "0", "report": "合格"})
    receipt = Receipt.objects.get()
    assert resp.status_code == 302 and resp["Location"] == receipt.get_absolute_url()
    erin.post(reverse("procurement:purchaseorder_request_payment", args=[po.pk]),
              {"instalment": po.instalments.get().pk})
    pay = PaymentRequest.objects.get()
    dave = _client(proc.dave.user)
    assert 'data-testid="three-way-match"' in dave.get(pay.get_absolute_url()).content.decode()
    dave.post(reverse("procurement:paymentrequest_approve", args=[pay.pk]))
    dave.post(reverse("procurement:paymentrequest_pay", args=[pay.pk]), {"reference": "B-1"})
    pay.refresh_from_db()
    po.refresh_from_db()
    assert pay.status == "paid" and po.status == OrderStatus.CLOSED


def test_a_refused_action_shows_its_message(proc):
    po = f.order(f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED), f.qualified_supplier(),
                 proc.erin.user)
    erin = _client(proc.erin.user)
    resp = erin.post(reverse("procurement:purchaseorder_request_payment", args=[po.pk]),
                     {"instalment": po.instalments.get().pk}, follow=True)
    assert "inspection" in resp.content.decode() or "验收" in resp.content.decode()
    assert not PaymentRequest.objects.exists()


def test_supplier_page_shows_documents_and_status_actions(proc):
    supplier = f.qualified_supplier(expires_in_days=10)
    erin = _client(proc.erin.user)
    content = erin.get(supplier.get_absolute_url()).content.decode()
    assert "营业执照" in content and 'data-testid="status-warned"' in content and "alert-warning" in content
    erin.post(reverse("procurement:supplier_status", args=[supplier.pk, "warned"]), {"reason": "延迟交货"})
    supplier.refresh_from_db()
    assert supplier.status == "warned"
    resp = erin.post(reverse("procurement:supplier_status", args=[supplier.pk, "nonsense"]))
    assert resp.status_code == 302


def test_the_menu_shows_procurement_to_those_with_grants(proc):
    content = _client(proc.erin.user).get("/").content.decode()
    assert reverse("procurement:purchaseorder_list") in content and reverse("procurement:supplier_list") in content
    content = _client(proc.bob.user).get("/").content.decode()
    assert reverse("procurement:requisition_list") in content
    assert reverse("procurement:purchaseorder_list") not in content


def test_the_remaining_budget_shows_only_when_a_budget_module_provides_it(proc, monkeypatch):
    from decimal import Decimal

    from yewu.procurement import budget

    req = f.requisition(proc.bob.user, proc.sales)
    ui = _client(proc.bob.user)
    assert 'data-testid="remaining-budget"' not in ui.get(req.get_absolute_url()).content.decode()
    monkeypatch.setattr(budget, "_provider", lambda department, on: Decimal("12345.60"))
    content = ui.get(req.get_absolute_url()).content.decode()
    assert 'data-testid="remaining-budget"' in content
    # (amounts are grouped by thousands: ¥12,345.60, see yewu/formats)
    assert "12,345.60" in content.split('data-testid="remaining-budget"')[1][:300]


def test_the_edit_page_of_an_approved_requisition_leads_back_to_it(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    resp = _client(proc.bob.user).get(reverse("procurement:requisition_edit", args=[req.pk]))
    assert resp.status_code == 302 and resp["Location"] == req.get_absolute_url()


def test_a_supplier_is_evaluated_from_its_page(proc):
    supplier = f.qualified_supplier()
    erin = _client(proc.erin.user)
    assert 'data-testid="evaluations"' in erin.get(supplier.get_absolute_url()).content.decode()
    erin.post(reverse("procurement:supplier_evaluate", args=[supplier.pk]),
              {"period": "2026", "quality": "70", "delivery": "60", "price": "60", "service": "60", "decision": ""})
    supplier.refresh_from_db()
    assert supplier.status == "warned" and supplier.evaluations.get().decision == "warn"
