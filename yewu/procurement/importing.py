"""Supplier import from xlsx: each row through save_supplier, bad rows named with their reasons,
good rows imported, and a re-import updates instead of duplicating (matched by the unified social
credit code, else by name)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.procurement import services
from yewu.procurement.errors import ProcurementError
from yewu.procurement.models import Supplier

MAX_ROWS = 5000
#: Column headings understood (Chinese as users write them, English as exported) -> field.
HEADINGS = {
    "名称": "name", "供应商名称": "name", "供应商": "name", "name": "name",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "credit code": "credit_code",
    "unified social credit code": "credit_code",
    "供应类别": "categories", "类别": "categories", "categories": "categories", "categories supplied": "categories",
    "联系人": "contact", "contact": "contact", "contact person": "contact",
    "电话": "phone", "联系电话": "phone", "phone": "phone",
    "邮箱": "email", "电子邮箱": "email", "e-mail": "email", "email": "email",
    "地址": "address", "address": "address",
    "开户行及账号": "bank_account", "银行账号": "bank_account", "bank and account": "bank_account",
    "备注": "notes", "notes": "notes",
}
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
LIMITS = {"name": 200, "credit_code": 30, "contact": 100, "phone": 40, "address": 300, "bank_account": 200}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in the sheet, reasons)


def _rows(upload: Any) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        raw = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1))
    except Exception as exc:  # any unreadable file (not xlsx, damaged zip, …) is one clear refusal
        raise DomainError(ProcurementError.IMPORT_UNREADABLE) from exc
    if not raw:
        raise DomainError(ProcurementError.IMPORT_NO_NAME_COLUMN)
    columns = {i: HEADINGS.get(str(h or "").strip().lower()) for i, h in enumerate(raw[0])}
    if "name" not in columns.values():
        raise DomainError(ProcurementError.IMPORT_NO_NAME_COLUMN)
    if len(raw) > MAX_ROWS:
        raise DomainError(ProcurementError.IMPORT_TOO_MANY_ROWS, limit=MAX_ROWS)
    out = []
    for number, row in enumerate(raw[1:], start=2):
        values = {f: str(row[i]).strip() for i, f in columns.items() if f and i < len(row) and row[i] is not None}
        if any(values.values()):
            out.append((number, values))
    return out


def _problems(values: dict[str, str]) -> list[str]:
    problems = []
    if not values.get("name"):
        problems.append(_("the name is missing"))
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems.append(_("%(column)s is longer than %(limit)s characters") % {"column": name, "limit": limit})
    if values.get("credit_code") and not CREDIT_CODE.match(values["credit_code"].upper()):
        problems.append(_("the unified social credit code %(code)s is not 18 valid characters")
                        % {"code": values["credit_code"][:30]})
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(_("the e-mail address %(email)s is not valid") % {"email": values["email"][:100]})
    return problems


def import_suppliers(upload: Any, *, actor: Any) -> ImportReport:
    """Import suppliers from the first sheet of an xlsx file (first row: column headings)."""
    permissions.require_new(actor, "add", Supplier)
    report = ImportReport()
    seen: dict[str, int] = {}
    for number, values in _rows(upload):
        problems = _problems(values)
        if values.get("credit_code"):
            values["credit_code"] = values["credit_code"].upper()
        key = values.get("credit_code") or values.get("name", "")
        if key and key in seen:
            problems.append(_("the same supplier as row %(row)s") % {"row": seen[key]})
        if problems:
            report.errors.append((number, "; ".join(problems)))
            continue
        seen[key] = number
        existing = (Supplier.objects.filter(credit_code=values["credit_code"]).first() if values.get("credit_code")
                    else None) or Supplier.objects.filter(name=values["name"]).first()
        if "categories" in values:
            values["categories"] = services._categories(values["categories"])
        try:
            with transaction.atomic():
                if existing is None:
                    services.save_supplier(None, values, actor=actor)
                    report.created += 1
                elif any(getattr(existing, f) != v for f, v in values.items()):
                    services.save_supplier(existing, values, actor=actor)
                    report.updated += 1
                else:
                    report.unchanged += 1
        except DomainError as exc:
            report.errors.append((number, exc.message))
    return report
