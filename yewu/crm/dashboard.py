"""The customer dashboard's figures: leads by source and stage, customers by class, region and
industry, complaints by cause and how long they take to close, follow-up compliance with the
overdue follow-ups of today, and the satisfaction trend from survey answers.

Every figure starts from the restricted queryset of its model (the path the lists, exports and the
API use: a salesperson sees their own customers' records, a manager the department's) and is
aggregated by the database; Python only touches the aggregated rows and the few records a list
shows. An optional department narrows each model on its own scope department (with the
sub-departments); survey answers follow their customer.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate, TruncMonth
from django.utils.translation import gettext as _

from yewu.core import permissions
from yewu.core.periods import PERIODS, Period, period_of  # noqa: F401 (the dashboard's API)
from yewu.core.querysets import any_of
from yewu.core.scopes import SCOPE_RANK, Scope
from yewu.crm.choices import FollowUpStatus, LeadStatus
from yewu.crm.models import Customer, FollowUp, Lead
from yewu.service.choices import CauseCategory, ComplaintStatus
from yewu.service.models import Answer, Complaint, Survey

LIST_LIMIT = 10
TOP_GROUPS = 10
#: The models whose view grant opens the dashboard (each section needs its own).
MODELS = (Lead, Customer, FollowUp, Complaint, Survey)
ONE = Decimal("0.1")


def _tenth(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(ONE, rounding=ROUND_HALF_UP)


def _days(value: Any) -> Decimal | None:
    """A duration (timedelta, or microseconds as some databases return an average) in days, 0.1 exact."""
    if value is None:
        return None
    if not isinstance(value, datetime.timedelta):
        value = datetime.timedelta(microseconds=float(value))
    return _tenth(Decimal(value.total_seconds()) / Decimal(86400))


def _month(value: Any) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _key(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def departments_for(user: Any):
    """The departments the user may narrow the dashboard to: none for someone who sees only their
    own records, their own department(s) (and below, for a subtree grant), or every active one."""
    from yewu.org.models import Department

    ranks = [SCOPE_RANK[s] for m in MODELS for s in permissions.scopes_for(user, m, "view")]
    widest = max(ranks, default=0)
    visible = Department.objects.restrict(user, "view").filter(is_active=True).order_by("path")
    if widest >= SCOPE_RANK[Scope.ALL]:
        return visible
    own = permissions.departments_of(user)
    if widest < SCOPE_RANK[Scope.DEPARTMENT] or not own:
        return visible.none()
    if widest == SCOPE_RANK[Scope.DEPARTMENT]:
        return visible.filter(pk__in=[d.pk for d in own])
    return visible.filter(any_of([Q(path__startswith=d.path) for d in own]))


def scoped(model: type, user: Any, department: Any = None, *, field: str | None = None) -> QuerySet:
    """The model's rows the user may view (the lists' path), within `department` and below."""
    qs = model.objects.restrict(user, "view")
    if department is not None:
        qs = qs.filter(**{f"{field or model.scope_department_field}__path__startswith": department.path})
    return qs


def leads(user: Any, period: Period, department: Any = None) -> dict[str, Any]:
    """Leads registered in the period: by source and, within each source, by stage (status)."""
    start, end = period.bounds()
    qs = scoped(Lead, user, department).filter(created_at__gte=start, created_at__lt=end)
    grouped = qs.order_by().values("source_id", "source__name", "status").annotate(n=Count("pk"))
    order = list(LeadStatus.values)
    present = sorted({r["status"] for r in grouped}, key=lambda s: order.index(s) if s in order else len(order))
    labels = dict(LeadStatus.choices)
    sources: dict[int, dict[str, Any]] = {}
    for r in grouped:
        row = sources.setdefault(r["source_id"], {"id": r["source_id"], "name": r["source__name"], "count": 0,
                                                  "by_status": dict.fromkeys(present, 0)})
        row["by_status"][r["status"]] += r["n"]
        row["count"] += r["n"]
    by_source = sorted(sources.values(), key=lambda r: (-r["count"], r["name"]))
    by_status = [{"status": s, "label": str(labels.get(s, s)),
                  "count": sum(r["by_status"][s] for r in by_source)} for s in present]
    total = sum(r["count"] for r in by_source)
    converted = sum(r["count"] for r in by_status if r["status"] == LeadStatus.CONVERTED)
    return {"count": total, "converted": converted,
            "conversion": _tenth(Decimal(converted) * 100 / total) if total else None,
            "by_source": by_source, "by_status": by_status}


def _groups(qs: QuerySet, field: str, period: Period, *, blank: str) -> list[dict[str, Any]]:
    start, end = period.bounds()
    rows = [
        {"name": r[field] or blank, "count": r["n"], "new": r["new"]}
        for r in qs.order_by().values(field)
        .annotate(n=Count("pk"), new=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)))
        .order_by("-n", field)
    ]
    if len(rows) > TOP_GROUPS:
        rest = rows[TOP_GROUPS - 1:]
        rows = [*rows[:TOP_GROUPS - 1], {"name": _("Others (%(count)s)") % {"count": len(rest)},
                                         "count": sum(r["count"] for r in rest), "new": sum(r["new"] for r in rest)}]
    return rows


def customers(user: Any, period: Period, department: Any = None) -> dict[str, Any]:
    """Customers worked with now (not merged away) by class, region and industry, each with how
    many of them were added in the period."""
    start, end = period.bounds()
    qs = scoped(Customer, user, department).live()
    totals = qs.order_by().aggregate(n=Count("pk"), new=Count("pk", filter=Q(created_at__gte=start,
                                                                              created_at__lt=end)))
    by_class = [
        {"id": r["customer_class_id"], "name": r["customer_class__name"], "count": r["n"], "new": r["new"]}
        for r in qs.order_by().values("customer_class_id", "customer_class__name")
        .annotate(n=Count("pk"), new=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)))
        .order_by("-n", "customer_class__name")
    ]
    return {
        "count": totals["n"], "new": totals["new"], "by_class": by_class,
        "by_region": _groups(qs, "region", period, blank=_("Region not given")),
        "by_industry": _groups(qs, "industry", period, blank=_("Industry not given")),
    }


def _medians(closed: QuerySet) -> dict[datetime.date, Decimal | None]:
    """The median time to close per month of closing, read by the database: each month's closed
    complaints ranked by their duration, keeping only the middle one (odd) or two (even)."""
    took = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
    month = TruncMonth("closed_at")
    ranked = (
        closed.order_by()
        .annotate(month=month, took=took,
                  rank=Window(RowNumber(), partition_by=[month], order_by=[took.asc(), F("pk").asc()]),
                  n=Window(Count("pk"), partition_by=[month]))
        .annotate(twice=F("rank") * 2)
        .filter(twice__gte=F("n"), twice__lte=F("n") + 2)
        .values_list("month", "took")
    )
    middle: dict[datetime.date, list[datetime.timedelta]] = {}
    for m, value in ranked:
        if not isinstance(value, datetime.timedelta):
            value = datetime.timedelta(microseconds=float(value))
        middle.setdefault(_month(m), []).append(value)
    return {m: _days(sum(v, datetime.timedelta()) / len(v)) for m, v in middle.items()}


def complaints(user: Any, period: Period, months: list[datetime.date], department: Any = None) -> dict[str, Any]:
    """Complaints received in the period by cause category (not yet investigated as its own row),
    and per month: received, closed, and the average and median days from receipt to closing of
    those closed that month."""
    start, end = period.bounds()
    visible = scoped(Complaint, user, department)
    received = visible.filter(received_at__gte=start, received_at__lt=end)
    labels = dict(CauseCategory.choices)
    order = list(CauseCategory.values)
    causes = sorted(
        ({"cause": r["cause_category"], "name": str(labels.get(r["cause_category"], _("Not yet investigated"))),
          "count": r["n"], "closed": r["closed"]}
         for r in received.order_by().values("cause_category")
         .annotate(n=Count("pk"), closed=Count("pk", filter=Q(status=ComplaintStatus.CLOSED)))),
        key=lambda r: (-r["count"], order.index(r["cause"]) if r["cause"] in order else len(order)),
    )
    per_month = {
        _month(r["month"]): r["n"]
        for r in received.order_by().annotate(month=TruncMonth("received_at")).values("month")
        .annotate(n=Count("pk"))
    }
    closed = visible.filter(status=ComplaintStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
    took = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
    closing = {
        _month(r["month"]): r
        for r in closed.order_by().annotate(month=TruncMonth("closed_at")).values("month")
        .annotate(n=Count("pk"), average=Avg(took))
    }
    medians = _medians(closed) if closing else {}
    trend = []
    for m in months:
        row = closing.get(m, {})
        trend.append({"month": _key(m), "received": per_month.get(m, 0), "closed": row.get("n", 0),
                      "average_days": _days(row.get("average")), "median_days": medians.get(m)})
    overall = closed.order_by().aggregate(n=Count("pk"), average=Avg(took))
    return {"count": sum(r["count"] for r in causes), "by_cause": causes, "months": trend,
            "closed": overall["n"], "average_days": _days(overall["average"])}


def follow_ups(user: Any, period: Period, months: list[datetime.date], today: datetime.date,
               department: Any = None) -> dict[str, Any]:
    """Follow-up compliance per month of the due date: of the follow-ups that fell due (or were
    done already; cancelled ones do not count), how many were done by their date, late, or are
    still missing; and the follow-ups overdue today, longest first."""
    visible = scoped(FollowUp, user, department)
    due = (
        visible.exclude(status=FollowUpStatus.CANCELLED)
        .filter(due_on__gte=period.start, due_on__lt=period.end)
        .filter(Q(due_on__lt=today) | Q(status=FollowUpStatus.DONE))
        .annotate(done_day=TruncDate("done_at"))
    )
    done = Q(status=FollowUpStatus.DONE)
    rows = {
        _month(r["month"]): r
        for r in due.order_by().annotate(month=TruncMonth("due_on")).values("month")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=done & Q(done_day__lte=F("due_on"))),
                  late=Count("pk", filter=done & Q(done_day__gt=F("due_on"))),
                  missed=Count("pk", filter=Q(status=FollowUpStatus.OPEN)))
    }
    trend = []
    for m in months:
        r = rows.get(m, {})
        n = r.get("n", 0)
        trend.append({"month": _key(m), "due": n, "on_time": r.get("on_time", 0), "late": r.get("late", 0),
                      "missed": r.get("missed", 0),
                      "rate": _tenth(Decimal(r["on_time"]) * 100 / n) if n else None})
    total_due = sum(r["due"] for r in trend)
    on_time = sum(r["on_time"] for r in trend)
    overdue = visible.filter(status=FollowUpStatus.OPEN, due_on__lt=today)
    listed = [
        {"follow_up": fu, "days": (today - fu.due_on).days}
        for fu in overdue.select_related("customer", "lead", "owner__employee").order_by("due_on", "pk")[:LIST_LIMIT]
    ]
    return {"months": trend, "due": total_due, "on_time": on_time,
            "rate": _tenth(Decimal(on_time) * 100 / total_due) if total_due else None,
            "overdue_count": overdue.count(), "overdue": listed}


def satisfaction(user: Any, period: Period, months: list[datetime.date], department: Any = None) -> dict[str, Any]:
    """The average rating (1–5) per month of answering, over the answers to rating questions of
    the surveys the user may view, from customers the user may view."""
    start, end = period.bounds()
    answers = Answer.objects.filter(
        respondent__survey__in=Survey.objects.restrict(user, "view").values("pk"),
        respondent__customer__in=scoped(Customer, user, department).values("pk"),
        rating__isnull=False, respondent__answered_at__gte=start, respondent__answered_at__lt=end,
    )
    rows = {
        _month(r["month"]): r
        for r in answers.order_by().annotate(month=TruncMonth("respondent__answered_at")).values("month")
        .annotate(average=Avg("rating"), n=Count("pk"), people=Count("respondent", distinct=True))
    }
    trend = [{"month": _key(m), "average": _tenth(rows[m]["average"]) if m in rows else None,
              "answers": rows[m]["n"] if m in rows else 0, "respondents": rows[m]["people"] if m in rows else 0}
             for m in months]
    overall = answers.order_by().aggregate(average=Avg("rating"), n=Count("pk"),
                                           people=Count("respondent", distinct=True))
    return {"months": trend, "average": _tenth(overall["average"]), "answers": overall["n"],
            "respondents": overall["people"]}


def sections(user: Any) -> dict[str, bool]:
    """Which parts of the dashboard the user's grants open."""
    return {
        "leads": permissions.can_model(user, "view", Lead),
        "customers": permissions.can_model(user, "view", Customer),
        "complaints": permissions.can_model(user, "view", Complaint),
        "follow_ups": permissions.can_model(user, "view", FollowUp),
        "satisfaction": permissions.can_model(user, "view", Survey) and permissions.can_model(user, "view", Customer),
    }


def figures(user: Any, period: Period, *, today: datetime.date, department: Any = None) -> dict[str, Any]:
    """Everything the dashboard shows for `user` (a section the user has no grant for: None)."""
    months = period.months(until=today)
    show = sections(user)
    return {
        "period": period,
        "months": [_key(m) for m in months],
        "leads": leads(user, period, department) if show["leads"] else None,
        "customers": customers(user, period, department) if show["customers"] else None,
        "complaints": complaints(user, period, months, department) if show["complaints"] else None,
        "follow_ups": follow_ups(user, period, months, today, department) if show["follow_ups"] else None,
        "satisfaction": satisfaction(user, period, months, department) if show["satisfaction"] else None,
    }


# --- charts: what ECharts draws and the table beside it, from the same figures -------------------


def _cell(value: Any, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def _number(value: Any) -> float | int | None:
    return float(value) if isinstance(value, Decimal) else value


def _chart(key: str, title: str, kind: str, categories: list[str], series: list[dict[str, Any]],
           head: list[str], rows: list[list[Any]], *, empty: str, foot: list[Any] | None = None,
           axes: list[str] | None = None, has_data: bool | None = None) -> dict[str, Any]:
    return {
        "key": key, "title": title, "kind": kind, "empty": empty,
        "has_data": bool(rows) if has_data is None else has_data,
        "head": head, "rows": [[str(c) for c in r] for r in rows], "foot": [str(c) for c in foot] if foot else None,
        "spec": {"kind": kind, "categories": categories, "axes": axes or [],
                 "series": [{**s, "data": [_number(v) for v in s["data"]]} for s in series]},
    }


def charts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The dashboard's charts in page order, each with its table (only the sections shown)."""
    out = []
    months = data["months"]
    if (lead := data["leads"]) is not None:
        statuses = lead["by_status"]
        out.append(_chart(
            "lead_sources", _("Leads by source and stage"), "stacked", [r["name"] for r in lead["by_source"]],
            [{"name": s["label"], "type": "bar", "data": [r["by_status"][s["status"]] for r in lead["by_source"]]}
             for s in statuses],
            [_("Source"), *[s["label"] for s in statuses], _("Total")],
            [[r["name"], *[r["by_status"][s["status"]] for s in statuses], r["count"]] for r in lead["by_source"]],
            foot=[_("Total"), *[s["count"] for s in statuses], lead["count"]],
            empty=_("No leads were registered in this period."),
        ))
        out.append(_chart(
            "lead_stages", _("Leads by stage"), "pie", [s["label"] for s in statuses],
            [{"name": _("Leads"), "type": "pie", "data": [s["count"] for s in statuses]}],
            [_("Stage"), _("Leads")], [[s["label"], s["count"]] for s in statuses],
            empty=_("No leads were registered in this period."),
        ))
    if (cust := data["customers"]) is not None:
        for key, title, rows, label in (
            ("customer_classes", _("Customers by class"), cust["by_class"], _("Customer class")),
            ("customer_regions", _("Customers by region"), cust["by_region"], _("Region")),
            ("customer_industries", _("Customers by industry"), cust["by_industry"], _("Industry")),
        ):
            out.append(_chart(
                key, title, "pie" if key == "customer_classes" else "bar", [str(r["name"]) for r in rows],
                [{"name": _("Customers"), "type": "pie" if key == "customer_classes" else "bar",
                  "data": [r["count"] for r in rows]}],
                [label, _("Customers"), _("New in the period")], [[r["name"], r["count"], r["new"]] for r in rows],
                empty=_("No customers."),
            ))
    if (comp := data["complaints"]) is not None:
        out.append(_chart(
            "complaint_causes", _("Complaints by cause"), "bar", [r["name"] for r in comp["by_cause"]],
            [{"name": _("Complaints"), "type": "bar", "data": [r["count"] for r in comp["by_cause"]]}],
            [_("Cause"), _("Complaints"), _("Closed")], [[r["name"], r["count"], r["closed"]] for r in comp["by_cause"]],
            empty=_("No complaints were received in this period."),
        ))
        rows = comp["months"]
        out.append(_chart(
            "complaint_closing", _("Complaints and time to close"), "trend", months,
            [{"name": _("Received"), "type": "bar", "axis": 0, "data": [r["received"] for r in rows]},
             {"name": _("Closed"), "type": "bar", "axis": 0, "data": [r["closed"] for r in rows]},
             {"name": _("Average days to close"), "type": "line", "axis": 1, "data": [r["average_days"] for r in rows]},
             {"name": _("Median days to close"), "type": "line", "axis": 1, "data": [r["median_days"] for r in rows]}],
            [_("Month"), _("Received"), _("Closed"), _("Average days to close"), _("Median days to close")],
            [[r["month"], r["received"], r["closed"], _cell(r["average_days"]), _cell(r["median_days"])] for r in rows],
            axes=[_("Complaints"), _("Days")], has_data=any(r["received"] or r["closed"] for r in rows),
            empty=_("No complaints were received or closed in this period."),
        ))
    if (fu := data["follow_ups"]) is not None:
        rows = fu["months"]
        out.append(_chart(
            "follow_up_compliance", _("Follow-up compliance"), "trend", months,
            [{"name": _("Due"), "type": "bar", "axis": 0, "data": [r["due"] for r in rows]},
             {"name": _("Done on time"), "type": "bar", "axis": 0, "data": [r["on_time"] for r in rows]},
             {"name": _("On-time rate"), "type": "line", "axis": 1, "percent": True,
              "data": [r["rate"] for r in rows]}],
            [_("Month"), _("Due"), _("Done on time"), _("Done late"), _("Not done"), _("On-time rate")],
            [[r["month"], r["due"], r["on_time"], r["late"], r["missed"], _cell(r["rate"], "%")] for r in rows],
            axes=[_("Follow-ups"), "%"], has_data=any(r["due"] for r in rows),
            empty=_("No follow-ups fell due in this period."),
        ))
    if (sat := data["satisfaction"]) is not None:
        rows = sat["months"]
        out.append(_chart(
            "satisfaction", _("Satisfaction trend"), "trend", months,
            [{"name": _("Answers"), "type": "bar", "axis": 1, "data": [r["answers"] for r in rows]},
             {"name": _("Average rating (1–5)"), "type": "line", "axis": 0, "data": [r["average"] for r in rows]}],
            [_("Month"), _("Average rating (1–5)"), _("Answers"), _("Customers")],
            [[r["month"], _cell(r["average"]), r["answers"], r["respondents"]] for r in rows],
            axes=[_("Rating"), _("Answers")], has_data=any(r["answers"] for r in rows),
            empty=_("No survey answers in this period."),
        ))
    return out
