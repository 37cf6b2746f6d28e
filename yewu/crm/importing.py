"""Customer and contact import from xlsx: each row through the services, bad rows named with their
reasons, good rows imported, possible duplicates reported; a re-import updates instead of
duplicating (a customer matched by its credit code, else its normalised name; a contact by name)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.crm import matching, services
from yewu.crm.choices import CreditRating, CustomerKind
from yewu.crm.errors import CrmError
from yewu.crm.models import Customer, CustomerClass

MAX_ROWS = 5000
#: Column headings understood (Chinese as users write them, English as exported) -> field.
HEADINGS = {
    "客户名称": "name", "名称": "name", "客户": "name", "name": "name",
    "客户编号": "number", "编号": "number", "number": "number",
    "类型": "kind", "客户类型": "kind", "type": "kind",
    "客户类别": "customer_class", "类别": "customer_class", "customer class": "customer_class",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "unified social credit code": "credit_code",
    "行业": "industry", "industry": "industry",
    "地区": "region", "区域": "region", "region": "region",
    "地址": "address", "address": "address",
    "电话": "phone", "客户电话": "phone", "phone": "phone",
    "邮箱": "email", "电子邮箱": "email", "e-mail": "email", "email": "email",
    "信用等级": "credit_rating", "credit rating": "credit_rating",
    "信用额度": "credit_limit", "credit limit": "credit_limit",
    "标签": "tags", "tags": "tags",
    "备注": "notes", "notes": "notes",
    "联系人": "contact_name", "contact": "contact_name", "contact person": "contact_name",
    "职务": "contact_title", "contact title": "contact_title",
    "联系人电话": "contact_phone", "手机": "contact_phone", "contact phone": "contact_phone",
    "联系人邮箱": "contact_email", "contact e-mail": "contact_email",
    "生日": "contact_birthday", "birthday": "contact_birthday",
}
KINDS = {"公司": CustomerKind.COMPANY, "企业": CustomerKind.COMPANY, "company": CustomerKind.COMPANY,
         "个人": CustomerKind.PERSON, "person": CustomerKind.PERSON}
CUSTOMER_COLUMNS = ("kind", "name", "customer_class", "credit_code", "industry", "region", "address", "phone", "email",
                    "credit_rating", "credit_limit", "tags", "notes")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contacts: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in the sheet, reasons)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # possible duplicates of new customers


def _rows(upload: Any) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        raw = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1))
    except Exception as exc:  # any unreadable file (not xlsx, damaged zip, …) is one clear refusal
        raise DomainError(CrmError.IMPORT_UNREADABLE) from exc
    if not raw:
        raise DomainError(CrmError.IMPORT_NO_NAME_COLUMN)
    columns = {i: HEADINGS.get(str(h or "").strip().lower()) for i, h in enumerate(raw[0])}
    if "name" not in columns.values():
        raise DomainError(CrmError.IMPORT_NO_NAME_COLUMN)
    if len(raw) > MAX_ROWS:
        raise DomainError(CrmError.IMPORT_TOO_MANY_ROWS, limit=MAX_ROWS)
    out = []
    for number, row in enumerate(raw[1:], start=2):
        values = {f: _cell(row[i]) for i, f in columns.items() if f and i < len(row) and row[i] is not None}
        if any(values.values()):
            out.append((number, values))
    return out


def _cell(value: Any) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%m-%d")  # a birthday typed as a date
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _customer_values(values: dict[str, str], classes: dict[str, CustomerClass], problems: list[str]) -> dict:
    out: dict[str, Any] = {k: values[k] for k in CUSTOMER_COLUMNS if k in values}
    if "kind" in out:
        kind = KINDS.get(out["kind"].lower())
        if kind is None:
            problems.append(_("the type %(value)s is neither company nor person") % {"value": out["kind"][:20]})
        out["kind"] = kind
    if "customer_class" in out:
        cls = classes.get(out["customer_class"].lower())
        if cls is None:
            problems.append(_("there is no customer class %(value)s") % {"value": out["customer_class"][:50]})
        out["customer_class"] = cls
    if out.get("credit_rating") and out["credit_rating"].upper() not in CreditRating.values:
        problems.append(_("the credit rating %(value)s is not one of %(allowed)s")
                        % {"value": out["credit_rating"][:10], "allowed": ", ".join(CreditRating.values)})
    elif out.get("credit_rating"):
        out["credit_rating"] = out["credit_rating"].upper()
    if "credit_limit" in out:
        out["credit_limit"] = out["credit_limit"].replace(",", "").replace("¥", "") or "0"
    if "tags" in out:
        out["tags"] = services._tags(out["tags"])
    return out


def _contact_values(values: dict[str, str], problems: list[str]) -> dict[str, Any] | None:
    if not values.get("contact_name"):
        return None
    out: dict[str, Any] = {"name": values["contact_name"], "title": values.get("contact_title", ""),
                           "phone": values.get("contact_phone", ""), "email": values.get("contact_email", "")}
    birthday = values.get("contact_birthday", "").replace("/", "-").replace("月", "-").replace("日", "")
    if birthday:
        parts = birthday.split("-")[-2:]
        try:
            out["birthday_month"], out["birthday_day"] = int(parts[0]), int(parts[1])
        except (ValueError, IndexError):
            out["birthday_month"] = None
        if out.get("birthday_month") is None or not services._valid_day(out["birthday_month"], out["birthday_day"]):
            problems.append(_("the birthday %(value)s is not MM-DD") % {"value": birthday[:20]})
    return out


def _same(existing: Customer, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(existing, name)
        if name == "credit_code":
            value = matching.credit_key(value)
        if name == "email":
            value = matching.email_key(value)
        if name == "credit_limit":
            try:
                if services._money(value) != current:
                    return False
            except DomainError:
                return False
            continue
        if current != value:
            return False
    return True


def import_customers(upload: Any, *, actor: Any) -> ImportReport:
    """Import customers (and one contact per row) from the first sheet of an xlsx file."""
    permissions.require(actor, "add", Customer)  # each row is then placed within the actor's scope
    report = ImportReport()
    classes = {}
    for cls in CustomerClass.objects.filter(is_active=True):
        classes[cls.name.lower()] = classes[cls.code.lower()] = cls
    default_class = CustomerClass.objects.filter(is_active=True).order_by("-sort_order", "pk").last()
    done: set[int] = set()  # customers this import has already created, updated or checked
    for number, raw in _rows(upload):
        problems: list[str] = []
        values = _customer_values(raw, classes, problems)
        contact = _contact_values(raw, problems)
        if not values.get("name"):
            problems.append(_("the name is missing"))
        code = matching.credit_key(values.get("credit_code", ""))
        if code and not matching.valid_credit_code(code):
            problems.append(_("the unified social credit code %(code)s is not valid") % {"code": code[:30]})
        if problems:
            report.errors.append((number, "; ".join(problems)))
            continue
        existing = (Customer.objects.live().filter(credit_code=code).first() if code else None) or \
            Customer.objects.live().filter(name_key=matching.name_key(values["name"])).first()
        if existing is not None and not permissions.can(actor, "change", existing):
            report.errors.append((number, _("the customer exists already and belongs to someone else (%(owner)s)")
                                  % {"owner": existing.owner_name}))
            continue
        try:
            with transaction.atomic():
                if existing is None:
                    values.setdefault("customer_class", default_class)
                    dupes = services.duplicates_of(values, actor=actor)
                    customer = services.save_customer(None, values, actor=actor)
                    report.created += 1
                    if dupes:
                        report.warnings.append((number, _("possible duplicate of %(records)s") % {
                            "records": "; ".join(c.label if c.visible else c.owner_name for c in dupes)}))
                elif existing.pk in done:  # another row of the same customer (one more contact)
                    customer = existing
                elif _same(existing, values):
                    customer = existing
                    report.unchanged += 1
                else:
                    customer = services.save_customer(existing, values, actor=actor)
                    report.updated += 1
                done.add(customer.pk)
                if contact is not None:
                    current = customer.contacts.filter(name=contact["name"]).first()
                    contact["email"] = matching.email_key(contact["email"])
                    if current is None or any(str(getattr(current, k) or "") != str(v or "")
                                              for k, v in contact.items()):
                        services.save_contact(current, contact, customer=customer, actor=actor)
                        report.contacts += 1
        except DomainError as exc:
            report.errors.append((number, exc.message))
    return report
