"""Shared set-up of the approval tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _persona_people_may_start_approvals(request):
    """In the approval tests the persona people (alice, bob, carol, dave) may start approvals, as
    the default staff role lets every employee: a role granting workflow.add_processinstance with
    scope "own" and nothing else (what they may see stays as each test grants). Tests of the
    refusal start as someone outside the persona company or take the role away."""
    if "company" not in request.fixturenames:
        return
    from yewu.core.scopes import Scope
    from yewu.core.testing.factories import grant

    company = request.getfixturevalue("company")
    for person in (company.alice, company.bob, company.carol, company.dave):
        grant(person.user, "workflow.add_processinstance", Scope.OWN, role_name="persona-starters")
