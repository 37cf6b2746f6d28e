"""Safe evaluation of BPMN conditions and DMN cells: process data and a few helpers, nothing else.

SpiffWorkflow's default engine uses Python's eval, which untrusted definitions can escape. Here
every expression goes through simpleeval: no imports, no attribute access to dunders, no
comprehensions or lambdas, bounded powers and string sizes, and only the names we expose.
"""

from __future__ import annotations

import ast
import datetime
import decimal
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

MAX_EXPRESSION_LENGTH = 2000

SAFE_FUNCTIONS = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "sum": sum,
    "int": int, "float": float, "str": str, "bool": bool,
    "Decimal": decimal.Decimal,
    "date": lambda s: datetime.date.fromisoformat(str(s)),
}


class ExpressionError(Exception):
    """An expression was refused or failed; the message says why."""


class _Evaluator(simpleeval.SimpleEval):
    """simpleeval with attribute access limited to plain data (no methods of arbitrary objects)."""

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise simpleeval.FeatureNotAvailable(f"attribute {node.attr} is not allowed")
        value = self._eval(node.value)
        if isinstance(value, dict) and node.attr in value:
            return value[node.attr]
        raise simpleeval.FeatureNotAvailable(f"attribute {node.attr} is not allowed")


def evaluate(expression: str, names: dict[str, Any]) -> Any:
    """Evaluate one expression against `names`; raise ExpressionError with a reason when refused."""
    text = (expression or "").strip()
    if not text:
        raise ExpressionError("empty expression")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    evaluator = _Evaluator(names=dict(names), functions=dict(SAFE_FUNCTIONS))
    evaluator.operators = dict(simpleeval.DEFAULT_OPERATORS)
    try:
        return evaluator.eval(text)
    except simpleeval.NameNotDefined as exc:
        raise ExpressionError(f"unknown name {exc.name!r}") from exc
    except simpleeval.InvalidExpression as exc:  # FeatureNotAvailable, NumberTooHigh, IterableTooLong, …
        raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, KeyError, IndexError, OverflowError,
            decimal.InvalidOperation, RecursionError) as exc:
        raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression, context, external_context=None):
        return evaluate(expression, {**context, **(external_context or {})})

    def execute(self, script, context, external_context=None):
        raise ExpressionError("script tasks are not executed by Yewu")

    def call_service(self, context, **kwargs):
        raise ExpressionError("service tasks are not executed by Yewu")


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())


SCRIPT_ENGINE = SafeScriptEngine()
