"""The quotation and contract pages: the comparison grid, choosing with a reason, the order made
from the chosen quotation, the contract's legal review, signing with the signed copy, filing."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yewu.procurement.choices import ContractStatus, OrderStatus, RequisitionStatus
from yewu.procurement.models import PurchaseContract, PurchaseOrder, Quotation
from yewu.procurement.tests import factories as f
from yewu.procurement.tests.test_services import approve_open

TWO_LINES = (("打印纸", "10", "25.00"), ("墨盒", "4", "200.00"))


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_quotation_is_entered_on_its_page_and_a_requote_replaces_it(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED, lines=TWO_LINES)
    supplier = f.qualified_supplier()
    erin = _client(proc.erin.user)
    url = reverse("procurement:quotation_add") + f"?requisition={req.pk}"
    page = erin.get(url)
    assert page.status_code == 200 and "墨盒" in page.content.decode()
    l1, l2 = req.lines.all()
    valid = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    data = {"supplier": supplier.pk, "round": "1", "delivery_days": "5", "valid_until": valid,
            "payment_terms": "月结", f"price_{l1.pk}": "24", f"price_{l2.pk}": "190"}
    resp = erin.post(url, data)
    q = Quotation.objects.get()
    assert resp.status_code == 302 and resp["Location"] == q.get_absolute_url() and q.amount == 1000
    resp = erin.post(url, {**data, f"price_{l1.pk}": "22"})  # the same supplier again: a re-quote
    assert resp.status_code == 302 and Quotation.objects.count() == 1
    q.refresh_from_db()
    assert q.amount == 980
    # a refusal shows on the form: a price missing
    resp = erin.post(url, {**data, "supplier": f.qualified_supplier().pk, f"price_{l2.pk}": ""})
    assert resp.status_code == 200 and Quotation.objects.count() == 1


def test_the_comparison_grid_marks_the_lowest_and_choosing_a_dearer_one_needs_a_reason(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED, lines=TWO_LINES)
    cheap = f.quotation(req, f.qualified_supplier(name="甲公司"), proc.erin.user, prices=["20", "190"])
    dear = f.quotation(req, f.qualified_supplier(name="乙公司"), proc.erin.user, prices=["25", "200"])
    erin = _client(proc.erin.user)
    url = reverse("procurement:requisition_quotations", args=[req.pk])
    content = erin.get(url).content.decode()
    assert 'data-testid="comparison"' in content and "甲公司" in content and "乙公司" in content
    assert content.count('data-lowest="1"') == 2  # both lines are cheapest at 甲
    assert f'data-testid="choose-{dear.pk}"' in content
    resp = erin.post(reverse("procurement:quotation_choose", args=[dear.pk]), {"reason": ""}, follow=True)
    assert "reason" in resp.content.decode() or "理由" in resp.content.decode()
    dear.refresh_from_db()
    assert not dear.chosen
    erin.post(reverse("procurement:quotation_choose", args=[dear.pk]), {"reason": "质量更稳定"})
    dear.refresh_from_db()
    assert dear.chosen and dear.choice_reason == "质量更稳定"
    content = erin.get(url).content.decode()
    assert f'data-testid="order-{dear.pk}"' in content and f'data-testid="choose-{cheap.pk}"' in content
    resp = erin.post(reverse("procurement:quotation_order", args=[dear.pk]))
    po = PurchaseOrder.objects.get()
    assert resp.status_code == 302 and resp["Location"] == po.get_absolute_url()
    assert po.quotation == dear and po.amount == dear.amount
    # the order is placed: the grid links it and offers neither another order nor another choice
    content = erin.get(url).content.decode()
    assert po.number in content and f'data-testid="order-{dear.pk}"' not in content
    assert f'data-testid="choose-{cheap.pk}"' not in content
    # the requisition page leads to the comparison
    assert 'data-testid="quotations"' in erin.get(req.get_absolute_url()).content.decode()


def test_staff_see_no_choose_button_and_cannot_choose(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    q = f.quotation(req, f.qualified_supplier(), proc.bob.user)
    bob = _client(proc.bob.user)
    assert bob.post(reverse("procurement:quotation_choose", args=[q.pk]), {"reason": "x"}).status_code == 404
    q.refresh_from_db()
    assert not q.chosen


def test_a_contract_goes_from_draft_to_filed_on_its_pages(proc, legal):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED, lines=(("服务器", "2", "60000"),))
    po = f.order(req, f.qualified_supplier(), proc.erin.user, status=OrderStatus.AWAITING_CONTRACT)
    PurchaseOrder.objects.filter(pk=po.pk).update(needs_contract=True)
    erin = _client(proc.erin.user)
    content = erin.get(po.get_absolute_url()).content.decode()
    assert 'data-testid="contract-missing"' in content and 'data-testid="draft-contract"' in content
    url = reverse("procurement:purchasecontract_add") + f"?order={po.pk}"
    assert erin.get(url).status_code == 200
    resp = erin.post(url, {"title": "服务器采购合同", "amount": "120000", "terms": "质保三年"})
    contract = PurchaseContract.objects.get()
    assert resp.status_code == 302 and contract.status == ContractStatus.DRAFT
    # above the order amount: refused on the form, nothing changes
    resp = erin.post(reverse("procurement:purchasecontract_edit", args=[contract.pk]),
                     {"title": "服务器采购合同", "amount": "130000", "terms": "质保三年"})
    assert resp.status_code == 200 and 'data-testid="form-error"' in resp.content.decode()
    erin.post(reverse("procurement:purchasecontract_submit", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.LEGAL_REVIEW
    content = erin.get(contract.get_absolute_url()).content.decode()
    assert 'data-testid="approval"' in content and contract.approval.number in content
    # the legal reviewer reads the contract page and decides in the approval
    assert "质保三年" in _client(legal).get(contract.get_absolute_url()).content.decode()
    approve_open(contract.approval, legal)
    copy = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    resp = erin.post(reverse("procurement:purchasecontract_sign", args=[contract.pk]),
                     {"signed_on": timezone.localdate().isoformat(), "signed_copy": copy})
    contract.refresh_from_db()
    po.refresh_from_db()
    assert resp.status_code == 302 and contract.status == ContractStatus.SIGNED and contract.signed_copy
    assert po.status == OrderStatus.ISSUED
    erin.post(reverse("procurement:purchasecontract_file", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.FILED
    # after approval the edit page leads back to the contract; amending makes a new version
    resp = erin.get(reverse("procurement:purchasecontract_edit", args=[contract.pk]))
    assert resp.status_code == 302 and resp["Location"] == contract.get_absolute_url()
    resp = erin.post(reverse("procurement:purchasecontract_amend", args=[contract.pk]))
    new = PurchaseContract.objects.get(version=2)
    assert resp["Location"] == new.get_absolute_url() and new.previous == contract


def test_signing_without_the_signed_copy_shows_the_rule(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    po = f.order(req, f.qualified_supplier(), proc.erin.user)
    contract = f.contract(po, proc.erin.user, status=ContractStatus.APPROVED)
    erin = _client(proc.erin.user)
    assert 'data-testid="sign"' in erin.get(contract.get_absolute_url()).content.decode()
    resp = erin.post(reverse("procurement:purchasecontract_sign", args=[contract.pk]), {}, follow=True)
    assert "signed copy" in resp.content.decode() or "签字" in resp.content.decode() or "簽字" in resp.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED


def test_quotation_and_contract_lists_filter_and_export(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    chosen = f.quotation(req, f.qualified_supplier(name="甲公司"), proc.erin.user, chosen=True)
    expired = f.quotation(req, f.qualified_supplier(name="乙公司"), proc.erin.user, valid_days=-3)
    po = f.order(req, chosen.supplier, proc.erin.user)
    f.contract(po, proc.erin.user, status=ContractStatus.SIGNED)
    erin = _client(proc.erin.user)
    content = erin.get(reverse("procurement:quotation_list") + "?chosen=true").content.decode()
    assert chosen.number in content and expired.number not in content
    content = erin.get(reverse("procurement:quotation_list") + "?valid=false").content.decode()
    assert expired.number in content and chosen.number not in content
    resp = erin.get(reverse("procurement:purchasecontract_list") + "?status=signed&export=xlsx")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert erin.get(reverse("procurement:purchasecontract_list") + "?status=draft").status_code == 200


def test_a_new_quotation_is_proposed_in_the_current_round(proc):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    f.quotation(req, f.qualified_supplier(), proc.erin.user, round=2)
    page = _client(proc.erin.user).get(reverse("procurement:quotation_add") + f"?requisition={req.pk}")
    assert 'name="round" value="2"' in page.content.decode()
