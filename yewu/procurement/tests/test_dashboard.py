"""The procurement dashboard: exact figures on known orders, instalments and requisitions, each
within the user's data scope (a department manager never sees another department's spend), and the
page with its charts' JSON and a table for each chart."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from yewu.procurement import dashboard, services
from yewu.procurement.choices import OrderStatus, PaymentStatus, RequisitionStatus
from yewu.procurement.models import PaymentRequest, PurchaseOrder, Requisition
from yewu.procurement.tests import factories as f
from yewu.procurement.views_reports import ProcurementDashboardView
from yewu.workflow import services as wf
from yewu.workflow.models import Task

TODAY = datetime.date(2026, 11, 15)
D = Decimal


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour),
                                     tzinfo=timezone.get_current_timezone())


def _order(proc, department, supplier, amount: str, status: str, *, issued: str | None = None,
           delivery: str | None = None, instalments=None) -> PurchaseOrder:
    req = f.requisition(proc.bob.user, department, lines=[("物料", "1", amount)], status=RequisitionStatus.APPROVED)
    po = f.order(req, supplier, proc.erin.user, instalments=instalments, status=status)
    PurchaseOrder.objects.filter(pk=po.pk).update(
        issued_at=at(issued) if issued else None,
        delivery_date=datetime.date.fromisoformat(delivery) if delivery else None,
    )
    po.refresh_from_db()
    return po


def _payment(po: PurchaseOrder, seq: int, status: str, user, paid_on: str | None = None) -> PaymentRequest:
    inst = po.instalments.get(seq=seq)
    return PaymentRequest.objects.create(
        number=f"PAY-T-{po.pk}-{seq}", order=po, instalment=inst, amount=inst.amount, status=status,
        requested_by=user, paid_on=datetime.date.fromisoformat(paid_on) if paid_on else None,
    )


@pytest.fixture
def world(proc):
    """Orders of sales, its east group and finance to two suppliers, in every state that matters."""
    s1 = f.qualified_supplier(name="甲供应商有限公司")
    s2 = f.qualified_supplier(name="乙供应商有限公司")
    user = proc.erin.user
    o1 = _order(proc, proc.sales, s1, "1200.00", OrderStatus.CLOSED, issued="2026-02-10", delivery="2026-03-01",
                instalments=[("1200.00", "2026-03-01")])
    o2 = _order(proc, proc.sales_east, s2, "3450.50", OrderStatus.ISSUED, issued="2026-11-03", delivery="2026-11-10",
                instalments=[("1000.00", "2026-11-01"), ("2450.50", "2026-12-01")])
    o3 = _order(proc, proc.finance, s1, "10000.00", OrderStatus.PARTIALLY_RECEIVED, issued="2026-10-20",
                delivery="2026-11-20", instalments=[("10000.00", "2026-11-18")])
    o4 = _order(proc, proc.finance, s2, "800.00", OrderStatus.RECEIVED, issued="2025-12-30", delivery="2026-01-05",
                instalments=[("800.00", "2026-11-05")])
    o5 = _order(proc, proc.sales, s1, "500.00", OrderStatus.IN_REVIEW, delivery="2026-11-01",
                instalments=[("500.00", "2026-11-10")])
    _order(proc, proc.sales, s2, "999.00", OrderStatus.CANCELLED, delivery="2026-10-01")
    _order(proc, proc.sales, s1, "2000.00", OrderStatus.SUPERSEDED, issued="2026-05-01", delivery="2026-10-01")
    _payment(o1, 1, PaymentStatus.PAID, user, paid_on="2026-03-02")
    _payment(o3, 1, PaymentStatus.REQUESTED, user)
    _payment(o4, 1, PaymentStatus.PAID, user, paid_on="2026-11-06")
    return {"s1": s1, "s2": s2, "orders": (o1, o2, o3, o4, o5)}


def test_spend_by_department_and_supplier_for_the_year_quarter_and_month(proc, world):
    erin = proc.erin.user
    year = dashboard.spend(erin, dashboard.period_of("year", TODAY))
    assert (year["amount"], year["orders"]) == (D("14650.50"), 3)  # superseded, cancelled, in review, 2025: out
    assert [(r["name"], r["amount"], r["orders"]) for r in year["by_department"]] == [
        ("财务部", D("10000.00"), 1), ("华东组", D("3450.50"), 1), ("销售部", D("1200.00"), 1)]
    assert [(r["name"], r["amount"], r["orders"]) for r in year["by_supplier"]] == [
        ("甲供应商有限公司", D("11200.00"), 2), ("乙供应商有限公司", D("3450.50"), 1)]
    assert (year["paid"], year["payments"]) == (D("2000.00"), 2)
    quarter = dashboard.spend(erin, dashboard.period_of("quarter", TODAY))
    assert quarter["amount"] == D("13450.50") and quarter["paid"] == D("800.00")
    month = dashboard.spend(erin, dashboard.period_of("month", TODAY))
    assert [(r["name"], r["amount"]) for r in month["by_department"]] == [("华东组", D("3450.50"))]
    last_year = dashboard.spend(erin, dashboard.period_of("year", datetime.date(2025, 6, 1)))
    assert [(r["name"], r["amount"]) for r in last_year["by_supplier"]] == [("乙供应商有限公司", D("800.00"))]


def test_open_orders_overdue_deliveries_and_payments_due(proc, world):
    erin = proc.erin.user
    o1, o2, o3, o4, o5 = world["orders"]
    opened = dashboard.open_orders(erin)
    assert (opened["count"], opened["amount"]) == (4, D("14750.50"))
    assert [(r["status"], r["count"], r["amount"]) for r in opened["by_status"]] == [
        (OrderStatus.IN_REVIEW, 1, D("500.00")), (OrderStatus.ISSUED, 1, D("3450.50")),
        (OrderStatus.PARTIALLY_RECEIVED, 1, D("10000.00")), (OrderStatus.RECEIVED, 1, D("800.00"))]

    overdue = dashboard.overdue_deliveries(erin, TODAY)  # o3 is due later, o4 arrived, o5 not issued
    assert (overdue["count"], overdue["amount"]) == (1, D("3450.50"))
    assert [(r["order"], r["days"]) for r in overdue["rows"]] == [(o2, 5)]

    due = dashboard.payments_due(erin, TODAY, 30)  # o4's is paid, o5 not issued, o1 closed
    assert [(b["key"], b["count"], b["amount"]) for b in due["buckets"]] == [
        ("overdue", 1, D("1000.00")), ("soon", 1, D("10000.00")), ("later", 1, D("2450.50"))]
    assert (due["count"], due["amount"], due["overdue_count"]) == (3, D("13450.50"), 1)
    assert [(r["order"], r["instalment"].seq, r["overdue"], r["instalment"].requested) for r in due["rows"]] == [
        (o2, 1, True, False), (o3, 1, False, True), (o2, 2, False, False)]
    week = dashboard.payments_due(erin, TODAY, 7)
    assert [(b["key"], b["amount"]) for b in week["buckets"]] == [("overdue", D("1000.00")), ("soon", D("10000.00"))]


def test_a_department_manager_sees_his_subtree_only(proc, world):
    alice = proc.alice.user  # manager of sales (with its east group); finance is another department
    year = dashboard.spend(alice, dashboard.period_of("year", TODAY))
    assert (year["amount"], year["orders"]) == (D("4650.50"), 2)
    assert [r["name"] for r in year["by_department"]] == ["华东组", "销售部"]
    assert [(r["name"], r["amount"]) for r in year["by_supplier"]] == [
        ("乙供应商有限公司", D("3450.50")), ("甲供应商有限公司", D("1200.00"))]
    assert year["paid"] == D("1200.00")  # finance's payment of 800 is not hers
    assert (dashboard.open_orders(alice)["count"], dashboard.open_orders(alice)["amount"]) == (2, D("3950.50"))
    due = dashboard.payments_due(alice, TODAY, 30)
    assert (due["count"], due["amount"]) == (2, D("3450.50"))
    assert dashboard.overdue_deliveries(alice, TODAY)["count"] == 1
    bob = proc.bob.user  # staff: no grant on orders, nothing at all
    assert dashboard.spend(bob, dashboard.period_of("year", TODAY))["amount"] == 0
    assert dashboard.open_orders(bob)["count"] == 0


def test_many_suppliers_are_summed_after_the_largest(proc):
    for i in range(12):
        supplier = f.qualified_supplier(name=f"供应商{i:02d}")
        _order(proc, proc.sales, supplier, f"{(i + 1) * 100}.00", OrderStatus.ISSUED, issued="2026-06-01")
    rows = dashboard.spend(proc.erin.user, dashboard.period_of("year", TODAY))["by_supplier"]
    assert len(rows) == dashboard.TOP_SUPPLIERS
    assert [r["amount"] for r in rows[:9]] == [D(f"{n * 100}.00") for n in range(12, 3, -1)]
    assert rows[-1]["id"] is None and rows[-1]["amount"] == D("600.00") and rows[-1]["orders"] == 3  # 300+200+100


def test_periods_and_their_neighbours():
    q = dashboard.period_of("quarter", datetime.date(2026, 11, 15))
    assert (q.start, q.end, q.label) == (datetime.date(2026, 10, 1), datetime.date(2027, 1, 1), "2026-Q4")
    assert q.previous().label == "2026-Q3" and q.next().label == "2027-Q1"
    m = dashboard.period_of("month", datetime.date(2026, 12, 31))
    assert (m.start, m.end, m.label) == (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1), "2026-12")
    assert m.previous().label == "2026-11"
    y = dashboard.period_of("nonsense", datetime.date(2024, 2, 29))
    assert (y.kind, y.start, y.end) == ("year", datetime.date(2024, 1, 1), datetime.date(2025, 1, 1))


def _approved_requisition(proc, hours: int, started: datetime.datetime) -> Requisition:
    req = services.save_requisition(None, {"title": "打印纸", "purpose": "日常办公"}, actor=proc.bob.user,
                                    lines=[{"name": "打印纸", "quantity": "10", "unit": "箱", "budget_price": "25"}])
    req = services.submit_requisition(req, actor=proc.bob.user)
    for user in (proc.alice.user, proc.erin.user):
        wf.approve_task(Task.objects.get(instance=req.approval, assignee=user, status="open"), actor=user)
    req.refresh_from_db()
    assert req.status == RequisitionStatus.APPROVED
    type(req.approval).objects.filter(pk=req.approval_id).update(started_at=started)
    Requisition.objects.filter(pk=req.pk).update(approved_at=started + datetime.timedelta(hours=hours))
    return req


def test_requisitions_waiting_and_the_average_approval_time(proc):
    _approved_requisition(proc, 5, at("2026-11-02", 9))
    _approved_requisition(proc, 27, at("2026-11-03", 9))
    _approved_requisition(proc, 100, at("2026-07-01", 9))  # another quarter
    waiting = services.save_requisition(None, {"title": "投影仪", "purpose": "会议室"}, actor=proc.bob.user,
                                        lines=[{"name": "投影仪", "quantity": "2", "unit": "台", "budget_price": "4500"}])
    waiting = services.submit_requisition(waiting, actor=proc.bob.user)
    f.requisition(proc.dave.user, proc.finance, status=RequisitionStatus.IN_APPROVAL)  # finance's: not alice's

    result = dashboard.requisitions_waiting(proc.erin.user, dashboard.period_of("quarter", TODAY))
    assert (result["count"], result["amount"]) == (2, D("9250.00"))
    assert (result["approved"], result["average"]) == (2, datetime.timedelta(hours=16))
    year = dashboard.requisitions_waiting(proc.erin.user, dashboard.period_of("year", TODAY))
    assert year["average"] == datetime.timedelta(hours=44)
    with translation.override("en"):
        assert dashboard.duration_text(result["average"]) == "16.0 hours"
        assert dashboard.duration_text(year["average"]) == "44.0 hours"
        assert dashboard.duration_text(datetime.timedelta(hours=60)) == "2.5 days"

    mine = dashboard.requisitions_waiting(proc.alice.user, dashboard.period_of("quarter", TODAY))
    assert (mine["count"], mine["amount"]) == (1, D("9000.00"))
    row = mine["rows"][0]
    assert row == waiting and [t.assignee for t in row.approval.open_tasks] == [proc.alice.user]


# --- the page ------------------------------------------------------------------------------------


def _page(user, monkeypatch, query: str = ""):
    monkeypatch.setattr(ProcurementDashboardView, "today", lambda self: TODAY)
    client = Client()
    client.force_login(user)
    return client.get(reverse("procurement:dashboard") + query)


def _chart_json(content: str) -> dict:
    match = re.search(r'<script id="yw-dashboard-data" type="application/json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def test_the_page_carries_the_charts_data_and_a_table_for_each_chart(proc, world, monkeypatch):
    resp = _page(proc.erin.user, monkeypatch)
    assert resp.status_code == 200
    content = resp.content.decode()
    data = _chart_json(content)
    assert data["period"] == "2026"  # this year by default
    assert data["departments"] == [{"name": "财务部", "amount": "10000.00", "count": 1},
                                   {"name": "华东组", "amount": "3450.50", "count": 1},
                                   {"name": "销售部", "amount": "1200.00", "count": 1}]
    assert [r["amount"] for r in data["suppliers"]] == ["11200.00", "3450.50"]
    assert [r["count"] for r in data["open_orders"]] == [1, 1, 1, 1]
    assert [r["amount"] for r in data["payments_due"]] == ["1000.00", "10000.00", "2450.50"]
    for key in ("departments", "suppliers", "open_orders", "payments_due"):
        assert f'data-chart="{key}"' in content and f'id="yw-{key}-table"' in content
    assert "vendor/echarts/echarts.min.js" in content and "procurement/dashboard.js" in content
    assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"', content))  # no CDN
    assert "¥14,650.50" in content and world["orders"][1].number in content  # spend; the overdue order


def test_the_page_filters_by_period(proc, world, monkeypatch):
    data = _chart_json(_page(proc.erin.user, monkeypatch, "?period=month&date=2026-11-01").content.decode())
    assert data["period"] == "2026-11" and [r["name"] for r in data["departments"]] == ["华东组"]
    data = _chart_json(_page(proc.erin.user, monkeypatch, "?period=quarter").content.decode())
    assert data["period"] == "2026-Q4" and [r["amount"] for r in data["departments"]] == ["10000.00", "3450.50"]
    data = _chart_json(_page(proc.erin.user, monkeypatch, "?period=bogus&days=abc").content.decode())
    assert data["period"] == "2026"  # bad input: the defaults


def test_another_departments_spend_stays_invisible_on_the_page(proc, world, monkeypatch):
    resp = _page(proc.alice.user, monkeypatch)
    content = resp.content.decode()
    data = _chart_json(content)
    assert [r["name"] for r in data["departments"]] == ["华东组", "销售部"]
    assert "财务部" not in content and "10,000.00" not in content and world["orders"][2].number not in content
    assert "¥4,650.50" in content


def test_the_dashboard_needs_a_grant_on_orders_and_is_in_the_menu(proc, monkeypatch):
    assert _page(proc.bob.user, monkeypatch).status_code == 404
    resp = _page(proc.erin.user, monkeypatch)
    assert resp.status_code == 200 and f'href="{reverse("procurement:dashboard")}"' in resp.content.decode()
    empty = resp.content.decode()
    assert 'data-chart="departments"' not in empty  # nothing to draw: the empty state, no chart
    anonymous = Client().get(reverse("procurement:dashboard"))
    assert anonymous.status_code == 302


def test_the_dashboard_reads_as_many_queries_for_many_orders_as_for_few(proc, world, monkeypatch):
    client = Client()
    client.force_login(proc.erin.user)
    monkeypatch.setattr(ProcurementDashboardView, "today", lambda self: TODAY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("procurement:dashboard")).status_code == 200
        return len(captured)

    few = queries()
    for i in range(8):
        supplier = f.qualified_supplier(name=f"丙{i}供应商")
        _order(proc, proc.finance if i % 2 else proc.sales, supplier, "100.00", OrderStatus.ISSUED,
               issued="2026-06-01", delivery="2026-06-02", instalments=[("100.00", f"2026-11-{10 + i}")])
    assert queries() == few <= 25
