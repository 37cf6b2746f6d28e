"""The CRM demo: a year of customer work for the demo company's sales people, loaded through the
services; the sales login sees its own customers only, the business manager the department's."""

from __future__ import annotations

import pytest

from yewu.crm.choices import LeadStatus


@pytest.fixture
def demo_crm(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from yewu.crm import demo
    from yewu.org import demo as org_demo

    org_demo.load()
    return demo.load()


def test_the_demo_holds_a_year_of_customer_work_and_loads_once(demo_crm):
    from django.contrib.auth import get_user_model

    from yewu.crm import demo
    from yewu.crm.models import Communication, Customer, FollowUp, Lead, Visit

    assert demo_crm["customers"] == 11 and demo_crm["leads"] == 17
    assert set(Lead.objects.values_list("status", flat=True)) >= {
        LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.ASSIGNED, LeadStatus.CONVERTED,
        LeadStatus.CLOSED}
    dates = sorted(Communication.objects.values_list("at", flat=True))
    assert (dates[-1] - dates[0]).days > 300 and Communication.objects.count() > 20
    assert Visit.objects.filter(status="done").exists() and Visit.objects.filter(status="planned").exists()
    assert FollowUp.objects.exists()
    counts = {m: m.objects.count() for m in (Customer, Lead, Communication, Visit, FollowUp)}
    again = demo.load()
    assert again["created"] == 0 and {m: m.objects.count() for m in counts} == counts
    users = get_user_model().objects
    sales, manager = users.get(username="sales"), users.get(username="bizmgr")
    mine = Customer.objects.restrict(sales)
    assert mine.exists() and set(mine.values_list("owner", flat=True)) == {sales.pk}
    assert Customer.objects.restrict(manager).count() == Customer.objects.count()
    assert not Customer.objects.restrict(users.get(username="finance")).exists()
