"""The CRM world: the persona company with the default roles (bob and carol sales, alice the sales
manager over sales and its east group, dave finance), a supervisor chain, and the CRM settings
(lead sources, customer classes, greeting templates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Crm:
    company: Any
    roles: dict
    key: Any  # customer class with a 30-day follow-up cadence
    normal: Any  # 90 days
    potential: Any  # no regular follow-up
    fair: Any  # lead source
    web: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.company, name)


@pytest.fixture
def crm(company):
    from yewu.core.roles import ensure_default_roles
    from yewu.crm.tests import factories as f

    roles = ensure_default_roles()
    for person in (company.bob, company.carol):
        person.user.groups.add(roles["staff"], roles["sales"])
    company.alice.user.groups.add(roles["staff"], roles["manager"], roles["sales"])
    company.dave.user.groups.add(roles["staff"], roles["manager"])
    key = f.CustomerClassFactory(code="key", name="重点客户", follow_up_days=30)
    normal = f.CustomerClassFactory(code="normal", name="普通客户", follow_up_days=90)
    potential = f.CustomerClassFactory(code="potential", name="潜在客户", follow_up_days=0)
    fair = f.LeadSourceFactory(code="fair", name="行业展会")
    web = f.LeadSourceFactory(code="web", name="网站咨询")
    return Crm(company=company, roles=roles, key=key, normal=normal, potential=potential, fair=fair, web=web)
