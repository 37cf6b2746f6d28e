"""OpenAPI-driven fuzzing of the customer-service API as customer service (every write and action
reaches the services), with the ids of real records in every state: no request may cause a server
error, and every error is JSON with a code and a message. Uses the core fuzzing harness
(yewu/core/tests/test_api_fuzz.py); YEWU_FUZZ_EXAMPLES bounds it."""

from __future__ import annotations

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
from yewu.service import services, surveys  # noqa: E402
from yewu.service.tests import factories as f  # noqa: E402

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


def test_fuzzing_the_service_api_finds_no_server_error(svc):
    raw = yaml.safe_load(Client().get("/api/schema/").content)
    raw["paths"] = {p: v for p, v in raw["paths"].items() if p.startswith("/api/service/")}
    schema = schemathesis.openapi.from_dict(raw)
    user = svc.erin.user
    complaint = services.record_complaint(actor=user, channel="phone", customer=svc.bobs, product="数控机床",
                                          category="quality", description="主轴异响")
    survey = surveys.create_survey(actor=user, name="调查", period_start=timezone.localdate(),
                                   period_end=timezone.localdate())
    surveys.add_question(survey, actor=user, text="评分", kind="rating")
    surveys.add_respondents(survey, [svc.bobs], actor=user)
    surveys.open_survey(survey, actor=user)
    action = services.add_corrective_action(complaint, actor=user, description="措施", owner=svc.bob.user,
                                            due_on=timezone.localdate())
    real_ids = {
        "/api/service/consultations/": f.consultation(svc.bobs, svc.sales).pk,
        "/api/service/complaints/": complaint.pk,
        "/api/service/corrective-actions/": action.pk,
        "/api/service/surveys/": survey.pk,
        "/api/service/improvement-actions/": f.improvement(survey, user).pk,
    }
    findings = Findings()
    with _in_test_transaction() as log:
        _fuzz(schema, Target(get_wsgi_application(), _token(user), log, findings), real_ids, max(EXAMPLES // 2, 5))
    print(f"fuzz[service]: {findings.requests} requests, {len(findings.server_errors)} server errors")
    assert findings.requests > 0
    assert not findings.server_errors, (
        "\n".join(findings.server_errors) + "\n\n" + "\n\n".join(_distinct(log.records))
    )
    assert not findings.not_json_errors, "\n".join(findings.not_json_errors)
