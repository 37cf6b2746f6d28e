"""The procurement demo shows quotations compared and a purchase contract that went through legal
review, was signed and filed, with its order issued (all through the services)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from yewu.org import demo as org_demo
from yewu.procurement import demo
from yewu.procurement.choices import ContractStatus, OrderStatus, RequisitionStatus
from yewu.procurement.models import PurchaseContract, Quotation


@pytest.fixture
def loaded(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo.load()
    return demo.load()


def test_the_demo_has_quotations_and_a_signed_filed_contract_once(loaded):
    quotes = Quotation.objects.filter(requisition__title__in=["业务部办公耗材", "项目演示服务器"])
    assert quotes.count() == 5
    assert all(q.requisition.status == RequisitionStatus.APPROVED for q in quotes)
    assert quotes.filter(chosen=True).count() == 2
    assert quotes.filter(valid_until__lt=timezone.localdate()).count() == 1
    contract = PurchaseContract.objects.get(order__requisition__title="项目演示服务器")
    assert contract.status == ContractStatus.FILED and contract.signed_copy is not None
    assert contract.approval.status == "approved"
    assert contract.approval.tasks.filter(assignee__username="legal", decision="approved").exists()
    order = contract.order
    assert order.needs_contract and order.status == OrderStatus.ISSUED and order.quotation.chosen
    # its notifications are history: none is e-mailed
    from yewu.core.models import Notification

    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    # loading again adds nothing
    before = (Quotation.objects.count(), PurchaseContract.objects.count())
    demo.load()
    assert (Quotation.objects.count(), PurchaseContract.objects.count()) == before
