"""Quotations, their comparison and choice, and purchase contracts through the REST API: each
action through the services, each refusal with its status and code, others' records invisible."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yewu.core.testing.api import api_client, assert_error, result_ids
from yewu.core.testing.factories import EmployeeFactory
from yewu.procurement.choices import ContractStatus, OrderStatus, RequisitionStatus
from yewu.procurement.models import PurchaseContract, PurchaseOrder, Quotation
from yewu.procurement.tests import factories as f
from yewu.procurement.tests.test_services import approve_open

Q = "/api/procurement/quotations/"
C = "/api/procurement/purchase-contracts/"
R = "/api/procurement/requisitions/"
PO = "/api/procurement/purchase-orders/"
TWO_LINES = (("打印纸", "10", "25.00"), ("墨盒", "4", "200.00"))


@pytest.fixture
def erin(proc):
    return api_client(proc.erin.user)


def _req(proc, status=RequisitionStatus.APPROVED):
    return f.requisition(proc.bob.user, proc.sales, status=status, lines=TWO_LINES)


def _payload(req, supplier, *prices, **kw):
    return {"requisition": req.pk, "supplier": supplier.pk, "delivery_days": 5, "payment_terms": "月结 30 天",
            "valid_until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "lines": [{"requisition_line": line.pk, "unit_price": p}
                      for line, p in zip(req.lines.all(), prices, strict=True)], **kw}


def test_quotations_recorded_compared_chosen_and_ordered(proc, erin):
    req = _req(proc)
    a, b = f.qualified_supplier(), f.qualified_supplier()
    resp = erin.post(Q, _payload(req, a, "20", "210"), format="json")
    assert resp.status_code == 201, resp.content
    qa = resp.json()
    assert qa["number"].startswith("QT-") and qa["amount"] == "1040.00" and qa["is_valid"]
    assert [line["amount"] for line in qa["lines"]] == ["200.00", "840.00"]
    qb = erin.post(Q, _payload(req, b, "24", "190"), format="json").json()
    cmp = erin.get(f"{R}{req.pk}/comparison/").json()
    assert cmp["lowest_total"] == "1000.00" and [q["id"] for q in cmp["quotations"]] == [qb["id"], qa["id"]]
    assert [[c["quotation"] for c in row["cells"] if c["lowest"]] for row in cmp["rows"]] == [[qa["id"]], [qb["id"]]]
    assert_error(erin.post(f"{Q}{qa['id']}/choose/", {}, format="json"), 400, "procurement.choice_reason_required")
    resp = erin.post(f"{Q}{qa['id']}/choose/", {"reason": "交期更短"}, format="json")
    assert resp.status_code == 200 and resp.json()["chosen"] and resp.json()["chosen_by"] == "erin"
    resp = erin.post(f"{Q}{qa['id']}/order/", {"delivery_place": "二号仓库"}, format="json")
    assert resp.status_code == 201, resp.content
    order = resp.json()
    assert order["quotation"] == qa["id"] and order["amount"] == "1040.00" and order["status"] == "draft"
    assert order["delivery_place"] == "二号仓库" and [line["unit_price"] for line in order["lines"]] == ["20.00", "210.00"]


def test_a_requote_through_the_api_replaces_the_quotation(proc, erin):
    req, supplier = _req(proc), f.qualified_supplier()
    first = erin.post(Q, _payload(req, supplier, "25", "200"), format="json").json()
    again = erin.post(Q, _payload(req, supplier, "20", "200"), format="json")
    assert again.status_code == 201 and again.json()["id"] == first["id"] and again.json()["amount"] == "1000.00"
    resp = erin.patch(f"{Q}{first['id']}/", {"note": "含税含运费"}, format="json")
    assert resp.status_code == 200 and resp.json()["note"] == "含税含运费" and Quotation.objects.count() == 1


def test_quotation_refusals(proc, erin):
    from yewu.procurement.choices import SupplierStatus

    req = _req(proc)
    assert_error(erin.post(Q, _payload(_req(proc, RequisitionStatus.DRAFT), f.qualified_supplier(), "1", "1"),
                           format="json"), 400, "procurement.requisition_not_approved")
    assert_error(erin.post(Q, _payload(req, f.qualified_supplier(status=SupplierStatus.SUSPENDED), "1", "1"),
                           format="json"), 400, "procurement.supplier_not_qualified")
    assert_error(erin.post(Q, _payload(req, f.qualified_supplier(expires_in_days=-2), "1", "1"), format="json"),
                 400, "procurement.qualification_expired")
    body = _payload(req, f.qualified_supplier(), "1", "1")
    body["lines"] = body["lines"][:1]
    assert_error(erin.post(Q, body, format="json"), 400, "procurement.quotation_missing_price")
    expired = f.quotation(req, f.qualified_supplier(), proc.erin.user, valid_days=-1)
    assert_error(erin.post(f"{Q}{expired.pk}/choose/", {"reason": "x"}, format="json"), 400,
                 "procurement.quotation_expired")
    assert_error(erin.post(f"{Q}{expired.pk}/order/", {}, format="json"), 400, "procurement.quotation_not_chosen")
    assert not PurchaseOrder.objects.exists() and Quotation.objects.count() == 1


def test_staff_cannot_choose_and_see_only_their_own_quotations(proc):
    req = _req(proc)
    mine = f.quotation(req, f.qualified_supplier(), proc.bob.user)
    theirs = f.quotation(_req(proc), f.qualified_supplier(), proc.erin.user)
    outsider = EmployeeFactory(department=proc.finance).user
    other = f.quotation(f.requisition(outsider, proc.finance, status=RequisitionStatus.APPROVED),
                        f.qualified_supplier(), outsider)
    from yewu.core.scopes import Scope
    from yewu.core.testing.factories import grant

    grant(proc.bob.user, "procurement.view_quotation", Scope.OWN)
    bob = api_client(proc.bob.user)
    assert result_ids(bob.get(Q)) == [mine.pk]
    assert_error(bob.get(f"{Q}{theirs.pk}/"), 404, "not_found")
    assert_error(bob.get(f"{Q}{other.pk}/"), 404, "not_found")
    resp = bob.post(f"{Q}{mine.pk}/choose/", {"reason": "x"}, format="json")
    assert resp.status_code in (403, 404)
    mine.refresh_from_db()
    assert not mine.chosen
    # the comparison shows only what the user may view
    comparison = bob.get(f"{R}{req.pk}/comparison/")
    assert comparison.status_code == 200 and [q["id"] for q in comparison.json()["quotations"]] == [mine.pk]


def test_a_contract_drafted_reviewed_signed_and_filed_through_the_api(proc, erin, legal):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED, lines=(("服务器", "2", "60000"),))
    po = f.order(req, f.qualified_supplier(), proc.erin.user, status=OrderStatus.AWAITING_CONTRACT)
    PurchaseOrder.objects.filter(pk=po.pk).update(needs_contract=True)
    assert_error(erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": po.lines.get().pk, "accepted": "1"}]},
                           format="json"), 400, "procurement.order_not_receivable")
    assert_error(erin.post(C, {"order": po.pk, "title": "x", "amount": "120000.01"}, format="json"), 400,
                 "procurement.contract_above_order")
    resp = erin.post(C, {"order": po.pk, "title": "服务器采购合同", "terms": "质保三年"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["amount"] == "120000.00" and body["status"] == "draft" and body["supplier"] == po.supplier_id
    assert_error(erin.post(C, {"order": po.pk, "title": "另一份"}, format="json"), 400, "procurement.contract_exists")
    resp = erin.post(f"{C}{body['id']}/submit/")
    assert resp.status_code == 200 and resp.json()["status"] == "legal_review" and resp.json()["approval"]
    assert_error(erin.patch(f"{C}{body['id']}/", {"terms": "改"}, format="json"), 400, "procurement.contract_locked")
    contract = PurchaseContract.objects.get()
    approve_open(contract.approval, legal)
    assert_error(erin.post(f"{C}{contract.pk}/sign/", {"signed_on": timezone.localdate().isoformat()},
                           format="multipart"), 400, "procurement.contract_signed_copy_required")
    copy = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    resp = erin.post(f"{C}{contract.pk}/sign/", {"signed_on": timezone.localdate().isoformat(), "signed_copy": copy},
                     format="multipart")
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "signed" and resp.json()["signed_copy"] == "signed.pdf"
    assert erin.get(f"{PO}{po.pk}/").json()["status"] == "issued"
    assert erin.post(f"{C}{contract.pk}/file/").json()["status"] == "filed"
    resp = erin.post(f"{C}{contract.pk}/amend/", {"terms": "补充协议"}, format="json")
    assert resp.status_code == 201 and resp.json()["version"] == 2 and resp.json()["previous"] == contract.pk
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUPERSEDED
    # until the new version is signed the order cannot be received
    assert_error(erin.post(f"{PO}{po.pk}/receive/", {"lines": [{"order_line": po.lines.get().pk, "accepted": "1"}]},
                           format="json"), 400, "procurement.contract_not_signed")


def test_the_order_api_takes_the_important_flag_and_reports_the_contract_need(proc, erin):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    line = {"name": "打印纸", "quantity": "10", "unit": "箱", "unit_price": "25.00"}
    resp = erin.post(PO, {"requisition": req.pk, "supplier": f.qualified_supplier().pk, "important": True,
                          "lines": [line]}, format="json")
    assert resp.status_code == 201 and resp.json()["important"] and resp.json()["needs_contract"]


def test_contracts_of_others_stay_invisible(proc):
    from yewu.core.scopes import Scope
    from yewu.core.testing.factories import grant

    alice_req = f.requisition(proc.alice.user, proc.sales, status=RequisitionStatus.APPROVED)
    sales_contract = f.contract(f.order(alice_req, f.qualified_supplier(), proc.erin.user), proc.erin.user)
    outsider = EmployeeFactory(department=proc.finance).user
    fin_req = f.requisition(outsider, proc.finance, status=RequisitionStatus.APPROVED)
    finance_contract = f.contract(f.order(fin_req, f.qualified_supplier(), outsider), outsider)
    alice = api_client(proc.alice.user)  # manager: subtree of sales
    assert result_ids(alice.get(C)) == [sales_contract.pk]
    assert_error(alice.get(f"{C}{finance_contract.pk}/"), 404, "not_found")
    grant(proc.bob.user, "procurement.view_purchasecontract", Scope.OWN)
    assert result_ids(api_client(proc.bob.user).get(C)) == []


def test_the_openapi_document_names_the_quotation_and_contract_endpoints(db):
    import yaml
    from django.test import Client

    paths = yaml.safe_load(Client().get("/api/schema/").content)["paths"]
    for path in (Q, f"{Q}{{id}}/", f"{Q}{{id}}/choose/", f"{Q}{{id}}/order/", f"{R}{{id}}/comparison/",
                 C, f"{C}{{id}}/", f"{C}{{id}}/submit/", f"{C}{{id}}/sign/", f"{C}{{id}}/file/", f"{C}{{id}}/amend/",
                 f"{C}{{id}}/cancel/"):
        assert path in paths, path
