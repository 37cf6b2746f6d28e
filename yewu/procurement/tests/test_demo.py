"""The demo year of procurement: loaded through the services for the demo company, in the past, in
every state the pages and the dashboard show, with intact audit chains; loaded once."""

from __future__ import annotations

import datetime
import time

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from yewu.core.audit import verify_events
from yewu.core.models import Event, Notification
from yewu.procurement import dashboard, demo, demo_year, documents
from yewu.procurement.choices import OrderStatus, PaymentStatus, RequisitionStatus, SupplierStatus
from yewu.procurement.models import (
    PaymentRequest,
    PurchaseOrder,
    Receipt,
    Requisition,
    Supplier,
    SupplierEvaluation,
    SupplierIssue,
)
from yewu.workflow.models import ProcessInstance, Task


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """The demo organisation and procurement, loaded once for the module (and rolled back after)."""
    from django.db import transaction

    from yewu.org import demo as org_demo

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            org_demo.load()
            at = timezone.now()  # the year lies before; the quotations and contract demo comes after
            started = time.process_time()
            counts = demo.load()
            seconds = time.process_time() - started
            print(f"procurement demo: {seconds:.1f} s CPU, {counts}")
            yield {"counts": counts, "seconds": seconds, "at": at}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def loaded(year, db):
    return year


def _by_status(model) -> dict[str, int]:
    return dict(model.objects.order_by().values_list("status").annotate(n=Count("pk")))


def test_a_year_of_requisitions_in_every_state(loaded):
    assert loaded["seconds"] < 90, "the loader runs in `yewu demo` and in every browser test"
    statuses = _by_status(Requisition)
    assert 150 <= sum(statuses.values()) <= 300
    assert statuses[RequisitionStatus.APPROVED] > 0.8 * sum(statuses.values())
    assert statuses[RequisitionStatus.REJECTED] >= 3 and statuses[RequisitionStatus.IN_APPROVAL] >= 1
    departments = set(Requisition.objects.values_list("department__code", flat=True))
    assert {"central", "business", "biz-east", "finance", "hr", "legal", "audit", "gmo"} <= departments
    now = timezone.now()
    created = list(Requisition.objects.values_list("created_at", flat=True))
    assert max(created) <= now and now - min(created) > datetime.timedelta(days=330)
    months = {(c.year, c.month) for c in created}
    assert len(months) >= 12  # spread over the year
    rejected = Event.objects.filter(case_type="procurement.requisition", activity="requisition.rejected")
    revised = Requisition.objects.filter(pk__in=[int(pk) for pk in rejected.values_list("case_id", flat=True)],
                                         status=RequisitionStatus.APPROVED)
    assert revised.exists(), "some rejected requisitions were revised and approved"


def test_orders_receipts_issues_and_payments_follow_the_rules(loaded):
    orders = _by_status(PurchaseOrder)
    assert orders[OrderStatus.CLOSED] > 100 and orders[OrderStatus.RECEIVED] > 0 and orders[OrderStatus.ISSUED] > 0
    assert PurchaseOrder.objects.filter(status__in=[OrderStatus.ISSUED, OrderStatus.PARTIALLY_RECEIVED],
                                        delivery_date__lt=timezone.localdate()).exists(), "overdue deliveries"
    assert Receipt.objects.filter(result="partial").exists() and Receipt.objects.filter(result="passed").exists()
    issues = SupplierIssue.objects.all()
    assert issues.exists() and issues.filter(status="resolved").exists()
    payments = _by_status(PaymentRequest)
    assert payments[PaymentStatus.PAID] > 150 and payments[PaymentStatus.REJECTED] >= 1
    assert payments.get(PaymentStatus.REQUESTED, 0) + payments.get(PaymentStatus.APPROVED, 0) >= 1
    suppliers = {s.name for s in Supplier.objects.filter(orders__isnull=False).distinct()}
    assert len(suppliers) >= 10
    for order in PurchaseOrder.objects.filter(status=OrderStatus.CLOSED)[:20]:  # the three-way match held
        paid = sum(p.amount for p in order.payments.filter(status=PaymentStatus.PAID))
        assert paid == order.amount == order.accepted_value()
    year = PurchaseOrder.objects.filter(created_at__lt=loaded["at"])
    assert year.count() > 180 and not year.filter(amount__gte=demo_year.ORDER_CAP).exists()


def test_approvals_and_history_are_those_real_use_leaves(loaded):
    now = timezone.now()
    instances = ProcessInstance.objects.filter(version__definition__key__startswith="procurement_")
    assert instances.count() >= 380
    assert not instances.filter(started_at__gt=now).exists()
    assert instances.filter(status="running").exists() and instances.filter(status="rejected").exists()
    open_tasks = Task.objects.filter(status="open", instance__in=instances)
    per_person = open_tasks.values("assignee").annotate(n=Count("pk")).values_list("n", flat=True)
    assert max(per_person) <= 6, "an inbox page still shows what a journey adds"
    assert not Event.objects.filter(timestamp__gt=now).exists()
    report = verify_events()
    assert report.ok, report.problems
    history = Notification.objects.filter(created_at__lt=loaded["at"])
    assert history.exists() and not history.filter(emailed_at__isnull=True).exists(), "no e-mails about history"
    assert history.filter(read_at__isnull=True).exists(), "open tasks still ring the bell"


def test_suppliers_are_evaluated_every_quarter(loaded):
    periods = set(SupplierEvaluation.objects.values_list("period", flat=True))
    assert len(periods) >= 3 and all("-Q" in p for p in periods)
    assert SupplierEvaluation.objects.count() >= 25
    assert Supplier.objects.filter(status=SupplierStatus.CANDIDATE).count() == 1
    warned = Event.objects.filter(case_type="procurement.supplier", activity="supplier.status_changed",
                                  data__contains='"warned"')
    assert warned.exists(), "a supplier with rejected deliveries was warned"
    assert not Supplier.objects.filter(status=SupplierStatus.REMOVED).exists()


def test_the_dashboard_and_a_pdf_on_the_demo_year(loaded):
    User = get_user_model()
    central, bizmgr = User.objects.get(username="central"), User.objects.get(username="bizmgr")
    today = timezone.localdate()
    period = dashboard.period_of("year", today)
    everything = dashboard.spend(central, period)
    assert everything["amount"] > 500000 and len(everything["by_department"]) >= 6
    theirs = dashboard.spend(bizmgr, period)
    assert {r["name"] for r in theirs["by_department"]} <= {"业务部", "华东业务部"}
    assert 0 < theirs["amount"] < everything["amount"]
    assert dashboard.open_orders(central)["count"] > 0
    assert dashboard.payments_due(central, today, 30)["count"] > 0
    order = PurchaseOrder.objects.filter(status=OrderStatus.CLOSED).order_by("pk").first()
    assert documents.purchase_order_pdf(order).startswith(b"%PDF")


def test_loading_again_changes_nothing(loaded):
    sizes = (Requisition.objects.count(), PurchaseOrder.objects.count(), Event.objects.count(),
             Notification.objects.count())
    assert demo.load() == demo.load()
    assert (Requisition.objects.count(), PurchaseOrder.objects.count(), Event.objects.count(),
            Notification.objects.count()) == sizes
