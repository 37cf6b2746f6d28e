"""Forms of general approvals (通用审批) without code: an administrator describes a form as JSON.

A schema is a list of field specs, in the order the form shows them::

    [{"name": "amount", "label": "金额", "type": "money", "required": true, "min": 0, "max": 50000},
     {"name": "kind", "label": "类型", "type": "select", "options": ["合同", {"value": "letter", "label": "公函"}]},
     {"name": "items", "label": "费用明细", "type": "table", "columns": [
         {"name": "item", "label": "项目", "type": "text", "required": true},
         {"name": "cost", "label": "金额", "type": "money"}]}]

Keys: name (a lower-case identifier: conditions and DMN tables use it, e.g. ``days > 3``), label,
type, required, help, and per type: options and multiple (select), multiple (user, department),
min / max (number, money), decimals (number), max_length (text, textarea), columns / min_rows /
max_rows (table), max_files (attachment).

What `clean` returns is what a process keeps (``ProcessInstance.form_json`` and the engine's task
data), so every value is plain JSON: text as given (never escaped here; templates escape on
output), numbers as int or float, money as a string with two decimals ("1234.50": conditions
compare it with ``Decimal(amount) > 10000``), dates as ISO text, a date range as [start, end],
people and departments as primary keys (a list when ``multiple``), tables as lists of row
objects. Every field of the schema is present in the result; an empty optional field is None
(an empty table is []), so conditions never meet an unknown name.

Attachment fields hold the ids of core Attachment rows uploaded by the requester. An Attachment
belongs to a record, which an approval only becomes once it has started; so the web start page
takes the files with the form, calls ``clean(..., defer_attachments=True)`` (the file input
enforces `required`), starts the process and then attaches the files to the approval.
"""

from __future__ import annotations

import datetime
import keyword
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yewu.workflow.form_errors import FormError

TYPE_LABELS = {
    "text": gettext_lazy("Text"),
    "textarea": gettext_lazy("Long text"),
    "number": gettext_lazy("Number"),
    "money": gettext_lazy("Amount (CNY)"),
    "date": gettext_lazy("Date"),
    "daterange": gettext_lazy("Date range"),
    "select": gettext_lazy("Choice"),
    "user": gettext_lazy("Colleague"),
    "department": gettext_lazy("Department"),
    "attachment": gettext_lazy("Attachments"),
    "table": gettext_lazy("Table of rows"),
}
FIELD_TYPES = tuple(TYPE_LABELS)
#: Types a table column may have (no tables in tables; files belong to the approval, not a row).
COLUMN_TYPES = tuple(t for t in FIELD_TYPES if t not in ("table", "attachment"))

MAX_FIELDS = 60
MAX_COLUMNS = 20
MAX_OPTIONS = 200
MAX_LABEL = 100
MAX_HELP = 500
MAX_TEXT = {"text": 200, "textarea": 5000}
MAX_TEXT_LIMIT = 20000
MAX_ROWS = 200
MAX_FILES = 20
MAX_DECIMALS = 6
#: Numbers beyond this are refused whatever the schema says (no overflow, no 1e400 tricks).
NUMBER_LIMIT = Decimal("1e15")

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Names the engine's task data or the expression helpers already use.
RESERVED_NAMES = frozenset({
    "form", "requester", "department", "decision", "title", "true", "false", "none", "null",
    "len", "min", "max", "abs", "round", "sum", "int", "float", "str", "bool", "date", "decimal",
})
_COMMON_KEYS = {"name", "label", "type", "required", "help"}
_TYPE_KEYS = {
    "text": {"max_length"},
    "textarea": {"max_length"},
    "number": {"min", "max", "decimals"},
    "money": {"min", "max"},
    "date": set(),
    "daterange": set(),
    "select": {"options", "multiple"},
    "user": {"multiple"},
    "department": {"multiple"},
    "attachment": {"max_files"},
    "table": {"columns", "min_rows", "max_rows"},
}
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --- the schema ----------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
        return False
    try:
        number = Decimal(str(value))
        return number.is_finite() and abs(number) < NUMBER_LIMIT
    except (InvalidOperation, ValueError):  # e.g. an int too long to print
        return False


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def options_of(spec: dict) -> list[tuple[str, str]]:
    """A select field's options as (value, label); plain strings are both."""
    out = []
    for option in spec.get("options") or []:
        if isinstance(option, dict):
            value = option.get("value")
            out.append((str(value), str(option.get("label") or value)))
        else:
            out.append((str(option), str(option)))
    return out


def validate_schema(schema: Any) -> list[str]:
    """Problems of a form definition, for the administrator (empty when it can be used)."""
    if not isinstance(schema, list):
        return [_("The form definition must be a list of fields.")]
    if len(schema) > MAX_FIELDS:
        return [_("A form has at most %(limit)s fields.") % {"limit": MAX_FIELDS}]
    errors: list[str] = []
    _check_fields(schema, errors, table=None, top_level=True)
    return errors


def _check_fields(fields: list, errors: list[str], *, table: str | None, top_level: bool) -> None:
    seen: set[str] = set()
    for position, spec in enumerate(fields, start=1):
        name = spec.get("name") if isinstance(spec, dict) else None
        ident = name if isinstance(name, str) and name else str(position)
        where = (_("field %(name)s") % {"name": ident} if table is None
                 else _("%(table)s, column %(name)s") % {"table": table, "name": ident})
        if not isinstance(spec, dict):
            errors.append(_("%(where)s: a field is an object with name, label and type.") % {"where": where})
            continue
        problems = _field_problems(spec, seen, top_level=top_level)
        errors.extend(_("%(where)s: %(problem)s") % {"where": where, "problem": p} for p in problems)
        columns = spec.get("columns")
        if spec.get("type") == "table" and isinstance(columns, list) and columns:
            if len(columns) > MAX_COLUMNS:
                errors.append(_("%(where)s: a table has at most %(limit)s columns.") % {
                    "where": where, "limit": MAX_COLUMNS})
            else:
                _check_fields(columns, errors, table=where, top_level=False)


def _field_problems(spec: dict, seen: set[str], *, top_level: bool) -> list[str]:
    problems: list[str] = []
    name = spec.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name) or keyword.iskeyword(name):
        problems.append(_("the name must be a lower-case identifier (a-z, digits, _; at most 40 characters), "
                          "such as amount or start_date."))
    elif name in seen:
        problems.append(_("the name %(name)s is used twice.") % {"name": name})
    elif top_level and name in RESERVED_NAMES:
        problems.append(_("the name %(name)s is reserved; choose another one.") % {"name": name})
    if isinstance(name, str):
        seen.add(name)
    label = spec.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
        problems.append(_("the label must be text of 1 to %(limit)s characters.") % {"limit": MAX_LABEL})
    kind = spec.get("type")
    allowed_types = FIELD_TYPES if top_level else COLUMN_TYPES
    if kind not in allowed_types:
        problems.append(_("the type must be one of %(types)s.") % {"types": ", ".join(allowed_types)})
        return problems
    unknown = sorted(str(k) for k in spec if k not in _COMMON_KEYS | _TYPE_KEYS[kind])
    if unknown:
        problems.append(_("unknown settings for a %(type)s field: %(keys)s.") % {
            "type": kind, "keys": ", ".join(unknown)[:200]})
    if "required" in spec and not isinstance(spec["required"], bool):
        problems.append(_("required must be true or false."))
    if "help" in spec and (not isinstance(spec["help"], str) or len(spec["help"]) > MAX_HELP):
        problems.append(_("the help text must be text of at most %(limit)s characters.") % {"limit": MAX_HELP})
    if "multiple" in spec and not isinstance(spec["multiple"], bool):
        problems.append(_("multiple must be true or false."))
    if kind in ("text", "textarea") and "max_length" in spec and not _is_int(spec["max_length"], 1, MAX_TEXT_LIMIT):
        problems.append(_("max_length must be a whole number from 1 to %(limit)s.") % {"limit": MAX_TEXT_LIMIT})
    if kind in ("number", "money"):
        problems.extend(_bound_problems(spec, kind))
    if kind == "select":
        problems.extend(_option_problems(spec.get("options")))
    if kind == "attachment" and "max_files" in spec and not _is_int(spec["max_files"], 1, MAX_FILES):
        problems.append(_("max_files must be a whole number from 1 to %(limit)s.") % {"limit": MAX_FILES})
    if kind == "table":
        columns = spec.get("columns")
        if not isinstance(columns, list) or not columns:
            problems.append(_("a table needs a non-empty list of columns."))
        for key in ("min_rows", "max_rows"):
            if key in spec and not _is_int(spec[key], 0, MAX_ROWS):
                problems.append(_("%(key)s must be a whole number from 0 to %(limit)s.") % {"key": key, "limit": MAX_ROWS})
        if (_is_int(spec.get("min_rows"), 0, MAX_ROWS) and _is_int(spec.get("max_rows"), 0, MAX_ROWS)
                and spec["min_rows"] > spec["max_rows"]):
            problems.append(_("min_rows is larger than max_rows."))
    return problems


def _bound_problems(spec: dict, kind: str) -> list[str]:
    problems = []
    for key in ("min", "max"):
        if key in spec and not _is_number(spec[key]):
            problems.append(_("%(key)s must be a number.") % {"key": key})
    if _is_number(spec.get("min")) and _is_number(spec.get("max")) and spec["min"] > spec["max"]:
        problems.append(_("min is larger than max."))
    if kind == "number" and "decimals" in spec and not _is_int(spec["decimals"], 0, MAX_DECIMALS):
        problems.append(_("decimals must be a whole number from 0 to %(limit)s.") % {"limit": MAX_DECIMALS})
    return problems


def _option_problems(options: Any) -> list[str]:
    if not isinstance(options, list) or not options:
        return [_("a choice field needs a non-empty list of options.")]
    if len(options) > MAX_OPTIONS:
        return [_("a choice field has at most %(limit)s options.") % {"limit": MAX_OPTIONS}]
    problems, values = [], set()
    for option in options:
        value = option.get("value") if isinstance(option, dict) else option
        label = option.get("label", value) if isinstance(option, dict) else option
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_LABEL or not isinstance(label, str):
            problems.append(_("each option is non-empty text, or an object with value and label."))
            break
        if value in values:
            problems.append(_("the option %(value)s is listed twice.") % {"value": value})
        values.add(value)
    return problems


def fields_of(schema: Any) -> list[dict]:
    """The usable field specs of a schema (anything malformed is left out, never an exception)."""
    if not isinstance(schema, list):
        return []
    return [f for f in schema if isinstance(f, dict) and isinstance(f.get("name"), str) and f.get("type") in FIELD_TYPES]


# --- cleaning submitted values -------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | tuple | dict) and not value
    )


def _blank(kind: str, value: Any) -> bool:
    """Nothing entered (a date range with both ends empty counts as nothing)."""
    if kind == "daterange" and isinstance(value, list | tuple | dict):
        ends = list(value.values()) if isinstance(value, dict) else list(value)
        return all(_empty(v) for v in ends)
    return _empty(value)


def clean(schema: list, data: Any, *, user: Any, defer_attachments: bool = False) -> dict[str, Any]:
    """Check submitted form values against the schema; return them as plain JSON values.

    Raises FormError (a DomainError, code workflow.invalid_form) naming each field's problem.
    """
    fields = fields_of(schema)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FormError([("", "", _("The form values must be an object of field names and values."))])
    problems: list[tuple[str, str, str]] = []
    known = {f["name"] for f in fields}
    for key in data:
        if key not in known:
            problems.append((str(key)[:60], "", _("The form has no field %(name)s.") % {"name": str(key)[:60]}))
    out: dict[str, Any] = {}
    for spec in fields:
        name, label = spec["name"], str(spec.get("label") or spec["name"])
        try:
            value = _clean_field(spec, data.get(name), defer_attachments=defer_attachments,
                                 problems=problems, label=label)
        except _Invalid as exc:
            problems.append((name, label, exc.message))
            continue
        out[name] = value
    _check_references(fields, out, problems, user=user)
    if problems:
        raise FormError(problems)
    return out


def _clean_field(spec: dict, raw: Any, *, defer_attachments: bool,
                 problems: list[tuple[str, str, str]], label: str) -> Any:
    kind = spec["type"]
    if kind == "attachment" and defer_attachments:
        return None
    if kind == "table":
        return _clean_table(spec, raw, problems=problems, label=label)
    if _blank(kind, raw):
        if spec.get("required"):
            raise _Invalid(_("this field is required."))
        return None
    return _CLEANERS[kind](spec, raw)


def _text(spec: dict, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_("enter text."))
    value = raw.strip()
    if _BAD_CHARS.search(value):
        raise _Invalid(_("the text contains control characters that are not allowed."))
    limit = spec.get("max_length") if _is_int(spec.get("max_length"), 1, MAX_TEXT_LIMIT) else MAX_TEXT[spec["type"]]
    if len(value) > limit:
        raise _Invalid(_("at most %(limit)s characters (this has %(count)s).") % {"limit": limit, "count": len(value)})
    return value


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise _Invalid(_("enter a number."))
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not _NUMBER_TEXT.match(text):
            raise _Invalid(_("enter a number."))
        raw = text
    elif not isinstance(raw, int | float | Decimal):
        raise _Invalid(_("enter a number."))
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise _Invalid(_("enter a number.")) from None
    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        raise _Invalid(_("the number is too large."))
    return value


def _bounds(spec: dict, value: Decimal, default_min: Decimal | None) -> None:
    low = Decimal(str(spec["min"])) if _is_number(spec.get("min")) else default_min
    high = Decimal(str(spec["max"])) if _is_number(spec.get("max")) else None
    if low is not None and value < low:
        raise _Invalid(_("must be at least %(min)s.") % {"min": _plain(low)})
    if high is not None and value > high:
        raise _Invalid(_("must be at most %(max)s.") % {"max": _plain(high)})


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _number(spec: dict, raw: Any) -> int | float:
    value = _decimal(raw)
    places = spec.get("decimals") if _is_int(spec.get("decimals"), 0, MAX_DECIMALS) else 2
    if _places(value) > places:
        if places == 0:
            raise _Invalid(_("enter a whole number."))
        raise _Invalid(_("at most %(places)s decimal places.") % {"places": places})
    _bounds(spec, value, None)
    return int(value) if value == value.to_integral_value() else float(value)


def _money(spec: dict, raw: Any) -> str:
    value = _decimal(raw)
    if _places(value) > 2:
        raise _Invalid(_("an amount has at most 2 decimal places (fen)."))
    _bounds(spec, value, Decimal(0))
    return str(value.quantize(Decimal("0.01")))


def _date(spec: dict, raw: Any) -> str:
    if isinstance(raw, datetime.datetime):
        raise _Invalid(_("enter a date as YYYY-MM-DD."))
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    if not isinstance(raw, str) or not _DATE_TEXT.match(raw.strip()):
        raise _Invalid(_("enter a date as YYYY-MM-DD."))
    try:
        return datetime.date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise _Invalid(_("%(value)s is not a valid date.") % {"value": raw.strip()[:20]}) from None


def _daterange(spec: dict, raw: Any) -> list[str] | None:
    if isinstance(raw, dict):
        raw = [raw.get("start"), raw.get("end")]
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise _Invalid(_("enter a start date and an end date."))
    if _empty(raw[0]) and _empty(raw[1]):
        if spec.get("required"):
            raise _Invalid(_("this field is required."))
        return None
    if _empty(raw[0]) or _empty(raw[1]):
        raise _Invalid(_("enter both the start date and the end date."))
    start, end = _date(spec, raw[0]), _date(spec, raw[1])
    if end < start:
        raise _Invalid(_("the end date is before the start date."))
    return [start, end]


def _select(spec: dict, raw: Any) -> str | list[str]:
    values = dict(options_of(spec))
    items = raw if spec.get("multiple") else [raw]
    if not isinstance(items, list | tuple):
        raise _Invalid(_("choose from the list."))
    out = []
    for item in items:
        text = str(item) if isinstance(item, str | int) and not isinstance(item, bool) else None
        if text is None or text not in values:
            shown = str(item)[:40] if isinstance(item, str | int | float) else type(item).__name__
            raise _Invalid(_("%(value)s is not one of the options.") % {"value": shown})
        if text not in out:
            out.append(text)
    return out if spec.get("multiple") else out[0]


def _ids(spec: dict, raw: Any, *, always_list: bool = False) -> int | list[int]:
    items = raw if (spec.get("multiple") or always_list) else [raw]
    if not isinstance(items, list | tuple):
        raise _Invalid(_("choose from the list."))
    out: list[int] = []
    for item in items:
        if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.strip().isdecimal())):
            raise _Invalid(_("choose from the list."))
        number = int(item)
        if not 0 < number < 2**63:
            raise _Invalid(_("choose from the list."))
        if number not in out:
            out.append(number)
    return out if (spec.get("multiple") or always_list) else out[0]


def _attachment(spec: dict, raw: Any) -> list[int]:
    ids = _ids(spec, raw if isinstance(raw, list | tuple) else [raw], always_list=True)
    limit = spec.get("max_files") if _is_int(spec.get("max_files"), 1, MAX_FILES) else MAX_FILES
    if len(ids) > limit:
        raise _Invalid(_("at most %(limit)s files.") % {"limit": limit})
    return ids


_CLEANERS = {
    "text": _text, "textarea": _text, "number": _number, "money": _money, "date": _date,
    "daterange": _daterange, "select": _select, "user": _ids, "department": _ids, "attachment": _attachment,
}


def _clean_table(spec: dict, raw: Any, *, problems: list[tuple[str, str, str]], label: str) -> list[dict]:
    columns = fields_of(spec.get("columns"))
    if _empty(raw):
        raw = []
    if not isinstance(raw, list | tuple):
        raise _Invalid(_("a table is a list of rows."))
    if len(raw) > MAX_ROWS:
        raise _Invalid(_("at most %(limit)s rows.") % {"limit": MAX_ROWS})
    names = {c["name"] for c in columns}
    rows: list[dict] = []
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            raise _Invalid(_("row %(row)s is not an object of column values.") % {"row": number})
        unknown = [str(k)[:40] for k in row if k not in names]
        if unknown:
            raise _Invalid(_("row %(row)s has unknown columns: %(keys)s.") % {"row": number, "keys": ", ".join(unknown)})
        kinds = {c["name"]: c["type"] for c in columns}
        if all(_blank(kinds.get(k, ""), v) for k, v in row.items()):
            continue  # a blank row left in the page: ignored
        cleaned = {}
        for column in columns:
            where = _("%(table)s row %(row)s, %(column)s") % {
                "table": label, "row": number, "column": column.get("label") or column["name"]}
            try:
                value = row.get(column["name"])
                if _blank(column["type"], value):
                    if column.get("required"):
                        raise _Invalid(_("this field is required."))
                    cleaned[column["name"]] = None
                    continue
                cleaned[column["name"]] = _CLEANERS[column["type"]](column, value)
            except _Invalid as exc:
                problems.append((spec["name"], where, exc.message))
        rows.append(cleaned)
    low = spec.get("min_rows") if _is_int(spec.get("min_rows"), 0, MAX_ROWS) else (1 if spec.get("required") else 0)
    high = spec.get("max_rows") if _is_int(spec.get("max_rows"), 0, MAX_ROWS) else MAX_ROWS
    if len(rows) < low:
        if not rows:
            raise _Invalid(_("this field is required.") if low == 1 else _("at least %(limit)s rows.") % {"limit": low})
        raise _Invalid(_("at least %(limit)s rows.") % {"limit": low})
    if len(rows) > high:
        raise _Invalid(_("at most %(limit)s rows.") % {"limit": high})
    return rows  # cells with problems were reported in `problems` (and their references are checked too)


def _check_references(fields: list[dict], out: dict, problems: list, *, user: Any) -> None:
    """People, departments and files named by the form must exist (people: active accounts)."""
    from yewu.core.models import Attachment
    from yewu.org.models import Department

    wanted: dict[str, set[int]] = {"user": set(), "department": set(), "attachment": set()}
    places: list[tuple[str, str, str, list[int]]] = []  # (kind, field name, label path, ids)

    def collect(kind: str, name: str, label: str, value: Any) -> None:
        if kind in wanted and value not in (None, []):
            ids = value if isinstance(value, list) else [value]
            wanted[kind].update(ids)
            places.append((kind, name, label, ids))

    for spec in fields:
        name, label = spec["name"], str(spec.get("label") or spec["name"])
        value = out.get(name)
        if spec["type"] == "table" and isinstance(value, list):
            for number, row in enumerate(value, start=1):
                for column in fields_of(spec.get("columns")):
                    where = _("%(table)s row %(row)s, %(column)s") % {
                        "table": label, "row": number, "column": column.get("label") or column["name"]}
                    collect(column["type"], name, where, row.get(column["name"]))
        else:
            collect(spec["type"], name, label, value)
    if not places:
        return
    found = {
        "user": set(get_user_model().objects.filter(pk__in=wanted["user"], is_active=True).values_list("pk", flat=True))
        if wanted["user"] else set(),
        "department": set(Department.objects.filter(pk__in=wanted["department"], is_active=True)
                          .values_list("pk", flat=True)) if wanted["department"] else set(),
        "attachment": set(Attachment.objects.filter(pk__in=wanted["attachment"],
                                                    uploaded_by_id=getattr(user, "pk", None))
                          .values_list("pk", flat=True)) if wanted["attachment"] else set(),
    }
    messages = {
        "user": _("nobody with an active account has the id %(id)s."),
        "department": _("there is no active department with the id %(id)s."),
        "attachment": _("there is no file with the id %(id)s uploaded by you."),
    }
    for kind, name, label, ids in places:
        for missing in [i for i in ids if i not in found[kind]]:
            problems.append((name, label, messages[kind] % {"id": missing}))


# --- the web form --------------------------------------------------------------------------------


def _label_of_user(user: Any) -> str:
    try:
        employee = user.employee
    except ObjectDoesNotExist:
        return user.get_username()
    department = getattr(employee.department, "name", "")
    return f"{employee.name} · {department}" if department else employee.name


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _label_of_user(obj)


class _UsersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _label_of_user(obj)


def _label_of_department(department: Any) -> str:
    return "\u3000" * max(0, department.depth) + department.name


class _DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _label_of_department(obj)


class _DepartmentsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _label_of_department(obj)


class DateRangeWidget(forms.MultiWidget):
    """Two date inputs side by side: from … to."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs: dict | None = None) -> None:
        attrs = {"class": "form-control", **(attrs or {})}
        super().__init__([forms.DateInput(attrs={**attrs, "type": "date"}),
                          forms.DateInput(attrs={**attrs, "type": "date"})])

    def decompress(self, value: Any) -> list:
        if isinstance(value, list | tuple) and len(value) == 2:
            return list(value)
        return [None, None]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        context = self.get_context(name, value, attrs)
        start, end = (self.widgets[i].render(w["name"], w["value"], w["attrs"], renderer)
                      for i, w in enumerate(context["widget"]["subwidgets"]))
        return format_html('{}<span class="text-body-secondary" aria-hidden="true">~</span>{}', start, end)


class DateRangeField(forms.MultiValueField):
    widget = DateRangeWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields=(forms.DateField(required=False), forms.DateField(required=False)),
                         require_all_fields=False, **kwargs)

    def compress(self, data_list: list) -> list | None:
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        return [data_list[0], data_list[1]]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleaned to a list of uploads."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            result = [single(d, initial) for d in data if d]
            if not result and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return result
        value = single(data, initial)
        return [value] if value else []


class TableWidget(forms.Widget):
    """Rows of inputs, one per column, with buttons to add and remove rows.

    Inputs are named ``<field>__<row>__<column>``; the value is a list of row dicts of raw text,
    which `clean` checks column by column. A <template> holds a blank row for the add button.
    """

    def __init__(self, columns: list[dict], attrs: dict | None = None, *, initial_rows: int = 1) -> None:
        super().__init__(attrs)
        self.columns = columns
        self.initial_rows = initial_rows

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict]:
        kinds = {c["name"]: c for c in self.columns}
        rows: dict[int, dict] = {}
        prefix = f"{name}__"
        for key in list(getattr(data, "keys", lambda: [])()):
            if not key.startswith(prefix):
                continue
            parts = key[len(prefix):].split("__")
            if len(parts) not in (2, 3) or not parts[0].isdecimal() or len(parts[0]) > 4 or parts[1] not in kinds:
                continue
            row, column = rows.setdefault(int(parts[0]), {}), kinds[parts[1]]
            if len(parts) == 3:  # one end of a date range: <key>__0 / <key>__1
                if column["type"] == "daterange" and parts[2] in ("0", "1"):
                    pair = row.setdefault(column["name"], ["", ""])
                    pair[int(parts[2])] = data.get(key)
            elif column.get("multiple") and hasattr(data, "getlist"):
                row[column["name"]] = data.getlist(key)
            elif column["type"] != "daterange":
                row[column["name"]] = data.get(key)
        return [rows[i] for i in sorted(rows)][: MAX_ROWS + 1]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(k.startswith(f"{name}__") for k in getattr(data, "keys", lambda: [])())

    def _cell(self, name: str, row: Any, column: dict, value: Any, choices: dict[str, list]) -> str:
        key = f"{name}__{row}__{column['name']}"
        kind = column["type"]
        label = column.get("label") or column["name"]
        common = {"class": "form-control form-control-sm", "aria-label": label}
        if kind in ("select", "user", "department"):
            choices = [("", "—"), *choices[column["name"]]]
            selected = {str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")}
            options = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((v, mark_safe(" selected") if v in selected else "", text) for v, text in choices),
            )
            multiple = mark_safe(" multiple") if column.get("multiple") else ""
            return format_html('<select name="{}" class="form-select form-select-sm" aria-label="{}"{}>{}</select>',
                               key, label, multiple, options)
        if kind == "textarea":
            return format_html('<textarea name="{}" rows="1" class="{}" aria-label="{}">{}</textarea>',
                               key, common["class"], label, value or "")
        if kind == "daterange":
            pair = value if isinstance(value, list | tuple) and len(value) == 2 else ["", ""]
            return format_html(
                '<div class="input-group input-group-sm"><input type="date" name="{}__0" value="{}" class="form-control" '
                'aria-label="{}"><span class="input-group-text">~</span><input type="date" name="{}__1" value="{}" '
                'class="form-control" aria-label="{}"></div>', key, pair[0] or "", label, key, pair[1] or "", label)
        input_type = {"number": "number", "money": "number", "date": "date"}.get(kind, "text")
        step = {"money": "0.01", "number": "any"}.get(kind)
        extra = format_html(' step="{}"', step) if step else ""
        return format_html('<input type="{}" name="{}" value="{}" class="{}" aria-label="{}"{}>',
                           input_type, key, "" if value is None else value, common["class"], label, extra)

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        rows = [r for r in (value or []) if isinstance(r, dict)] or [{} for _ in range(self.initial_rows)]
        choices = {c["name"]: _choices_for(c) for c in self.columns if c["type"] in ("select", "user", "department")}
        head = format_html_join(
            "", '<th scope="col">{}{}</th>',
            ((c.get("label") or c["name"], mark_safe(' <span class="text-danger">*</span>') if c.get("required") else "")
             for c in self.columns),
        )

        def row_html(index: Any, row: dict) -> str:
            cells = format_html_join("", "<td>{}</td>", (
                (self._cell(name, index, c, row.get(c["name"]), choices),) for c in self.columns))
            return format_html(
                '<tr data-row>{}<td class="text-end"><button type="button" class="btn btn-sm btn-link text-danger" '
                'data-remove-row aria-label="{}"><i class="bi bi-x-lg"></i></button></td></tr>',
                cells, _("Remove row"))

        body = mark_safe("".join(row_html(i, r) for i, r in enumerate(rows)))
        blank = row_html("__index__", {})
        element_id = (attrs or {}).get("id") or f"id_{name}"
        return format_html(
            '<div class="yw-table-field" id="{}" data-table-field="{}" data-next-row="{}">'
            '<div class="table-responsive"><table class="table table-sm table-bordered align-middle mb-1">'
            '<thead class="table-light"><tr>{}<th scope="col" class="text-end" style="width:3rem"></th></tr></thead>'
            "<tbody>{}</tbody></table></div>"
            "<template>{}</template>"
            '<button type="button" class="btn btn-sm btn-outline-primary" data-add-row>'
            '<i class="bi bi-plus-lg me-1"></i>{}</button></div>',
            element_id, name, len(rows), head, body, blank, _("Add row"),
        )


def _choices_for(spec: dict) -> list[tuple[str, str]]:
    kind = spec["type"]
    if kind == "select":
        return options_of(spec)
    if kind == "user":
        return [(str(u.pk), _label_of_user(u)) for u in _user_queryset()]
    from yewu.org.models import Department

    return [(str(pk), name) for pk, name in Department.objects.filter(is_active=True).order_by("path")
            .values_list("pk", "name")]


def _user_queryset():
    return (get_user_model().objects.filter(is_active=True).select_related("employee__department")
            .order_by("employee__department__path", "employee__name", "username"))


class TableField(forms.Field):
    """A table of rows; the schema's `clean` checks the cells (this keeps the raw rows)."""

    def __init__(self, columns: list[dict], **kwargs: Any) -> None:
        self.columns = columns
        kwargs.setdefault("widget", TableWidget(columns))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[dict]:
        if not isinstance(value, list):
            return []
        return [r for r in value if isinstance(r, dict)]

    def validate(self, value: Any) -> None:
        if self.required and not any(any(not _empty(v) for v in r.values()) for r in value):
            raise forms.ValidationError(self.error_messages["required"], code="required")


def _django_field(spec: dict) -> forms.Field:
    field = _make_field(spec)
    field.schema_type = spec["type"]  # read by the template (workflow/partials/form_fields.html)
    return field


def _make_field(spec: dict) -> forms.Field:
    kind = spec["type"]
    common: dict[str, Any] = {"label": spec.get("label") or spec["name"], "required": bool(spec.get("required"))}
    if spec.get("help"):
        common["help_text"] = spec["help"]
    control = {"class": "form-control"}
    if kind in ("text", "textarea"):
        limit = spec.get("max_length") if _is_int(spec.get("max_length"), 1, MAX_TEXT_LIMIT) else MAX_TEXT[kind]
        widget = (forms.Textarea(attrs={**control, "rows": 3}) if kind == "textarea"
                  else forms.TextInput(attrs=control))
        return forms.CharField(max_length=limit, widget=widget, **common)
    if kind in ("number", "money"):
        places = 2 if kind == "money" else (spec.get("decimals") if _is_int(spec.get("decimals"), 0, MAX_DECIMALS) else 2)
        attrs = {**control, "step": "1" if places == 0 else f"0.{'0' * (places - 1)}1", "inputmode": "decimal"}
        low = spec.get("min") if _is_number(spec.get("min")) else (0 if kind == "money" else None)
        high = spec.get("max") if _is_number(spec.get("max")) else None
        if low is not None:
            attrs["min"] = _plain(Decimal(str(low)))
        if high is not None:
            attrs["max"] = _plain(Decimal(str(high)))
        # Bounds and places are checked by the schema's clean (one wording for the web and the API).
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={**control, "type": "date"}), **common)
    if kind == "daterange":
        return DateRangeField(**common)
    if kind == "select":
        choices = options_of(spec)
        if spec.get("multiple"):
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}), **common)
        return forms.ChoiceField(choices=[("", "—"), *choices], widget=forms.Select(attrs={"class": "form-select"}),
                                 **common)
    if kind == "user":
        if spec.get("multiple"):
            return _UsersChoice(queryset=_user_queryset(), widget=forms.SelectMultiple(attrs={"class": "form-select"}),
                                **common)
        return _UserChoice(queryset=_user_queryset(), empty_label="—", widget=forms.Select(attrs={"class": "form-select"}),
                           **common)
    if kind == "department":
        from yewu.org.models import Department

        queryset = Department.objects.filter(is_active=True).order_by("path")
        if spec.get("multiple"):
            return _DepartmentsChoice(queryset=queryset, widget=forms.SelectMultiple(attrs={"class": "form-select"}),
                                      **common)
        return _DepartmentChoice(queryset=queryset, empty_label="—", widget=forms.Select(attrs={"class": "form-select"}),
                                 **common)
    if kind == "attachment":
        return MultipleFileField(**common)
    columns = fields_of(spec.get("columns"))
    return TableField(columns, **common)


def _raw(value: Any) -> Any:
    """A Django-cleaned value as the schema's clean takes it."""
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple) and not isinstance(value, str):
        return [_raw(v) for v in value]
    if hasattr(value, "model") and hasattr(value, "values_list"):  # a queryset of chosen rows
        return [obj.pk for obj in value]
    return value


class SchemaForm(forms.Form):
    """A Django form built from a schema; after is_valid(), `values` holds what `clean` returned.

    Uploaded files of attachment fields are in `files_by_field` (to attach after the start).
    `field_kinds` tells the template how to lay out each field (money gets a ¥ prefix, ...).
    """

    schema: list[dict] = []
    user: Any = None
    field_kinds: dict[str, str] = {}
    values: dict[str, Any]
    files_by_field: dict[str, list[Any]]

    def clean(self) -> dict:
        cleaned = super().clean()
        self.values, self.files_by_field = {}, {}
        good = [f for f in self.schema if f["name"] not in self.errors]
        raw = {}
        for spec in good:
            value = cleaned.get(spec["name"])
            if spec["type"] == "attachment":
                self.files_by_field[spec["name"]] = list(value or [])
                continue
            raw[spec["name"]] = _raw(value)
        try:
            self.values = clean(good, raw, user=self.user, defer_attachments=True)
        except FormError as exc:
            for name, messages in exc.fields.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return cleaned


def form_class(schema: list, *, user: Any = None, base: type[forms.Form] = SchemaForm) -> type[forms.Form]:
    """A form class for the schema's fields (after those of `base`, e.g. a title field)."""
    fields = {spec["name"]: _django_field(spec) for spec in fields_of(schema)}
    attrs = {**fields, "schema": fields_of(schema), "user": user,
             "field_kinds": {spec["name"]: spec["type"] for spec in fields_of(schema)}}
    bases = (base,) if issubclass(base, SchemaForm) else (base, SchemaForm)
    return type("ApprovalForm", bases, attrs)


def as_django_form(schema: list, *, user: Any = None, data: Any = None, files: Any = None,
                   initial: dict | None = None, prefix: str | None = None) -> forms.Form:
    """A bound (or unbound) form instance for the start page; render it with
    ``{% include "workflow/partials/form_fields.html" with form=form %}``."""
    return form_class(schema, user=user)(data=data, files=files, initial=initial, prefix=prefix)


# --- showing the values --------------------------------------------------------------------------


class DisplayRow(tuple):
    """(label, display value) with the field's type in `kind`; a table's value is a DisplayTable."""

    def __new__(cls, label: str, value: Any, kind: str) -> DisplayRow:
        row = super().__new__(cls, (label, value))
        row.kind = kind
        return row

    @property
    def label(self) -> str:
        return self[0]

    @property
    def value(self) -> Any:
        return self[1]


class DisplayTable:
    """A table value for display: column labels and rows of display texts."""

    def __init__(self, columns: list[str], rows: list[list[str]]) -> None:
        self.columns = columns
        self.rows = rows

    def __str__(self) -> str:
        return "\n".join("; ".join(f"{c}: {v}" for c, v in zip(self.columns, row, strict=False)) for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def money_text(value: Any) -> str:
    """¥1,234.50 (the value as stored, or as given when it is not a number)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    try:
        return f"¥{amount.quantize(Decimal('0.01')):,}"
    except InvalidOperation:  # more digits than the decimal context holds (e.g. 1e26)
        return str(value)


def display(schema: list, values: Any) -> list[DisplayRow]:
    """The form as (label, display value) rows in schema order: people and departments by name,
    options by label, money as ¥1,234.50, tables as DisplayTable. Never raises on odd old data."""
    fields = fields_of(schema)
    values = values if isinstance(values, dict) else {}
    names = _names_for(fields, values)
    rows = []
    for spec in fields:
        value = values.get(spec["name"])
        if spec["type"] == "table":
            columns = fields_of(spec.get("columns"))
            table_rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
            shown = DisplayTable([str(c.get("label") or c["name"]) for c in columns], [
                [_show(c, r.get(c["name"]), names) for c in columns] for r in table_rows])
            rows.append(DisplayRow(str(spec.get("label") or spec["name"]), shown, "table"))
        else:
            rows.append(DisplayRow(str(spec.get("label") or spec["name"]), _show(spec, value, names), spec["type"]))
    return rows


def _names_for(fields: list[dict], values: dict) -> dict[str, dict[int, str]]:
    from yewu.core.models import Attachment
    from yewu.org.models import Department

    ids: dict[str, set[int]] = {"user": set(), "department": set(), "attachment": set()}

    def add(kind: str, value: Any) -> None:
        if kind in ids:
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, int | str) and not isinstance(v, bool) and str(v).isdecimal() and len(str(v)) < 19:
                    ids[kind].add(int(v))

    for spec in fields:
        value = values.get(spec["name"])
        if spec["type"] == "table" and isinstance(value, list):
            for row in value:
                if isinstance(row, dict):
                    for column in fields_of(spec.get("columns")):
                        add(column["type"], row.get(column["name"]))
        else:
            add(spec["type"], value)
    names: dict[str, dict[int, str]] = {"user": {}, "department": {}, "attachment": {}}
    if ids["user"]:
        for user in get_user_model().objects.filter(pk__in=ids["user"]).select_related("employee"):
            try:
                names["user"][user.pk] = user.employee.name
            except ObjectDoesNotExist:
                names["user"][user.pk] = user.get_username()
    if ids["department"]:
        names["department"] = dict(Department.objects.filter(pk__in=ids["department"]).values_list("pk", "name"))
    if ids["attachment"]:
        names["attachment"] = dict(Attachment.objects.filter(pk__in=ids["attachment"]).values_list("pk", "name"))
    return names


def _show(spec: dict, value: Any, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "" or value == []:
        return ""
    kind = spec["type"]
    try:
        if kind == "money":
            return money_text(value)
        if kind == "daterange" and isinstance(value, list | tuple):
            return " ~ ".join(str(v) for v in value)
        if kind == "select":
            labels = dict(options_of(spec))
            items = value if isinstance(value, list) else [value]
            return "、".join(labels.get(str(v), str(v)) for v in items)
        if kind in names:
            items = value if isinstance(value, list) else [value]
            return "、".join(
                names[kind].get(int(v), str(v)) if str(v).isdecimal() and len(str(v)) < 19 else str(v) for v in items)
        if isinstance(value, list | dict):
            return ", ".join(str(v) for v in (value if isinstance(value, list) else value.values()))
        return str(value)
    except (TypeError, ValueError):
        return str(value)


def type_choices() -> Iterable[tuple[str, str]]:
    """(type, label) pairs for an administrator's form designer."""
    return [(key, str(label)) for key, label in TYPE_LABELS.items()]
