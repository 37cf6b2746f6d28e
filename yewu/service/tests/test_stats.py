"""Monthly complaint statistics: exact counts and average hours to close per month and cause,
product or department, only over the complaints the user may view."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from yewu.core.errors import DomainError
from yewu.service.stats import complaint_statistics
from yewu.service.tests import factories as f

pytestmark = pytest.mark.django_db


def _at(month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def _english():
    """The cause labels are translated when the figures are made: compare them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def month_of_complaints(svc):
    closed = "closed"
    rows = [
        # customer, department, product, cause, category, received, closed after hours
        (svc.bobs, svc.sales, "数控机床", "internal", "product", _at(3, 2), 10),
        (svc.bobs, svc.sales, "数控机床", "internal", "product", _at(3, 10), 30),
        (svc.bobs, svc.finance, "维保服务", "external", "customer", _at(3, 15), None),
        (svc.carols, svc.sales_east, "数控机床", "internal", "process", _at(3, 20), 48),
        (svc.carols, svc.sales_east, "维保服务", "internal", "product", _at(4, 1), 5),
        (svc.bobs, svc.sales, "数控机床", "internal", "product", _at(5, 1), 1),  # outside March–April
    ]
    for customer, dept, product, cause, category, received, hours in rows:
        f.complaint(customer, dept, product=product, cause_kind=cause, cause_category=category, received_at=received,
                    status=closed if hours else "investigating",
                    closed_at=received + datetime.timedelta(hours=hours) if hours else None)


def test_statistics_by_cause_per_month(svc, month_of_complaints):
    rows = complaint_statistics(svc.erin.user, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 30),
                                by="cause")
    got = [(r["month"], r["key"], r["count"], r["closed"], r["avg_hours_to_close"]) for r in rows]
    assert got == [
        ("2026-03", "External cause / Customer use or misunderstanding", 1, 0, None),
        ("2026-03", "Internal cause / Work process", 1, 1, 48.0),
        ("2026-03", "Internal cause / Product design or manufacture", 2, 2, 20.0),
        ("2026-04", "Internal cause / Product design or manufacture", 1, 1, 5.0),
    ]


def test_statistics_by_product(svc, month_of_complaints):
    rows = complaint_statistics(svc.erin.user, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 1),
                                by="product")
    got = {(r["key"]): (r["count"], r["closed"], r["avg_hours_to_close"]) for r in rows}
    assert got == {"数控机床": (3, 3, round((10 + 30 + 48) / 3, 1)), "维保服务": (1, 0, None)}


def test_statistics_by_department(svc, month_of_complaints):
    rows = complaint_statistics(svc.erin.user, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 5, 1),
                                by="department")
    got = {(r["month"], r["key"]): (r["count"], r["avg_hours_to_close"]) for r in rows}
    assert got == {
        ("2026-03", "销售部"): (2, 20.0), ("2026-03", "财务部"): (1, None), ("2026-03", "华东组"): (1, 48.0),
        ("2026-04", "华东组"): (1, 5.0), ("2026-05", "销售部"): (1, 1.0),
    }


def test_statistics_count_only_what_the_user_may_view(svc, month_of_complaints):
    """Bob (sales, own customers) counts his customer's complaints only; carol's stay out."""
    rows = complaint_statistics(svc.bob.user, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 1),
                                by="product")
    assert {(r["key"], r["count"]) for r in rows} == {("数控机床", 2), ("维保服务", 1)}
    assert complaint_statistics(svc.dave.user, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 1)) == [
        {"month": "2026-03", "key": "External cause / Customer use or misunderstanding", "count": 1, "closed": 0,
         "avg_hours_to_close": None},
    ]  # dave heads finance: the complaint his department is responsible for


def test_a_backwards_month_range_is_refused(svc):
    with pytest.raises(DomainError) as refused:
        complaint_statistics(svc.erin.user, start=datetime.date(2026, 5, 1), end=datetime.date(2026, 3, 1))
    assert refused.value.code == "service.bad_month_range"


def test_the_last_representable_month_is_refused_not_a_server_error(svc):
    with pytest.raises(DomainError) as refused:
        complaint_statistics(svc.erin.user, start=datetime.date(9999, 11, 1), end=datetime.date(9999, 12, 1))
    assert refused.value.code == "service.bad_month_range"
