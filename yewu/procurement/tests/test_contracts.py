"""Purchase contracts: which orders need one (a decision table administrators change), legal
review, signing and filing, amendments, and the order that waits for its signed contract before it
is sent, received or paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yewu.core.audit import history
from yewu.procurement import approvals, services
from yewu.procurement.choices import ContractStatus, OrderStatus, RequisitionStatus
from yewu.procurement.models import PaymentRequest, PurchaseContract, Receipt
from yewu.procurement.tests import factories as f
from yewu.procurement.tests.test_services import approve_open, open_assignees, refused
from yewu.workflow import services as wf
from yewu.workflow.models import Task

BIG = (("服务器", "2", "60000.00"),)  # 120,000: above the default contract threshold


@pytest.fixture
def gina(proc, legal):
    """A purchaser in the central department; lena, head of the legal department, reviews contracts."""
    from yewu.core.testing.factories import EmployeeFactory, UserFactory

    buyer = EmployeeFactory(user=UserFactory(username="gina"), name="Gina 吉娜", department=proc.central,
                            position=proc.staff)
    buyer.user.groups.add(proc.roles["staff"], proc.roles["purchaser"])
    return buyer.user


def _order(proc, buyer, *, lines=BIG, status=OrderStatus.DRAFT, needs_contract=True):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED, lines=lines)
    po = f.order(req, f.qualified_supplier(), buyer, status=status)
    po.needs_contract = needs_contract
    po.save(update_fields=["needs_contract"])
    return po


def _copy():
    return SimpleUploadedFile("合同扫描件.pdf", b"%PDF-1.4 signed", content_type="application/pdf")


def _activities(obj, prefix):
    return [e.activity for e in history(obj) if e.activity.startswith(prefix)]


def _approved_contract(proc, gina, po=None, **kw):
    po = po or _order(proc, gina)
    return f.contract(po, gina, status=ContractStatus.APPROVED, **kw)


# --- which orders need a contract ----------------------------------------------------------------


@pytest.mark.parametrize("amount, important, needed", [
    ("99999.99", False, False), ("100000.00", False, True), ("250000", False, True), ("10.00", True, True),
])
def test_contract_required_from_the_threshold_or_when_important(proc, amount, important, needed):
    assert approvals.contract_required(Decimal(amount), important=important) is needed


def test_the_order_service_notes_whether_an_order_needs_a_contract(proc, gina):
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED, lines=BIG)
    line = {"name": "服务器", "quantity": "2", "unit": "台", "unit_price": "60000.00"}
    po = services.save_purchase_order(None, {"requisition": req, "supplier": f.qualified_supplier()}, lines=[line],
                                      actor=gina)
    assert po.needs_contract
    po = services.save_purchase_order(po, {}, lines=[{**line, "unit_price": "1000"}], actor=gina)
    assert not po.needs_contract
    po = services.save_purchase_order(po, {"important": True}, actor=gina)
    assert po.needs_contract and po.important


def test_the_contract_threshold_is_data_in_the_decision_table(proc, gina):
    """An administrator raises the threshold to 200,000 in the table (a new published version,
    the diagram untouched): a 120,000 order no longer needs a contract; importance still does."""
    from yewu.workflow import definitions
    from yewu.workflow.models import ProcessVersion

    version = ProcessVersion.objects.get(definition__key=approvals.CONTRACT_KEY)
    table = definitions.decision_table(version)
    rule = next(r for r in table["rules"] if r["id"] == "rule_over_threshold")
    rule["inputs"][1] = ">= 200000"
    draft = definitions.save_decision_table(version, table, actor=proc.admin)
    assert approvals.contract_required(Decimal("120000"), important=False)  # the draft is not in force yet
    definitions.release_without_approval(draft, actor=proc.admin, via="test")
    assert not approvals.contract_required(Decimal("120000"), important=False)
    assert approvals.contract_required(Decimal("200000"), important=False)
    assert approvals.contract_required(Decimal("1"), important=True)


# --- the order waits for its contract ------------------------------------------------------------


def test_a_reviewed_order_that_needs_a_contract_waits_and_is_issued_when_the_contract_is_signed(proc, gina):
    po = _order(proc, gina)
    po = services.submit_purchase_order(po, actor=gina)
    assert po.needs_contract
    approve_open(po.approval, proc.erin.user)
    po.refresh_from_db()
    assert po.status == OrderStatus.AWAITING_CONTRACT and po.issued_at is None
    refused("procurement.order_not_receivable", services.record_receipt, po,
            lines=[{"order_line": po.lines.first().pk, "accepted": "1"}], actor=gina)
    contract = _approved_contract(proc, gina, po=po)
    services.sign_contract(contract, signed_on=timezone.localdate(), signed_copy=_copy(), actor=gina)
    po.refresh_from_db()
    assert po.status == OrderStatus.ISSUED and po.issued_at is not None
    assert _activities(po, "purchase_order.")[-2:] == ["purchase_order.awaiting_contract", "purchase_order.issued"]


def test_an_order_whose_contract_is_signed_before_review_is_issued_at_once(proc, gina):
    po = _order(proc, gina)
    f.contract(po, gina, status=ContractStatus.SIGNED)
    po = services.submit_purchase_order(po, actor=gina)
    approve_open(po.approval, proc.erin.user)
    po.refresh_from_db()
    assert po.status == OrderStatus.ISSUED


def test_an_issued_order_without_its_signed_contract_is_not_received(proc, gina):
    po = _order(proc, gina, status=OrderStatus.ISSUED)
    lines = [{"order_line": po.lines.first().pk, "accepted": "1"}]
    refused("procurement.contract_not_signed", services.record_receipt, po, lines=lines, actor=gina)
    assert not Receipt.objects.exists()
    f.contract(po, gina, status=ContractStatus.SIGNED)
    assert services.record_receipt(po, lines=lines, actor=gina).pk


def test_no_payment_requested_checked_or_paid_without_the_signed_contract(proc, gina):
    po = _order(proc, gina, status=OrderStatus.ISSUED)
    f.receipt(po, gina)
    inst = po.instalments.get()
    refused("procurement.contract_not_signed", services.request_payment, po, instalment=inst, actor=gina)
    assert not PaymentRequest.objects.exists()
    contract = f.contract(po, gina, status=ContractStatus.SIGNED)
    pay = services.request_payment(po, instalment=inst, actor=gina)
    # the contract is amended after the request: finance can neither check nor pay until it is signed again
    PurchaseContract.objects.filter(pk=contract.pk).update(status=ContractStatus.FILED)
    services.amend_contract(contract, {"terms": "补充协议：延长质保期"}, actor=gina)
    refused("procurement.contract_not_signed", services.approve_payment, pay, actor=proc.dave.user)
    pay.refresh_from_db()
    assert pay.status == "requested"
    PaymentRequest.objects.filter(pk=pay.pk).update(status="approved")
    refused("procurement.contract_not_signed", services.pay_payment, pay, actor=proc.dave.user)


def test_an_order_that_needs_no_contract_is_not_held_up(proc, gina):
    po = _order(proc, gina, status=OrderStatus.ISSUED, needs_contract=False)
    assert services.record_receipt(po, lines=[{"order_line": po.lines.first().pk, "accepted": "1"}], actor=gina).pk


def test_an_amended_order_keeps_its_signed_contract(proc, gina):
    po = _order(proc, gina, status=OrderStatus.ISSUED)
    f.contract(po, gina, status=ContractStatus.SIGNED)
    new = services.amend_purchase_order(po, actor=gina)
    assert new.needs_contract and new.signed_contract() is not None and not new.contract_missing()


# --- the contract's own life ---------------------------------------------------------------------


def test_a_contract_is_drafted_reviewed_by_legal_signed_and_filed(proc, gina, legal):
    po = _order(proc, gina)
    c = services.save_contract(None, {"order": po, "title": "服务器采购合同", "terms": "……"}, actor=gina)
    assert c.number.startswith("PC-") and c.amount == po.amount and c.supplier == po.supplier
    assert c.department == po.department and c.status == ContractStatus.DRAFT
    c = services.submit_contract(c, actor=gina)
    assert c.status == ContractStatus.LEGAL_REVIEW and c.approval is not None
    assert open_assignees(c.approval) == {"lena"}
    assert c.approval.form_data["terms"] == "……"
    approve_open(c.approval, legal, comment="条款合规")
    c.refresh_from_db()
    assert c.status == ContractStatus.APPROVED and c.approved_at is not None
    c = services.sign_contract(c, signed_on=timezone.localdate(), signed_copy=_copy(), actor=gina)
    assert c.status == ContractStatus.SIGNED and c.signed_copy.name == "合同扫描件.pdf"
    c = services.file_contract(c, actor=gina)
    assert c.status == ContractStatus.FILED and c.filed_at is not None
    assert _activities(c, "contract.") == [
        "contract.created", "contract.submitted", "contract.approved", "contract.signed", "contract.filed"]


def test_the_reviewer_who_submits_still_reviews_explicitly(proc, legal):
    legal.groups.add(proc.roles["purchaser"])
    po = _order(proc, legal)
    c = services.submit_contract(f.contract(po, legal), actor=legal)
    assert c.status == ContractStatus.LEGAL_REVIEW and open_assignees(c.approval) == {"lena"}


def test_the_legal_reviewer_may_read_contracts_and_orders_but_not_change_them(proc, gina, legal):
    from yewu.core import permissions

    c = f.contract(_order(proc, gina), gina)
    assert permissions.can(legal, "view", c) and permissions.can(legal, "view", c.order)
    assert not permissions.can(legal, "change", c)


def test_a_contract_rejected_by_legal_goes_back_to_draft_and_can_be_changed(proc, gina, legal):
    c = services.submit_contract(f.contract(_order(proc, gina), gina), actor=gina)
    task = Task.objects.get(instance=c.approval, status="open")
    wf.reject_task(task, actor=legal, comment="违约条款不明确")
    c.refresh_from_db()
    assert c.status == ContractStatus.DRAFT
    c = services.save_contract(c, {"terms": "明确违约责任"}, actor=gina)
    assert c.terms == "明确违约责任"
    assert services.submit_contract(c, actor=gina).status == ContractStatus.LEGAL_REVIEW


def test_the_contract_amount_may_not_exceed_the_order_amount(proc, gina):
    po = _order(proc, gina)
    refused("procurement.contract_above_order", services.save_contract, None,
            {"order": po, "title": "x", "amount": "120000.01"}, actor=gina)
    assert not PurchaseContract.objects.exists()
    c = services.save_contract(None, {"order": po, "title": "x", "amount": "100000"}, actor=gina)
    refused("procurement.contract_above_order", services.save_contract, c, {"amount": "130000"}, actor=gina)
    refused("procurement.contract_amount_not_positive", services.save_contract, c, {"amount": "0"}, actor=gina)
    # nor may the order be cut below its contract
    refused("procurement.contract_above_order", services.save_purchase_order, po, {},
            lines=[{"name": "服务器", "quantity": "1", "unit": "台", "unit_price": "60000"}], actor=gina)
    c.refresh_from_db()
    assert c.amount == Decimal("100000.00")


def test_one_standing_contract_per_order(proc, gina):
    po = _order(proc, gina)
    first = services.save_contract(None, {"order": po, "title": "x"}, actor=gina)
    refused("procurement.contract_exists", services.save_contract, None, {"order": po, "title": "y"}, actor=gina)
    services.cancel_contract(first, actor=gina)
    assert services.save_contract(None, {"order": po, "title": "y"}, actor=gina).pk


def test_no_contract_for_a_cancelled_order(proc, gina):
    po = _order(proc, gina, status=OrderStatus.CANCELLED)
    refused("procurement.contract_order_closed", services.save_contract, None, {"order": po, "title": "x"},
            actor=gina)


@pytest.mark.parametrize("status", [ContractStatus.LEGAL_REVIEW, ContractStatus.APPROVED, ContractStatus.SIGNED,
                                    ContractStatus.FILED])
def test_a_contract_is_not_edited_after_draft(proc, gina, status):
    c = f.contract(_order(proc, gina), gina, status=status)
    refused("procurement.contract_locked", services.save_contract, c, {"terms": "改"}, actor=gina)


def test_an_approved_contract_is_amended_as_a_new_version_linked_to_the_old(proc, gina):
    po = _order(proc, gina, status=OrderStatus.ISSUED)
    old = f.contract(po, gina, status=ContractStatus.SIGNED, amount="100000")
    new = services.amend_contract(old, {"amount": "110000", "terms": "补充协议"}, actor=gina)
    old.refresh_from_db()
    assert old.status == ContractStatus.SUPERSEDED
    assert (new.number, new.version, new.previous, new.status) == (old.number, 2, old, ContractStatus.DRAFT)
    assert new.amount == Decimal("110000.00") and new.display_number.endswith("v2")
    assert po.contract_missing()  # until the new version is signed
    refused("procurement.bad_transition", services.amend_contract, new, actor=gina)
    refused("procurement.contract_above_order", services.amend_contract,
            f.contract(_order(proc, gina), gina, status=ContractStatus.APPROVED), {"amount": "999999"}, actor=gina)


def test_signing_needs_legal_approval_a_signed_copy_and_a_past_date(proc, gina):
    draft = f.contract(_order(proc, gina), gina)
    refused("procurement.bad_transition", services.sign_contract, draft, signed_on=None, signed_copy=_copy(),
            actor=gina)
    c = _approved_contract(proc, gina)
    refused("procurement.contract_signed_copy_required", services.sign_contract, c, signed_on=None,
            signed_copy=None, actor=gina)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    refused("procurement.contract_signing_date", services.sign_contract, c, signed_on=tomorrow,
            signed_copy=_copy(), actor=gina)
    c.refresh_from_db()
    assert c.status == ContractStatus.APPROVED and c.signed_copy is None
    refused("procurement.bad_transition", services.file_contract, c, actor=gina)


def test_contracts_need_the_purchaser_grant(proc):
    po = _order(proc, proc.erin.user)
    refused("core.permission_denied", services.save_contract, None, {"order": po, "title": "x"},
            actor=proc.bob.user)


def test_the_pdf_for_the_supplier_waits_for_the_signed_contract(proc, gina):
    from yewu.procurement import documents

    waiting = _order(proc, gina, status=OrderStatus.AWAITING_CONTRACT)
    refused("procurement.order_not_printable", documents.check_printable, waiting)
    issued = _order(proc, gina, status=OrderStatus.ISSUED)  # e.g. its contract is being amended
    assert not documents.can_print(issued)
    refused("procurement.contract_not_signed", documents.check_printable, issued)
    f.contract(issued, gina, status=ContractStatus.SIGNED)
    assert documents.can_print(issued)
    documents.check_printable(issued)
