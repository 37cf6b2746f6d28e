"""Quotations and their comparison: who may be quoted, re-quotes, the choice and its reason, and
the order placed from the chosen quotation through the order service."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.core.audit import history
from yewu.procurement import comparison, services
from yewu.procurement.choices import OrderStatus, RequisitionStatus, SupplierStatus
from yewu.procurement.models import PurchaseOrder, Quotation
from yewu.procurement.tests import factories as f
from yewu.procurement.tests.test_services import refused

TWO_LINES = (("打印纸", "10", "25.00"), ("墨盒", "4", "200.00"))


def _req(proc, status=RequisitionStatus.APPROVED, lines=TWO_LINES):
    return f.requisition(proc.bob.user, proc.sales, status=status, lines=lines)


def _prices(req, *prices):
    return [{"requisition_line": line.pk, "unit_price": p} for line, p in zip(req.lines.all(), prices, strict=True)]


def _values(req, supplier, **kw):
    return {"requisition": req, "supplier": supplier, "valid_until": timezone.localdate() + datetime.timedelta(days=30),
            "delivery_days": 7, "payment_terms": "月结 30 天", **kw}


def _events(obj, prefix="quotation."):
    return [e for e in history(obj) if e.activity.startswith(prefix)]


def test_quotation_recorded_for_an_approved_requisition_with_its_total(proc):
    req, supplier = _req(proc), f.qualified_supplier()
    q = services.save_quotation(None, _values(req, supplier), lines=_prices(req, "24.00", "190.00"),
                                actor=proc.erin.user)
    assert q.number.startswith("QT-") and q.round == 1 and q.created_by == proc.erin.user
    assert q.amount == Decimal("1000.00")  # 10 × 24 + 4 × 190
    assert [e.activity for e in _events(q)] == ["quotation.recorded"]


@pytest.mark.parametrize("status", [RequisitionStatus.DRAFT, RequisitionStatus.IN_APPROVAL,
                                    RequisitionStatus.REJECTED, RequisitionStatus.SUPERSEDED])
def test_quotation_refused_unless_the_requisition_is_approved(proc, status):
    req = _req(proc, status=status)
    refused("procurement.requisition_not_approved", services.save_quotation, None,
            _values(req, f.qualified_supplier()), lines=_prices(req, "1", "1"), actor=proc.erin.user)
    assert not Quotation.objects.exists()


@pytest.mark.parametrize("make, code", [
    (lambda: f.qualified_supplier(status=SupplierStatus.SUSPENDED), "procurement.supplier_not_qualified"),
    (lambda: f.qualified_supplier(status=SupplierStatus.REMOVED), "procurement.supplier_not_qualified"),
    (lambda: f.qualified_supplier(status=SupplierStatus.CANDIDATE), "procurement.supplier_not_qualified"),
    (lambda: f.qualified_supplier(expires_in_days=-1), "procurement.qualification_expired"),
    (lambda: f.SupplierFactory(status=SupplierStatus.QUALIFIED), "procurement.no_qualification"),
])
def test_only_a_qualified_supplier_can_be_quoted(proc, make, code):
    req = _req(proc)
    refused(code, services.save_quotation, None, _values(req, make()), lines=_prices(req, "1", "1"),
            actor=proc.erin.user)
    assert not Quotation.objects.exists()


def test_a_warned_supplier_on_probation_can_still_be_quoted(proc):
    req = _req(proc)
    q = services.save_quotation(None, _values(req, f.qualified_supplier(status=SupplierStatus.WARNED)),
                                lines=_prices(req, "1", "1"), actor=proc.erin.user)
    assert q.pk


def test_quotation_prices_every_line_once_and_nothing_else(proc):
    req, other = _req(proc), _req(proc)
    supplier = f.qualified_supplier()
    refused("procurement.quotation_missing_price", services.save_quotation, None, _values(req, supplier),
            lines=_prices(req, "1", "1")[:1], actor=proc.erin.user)
    refused("procurement.quotation_foreign_line", services.save_quotation, None, _values(req, supplier),
            lines=_prices(req, "1", "1") + [{"requisition_line": other.lines.first().pk, "unit_price": "1"}],
            actor=proc.erin.user)
    refused("procurement.quotation_bad_price", services.save_quotation, None, _values(req, supplier),
            lines=_prices(req, "1", "-1"), actor=proc.erin.user)
    refused("procurement.quotation_validity_required", services.save_quotation, None,
            _values(req, supplier, valid_until=None), lines=_prices(req, "1", "1"), actor=proc.erin.user)
    assert not Quotation.objects.exists()


def test_a_requote_in_the_same_round_replaces_the_quotation_and_the_audit_keeps_the_old_prices(proc):
    req, supplier = _req(proc), f.qualified_supplier()
    first = services.save_quotation(None, _values(req, supplier), lines=_prices(req, "25", "200"),
                                    actor=proc.erin.user)
    services.choose_quotation(first, actor=proc.erin.user)
    again = services.save_quotation(None, _values(req, supplier, delivery_days=3), lines=_prices(req, "20", "180"),
                                    actor=proc.erin.user)
    assert again.pk == first.pk and Quotation.objects.count() == 1
    assert again.amount == Decimal("920.00") and again.delivery_days == 3
    assert not again.chosen  # the choice was made on the old prices
    requote = _events(again)[-1]
    assert requote.activity == "quotation.requoted"
    data = json.loads(requote.data)
    assert data["amount"] == ["1050.00", "920.00"] and data["chosen"] == [True, False]
    assert data["lines"][0][0]["unit_price"] == "25.00"


def test_a_new_round_holds_a_second_quotation_of_the_same_supplier(proc):
    req, supplier = _req(proc), f.qualified_supplier()
    services.save_quotation(None, _values(req, supplier), lines=_prices(req, "25", "200"), actor=proc.erin.user)
    second = services.save_quotation(None, _values(req, supplier, round=2), lines=_prices(req, "22", "190"),
                                     actor=proc.erin.user)
    assert second.round == 2 and Quotation.objects.count() == 2


def test_choosing_the_lowest_total_needs_no_reason(proc):
    req = _req(proc)
    low = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["20", "190"])
    f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["25", "200"])
    chosen = services.choose_quotation(low, actor=proc.erin.user)
    assert chosen.chosen and chosen.chosen_by == proc.erin.user and chosen.chosen_at is not None
    assert [e.activity for e in _events(req, "requisition.")] == ["requisition.quotation_chosen"]


def test_choosing_a_dearer_quotation_needs_a_reason(proc):
    req = _req(proc)
    f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["20", "190"])
    dear = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["25", "200"])
    refused("procurement.choice_reason_required", services.choose_quotation, dear, reason="  ", actor=proc.erin.user)
    dear.refresh_from_db()
    assert not dear.chosen
    chosen = services.choose_quotation(dear, reason="交货期短，售后服务好", actor=proc.erin.user)
    assert chosen.chosen and chosen.choice_reason == "交货期短，售后服务好"
    event = json.loads(_events(chosen)[-1].data)
    assert event["reason"] == "交货期短，售后服务好" and event["lowest"] == "960.00"


def test_an_expired_quotation_cannot_be_chosen_and_does_not_set_the_lowest(proc):
    req = _req(proc)
    expired = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["1", "1"], valid_days=-1)
    valid = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["25", "200"])
    refused("procurement.quotation_expired", services.choose_quotation, expired, reason="便宜", actor=proc.erin.user)
    # the cheaper quotation expired: the valid one is the lowest, no reason needed
    assert services.choose_quotation(valid, actor=proc.erin.user).chosen


def test_choosing_another_quotation_undoes_the_first_choice(proc):
    req = _req(proc)
    a = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["20", "190"])
    b = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["20", "190"])
    services.choose_quotation(a, actor=proc.erin.user)
    services.choose_quotation(b, actor=proc.erin.user)
    a.refresh_from_db()
    b.refresh_from_db()
    assert not a.chosen and b.chosen
    assert [e.activity for e in _events(a)] == ["quotation.chosen", "quotation.unchosen"]


def test_choosing_needs_the_choose_grant(proc):
    req = _req(proc)
    q = f.quotation(req, f.qualified_supplier(), proc.bob.user)
    refused("core.permission_denied", services.choose_quotation, q, actor=proc.bob.user)


def test_a_supplier_suspended_after_quoting_cannot_be_chosen(proc):
    req = _req(proc)
    q = f.quotation(req, f.qualified_supplier(status=SupplierStatus.SUSPENDED), proc.erin.user)
    refused("procurement.supplier_not_qualified", services.choose_quotation, q, actor=proc.erin.user)


def test_an_order_from_the_chosen_quotation_takes_its_prices_delivery_and_terms(proc):
    req = _req(proc)
    q = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["24", "190"], delivery_days=5)
    services.choose_quotation(q, actor=proc.erin.user)
    po = services.order_from_quotation(q, {"delivery_place": "上海仓库"}, actor=proc.erin.user)
    assert po.status == OrderStatus.DRAFT and po.quotation == q and po.supplier == q.supplier
    assert po.amount == q.amount == Decimal("1000.00") and po.delivery_place == "上海仓库"
    assert po.delivery_date == timezone.localdate() + datetime.timedelta(days=5)
    assert "货到验收合格后 30 天付款" in po.notes
    assert [(line.name, line.unit_price, line.requisition_line_id) for line in po.lines.all()] == [
        (line.name, price, line.pk) for line, price in zip(req.lines.all(), [Decimal("24"), Decimal("190")],
                                                              strict=True)]
    assert po.instalments.get().amount == po.amount


def test_no_order_from_a_quotation_that_is_not_chosen_or_has_expired(proc):
    req = _req(proc)
    q = f.quotation(req, f.qualified_supplier(), proc.erin.user)
    refused("procurement.quotation_not_chosen", services.order_from_quotation, q, actor=proc.erin.user)
    old = f.quotation(req, f.qualified_supplier(), proc.erin.user, valid_days=-1, chosen=False)
    Quotation.objects.filter(pk=old.pk).update(chosen=True)
    refused("procurement.quotation_expired", services.order_from_quotation, old, actor=proc.erin.user)
    assert not PurchaseOrder.objects.exists()


def test_an_order_from_a_quotation_obeys_the_order_rules(proc):
    """Prices above the approved budget plus the tolerance are refused by the order service."""
    req = _req(proc)
    q = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["30", "250"])  # 1,300 vs 1,050 approved
    services.choose_quotation(q, actor=proc.erin.user)
    refused("procurement.order_over_requisition", services.order_from_quotation, q, actor=proc.erin.user)
    assert not PurchaseOrder.objects.exists()
    refused("core.permission_denied", services.order_from_quotation, q, actor=proc.bob.user)


def test_once_ordered_a_quotation_is_neither_replaced_nor_unchosen(proc):
    req = _req(proc)
    supplier = f.qualified_supplier()
    q = f.quotation(req, supplier, proc.erin.user)
    other = f.quotation(req, f.qualified_supplier(), proc.erin.user)
    services.choose_quotation(q, actor=proc.erin.user)
    po = services.order_from_quotation(q, actor=proc.erin.user)
    refused("procurement.quotation_ordered", services.save_quotation, None, _values(req, supplier),
            lines=_prices(req, "1", "1"), actor=proc.erin.user)
    refused("procurement.quotation_ordered", services.order_from_quotation, q, actor=proc.erin.user)
    assert PurchaseOrder.objects.count() == 1
    refused("procurement.quotation_ordered", services.choose_quotation, other, actor=proc.erin.user)
    services.cancel_purchase_order(po, actor=proc.erin.user)
    assert services.choose_quotation(other, actor=proc.erin.user).chosen


def test_the_comparison_marks_the_lowest_valid_price_of_each_line_and_total(proc):
    req = _req(proc)
    a = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["20", "210"])  # 1,040
    b = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["24", "190"])  # 1,000
    c = f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["1", "1"], valid_days=-1)  # expired
    f.quotation(req, f.qualified_supplier(), proc.erin.user, prices=["2", "2"], round=2)
    result = comparison.compare(req, Quotation.objects.all(), round_no=1)
    assert result.rounds == [1, 2] and [q.pk for q in result.quotations] == [c.pk, b.pk, a.pk]
    assert result.valid == {a.pk, b.pk} and result.lowest_total == Decimal("1000.00")
    lowest = [[cell.quotation.pk for cell in row.cells if cell.lowest] for row in result.rows]
    assert lowest == [[a.pk], [b.pk]]
    assert result.is_lowest_total(b) and not result.is_lowest_total(c)
    assert comparison.compare(req, Quotation.objects.all()).round == 2  # the latest round by default
