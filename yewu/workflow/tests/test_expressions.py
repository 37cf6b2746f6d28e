"""Expressions in BPMN and DMN are evaluated safely: the known escapes are refused with a reason,
fast; a diagram that tries one cannot start or move on; script tasks never run."""

import time

import pytest
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment

from yewu.core.errors import DomainError
from yewu.core.models import Event, NumberSequence
from yewu.workflow import definitions, engine, services
from yewu.workflow.errors import WorkflowError
from yewu.workflow.expressions import SCRIPT_ENGINE, ExpressionError, evaluate
from yewu.workflow.models import ProcessInstance, Task
from yewu.workflow.testing.bpmn import (
    chain,
    decided,
    dmn_table,
    graph,
    publish,
    publish_unchecked,
    ready_steps,
    snapshot,
)

DATA = {"amount": 80000, "form": {"amount": 80000, "city": "上海"}, "tags": ["a", "b"], "name": "bob"}

ESCAPES = [
    ("__import__('os')", "__import__"),
    ("__import__('os').system('id')", "no methods"),
    ("().__class__.__base__.__subclasses__()", "no methods"),
    ("().__class__.__base__", "is not allowed"),
    ("''.__class__.__mro__[1]", "is not allowed"),
    ("name.upper()", "no methods"),
    ("(1).real", "attribute real"),
    ("name.__len__", "__len__"),
    ("form.items", "attribute items"),
    ("9**9**9**9", "exponent"),
    ("10**4000000", "exponent"),
    ("4000000**4000000", "exponent"),
    ("2**1000 * 2**1000 * 2**1000 * 2**1000 * 2**1000", "too large"),
    ("'a'*10**9", "longer than"),
    ("'a'*99999 + 'b'*99999", "longer than"),
    ("'%0999999999d' % 1", "formatting"),
    ("f'{amount:>999999999}'", "JoinedStr"),
    ("[x for x in tags]", "ListComp"),
    ("{x: 1 for x in tags}", "DictComp"),
    ("sum(x for x in tags)", "GeneratorExp"),
    ("lambda: 1", "Lambda"),
    ("(lambda f: f(f))(lambda f: f(f))", "no methods"),
    ("open('/etc/passwd')", "open"),
    ("eval('1')", "eval"),
    ("exec('import os')", "exec"),
    ("getattr(name, 'upper')", "getattr"),
    ("type(name)", "type"),
    ("globals()", "globals"),
    ("amount := 1", "valid expression"),
    ("import os", "valid expression"),
    ("-" * 1500 + "1", "parts"),
    ("(" * 500 + "1" + ")" * 500, "valid expression"),
    ("int(Decimal('1e999999'))", "too large"),
    ("round(amount, 10**9)", "digits"),
    ("1 << 100000", "LShift"),
    ("x" * 2001, "longer than"),
    ("unknown_name > 1", "unknown name"),
    ("str", "unknown name"),
]


@pytest.mark.parametrize(("expression", "reason"), ESCAPES, ids=[e[:40] for e, _ in ESCAPES])
def test_a_known_escape_is_refused_quickly_with_a_reason(expression, reason):
    began = time.process_time()  # CPU time: a loaded machine must not fail it, a runaway computation does
    with pytest.raises(ExpressionError) as exc:
        evaluate(expression, DATA)
    assert reason in str(exc.value)
    assert time.process_time() - began < 0.5


@pytest.mark.parametrize(("expression", "value"), [
    ("amount > 50000", True),
    ("form.amount >= 80000 and form['city'] == '上海'", True),
    ("amount * 2 + 1", 160001),
    ("'a' in tags and len(tags) == 2", True),
    ("name in ('bob', 'carol')", True),
    ("Decimal('12.50') * 2 > 24", True),
    ("date('2026-03-01') < date('2026-04-01')", True),
    ("round(amount / 3, 2)", 26666.67),
    ("min(amount, 100) if amount else 0", 100),
    ("2 ** 10", 1024),
    ("not False", True),
])
def test_ordinary_business_expressions_work(expression, value):
    assert evaluate(expression, DATA) == value


def test_the_engine_evaluates_through_the_safe_environment_never_python_eval(company, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("Python eval/exec was used")

    monkeypatch.setattr(TaskDataEnvironment, "evaluate", forbidden)
    monkeypatch.setattr(TaskDataEnvironment, "execute", forbidden)
    publish("safe", decided("safe", "level", {"gm": "gm_step"}, before=["head"]), {
        "head": {"assignee": {"type": "department_head"}}, "gm_step": {"assignee": {"type": "user", "username": "dave"}},
    }, dmn_xml=dmn_table("level", "amount", [("> 50000", '"gm"'), ("-", '"none"')]), actor=company.admin)
    inst = services.start_process("safe", actor=company.bob.user, title="x", form={"amount": 60000})
    services.approve_task(Task.objects.get(instance=inst, status="open"), actor=company.alice.user)
    assert ready_steps(inst) == ["gm_step"]
    assert engine.load(inst.version, ProcessInstance.objects.get(pk=inst.pk).state).script_engine is SCRIPT_ENGINE


# --- diagrams that try an escape -----------------------------------------------------------------


def _nothing_saved(call):
    counts = (ProcessInstance.objects.count(), Task.objects.count(), Event.objects.count(),
              list(NumberSequence.objects.values_list("doc_type", "last_value")))
    with pytest.raises(DomainError) as exc:
        call()
    assert counts == (ProcessInstance.objects.count(), Task.objects.count(), Event.objects.count(),
                      list(NumberSequence.objects.values_list("doc_type", "last_value")))
    return exc.value


@pytest.mark.parametrize(("condition", "reason"), [
    ("__import__('os').system('touch /tmp/pwned') == 0", "no methods"),
    ("().__class__.__base__.__subclasses__()", "no methods"),
    ("9**9**9**9 > 1", "exponent"),
])
def test_a_gateway_condition_that_tries_an_escape_cannot_start(company, condition, reason):
    publish_unchecked("evil", chain("evil", [("step", condition)]),
                      {"step": {"assignee": {"type": "department_head"}}})
    error = _nothing_saved(lambda: services.start_process("evil", actor=company.bob.user, title="x"))
    assert error.code == WorkflowError.ENGINE and reason in error.message


def test_a_gateway_condition_that_tries_an_escape_cannot_be_approved_past(company):
    publish_unchecked("evil2", chain("evil2", ["head", ("next", "name.upper() == 'BOB'")]), {
        "head": {"assignee": {"type": "department_head"}}, "next": {"assignee": {"type": "user", "username": "dave"}},
    })
    inst = services.start_process("evil2", actor=company.bob.user, title="x", data={"name": "bob"})
    before = snapshot(inst)
    with pytest.raises(DomainError) as exc:
        services.approve_task(Task.objects.get(instance=inst), actor=company.alice.user)
    assert exc.value.code == WorkflowError.ENGINE and "no methods" in exc.value.message
    assert snapshot(inst) == before and ready_steps(inst) == ["head"]


def test_the_import_refuses_dunder_conditions_before_the_engine_sees_them(company):
    with pytest.raises(DomainError) as exc:
        publish("evil3", chain("evil3", [("step", "().__class__")]), {}, actor=company.admin)
    assert exc.value.code == WorkflowError.INVALID_BPMN


# --- script tasks --------------------------------------------------------------------------------

SCRIPT = graph("scripted", {"start": "start", "run": "script:import os; os.system('touch /tmp/pwned')", "end": "end"},
               [("start", "run"), ("run", "end")])


def test_script_tasks_are_refused_at_import(company):
    with pytest.raises(DomainError) as exc:
        definitions.validate_bpmn(SCRIPT)
    assert exc.value.code == WorkflowError.INVALID_BPMN and "run" in exc.value.message


def test_script_tasks_are_refused_at_run_time_too(company, tmp_path):
    publish_unchecked("scripted", SCRIPT)
    error = _nothing_saved(lambda: services.start_process("scripted", actor=company.bob.user, title="x"))
    assert error.code == WorkflowError.ENGINE and "script tasks are not executed" in error.message


def test_a_missing_decision_table_is_refused_when_reached(company):
    publish_unchecked("nodmn", decided("nodmn", "level", {"gm": "gm_step"}),
                      {"gm_step": {"assignee": {"type": "user", "username": "dave"}}})
    error = _nothing_saved(lambda: services.start_process("nodmn", actor=company.bob.user, title="x"))
    assert error.code == WorkflowError.ENGINE and "level" in error.message
