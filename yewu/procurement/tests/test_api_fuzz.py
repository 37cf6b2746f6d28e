"""OpenAPI-driven fuzzing of the procurement API as a purchaser who is also finance (every write
and action is allowed to reach the services), with the ids of real records in every state: no
request may cause a server error, and every error is JSON with a code and a message.
Uses the core fuzzing harness (yewu/core/tests/test_api_fuzz.py); YEWU_FUZZ_EXAMPLES bounds it."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client

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
from yewu.procurement import services  # noqa: E402
from yewu.procurement.choices import RequisitionStatus  # noqa: E402
from yewu.procurement.tests import factories as f  # noqa: E402

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


def test_fuzzing_the_procurement_api_finds_no_server_error(proc):
    raw = yaml.safe_load(Client().get("/api/schema/").content)
    raw["paths"] = {p: v for p, v in raw["paths"].items() if p.startswith("/api/procurement/")}
    schema = schemathesis.openapi.from_dict(raw)
    user = proc.erin.user
    user.groups.add(proc.roles["finance_clerk"])
    req = f.requisition(proc.bob.user, proc.sales, status=RequisitionStatus.APPROVED)
    po = f.order(req, f.qualified_supplier(), user, instalments=[("100.00", None), ("150.00", None)])
    receipt = services.record_receipt(po, lines=[{"order_line": po.lines.get().pk, "accepted": "8", "rejected": "1"}],
                                      actor=user)
    payment = services.request_payment(po, instalment=po.instalments.first(), actor=user)
    real_ids = {
        "/api/procurement/requisitions/": f.requisition(user, proc.central).pk,
        "/api/procurement/suppliers/": po.supplier_id,
        "/api/procurement/purchase-orders/": po.pk,
        "/api/procurement/receipts/": receipt.pk,
        "/api/procurement/supplier-issues/": po.issues.get().pk,
        "/api/procurement/payment-requests/": payment.pk,
        "/api/procurement/quotations/": f.quotation(req, po.supplier, user, chosen=True).pk,
        "/api/procurement/purchase-contracts/": f.contract(po, user, status="approved").pk,
    }
    findings = Findings()
    with _in_test_transaction() as log:
        _fuzz(schema, Target(get_wsgi_application(), _token(user), log, findings), real_ids, max(EXAMPLES // 2, 5))
    print(f"fuzz[procurement]: {findings.requests} requests, {len(findings.server_errors)} server errors")
    assert findings.requests > 0
    assert not findings.server_errors, (
        "\n".join(findings.server_errors) + "\n\n" + "\n\n".join(_distinct(log.records))
    )
    assert not findings.not_json_errors, "\n".join(findings.not_json_errors)
