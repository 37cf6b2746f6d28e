"""Audit events are scoped like records: by the acting user (own) and the acting department."""

from __future__ import annotations

from yewu.core.audit import record_event
from yewu.core.models import Event
from yewu.core.testing.factories import EmployeeFactory
from yewu.core.testing.permissions import ScopedModelSpec, ScopedModelTests, register


def _event_in(world, dept) -> Event:
    actor = EmployeeFactory(department=dept)
    return record_event(actor, "employee.changed", actor=actor.user, department=dept)


class TestEventPermissions(ScopedModelTests):
    spec = register(
        ScopedModelSpec(
            Event,
            make=_event_in,
            make_owned=lambda world: record_event(
                world.me, "employee.changed", actor=world.user, department=world.company.finance
            ),
            list_url="core:event_list",
            api_path="/api/core/events/",
        )
    )
