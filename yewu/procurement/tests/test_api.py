"""The procurement API: each action through the services, each refusal with its status and code."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.factories import EmployeeFactory
from yewu.procurement.choices import OrderStatus, RequisitionStatus, SupplierStatus
from yewu.procurement.models import PurchaseOrder, Requisition
from yewu.procurement.tests import factories as f
from yewu.workflow import services as wf
from yewu.workflow.models import Task

R = "/api/procurement/requisitions/"
S = "/api/procurement/suppliers/"
PO = "/api/procurement/purchase-orders/"
PAY = "/api/procurement/payment-requests/"
LINE = {"name": "打印纸", "specification": "A4", "quantity": "10", "unit": "箱", "budget_price": "25.00"}


@pytest.fixture
def bob(proc):
    return api_client(proc.bob.user)


@pytest.fixture
def erin(proc):
    return api_client(proc.erin.user)


@pytest.fixture
def dave(proc):
    return api_client(proc.dave.user)


def _approve_all(instance, *users):
    for user in users:
        task = Task.objects.get(instance=instance, assignee=user, status="open")
        wf.approve_task(task, actor=user)


# --- requisitions --------------------------------------------------------------------------------


def test_requisition_created_submitted_and_approved(proc, bob):
    resp = bob.post(R, {"title": "打印纸", "purpose": "办公", "lines": [LINE]}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["number"].startswith("PR-") and body["amount"] == "250.00" and body["status"] == "draft"
    assert body["lines"][0]["amount"] == "250.00"
    resp = bob.post(f"{R}{body['id']}/submit/")
    assert resp.status_code == 200 and resp.json()["status"] == "in_approval" and resp.json()["approval"]
    req = Requisition.objects.get(pk=body["id"])
    _approve_all(req.approval, proc.alice.user, proc.erin.user)
    assert bob.get(f"{R}{req.pk}/").json()["status"] == "approved"


@pytest.mark.parametrize("lines, code", [([], "procurement.no_lines"),
                                         ([{**LINE, "quantity": "0"}], "procurement.bad_line")])
def test_requisition_refused_with_bad_lines(bob, lines, code):
    assert_error(bob.post(R, {"title": "x", "purpose": "y", "lines": lines}, format="json"), 400, code)
    assert not Requisition.objects.exists()


def test_requisition_submitted_twice_and_edited_after_approval_are_refused(proc, bob):
    req = f.requisition(proc.bob.user, proc.sales)
    assert bob.post(f"{R}{req.pk}/submit/").status_code == 200
    assert_error(bob.post(f"{R}{req.pk}/submit/"), 400, "procurement.bad_transition")
    assert_error(bob.patch(f"{R}{req.pk}/", {"purpose": "改"}, format="json"), 400, "procurement.requisition_locked")


def test_requisition_amended_into_a_new_version(proc, bob):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    resp = bob.post(f"{R}{req.pk}/amend/")
    assert resp.status_code == 201 and resp.json()["version"] == 2 and resp.json()["previous"] == req.pk
    assert bob.get(f"{R}{req.pk}/").json()["status"] == "superseded"
    assert_error(bob.post(f"{R}{req.pk}/amend/"), 400, "procurement.bad_transition")


def test_requisition_with_orders_cannot_be_amended(proc, bob):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    f.order(req, f.qualified_supplier(), proc.erin.user)
    assert_error(bob.post(f"{R}{req.pk}/amend/"), 400, "procurement.requisition_has_orders")


def test_requisitions_of_others_stay_invisible(proc, bob):
    mine = f.requisition(proc.bob.user, proc.sales)
    theirs = f.requisition(proc.carol.user, proc.sales_east)
    assert result_ids(bob.get(R)) == [mine.pk]
    assert_error(bob.get(f"{R}{theirs.pk}/"), 404, "not_found")
    assert_error(bob.post(f"{R}{theirs.pk}/submit/"), 404, "not_found")
    assert set(result_ids(api_client(proc.alice.user).get(R))) == {mine.pk, theirs.pk}  # manager: subtree


# --- suppliers -----------------------------------------------------------------------------------


def test_supplier_created_documented_qualified_warned_suspended_removed(proc, erin):
    resp = erin.post(S, {"name": "新供应商", "categories": ["纸张"]}, format="json")
    assert resp.status_code == 201 and resp.json()["status"] == "candidate"
    pk = resp.json()["id"]
    assert_error(erin.post(f"{S}{pk}/qualify/"), 400, "procurement.no_qualification")
    expires = (timezone.localdate() + datetime.timedelta(days=200)).isoformat()
    resp = erin.post(f"{S}{pk}/documents/", {"kind": "licence", "name": "营业执照", "expires_on": expires}, format="json")
    assert resp.status_code == 201
    resp = erin.post(f"{S}{pk}/qualify/", {"reason": "考察合格"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "qualified" and resp.json()["can_take_orders"]
    for action, status in (("warn", "warned"), ("suspend", "suspended"), ("remove", "removed")):
        resp = erin.post(f"{S}{pk}/{action}/")
        assert resp.status_code == 200 and resp.json()["status"] == status
    assert_error(erin.post(f"{S}{pk}/qualify/"), 400, "procurement.bad_transition")


def test_supplier_status_needs_the_purchaser_role(proc, bob):
    supplier = f.qualified_supplier()
    assert_error(bob.post(f"{S}{supplier.pk}/warn/"), 403, "permission_denied")
    assert_error(api_client(proc.alice.user).post(f"{S}{supplier.pk}/warn/"), 404, "not_found")


def test_supplier_with_expired_documents_cannot_be_qualified(proc, erin):
    supplier = f.qualified_supplier(expires_in_days=-5, status=SupplierStatus.CANDIDATE)
    assert_error(erin.post(f"{S}{supplier.pk}/qualify/"), 400, "procurement.qualification_expired")


# --- purchase orders -----------------------------------------------------------------------------


def _po_payload(req, supplier, **kw):
    return {"requisition": req.pk, "supplier": supplier.pk, "delivery_date": timezone.localdate().isoformat(),
            "delivery_place": "上海仓库",
            "lines": [{"name": "打印纸", "quantity": "10", "unit": "箱", "unit_price": "25.00"}], **kw}


def _approved(proc):
    return f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)


def test_order_created_with_instalments_submitted_and_issued(proc, erin):
    req = _approved(proc)
    gina = EmployeeFactory(department=proc.central, position=proc.staff)
    gina.user.groups.add(proc.roles["purchaser"])
    client = api_client(gina.user)
    resp = client.post(PO, _po_payload(req, f.qualified_supplier(), instalments=[
        {"description": "预付款", "amount": "75.00"}, {"description": "尾款", "amount": "175.00"}]), format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["amount"] == "250.00" and [i["amount"] for i in body["instalments"]] == ["75.00", "175.00"]
    resp = client.post(f"{PO}{body['id']}/submit/")
    assert resp.status_code == 200 and resp.json()["status"] == "in_review"
    _approve_all(PurchaseOrder.objects.get(pk=body["id"]).approval, proc.erin.user)
    assert client.get(f"{PO}{body['id']}/").json()["status"] == "issued"
    assert_error(client.patch(f"{PO}{body['id']}/", {"notes": "改"}, format="json"), 400, "procurement.order_locked")
    resp = client.post(f"{PO}{body['id']}/amend/")
    assert resp.status_code == 201 and resp.json()["version"] == 2 and resp.json()["status"] == "draft"


def test_order_refusals(proc, erin):
    supplier = f.qualified_supplier()
    draft = f.requisition(proc.bob.user, proc.sales)
    cases = [
        (_po_payload(draft, supplier), "procurement.requisition_not_approved"),
        (_po_payload(_approved(proc), f.qualified_supplier(status=SupplierStatus.CANDIDATE)),
         "procurement.supplier_not_qualified"),
        (_po_payload(_approved(proc), f.qualified_supplier(status=SupplierStatus.REMOVED)),
         "procurement.supplier_not_qualified"),
        (_po_payload(_approved(proc), f.qualified_supplier(expires_in_days=-1)), "procurement.qualification_expired"),
        (_po_payload(_approved(proc), supplier, lines=[{"name": "打印纸", "quantity": "10", "unit_price": "30"}]),
         "procurement.order_over_requisition"),
        (_po_payload(_approved(proc), supplier, instalments=[{"amount": "10"}]), "procurement.terms_mismatch"),
    ]
    for payload, code in cases:
        assert_error(erin.post(PO, payload, format="json"), 400, code)
    assert not PurchaseOrder.objects.exists()


def test_ordering_needs_the_add_grant(proc, bob):
    other = f.requisition(proc.dave.user, proc.finance, status=RequisitionStatus.APPROVED)
    assert_error(bob.post(PO, _po_payload(other, f.qualified_supplier()), format="json"), 403, "permission_denied")


# --- receiving and payment -----------------------------------------------------------------------


def _issued(proc, **kw):
    return f.order(_approved(proc), f.qualified_supplier(), proc.erin.user, **kw)


def test_receiving_in_parts_with_rejections(proc, erin):
    po = _issued(proc)
    line = po.lines.get()
    resp = erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": line.pk, "accepted": "6", "rejected": "1"}],
                                              "report": "1 箱破损"}, format="json")
    assert resp.status_code == 201 and resp.json()["result"] == "partial"
    assert erin.get(f"{PO}{po.pk}/").json()["status"] == "partially_received"
    issues = erin.get("/api/procurement/supplier-issues/").json()["results"]
    assert len(issues) == 1 and issues[0]["order"] == po.pk
    assert_error(erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": line.pk, "accepted": "5"}]}, format="json"),
                 400, "procurement.receipt_over_ordered")
    resp = erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": line.pk, "accepted": "4"}]}, format="json")
    assert resp.status_code == 201 and erin.get(f"{PO}{po.pk}/").json()["status"] == "received"
    assert_error(erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": line.pk, "accepted": "1"}]}, format="json"),
                 400, "procurement.order_not_receivable")
    resp = erin.post(f"/api/procurement/supplier-issues/{issues[0]['id']}/resolve/", {"reason": "已补发"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "resolved"


def test_receiving_a_draft_order_is_refused(proc, erin):
    po = _issued(proc, status=OrderStatus.DRAFT)
    assert_error(erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": po.lines.get().pk, "accepted": "1"}]},
                           format="json"), 400, "procurement.order_not_receivable")


def test_payment_requested_approved_and_paid_once(proc, erin, dave):
    po = _issued(proc, instalments=[("100.00", None), ("150.00", None)])
    first, second = po.instalments.all()
    assert_error(erin.post(f"{PO}{po.pk}/request-payment/", {"instalment": first.pk}, format="json"),
                 400, "procurement.payment_without_inspection")
    erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": po.lines.get().pk, "accepted": "4"}]}, format="json")
    # accepted goods are worth 100.00
    resp = erin.post(f"{PO}{po.pk}/request-payment/", {"instalment": first.pk}, format="json")
    assert resp.status_code == 201, resp.content
    pay = resp.json()
    assert_error(erin.post(f"{PO}{po.pk}/request-payment/", {"instalment": first.pk}, format="json"),
                 400, "procurement.instalment_paid")
    assert_error(erin.post(f"{PO}{po.pk}/request-payment/", {"instalment": second.pk}, format="json"),
                 400, "procurement.payment_above_accepted")
    assert_error(erin.post(f"{PAY}{pay['id']}/approve/"), 404, "not_found")  # the buyer does not check payments
    assert_error(dave.post(f"{PAY}{pay['id']}/pay/"), 400, "procurement.payment_state")
    assert dave.post(f"{PAY}{pay['id']}/approve/").json()["status"] == "approved"
    resp = dave.post(f"{PAY}{pay['id']}/pay/", {"reference": "BANK-1", "paid_on": timezone.localdate().isoformat()},
                     format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "paid" and resp.json()["reference"] == "BANK-1"
    assert_error(dave.post(f"{PAY}{pay['id']}/pay/"), 400, "procurement.instalment_paid")
    assert_error(erin.post(f"{PO}{po.pk}/request-payment/", {"instalment": first.pk}, format="json"),
                 400, "procurement.instalment_paid")


def test_payment_refusals_for_amount_due_date_and_instalment(proc, erin, dave):
    later = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    po = _issued(proc, instalments=[("100.00", None), ("150.00", later)])
    first, second = po.instalments.all()
    erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": po.lines.get().pk, "accepted": "10"}]}, format="json")
    url = f"{PO}{po.pk}/request-payment/"
    assert_error(erin.post(url, {"instalment": second.pk}, format="json"), 400, "procurement.instalment_not_due")
    assert_error(erin.post(url, {"instalment": first.pk, "amount": "120"}, format="json"),
                 400, "procurement.payment_above_instalment")
    assert_error(erin.post(url, {"instalment": first.pk, "amount": "0"}, format="json"),
                 400, "procurement.payment_not_positive")
    other = _issued(proc)
    assert_error(erin.post(url, {"instalment": other.instalments.get().pk}, format="json"),
                 400, "procurement.instalment_foreign")
    assert_error(erin.post(url, {"instalment": 2**40}, format="json"), 400, "invalid")
    resp = erin.post(url, {"instalment": first.pk, "amount": "60"}, format="json")
    assert resp.status_code == 201 and Decimal(resp.json()["amount"]) == Decimal("60.00")
    resp = dave.post(f"{PAY}{resp.json()['id']}/reject/", {"reason": "发票缺失"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"


def test_removed_supplier_keeps_its_open_orders_but_takes_no_new_ones(proc, erin):
    po = _issued(proc)
    supplier = po.supplier
    assert erin.post(f"{S}{supplier.pk}/remove/", {"reason": "质量不合格"}, format="json").status_code == 200
    resp = erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": po.lines.get().pk, "accepted": "10"}]},
                     format="json")
    assert resp.status_code == 201
    assert erin.post(f"{PO}{po.pk}/request-payment/", {"instalment": po.instalments.get().pk},
                     format="json").status_code == 201
    assert_error(erin.post(PO, _po_payload(_approved(proc), supplier), format="json"),
                 400, "procurement.supplier_not_qualified")


def test_the_api_answers_401_without_a_token(db):
    assert_error(api_client().get(R), 401, "not_authenticated")


def test_the_openapi_document_names_the_procurement_endpoints(db):
    import yaml
    from django.test import Client

    paths = yaml.safe_load(Client().get("/api/schema/").content)["paths"]
    for path in (R, f"{R}{{id}}/submit/", f"{R}{{id}}/amend/", S, f"{S}{{id}}/qualify/", f"{S}{{id}}/remove/",
                 PO, f"{PO}{{id}}/submit/", f"{PO}{{id}}/receive/", f"{PO}{{id}}/request-payment/",
                 "/api/procurement/receipts/", PAY, f"{PAY}{{id}}/approve/", f"{PAY}{{id}}/pay/"):
        assert path in paths, path


def test_supplier_evaluated_through_the_api(proc, erin):
    supplier = f.qualified_supplier()
    url = f"{S}{supplier.pk}/evaluate/"
    resp = erin.post(url, {"period": "2026", "quality": "50", "delivery": "50", "price": "60", "service": "60"},
                     format="json")
    assert resp.status_code == 201 and resp.json()["decision"] == "remove" and resp.json()["score"] == "53.00"
    assert erin.get(f"{S}{supplier.pk}/").json()["status"] == "removed"
    assert_error(erin.post(url, {"period": "2026", "quality": "90", "delivery": "90", "price": "90",
                                 "service": "90"}, format="json"), 400, "procurement.supplier_not_qualified")
    other = f.qualified_supplier()
    assert_error(erin.post(f"{S}{other.pk}/evaluate/", {"period": "2026", "quality": "90", "delivery": "90",
                                                         "price": "90", "service": "90", "quality_weight": "10"},
                           format="json"), 400, "procurement.evaluation_weights")
