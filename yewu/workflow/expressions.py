"""Safe evaluation of BPMN conditions and DMN cells: process data and a few helpers, nothing else.

SpiffWorkflow's default engine uses Python's eval, which untrusted definitions can escape (an
import, or a walk through `().__class__.__base__.__subclasses__()`). Here every expression is
parsed, checked against a whitelist of syntax (no imports, lambdas, comprehensions, f-strings,
assignments or dunder names) and then evaluated by simpleeval with bounded arithmetic: numbers,
strings and powers cannot grow large enough to stall a worker, attribute access only reads keys of
plain dicts, and only the helper functions below can be called. Refusals raise ExpressionError
with the reason.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import functools
import operator
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

MAX_EXPRESSION_LENGTH = 2000
MAX_INT_BITS = 4096  # ≈ 1233 decimal digits: far beyond any amount, far below a slow computation
MAX_EXPONENT = 1000
MAX_STRING_LENGTH = 100_000
MAX_ROUND_DIGITS = 100


class ExpressionError(Exception):
    """An expression was refused or failed; the message says why."""


# --- bounded arithmetic --------------------------------------------------------------------------


def _int_bits(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return value.bit_length()


def _check_int(value: Any) -> Any:
    if _int_bits(value) > MAX_INT_BITS:
        raise ExpressionError(f"number too large (more than {MAX_INT_BITS} bits)")
    return value


def _check_length(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_STRING_LENGTH:
        raise ExpressionError(f"value longer than {MAX_STRING_LENGTH} items")
    return value


def _pow(a: Any, b: Any) -> Any:
    if isinstance(b, int | float | decimal.Decimal) and abs(b) > MAX_EXPONENT:
        raise ExpressionError(f"exponent {b} is larger than {MAX_EXPONENT}")
    if isinstance(a, int) and isinstance(b, int) and b > 0 and _int_bits(a) * b > MAX_INT_BITS:
        raise ExpressionError(f"number too large ({a} ** {b})")
    return _check_int(operator.pow(a, b))


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, str | list | tuple) or isinstance(b, str | list | tuple):
        times = b if isinstance(a, str | list | tuple) else a
        seq = a if isinstance(a, str | list | tuple) else b
        if isinstance(times, int) and len(seq) * max(times, 0) > MAX_STRING_LENGTH:
            raise ExpressionError(f"value longer than {MAX_STRING_LENGTH} items")
        return operator.mul(a, b)
    if _int_bits(a) + _int_bits(b) > MAX_INT_BITS:
        raise ExpressionError(f"number too large (more than {MAX_INT_BITS} bits)")
    return operator.mul(a, b)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str | list | tuple) and isinstance(b, str | list | tuple):
        if len(a) + len(b) > MAX_STRING_LENGTH:
            raise ExpressionError(f"value longer than {MAX_STRING_LENGTH} items")
    return _check_int(operator.add(a, b))


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str | bytes):
        raise ExpressionError("string formatting with % is not allowed")
    return operator.mod(a, b)


def _in(a: Any, b: Any) -> bool:
    return a in b


def _not_in(a: Any, b: Any) -> bool:
    return a not in b


OPERATORS: dict[type, Any] = {
    ast.Add: _add, ast.Sub: lambda a, b: _check_int(operator.sub(a, b)), ast.Mult: _mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: _mod, ast.Pow: _pow,
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: _in, ast.NotIn: _not_in,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}


# --- helpers an expression may call --------------------------------------------------------------


def _int(value: Any = 0) -> int:
    if isinstance(value, decimal.Decimal) and value.is_finite() and value.adjusted() > MAX_INT_BITS // 3:
        raise ExpressionError("number too large to convert to an integer")
    return _check_int(int(value))


def _round(value: Any, ndigits: int | None = None) -> Any:
    if ndigits is not None and (not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS):
        raise ExpressionError(f"round() takes at most {MAX_ROUND_DIGITS} digits")
    return round(value, ndigits) if ndigits is not None else round(value)


def _str(value: Any = "") -> str:
    if callable(value):
        raise ExpressionError("functions cannot be turned into text")
    return _check_length(str(value))


def _date(value: Any) -> datetime.date:
    return datetime.date.fromisoformat(str(value)[:10])


SAFE_FUNCTIONS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": _round, "sum": sum,
    "int": _int, "float": float, "str": _str, "bool": bool,
    "Decimal": decimal.Decimal,
    "date": _date,
}

#: Syntax an expression may use; anything else is refused by name before evaluation.
ALLOWED_NODES: tuple[type, ...] = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp,
    ast.Compare, ast.IfExp, ast.Call, ast.Subscript, ast.Slice, ast.Attribute, ast.Tuple, ast.List,
    ast.And, ast.Or, *OPERATORS,
)
MAX_NODES = 500


def check(tree: ast.AST) -> None:
    """Refuse, with a reason, any syntax outside the whitelist (before anything is evaluated)."""
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"expression has more than {MAX_NODES} parts")
        if not isinstance(node, ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in expressions")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"name {node.id} is not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"attribute {node.attr} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError("only the helper functions can be called (no methods)")
            if node.func.id not in SAFE_FUNCTIONS:
                raise ExpressionError(f"function {node.func.id}() is not available")
            if node.keywords:
                raise ExpressionError("keyword arguments are not allowed")
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            _check_length(node.value)


class _Evaluator(simpleeval.SimpleEval):
    """simpleeval with the checked syntax above, plain-data attribute access, tuples and lists."""

    def __init__(self, names: dict[str, Any]) -> None:
        super().__init__(operators=dict(OPERATORS), functions=dict(SAFE_FUNCTIONS), names=names)
        self.nodes[ast.Tuple] = lambda node: tuple(self._eval(e) for e in node.elts)
        self.nodes[ast.List] = lambda node: [self._eval(e) for e in node.elts]
        for refused in (ast.JoinedStr, ast.FormattedValue, ast.Assign, ast.AugAssign, ast.Import):
            self.nodes.pop(refused, None)

    def _eval_name(self, node: ast.Name) -> Any:
        try:
            value = self.names[node.id]
        except KeyError:
            raise simpleeval.NameNotDefined(node.id, self.expr) from None
        if callable(value):
            raise ExpressionError(f"name {node.id} is not a value")
        return value

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        value = self._eval(node.value)
        if isinstance(value, dict) and node.attr in value:
            return value[node.attr]
        raise ExpressionError(f"attribute {node.attr} is not allowed (only keys of the process data)")


@functools.lru_cache(maxsize=2048)
def _checked(text: str) -> ast.Expression:
    """The parsed and checked expression. Remembered: gateways and decision tables evaluate the
    same few expressions on every step (a refused one is not remembered and is refused again)."""
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not a valid expression ({type(exc).__name__}: {exc})") from exc
    check(tree)
    return tree


def evaluate(expression: str, names: dict[str, Any]) -> Any:
    """Evaluate one expression against `names`; raise ExpressionError with a reason when refused."""
    text = (expression or "").strip()
    if not text:
        raise ExpressionError("empty expression")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    tree = _checked(text)
    evaluator = _Evaluator(dict(names))
    evaluator.expr = text
    try:
        return evaluator._eval(tree.body)
    except ExpressionError:
        raise
    except simpleeval.NameNotDefined as exc:
        raise ExpressionError(f"unknown name {exc.name!r}") from exc
    except simpleeval.InvalidExpression as exc:  # FeatureNotAvailable, NumberTooHigh, IterableTooLong, …
        raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, TypeError, ArithmeticError, KeyError, IndexError, RecursionError,
            decimal.DecimalException, AttributeError) as exc:
        raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """The engine's only way to evaluate anything: conditions, DMN cells, timer expressions."""

    def evaluate(self, expression, context, external_context=None):
        return evaluate(expression, {**context, **(external_context or {})})

    def execute(self, script, context, external_context=None):
        raise ExpressionError("script tasks are not executed by Yewu")

    def call_service(self, context, **kwargs):
        raise ExpressionError("service tasks are not executed by Yewu")


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        # Used by the DMN engine to decide how to join an input and a cell; parsing only.
        ast.parse(expression, mode="eval")


SCRIPT_ENGINE = SafeScriptEngine()
