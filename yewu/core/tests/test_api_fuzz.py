"""OpenAPI-driven fuzzing of the whole API with schemathesis: no request may cause a server error,
and every error answers JSON with a code and a message.

Each operation of /api/schema/ gets generated requests, valid and invalid (positive and negative
generation), sent in-process to the WSGI application as two users: one with broad grants (the
default HR administrator and auditor roles in the persona company; operations that their app's
own fuzz test covers are left to it) and one with none. Detail
operations are fuzzed both with generated ids and with the ids of real records, so that fuzzed
bodies reach the services.

Bounded: YEWU_FUZZ_EXAMPLES (default 20) examples per operation, mode and user; derandomized so
CI is repeatable. Set YEWU_FUZZ_RANDOM=1 to explore new inputs locally.

    YEWU_DATA_DIR=/tmp/yw-c .venv/bin/pytest -q -m fuzz yewu/core/tests/test_api_fuzz.py
"""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.core import NotSet  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from yewu.core import saved_views  # noqa: E402
from yewu.core.audit import record_event  # noqa: E402
from yewu.core.models import Notification  # noqa: E402
from yewu.core.roles import ensure_default_roles  # noqa: E402
from yewu.core.testing.factories import DelegationFactory, TeamFactory, UserFactory  # noqa: E402

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("YEWU_FUZZ_EXAMPLES", "20"))
#: Operations an app's own fuzz test covers with that app's records and roles (procurement, crm,
#: service, and workflow's approval and definition tests): the broad persona here leaves them to
#: those and fuzzes the rest (org, core, and any app without a fuzz test of its own yet); the user
#: without grants still goes through every operation.
FUZZED_BY_THEIR_APP = r"^/api/(procurement|crm|service|workflow)/"
DERANDOMIZE = not os.environ.get("YEWU_FUZZ_RANDOM")


@dataclass
class Findings:
    server_errors: list[str] = field(default_factory=list)
    not_json_errors: list[str] = field(default_factory=list)
    requests: int = 0
    known: int = 0  # server errors already documented by an xfail test
    seen: set[tuple[str, str, int]] = field(default_factory=set)

    def record(self, kind: list[str], key: tuple[str, str, int], text: str) -> None:
        if key not in self.seen and len(kind) < 50:
            self.seen.add(key)
            kind.append(text)


class _ExceptionLog(logging.Handler):
    """Server-side exceptions of the requests, from the loggers that report them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@contextlib.contextmanager
def _in_test_transaction():
    """Serve requests through the real WSGI handler without it closing the test's connection
    (Django's test client does the same), and collect server-side exceptions."""
    log = _ExceptionLog()
    loggers = [logging.getLogger(name) for name in ("django.request", "yewu.core.api.errors")]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    for logger in loggers:
        logger.addHandler(log)
    try:
        yield log
    finally:
        for logger in loggers:
            logger.removeHandler(log)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


#: Server errors already documented by a strict xfail regression test, so that the fuzzing stays
#: green while the fix is pending: {(exception type, path or "*"): "the test that reproduces it"}.
#: Found and fixed so far: OverflowError in POST /api/core/notifications/mark-read/ (ids beyond
#: 64 bits), see test_api.py::test_mark_read_with_an_id_beyond_the_database_range_is_a_validation_error;
#: TooManyFieldsSent / RequestDataTooBig while parsing (now 400 / 413); NUL characters reaching a
#: PostgreSQL lookup (now refused by yewu/core/api/parsers.py).
KNOWN_SERVER_ERRORS: dict[tuple[str, str], str] = {}


def _known(error: str, path: str) -> bool:
    return (error, path) in KNOWN_SERVER_ERRORS or (error, "*") in KNOWN_SERVER_ERRORS


def _describe(case: Any, response: Any) -> str:
    body = "-" if isinstance(case.body, NotSet) else repr(case.body)[:300]
    return (
        f"{case.method} {case.formatted_path} query={case.query} body={body} -> "
        f"{response.status_code} {response.content[:300]!r}"
    )


@dataclass
class Target:
    app: Any
    headers: dict[str, str]
    log: _ExceptionLog
    findings: Findings

    def send(self, case: Any) -> None:
        """One generated request; classify what came back."""
        findings = self.findings
        logged = len(self.log.records)
        # Each request in its own savepoint, as in production each has its own transaction:
        # a failed one must not poison the ones after it.
        with transaction.atomic():
            response = case.call(app=self.app, headers=self.headers)
        findings.requests += 1
        errors = [r.exc_info[0].__name__ for r in self.log.records[logged:] if r.exc_info[0]]
        key = (f"{case.method} {case.path}", ",".join(errors), response.status_code)
        if response.status_code >= 500:
            if errors and all(_known(e, case.formatted_path) for e in errors):
                findings.known += 1
            else:
                text = _describe(case, response) + f"\n    raised: {errors or 'nothing logged'}"
                findings.record(findings.server_errors, key, text)
        elif response.status_code >= 400 and not _is_json_error(response):
            findings.record(findings.not_json_errors, key, _describe(case, response))


def _is_json_error(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("code")) and bool(body.get("message"))


def _explore(strategy: Any, target: Target, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        target.send(case)

    try:
        run()
    except Unsatisfiable:
        pass  # negative mode with nothing left to make invalid (e.g. only a fixed id)


def _fuzz(schema: Any, target: Target, real_ids: dict[str, int], examples: int) -> None:
    """Every operation, valid and invalid input, generated and real record ids."""
    for result in schema.get_all_operations():
        operation = result.ok()
        variants: list[dict[str, Any]] = [{}]
        collection = operation.path.split("{id}")[0]
        if "{id}" in operation.path and collection in real_ids:
            variants.append({"path_parameters": {"id": real_ids[collection]}})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for fixed in variants:
                _explore(operation.as_strategy(generation_mode=mode, **fixed), target, examples)


def _distinct(records: list[logging.LogRecord]) -> list[str]:
    """One traceback per distinct error (the root causes, not every request)."""
    by_error: dict[str, str] = {}
    for record in records:
        text = "".join(traceback.format_exception(*record.exc_info))
        by_error.setdefault(f"{record.exc_info[0].__name__}: {record.exc_info[1]}", text[-3000:])
    return list(by_error.values())


@pytest.fixture
def schema(db):
    raw = yaml.safe_load(Client().get("/api/schema/").content)
    return schemathesis.openapi.from_dict(raw)


@pytest.fixture
def world(company):
    roles = ensure_default_roles()
    company.dave.user.groups.add(roles["hr"], roles["auditor"])
    team = TeamFactory(department=company.sales, leader=company.alice)
    delegation = DelegationFactory(principal=company.bob, delegate=company.alice)
    event = record_event(company.bob, "employee.changed", actor=company.dave.user)
    note = Notification.objects.create(recipient=company.dave.user, title="hello")
    view = saved_views.save_view("org:employee_list", "在职", "status=active", actor=company.dave.user, shared=True)
    real_ids = {
        "/api/org/departments/": company.sales_east.pk,
        "/api/org/positions/": company.staff.pk,
        "/api/org/groups/": team.pk,
        "/api/org/employees/": company.carol.pk,
        "/api/org/delegations/": delegation.pk,
        "/api/core/events/": event.pk,
        "/api/core/notifications/": note.pk,
        "/api/core/saved-views/": view.pk,
    }
    return company, real_ids


def _token(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.mark.parametrize("who", ["hr_and_auditor", "no_grants"])
def test_fuzzing_the_api_finds_no_server_error(schema, world, who):
    company, real_ids = world
    if who == "hr_and_auditor":
        user, examples = company.dave.user, EXAMPLES
        schema = schema.exclude(path_regex=FUZZED_BY_THEIR_APP)
    else:  # most requests stop at the permission check: fewer examples find as much
        user, examples = UserFactory(username="nobody"), max(EXAMPLES // 3, 5)
    findings = Findings()
    with _in_test_transaction() as log:
        _fuzz(
            schema, Target(get_wsgi_application(), _token(user), log, findings), real_ids, examples
        )
    print(
        f"fuzz[{who}]: {findings.requests} requests, {len(findings.server_errors)} new server errors, "
        f"{findings.known} known ones, {len(findings.not_json_errors)} non-JSON errors"
    )
    assert findings.requests > 0
    assert not findings.server_errors, (
        f"{len(findings.server_errors)} server errors in {findings.requests} requests:\n"
        + "\n".join(findings.server_errors)
        + "\n\ntracebacks (one per distinct error):\n"
        + "\n\n".join(_distinct(log.records))
    )
    assert not findings.not_json_errors, "errors without a JSON code and message:\n" + "\n".join(
        findings.not_json_errors
    )


def test_every_operation_left_to_its_app_has_a_fuzz_test_there(schema):
    """The broad persona skips FUZZED_BY_THEIR_APP: each of those apps fuzzes its operations."""
    import re
    from pathlib import Path

    apps = Path(__file__).resolve().parents[2]
    skipped = {p.split("/")[2] for p in (op.ok().path for op in schema.get_all_operations())
               if re.match(FUZZED_BY_THEIR_APP, p)}
    assert skipped == {"procurement", "crm", "service", "workflow"}
    for app in skipped:
        tests = "\n".join(f.read_text(encoding="utf-8") for f in (apps / app / "tests").glob("test_*.py"))
        assert "schemathesis" in tests and f"/api/{app}/" in tests, app
