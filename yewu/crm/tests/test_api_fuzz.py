"""OpenAPI-driven fuzzing of the CRM API as a sales manager who is also CRM administrator (every
write and action reaches the services), with the ids of real records in every state: no request may
cause a server error, and every error is JSON with a code and a message. Uses the core fuzzing
harness (yewu/core/tests/test_api_fuzz.py); YEWU_FUZZ_EXAMPLES bounds it."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.test import Client
from django.utils import timezone

schemathesis = pytest.importorskip("schemathesis")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from yewu.core.tests.test_api_fuzz import (  # noqa: E402
    EXAMPLES,
    Findings,
    Target,
    _distinct,
    _fuzz,
    _in_test_transaction,
    _token,
)
from yewu.crm.choices import LeadStatus  # noqa: E402
from yewu.crm.tests import factories as f  # noqa: E402

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


def test_fuzzing_the_crm_api_finds_no_server_error(crm):
    raw = yaml.safe_load(Client().get("/api/schema/").content)
    raw["paths"] = {p: v for p, v in raw["paths"].items() if p.startswith("/api/crm/")}
    schema = schemathesis.openapi.from_dict(raw)
    user = crm.alice.user
    user.groups.add(crm.roles["crm_admin"])
    customer = f.customer(crm.bob.user, cls=crm.key, phone="13800001111")
    contact = f.contact(customer, birthday_month=2, birthday_day=29)
    f.customer(crm.carol.user, name="merged", status="merged", merged_into=customer)
    lead = f.lead(crm.bob.user, status=LeadStatus.QUALIFIED)
    f.lead(crm.bob.user, status=LeadStatus.CONVERTED, customer=customer)
    visit = f.visit(customer, planned_on=timezone.localdate() + datetime.timedelta(days=2))
    fu = f.follow_up(customer, due_on=timezone.localdate() - datetime.timedelta(days=1))
    holiday = f.HolidayFactory()
    real_ids = {
        "/api/crm/leads/": lead.pk,
        "/api/crm/customers/": customer.pk,
        "/api/crm/contacts/": contact.pk,
        "/api/crm/visits/": visit.pk,
        "/api/crm/communications/": f.communication(customer).pk,
        "/api/crm/follow-ups/": fu.pk,
        "/api/crm/greetings/": f.care_task(customer, contact=contact).pk,
        "/api/crm/lead-sources/": crm.fair.pk,
        "/api/crm/customer-classes/": crm.key.pk,
        "/api/crm/holidays/": holiday.pk,
        "/api/crm/greeting-templates/": f.CareTemplateFactory().pk,
    }
    findings = Findings()
    with _in_test_transaction() as log:
        _fuzz(schema, Target(get_wsgi_application(), _token(user), log, findings), real_ids, max(EXAMPLES // 2, 5))
    print(f"fuzz[crm]: {findings.requests} requests, {len(findings.server_errors)} server errors")
    assert findings.requests > 0
    assert not findings.server_errors, (
        "\n".join(findings.server_errors) + "\n\n" + "\n\n".join(_distinct(log.records))
    )
    assert not findings.not_json_errors, "\n".join(findings.not_json_errors)
