"""The procurement dashboard's figures: spend by department and supplier for a period, open orders,
overdue deliveries, payments due, requisitions waiting for approval and how long approvals take.

Every figure starts from the restricted querysets the lists use (a department manager sees his
subtree, a purchaser the company) and is aggregated by the database; Python only touches the
aggregated rows and the few records each list shows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from yewu.core.periods import PERIODS, Period, period_of  # noqa: F401 (the dashboard's API)
from yewu.procurement.choices import (
    ORDER_OPEN,
    ORDER_RECEIVABLE,
    OrderStatus,
    PaymentStatus,
    RequisitionStatus,
)
from yewu.procurement.models import Instalment, PaymentRequest, PurchaseOrder, Requisition

#: Orders whose amount counts as spend: issued to the supplier (and what follows from that).
SPEND = frozenset({OrderStatus.ISSUED, OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED, OrderStatus.CLOSED})
#: Orders whose instalments may fall due: issued and not yet closed.
PAYABLE = frozenset({OrderStatus.ISSUED, OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED})
TOP_SUPPLIERS = 10
LIST_LIMIT = 10
SOON_DAYS = 7
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _money(value: Any) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def _rows(qs, key: str, name: str) -> list[dict[str, Any]]:
    """Spend rows (id, name, amount, orders), largest first, from a queryset of spend orders."""
    grouped = (
        qs.order_by().values(key, name)
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by("-total", name)
    )
    return [{"id": r[key], "name": r[name], "amount": _money(r["total"]), "orders": r["n"]} for r in grouped]


def spend(user: Any, period: Period) -> dict[str, Any]:
    """Orders issued in the period that the user may see: total, by department and by supplier
    (the largest suppliers, the rest summed as one row)."""
    start, end = period.bounds()
    orders = PurchaseOrder.objects.restrict(user, "view").filter(
        status__in=SPEND, issued_at__gte=start, issued_at__lt=end
    )
    total = orders.order_by().aggregate(amount=Sum("amount"), n=Count("pk"))
    suppliers = _rows(orders, "supplier_id", "supplier__name")
    if len(suppliers) > TOP_SUPPLIERS:
        rest = suppliers[TOP_SUPPLIERS - 1:]
        suppliers = [*suppliers[:TOP_SUPPLIERS - 1], {
            "id": None, "name": _("Other suppliers (%(count)s)") % {"count": len(rest)},
            "amount": sum((r["amount"] for r in rest), ZERO), "orders": sum(r["orders"] for r in rest),
        }]
    paid = PaymentRequest.objects.restrict(user, "view").filter(
        status=PaymentStatus.PAID, paid_on__gte=period.start, paid_on__lt=period.end
    ).order_by().aggregate(amount=Sum("amount"), n=Count("pk"))
    return {
        "amount": _money(total["amount"]), "orders": total["n"],
        "paid": _money(paid["amount"]), "payments": paid["n"],
        "by_department": _rows(orders, "department_id", "department__name"),
        "by_supplier": suppliers,
    }


def open_orders(user: Any) -> dict[str, Any]:
    """Orders that still bind both sides, by status (count and amount)."""
    rows = (
        PurchaseOrder.objects.restrict(user, "view").filter(status__in=ORDER_OPEN)
        .order_by().values("status").annotate(total=Sum("amount"), n=Count("pk"))
    )
    labels = dict(OrderStatus.choices)
    by_status = sorted(
        ({"status": r["status"], "label": str(labels.get(r["status"], r["status"])), "count": r["n"],
          "amount": _money(r["total"])} for r in rows),
        key=lambda r: list(labels).index(r["status"]) if r["status"] in labels else len(labels),
    )
    return {
        "count": sum(r["count"] for r in by_status),
        "amount": sum((r["amount"] for r in by_status), ZERO),
        "by_status": by_status,
    }


def overdue_deliveries(user: Any, today: datetime.date) -> dict[str, Any]:
    """Orders whose delivery date has passed while goods are still missing (issued or partially
    received): how many, their amount, and the longest overdue ones."""
    qs = PurchaseOrder.objects.restrict(user, "view").filter(status__in=ORDER_RECEIVABLE, delivery_date__lt=today)
    totals = qs.order_by().aggregate(amount=Sum("amount"), n=Count("pk"))
    rows = [
        {"order": o, "days": (today - o.delivery_date).days}
        for o in qs.select_related("supplier", "department").order_by("delivery_date", "pk")[:LIST_LIMIT]
    ]
    return {"count": totals["n"], "amount": _money(totals["amount"]), "rows": rows}


def payments_due(user: Any, today: datetime.date, days: int) -> dict[str, Any]:
    """Unpaid instalments of the user's issued orders that fell due (overdue) or fall due within
    `days`: totals per bucket (overdue, within a week, later) and the earliest ones."""
    orders = PurchaseOrder.objects.restrict(user, "view").filter(status__in=PAYABLE)
    horizon = today + datetime.timedelta(days=days)
    soon = today + datetime.timedelta(days=min(SOON_DAYS, days))
    paid = PaymentRequest.objects.filter(instalment=OuterRef("pk"), status=PaymentStatus.PAID)
    qs = (
        Instalment.objects.filter(order__in=orders.values("pk"), due_on__isnull=False, due_on__lte=horizon)
        .annotate(paid=Exists(paid)).filter(paid=False)
    )

    def bucket(q: Q) -> tuple[Sum, Count]:
        return Coalesce(Sum("amount", filter=q), Value(ZERO), output_field=MONEY), Count("pk", filter=q)

    overdue_sum, overdue_n = bucket(Q(due_on__lt=today))
    soon_sum, soon_n = bucket(Q(due_on__gte=today, due_on__lte=soon))
    later_sum, later_n = bucket(Q(due_on__gt=soon))
    agg = qs.order_by().aggregate(overdue_sum=overdue_sum, overdue_n=overdue_n, soon_sum=soon_sum,
                                  soon_n=soon_n, later_sum=later_sum, later_n=later_n)
    buckets = [
        {"key": "overdue", "label": _("Overdue"), "count": agg["overdue_n"], "amount": _money(agg["overdue_sum"])},
        {"key": "soon", "label": _("Due within %(days)s days") % {"days": min(SOON_DAYS, days)},
         "count": agg["soon_n"], "amount": _money(agg["soon_sum"])},
    ]
    if days > SOON_DAYS:
        buckets.append({"key": "later", "label": _("Due in %(from)s–%(to)s days") % {"from": SOON_DAYS + 1, "to": days},
                        "count": agg["later_n"], "amount": _money(agg["later_sum"])})
    live = PaymentRequest.objects.filter(
        instalment=OuterRef("pk"), status__in=[PaymentStatus.REQUESTED, PaymentStatus.APPROVED]
    )
    rows = [
        {"instalment": i, "order": i.order, "overdue": i.due_on < today, "days": (i.due_on - today).days}
        for i in qs.annotate(requested=Exists(live)).select_related("order__supplier").order_by("due_on", "pk")[:LIST_LIMIT]
    ]
    return {
        "days": days,
        "count": sum(b["count"] for b in buckets),
        "amount": sum((b["amount"] for b in buckets), ZERO),
        "overdue_count": agg["overdue_n"],
        "overdue_amount": _money(agg["overdue_sum"]),
        "buckets": buckets,
        "chart": buckets if any(b["count"] for b in buckets) else [],
        "rows": rows,
    }


def requisitions_waiting(user: Any, period: Period) -> dict[str, Any]:
    """Requisitions in approval (count, amount, the longest waiting with whom they wait for) and
    the average time from submission to approval of those approved in the period, read from the
    approvals' start and end columns (never from the workflows themselves)."""
    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    visible = Requisition.objects.restrict(user, "view")
    waiting = visible.filter(status=RequisitionStatus.IN_APPROVAL)
    totals = waiting.order_by().aggregate(amount=Sum("amount"), n=Count("pk"))
    open_tasks = Prefetch(
        "approval__tasks", queryset=Task.objects.filter(status=TaskStatus.OPEN).select_related("assignee__employee")
        .order_by("order", "pk"), to_attr="open_tasks",
    )
    rows = list(
        waiting.select_related("department", "approval").prefetch_related(open_tasks)
        .order_by("approval__started_at", "created_at", "pk")[:LIST_LIMIT]
    )
    start, end = period.bounds()
    took = ExpressionWrapper(F("approved_at") - F("approval__started_at"), output_field=DurationField())
    approved = visible.filter(approved_at__gte=start, approved_at__lt=end, approval__started_at__isnull=False)
    speed = approved.order_by().aggregate(n=Count("pk"), average=Avg(took, output_field=DurationField()))
    return {"count": totals["n"], "amount": _money(totals["amount"]), "rows": rows,
            "approved": speed["n"], "average": speed["average"], "average_text": duration_text(speed["average"])}


def duration_text(value: datetime.timedelta | None) -> str:
    """A waiting time as people say it: hours below two days, else days (one decimal)."""
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    if hours < 48:
        return _("%(hours)s hours") % {"hours": f"{hours:.1f}"}
    return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}


def figures(user: Any, period: Period, *, today: datetime.date, days: int) -> dict[str, Any]:
    """Everything the dashboard shows, for `user`."""
    return {
        "period": period,
        "spend": spend(user, period),
        "open_orders": open_orders(user),
        "overdue": overdue_deliveries(user, today),
        "payments_due": payments_due(user, today, days),
        "requisitions": requisitions_waiting(user, period),
    }


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """The charts' numbers as JSON-able values (amounts as strings, exact)."""

    def rows(items: list[dict[str, Any]], label: str = "name") -> list[dict[str, Any]]:
        return [{"name": str(r[label]), "amount": str(r["amount"]), "count": r.get("orders", r.get("count"))}
                for r in items]

    return {
        "period": data["period"].label,
        "departments": rows(data["spend"]["by_department"]),
        "suppliers": rows(data["spend"]["by_supplier"]),
        "open_orders": rows(data["open_orders"]["by_status"], "label"),
        "payments_due": rows(data["payments_due"]["chart"], "label"),
    }
