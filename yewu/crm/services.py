"""Every write of the CRM: leads, customers, contacts, visits, communications, follow-ups, care.

Each function locks the rows it changes, checks the actor's right and the business rule, writes
the change and its audit event in one transaction: a refusal is a DomainError (code + translated
message) and nothing is saved. Pages, the API, the import and the worker all come through here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from yewu.core import permissions
from yewu.core.audit import delta, record_event, snapshot
from yewu.core.errors import DomainError
from yewu.core.models import Attachment
from yewu.core.services import next_number, notify
from yewu.crm import intake, matching
from yewu.crm.choices import (
    LEAD_OPEN,
    CareKind,
    CareStatus,
    Channel,
    CustomerStatus,
    FollowUpKind,
    FollowUpStatus,
    LeadStatus,
    VisitStatus,
)
from yewu.crm.errors import CrmError
from yewu.crm.models import (
    CareTask,
    CareTemplate,
    Communication,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
    Visit,
)

LEAD_FIELDS = (
    "source", "company_name", "contact_name", "contact_title", "phone", "email", "credit_code", "industry",
    "region", "need", "needs_analysis", "department",
)
CUSTOMER_FIELDS = (
    "kind", "name", "credit_code", "customer_class", "industry", "region", "address", "phone", "email",
    "credit_rating", "credit_limit", "owner", "department", "tags", "notes",
)
CONTACT_FIELDS = ("name", "title", "phone", "email", "birthday_month", "birthday_day", "is_primary", "notes")
COMMUNICATION_FIELDS = ("contact", "at", "channel", "content", "feedback", "follow_up_action", "follow_up_due")
SETTING_FIELDS: dict[type, tuple[str, ...]] = {
    LeadSource: ("code", "name", "sort_order", "is_active"),
    CustomerClass: ("code", "name", "follow_up_days", "sort_order", "is_active"),
    CareTemplate: ("kind", "name", "body", "is_default"),
    Holiday: ("name", "date", "template", "is_active"),
}


# --- helpers -------------------------------------------------------------------------------------


def _apply(obj: Any, fields: Iterable[str], values: dict[str, Any]) -> None:
    for name in fields:
        if name in values:
            setattr(obj, name, values[name])


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label)


def _employee(user: Any) -> Any:
    return getattr(user, "employee", None) if user is not None and hasattr(user, "employee") else None


def _actor_department(actor: Any) -> Any:
    employee = _employee(actor)
    return employee.department if employee is not None else None


def _require_place(actor: Any, action: str, model: type, *, owner: Any, department: Any) -> None:
    """A record placed with `owner` in `department` must lie inside the actor's grant for `action`.
    Owning it themself is enough only in their own department; elsewhere the grant must reach the
    department (nobody files records into a department they may not work in)."""
    own_dept = department is not None and department.pk in {d.pk for d in permissions.departments_of(actor)}
    if own_dept or department is None:
        permissions.require_new(actor, action, model, owner=owner, department=department)
    else:
        permissions.require_new(actor, action, model, department=department)


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _check_contact_details(values: dict[str, Any]) -> None:
    email = values.get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(CrmError.BAD_EMAIL, email=str(email)[:100]) from exc
    phone = values.get("phone")
    if phone and not matching.valid_phone(phone):
        raise DomainError(CrmError.BAD_PHONE, phone=str(phone)[:40])


def _check_credit_code(obj: Any) -> None:
    obj.credit_code = matching.credit_key(obj.credit_code)
    if obj.credit_code and not matching.valid_credit_code(obj.credit_code):
        raise DomainError(CrmError.BAD_CREDIT_CODE, code=obj.credit_code[:30])


def _is_active_user(user: Any) -> bool:
    employee = _employee(user)
    return bool(user is not None and user.is_active and (employee is None or employee.status == "active"))


def _move_attachments(source: Any, target: Any) -> int:
    ct_from = ContentType.objects.get_for_model(source)
    ct_to = ContentType.objects.get_for_model(target)
    return Attachment.objects.filter(content_type=ct_from, object_id=str(source.pk)).update(
        content_type=ct_to, object_id=str(target.pk)
    )


# --- duplicates ----------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A lead or customer that looks like the one being entered, and why (name, phone, e-mail,
    credit code). `visible` says whether the actor may open it; otherwise only its kind, owner and
    the reasons are shown, never its details."""

    record: Any
    reasons: list[str] = field(default_factory=list)
    visible: bool = False

    @property
    def kind(self) -> str:
        return self.record._meta.model_name

    @property
    def label(self) -> str:
        if isinstance(self.record, Lead):
            return f"{self.record.number} {self.record.company_name}"
        return f"{self.record.number} {self.record.name}"

    @property
    def owner_name(self) -> str:
        return self.record.owner_name

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.kind, "reasons": list(self.reasons), "owner": self.owner_name}
        if self.visible:
            data.update(id=self.record.pk, label=self.label, url=self.record.get_absolute_url())
        return data


def find_duplicates(
    *, name: str = "", phone: str = "", email: str = "", credit_code: str = "", actor: Any,
    exclude: Any = None, limit: int = 10,
) -> list[Candidate]:
    """Open leads and live customers (and customers' contacts) that share the normalised name,
    phone, e-mail or credit code. Looks through all records, whoever owns them, so that nobody
    registers a customer a colleague already has; what the actor may not see stays hidden."""
    keys = {
        "name": matching.name_key(name), "phone": matching.phone_key(phone), "email": matching.email_key(email),
        "credit_code": matching.credit_key(credit_code),
    }
    found: dict[tuple[str, int], Candidate] = {}

    def add(record: Any, reason: str) -> None:
        if exclude is not None and type(record) is type(exclude) and record.pk == exclude.pk:
            return
        cand = found.setdefault((record._meta.model_name, record.pk), Candidate(record))
        if reason not in cand.reasons:
            cand.reasons.append(reason)

    lookups = {
        "name": ("name_key", "name_key", None),
        "phone": ("phone_key", "phone_key", "phone_key"),
        "email": ("email__iexact", "email__iexact", "email__iexact"),
        "credit_code": ("credit_code", "credit_code", None),
    }
    for reason, (lead_field, customer_field, contact_field) in lookups.items():
        value = keys[reason]
        if not value or (reason == "phone" and len(value) < 5):
            continue
        for lead in Lead.objects.filter(status__in=LEAD_OPEN, **{lead_field: value}).select_related("owner")[:limit]:
            add(lead, reason)
        for customer in Customer.objects.live().filter(**{customer_field: value}).select_related("owner")[:limit]:
            add(customer, reason)
        if contact_field:
            contacts = Contact.objects.filter(customer__status__in=[CustomerStatus.ACTIVE, CustomerStatus.DORMANT],
                                              **{contact_field: value}).select_related("customer__owner")[:limit]
            for contact in contacts:
                add(contact.customer, reason)
    candidates = list(found.values())[:limit]
    for cand in candidates:
        cand.visible = permissions.can(actor, "view", cand.record)
    return candidates


def duplicates_of(values: dict[str, Any], *, actor: Any, exclude: Any = None) -> list[Candidate]:
    """find_duplicates for a lead's or customer's values (either field naming)."""
    return find_duplicates(
        name=values.get("company_name") or values.get("name") or "", phone=values.get("phone") or "",
        email=values.get("email") or "", credit_code=values.get("credit_code") or "", actor=actor, exclude=exclude,
    )


# --- settings (sources, classes, templates, holidays) ----------------------------------------------


@transaction.atomic
def save_setting(model: type, obj: Any, values: dict[str, Any], *, actor: Any) -> Any:
    """Create or change a lead source, customer class, greeting template or holiday."""
    fields = SETTING_FIELDS[model]
    if obj is None:
        permissions.require_new(actor, "add", model)
        obj, before, creating = model(), {}, True
    else:
        obj = model.objects.select_for_update().get(pk=obj.pk)
        permissions.require(actor, "change", obj)
        before, creating = snapshot(obj, fields), False
    _apply(obj, fields, values)
    if "code" in fields and model.objects.filter(code=obj.code).exclude(pk=obj.pk).exists():
        raise DomainError(CrmError.CODE_TAKEN, code=obj.code)
    if model is CustomerClass and (obj.follow_up_days is None or int(obj.follow_up_days) < 0):
        raise DomainError(CrmError.CADENCE_NEGATIVE)
    obj.save()
    if model is CareTemplate and obj.is_default:
        CareTemplate.objects.filter(kind=obj.kind, is_default=True).exclude(pk=obj.pk).update(is_default=False)
    name = model._meta.model_name
    record_event(obj, f"{name}.created" if creating else f"{name}.changed", actor=actor,
                 data=delta(before, snapshot(obj, fields)), new=creating)
    return obj


# --- leads ---------------------------------------------------------------------------------------


def _lead_keys(lead: Lead) -> None:
    lead.company_name = _text(lead.company_name, 200)
    lead.name_key = matching.name_key(lead.company_name)
    lead.phone_key = matching.phone_key(lead.phone)
    lead.email = matching.email_key(lead.email)


def _check_lead(lead: Lead) -> None:
    if not lead.company_name:
        raise DomainError(CrmError.NAME_REQUIRED)
    if not (lead.phone or lead.email):
        raise DomainError(CrmError.CONTACT_REQUIRED)
    _check_contact_details({"phone": lead.phone, "email": lead.email})
    _check_credit_code(lead)
    if not str(lead.need or "").strip():
        raise DomainError(CrmError.REASON_REQUIRED)
    if lead.department_id is None:
        raise DomainError(CrmError.DEPARTMENT_REQUIRED)


def _sync_lead_children(lead: Lead) -> None:
    """Communications and follow-ups of an unconverted lead follow its owner and department."""
    if lead.customer_id is None:
        Communication.objects.filter(lead=lead, customer__isnull=True).update(owner=lead.owner,
                                                                               department=lead.department)
        FollowUp.objects.filter(lead=lead, customer__isnull=True, status=FollowUpStatus.OPEN).update(
            owner=lead.owner, department=lead.department)


@transaction.atomic
def save_lead(lead: Lead | None, values: dict[str, Any], *, actor: Any) -> Lead:
    """Register a lead (业务线索登记; the registrant owns it, in their department unless another is
    chosen) or change its details while it is open. Possible duplicates are kept in the event. A new
    lead starts the business-intake process when it is installed (yewu.crm.intake)."""
    creating = lead is None
    if creating:
        obj = Lead(owner=actor, created_by=actor, department=_actor_department(actor))
        before: dict[str, Any] = {}
    else:
        obj = Lead.objects.select_for_update().get(pk=lead.pk)
        permissions.require(actor, "change", obj)
        if not obj.can_edit():
            raise DomainError(CrmError.LEAD_LOCKED, number=obj.number, status=_label(LeadStatus, obj.status))
        before = snapshot(obj, LEAD_FIELDS)
    _apply(obj, LEAD_FIELDS, values)
    _lead_keys(obj)
    _check_lead(obj)
    if creating or before.get("department") != obj.department_id:
        _require_place(actor, "add" if creating else "change", Lead, owner=obj.owner, department=obj.department)
    if creating:
        obj.number = next_number("LD")
    obj.save()
    if not creating:
        _sync_lead_children(obj)
    dupes = duplicates_of({"name": obj.company_name, "phone": obj.phone, "email": obj.email,
                           "credit_code": obj.credit_code}, actor=actor, exclude=obj)
    data: dict[str, Any] = dict(delta(before, snapshot(obj, LEAD_FIELDS)))
    if dupes:
        data["possible_duplicates"] = [f"{c.kind}:{c.record.pk}" for c in dupes]
    record_event(obj, "lead.registered" if creating else "lead.changed", actor=actor, data=data,
                 department=obj.department, new=creating)
    if creating:
        intake.start(obj, actor)
    return obj


def _lead_for_update(lead: Lead, actor: Any, action: str) -> Lead:
    obj = Lead.objects.select_for_update().get(pk=lead.pk)
    permissions.require(actor, action, obj)
    return obj


def _lead_move(obj: Lead, target: str) -> None:
    if not obj.can_move_to(target):
        raise DomainError(CrmError.BAD_TRANSITION, record=obj.number, current=_label(LeadStatus, obj.status),
                          target=_label(LeadStatus, target))


@transaction.atomic
def evaluate_lead(lead: Lead, *, in_scope: bool, reason: str = "", actor: Any) -> Lead:
    """The business manager's first evaluation: within the company's business scope or not (a lead
    out of scope needs the reason). While the lead's intake process runs, only the holder of its
    evaluation task may do it, and doing it completes that task."""
    obj = _lead_for_update(lead, actor, "evaluate")
    target = LeadStatus.QUALIFIED if in_scope else LeadStatus.DISQUALIFIED
    task = intake.step_task(obj, "evaluate", actor)
    _lead_move(obj, target)
    reason = _text(reason, 500)
    if not in_scope and not reason:
        raise DomainError(CrmError.REASON_REQUIRED)
    old = obj.status
    obj.status, obj.status_reason = target, reason
    obj.evaluated_by, obj.evaluated_at = actor, timezone.now()
    obj.save(update_fields=["status", "status_reason", "evaluated_by", "evaluated_at"])
    record_event(obj, "lead.evaluated", actor=actor, department=obj.department,
                 data={"status": [old, target], "in_scope": bool(in_scope), "reason": reason})
    if task is not None:
        intake.complete(task, actor=actor, comment=reason,
                        form={"scope": "in" if in_scope else "out", "evaluator": actor.pk})
        obj.refresh_from_db()
    return obj


@transaction.atomic
def assign_lead(lead: Lead, *, assignee: Any, actor: Any) -> Lead:
    """Hand an in-scope lead to a project manager or business specialist, who owns it from now on
    (the lead moves to their department). While the intake runs this completes the manager's
    assignment task; during the needs analysis it hands that task to the new assignee."""
    obj = _lead_for_update(lead, actor, "evaluate")
    waiting = intake.waiting_step(obj) if intake.running(obj) else None
    task = intake.step_task(obj, "assign", actor) if waiting != "needs_analysis" else None
    _lead_move(obj, LeadStatus.ASSIGNED)
    if assignee is None:
        raise DomainError(CrmError.ASSIGNEE_REQUIRED)
    if not _is_active_user(assignee):
        raise DomainError(CrmError.ASSIGNEE_INACTIVE, name=_person(assignee))
    department = _actor_department(assignee) or obj.department
    if department.pk != obj.department_id:
        _require_place(actor, "evaluate", Lead, owner=None, department=department)
    old = (obj.status, obj.owner_id, obj.department_id)
    obj.status, obj.owner, obj.department, obj.assigned_at = LeadStatus.ASSIGNED, assignee, department, timezone.now()
    obj.save(update_fields=["status", "owner", "department", "assigned_at"])
    _sync_lead_children(obj)
    record_event(obj, "lead.assigned", actor=actor, department=obj.department,
                 data={"status": [old[0], obj.status], "owner": [old[1], assignee.pk],
                       "department": [old[2], department.pk]})
    notify([assignee], title=gettext("Lead %(number)s %(name)s was assigned to you")
           % {"number": obj.number, "name": obj.company_name}, url=obj.get_absolute_url())
    if task is not None:
        intake.complete(task, actor=actor, form={"assignee": assignee.pk})
        obj.refresh_from_db()
    elif waiting == "needs_analysis":  # handed to someone else while the analysis waits
        from yewu.workflow import services as workflow

        workflow.hand_over_step(obj.process, "needs_analysis", actor=actor, to_user=assignee,
                                comment=gettext("The lead was assigned to someone else."))
    return obj


@transaction.atomic
def record_needs_analysis(lead: Lead, *, summary: str = "", actor: Any) -> Lead:
    """The assignee's needs analysis (客户需求分析): the summary on the lead, the report as its
    attachment; at least one of the two. Completes the intake's needs-analysis step when it runs."""
    obj = _lead_for_update(lead, actor, "view")
    task = intake.step_task(obj, "needs_analysis", actor)
    if task is None:
        permissions.require(actor, "change", obj)
        if not obj.can_edit():
            raise DomainError(CrmError.LEAD_LOCKED, number=obj.number, status=_label(LeadStatus, obj.status))
    summary = str(summary or "").strip()
    if summary:
        obj.needs_analysis = summary
        obj.save(update_fields=["needs_analysis"])
    elif not obj.needs_analysis.strip() and not Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)).exists():
        raise DomainError(CrmError.NEEDS_ANALYSIS_REQUIRED)
    record_event(obj, "lead.needs_analysed", actor=actor, department=obj.department,
                 data={"summary": bool(summary), "process": obj.process.number if obj.process_id else None})
    if task is not None:
        intake.complete(task, actor=actor)
        obj.refresh_from_db()
    return obj


def _person(user: Any) -> str:
    from yewu.crm.models.customers import person_name

    return person_name(user)


@transaction.atomic
def close_lead(lead: Lead, *, reason: str, actor: Any) -> Lead:
    """Give up a lead that will not become business (the reason is kept)."""
    obj = _lead_for_update(lead, actor, "change")
    _lead_move(obj, LeadStatus.CLOSED)
    reason = _text(reason, 500)
    if not reason:
        raise DomainError(CrmError.REASON_REQUIRED)
    old = obj.status
    obj.status, obj.status_reason = LeadStatus.CLOSED, reason
    obj.save(update_fields=["status", "status_reason"])
    record_event(obj, "lead.closed", actor=actor, department=obj.department,
                 data={"status": [old, obj.status], "reason": reason})
    intake.end(obj, actor=actor, reason=reason)
    return obj


@transaction.atomic
def convert_lead(
    lead: Lead, *, customer: Customer | None = None, values: dict[str, Any] | None = None, actor: Any
) -> Customer:
    """Turn an in-scope lead into a customer (a new one from the lead's details, or an existing one
    it belongs to). The lead keeps its history; its communications and follow-ups join the customer,
    its contact person becomes a contact, and the customer page shows the lead's trail."""
    obj = _lead_for_update(lead, actor, "change")
    _lead_move(obj, LeadStatus.CONVERTED)
    if customer is not None:
        target = Customer.objects.select_for_update().get(pk=customer.pk)
        permissions.require(actor, "change", target)
        if not target.is_live():
            raise DomainError(CrmError.CUSTOMER_MERGED, name=target.name, into=str(target.merged_into))
        created = False
    else:
        base = {
            "kind": "company", "name": obj.company_name, "credit_code": obj.credit_code, "industry": obj.industry,
            "region": obj.region, "phone": obj.phone, "email": obj.email, "owner": obj.owner,
            "department": obj.department,
        }
        base.update(values or {})
        target = _create_customer(base, actor=actor, origin={"lead": obj.number})
        created = True
    if obj.contact_name and not target.contacts.filter(name=obj.contact_name).exists():
        contact = Contact(customer=target, name=_text(obj.contact_name, 100), title=obj.contact_title,
                          phone=obj.phone, email=obj.email, is_primary=not target.contacts.exists())
        contact.phone_key = matching.phone_key(contact.phone)
        contact.save()
        record_event(target, "customer.contact_added", actor=actor, department=target.department,
                     data={"contact": contact.pk, "name": contact.name, "from_lead": obj.number})
    Communication.objects.filter(lead=obj).update(customer=target, owner=target.owner, department=target.department)
    FollowUp.objects.filter(lead=obj).update(customer=target)
    FollowUp.objects.filter(lead=obj, status=FollowUpStatus.OPEN).update(owner=target.owner,
                                                                          department=target.department)
    old = obj.status
    obj.status, obj.customer, obj.converted_at = LeadStatus.CONVERTED, target, timezone.now()
    obj.save(update_fields=["status", "customer", "converted_at"])
    record_event(obj, "lead.converted", actor=actor, department=obj.department,
                 data={"status": [old, obj.status], "customer": target.number, "new_customer": created})
    intake.end(obj, actor=actor, reason=gettext("Converted to customer %(number)s") % {"number": target.number})
    if not created:
        record_event(target, "customer.lead_attached", actor=actor, department=target.department,
                     data={"lead": obj.number})
    return target


@transaction.atomic
def merge_leads(duplicate: Lead, into: Lead, *, actor: Any) -> Lead:
    """Merge a duplicate lead into another: blanks are filled from the duplicate, its
    communications, follow-ups and files move over, and it stays as a merged record pointing there."""
    if duplicate.pk == into.pk:
        raise DomainError(CrmError.MERGE_SELF)
    first, second = sorted([duplicate.pk, into.pk])
    locked = {o.pk: o for o in Lead.objects.select_for_update().filter(pk__in=[first, second])}
    dup, keep = locked[duplicate.pk], locked[into.pk]
    for obj in (dup, keep):
        permissions.require(actor, "change", obj)
        if obj.status not in LEAD_OPEN:
            raise DomainError(CrmError.MERGE_STATE, record=obj.number, status=_label(LeadStatus, obj.status))
    before = snapshot(keep, LEAD_FIELDS)
    for name in ("contact_name", "contact_title", "phone", "email", "credit_code", "industry", "region",
                 "needs_analysis"):
        if not getattr(keep, name) and getattr(dup, name):
            setattr(keep, name, getattr(dup, name))
    if dup.need and dup.need not in keep.need:
        keep.need = f"{keep.need}\n{dup.need}"
    _lead_keys(keep)
    keep.save()
    moved = {
        "communications": Communication.objects.filter(lead=dup).update(lead=keep, owner=keep.owner,
                                                                         department=keep.department),
        "follow_ups": FollowUp.objects.filter(lead=dup).update(lead=keep, owner=keep.owner, department=keep.department),
        "attachments": _move_attachments(dup, keep),
    }
    old = dup.status
    dup.status, dup.merged_into = LeadStatus.MERGED, keep
    dup.save(update_fields=["status", "merged_into"])
    record_event(dup, "lead.merged", actor=actor, department=dup.department,
                 data={"status": [old, dup.status], "into": keep.number})
    intake.end(dup, actor=actor, reason=gettext("Merged into lead %(number)s") % {"number": keep.number})
    record_event(keep, "lead.merged_in", actor=actor, department=keep.department,
                 data={"from": dup.number, "moved": moved, **delta(before, snapshot(keep, LEAD_FIELDS))})
    return keep


# --- customers -----------------------------------------------------------------------------------


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    out: list[str] = []
    for tag in value or []:
        tag = str(tag).strip()[:30]
        if tag and tag not in out:
            out.append(tag)
    return out[:20]


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(CrmError.CREDIT_LIMIT_NEGATIVE) from exc
    if amount < 0 or not amount.is_finite():
        raise DomainError(CrmError.CREDIT_LIMIT_NEGATIVE)
    return amount.quantize(Decimal("0.01"))


def _prepare_customer(obj: Customer, values: dict[str, Any]) -> None:
    values = dict(values)
    if "tags" in values:
        values["tags"] = _tags(values["tags"])
    _apply(obj, CUSTOMER_FIELDS, values)
    obj.name = _text(obj.name, 200)
    if not obj.name:
        raise DomainError(CrmError.NAME_REQUIRED)
    if obj.customer_class_id is None:
        raise DomainError(CrmError.CLASS_REQUIRED)
    if obj.department_id is None:
        raise DomainError(CrmError.DEPARTMENT_REQUIRED)
    if obj.owner_id is None or not _is_active_user(obj.owner):
        raise DomainError(CrmError.OWNER_INACTIVE, name=_person(obj.owner) if obj.owner_id else "—")
    obj.email = matching.email_key(obj.email)
    _check_contact_details({"phone": obj.phone, "email": obj.email})
    _check_credit_code(obj)
    obj.credit_limit = _money(obj.credit_limit)
    obj.name_key = matching.name_key(obj.name)
    obj.phone_key = matching.phone_key(obj.phone)


def _create_customer(values: dict[str, Any], *, actor: Any, origin: dict[str, Any] | None = None) -> Customer:
    obj = Customer(owner=actor, department=_actor_department(actor))
    if "owner" in values and values["owner"] is not None and "department" not in values:
        values = {**values, "department": _actor_department(values["owner"])}
    _prepare_customer(obj, values)
    _require_place(actor, "add", Customer, owner=obj.owner, department=obj.department)
    obj.number = next_number("CUS")
    obj.save()
    record_event(obj, "customer.created", actor=actor, department=obj.department,
                 data={**delta({}, snapshot(obj, CUSTOMER_FIELDS)), **(origin or {})})
    return obj


def _sync_customer_children(obj: Customer) -> None:
    """Who the customer's activities belong to follows the customer (planned visits keep their visitor)."""
    Communication.objects.filter(customer=obj).update(owner=obj.owner, department=obj.department)
    FollowUp.objects.filter(customer=obj, status=FollowUpStatus.OPEN).update(owner=obj.owner,
                                                                              department=obj.department)
    CareTask.objects.filter(customer=obj, status=CareStatus.OPEN).update(owner=obj.owner, department=obj.department)
    Visit.objects.filter(customer=obj).update(department=obj.department)


@transaction.atomic
def save_customer(customer: Customer | None, values: dict[str, Any], *, actor: Any) -> Customer:
    """Create a customer (the actor owns it unless an owner is named, in the owner's department
    unless one is chosen) or change it; a new owner or department must be within the actor's scope."""
    if customer is None:
        return _create_customer(dict(values), actor=actor)
    obj = Customer.objects.select_for_update().get(pk=customer.pk)
    permissions.require(actor, "change", obj)
    if not obj.is_live():
        raise DomainError(CrmError.CUSTOMER_MERGED, name=obj.name, into=str(obj.merged_into))
    before = snapshot(obj, CUSTOMER_FIELDS)
    values = dict(values)
    if values.get("owner") is not None and "department" not in values and values["owner"].pk != obj.owner_id:
        values["department"] = _actor_department(values["owner"]) or obj.department
    _prepare_customer(obj, values)
    moved = before.get("owner") != obj.owner_id or before.get("department") != obj.department_id
    if moved:
        _require_place(actor, "change", Customer, owner=None if obj.owner_id != actor.pk else obj.owner,
                       department=obj.department)
    obj.save()
    if moved:
        _sync_customer_children(obj)
    record_event(obj, "customer.changed", actor=actor, department=obj.department,
                 data=delta(before, snapshot(obj, CUSTOMER_FIELDS)))
    return obj


@transaction.atomic
def merge_customers(duplicate: Customer, into: Customer, *, actor: Any) -> Customer:
    """Merge a duplicate customer into another: contacts, leads, visits, communications,
    follow-ups, greetings and files move over, blanks are filled; the duplicate stays, merged."""
    if duplicate.pk == into.pk:
        raise DomainError(CrmError.MERGE_SELF)
    locked = {o.pk: o for o in Customer.objects.select_for_update().filter(pk__in=sorted([duplicate.pk, into.pk]))}
    dup, keep = locked[duplicate.pk], locked[into.pk]
    for obj in (dup, keep):
        permissions.require(actor, "change", obj)
        if not obj.is_live():
            raise DomainError(CrmError.MERGE_STATE, record=obj.number, status=_label(CustomerStatus, obj.status))
    before = snapshot(keep, CUSTOMER_FIELDS)
    for name in ("credit_code", "industry", "region", "address", "phone", "email", "credit_rating"):
        if not getattr(keep, name) and getattr(dup, name):
            setattr(keep, name, getattr(dup, name))
    keep.tags = _tags(list(keep.tags or []) + list(dup.tags or []))
    if dup.last_contact_on and (keep.last_contact_on is None or dup.last_contact_on > keep.last_contact_on):
        keep.last_contact_on = dup.last_contact_on
    keep.name_key, keep.phone_key = matching.name_key(keep.name), matching.phone_key(keep.phone)
    keep.save()
    # One open regular follow-up per customer: the duplicate's is cancelled when `into` has one.
    if FollowUp.objects.filter(customer=keep, kind=FollowUpKind.CADENCE, status=FollowUpStatus.OPEN).exists():
        FollowUp.objects.filter(customer=dup, kind=FollowUpKind.CADENCE, status=FollowUpStatus.OPEN).update(
            status=FollowUpStatus.CANCELLED)
    existing_holidays = set(CareTask.objects.filter(customer=keep, kind=CareKind.HOLIDAY)
                            .values_list("holiday_id", flat=True))
    CareTask.objects.filter(customer=dup, kind=CareKind.HOLIDAY, holiday_id__in=existing_holidays).delete()
    moved = {
        "contacts": Contact.objects.filter(customer=dup).update(customer=keep),
        "leads": Lead.objects.filter(customer=dup).update(customer=keep),
        "visits": Visit.objects.filter(customer=dup).update(customer=keep, department=keep.department),
        "communications": Communication.objects.filter(customer=dup).update(customer=keep),
        "follow_ups": FollowUp.objects.filter(customer=dup).update(customer=keep),
        "greetings": CareTask.objects.filter(customer=dup).update(customer=keep),
        "attachments": _move_attachments(dup, keep),
    }
    _sync_customer_children(keep)
    old = dup.status
    dup.status, dup.merged_into = CustomerStatus.MERGED, keep
    dup.save(update_fields=["status", "merged_into"])
    record_event(dup, "customer.merged", actor=actor, department=dup.department,
                 data={"status": [old, dup.status], "into": keep.number})
    record_event(keep, "customer.merged_in", actor=actor, department=keep.department,
                 data={"from": dup.number, "moved": moved, **delta(before, snapshot(keep, CUSTOMER_FIELDS))})
    return keep


@transaction.atomic
def save_contact(contact: Contact | None, values: dict[str, Any], *, customer: Customer | None = None,
                 actor: Any) -> Contact:
    """Add a contact to a live customer one can see (within one's add grant for contacts) or
    change one; the customer's trail records it."""
    creating = contact is None
    if creating:
        cust = _customer_for_work(customer, actor)
        _require_place(actor, "add", Contact, owner=cust.owner, department=cust.department)
        obj, before = Contact(customer=cust), {}
    else:
        obj = Contact.objects.select_for_update().get(pk=contact.pk)
        permissions.require(actor, "change", obj)
        cust = obj.customer
        if not cust.is_live():
            raise DomainError(CrmError.CUSTOMER_MERGED, name=cust.name, into=str(cust.merged_into))
        before = snapshot(obj, CONTACT_FIELDS)
    _apply(obj, CONTACT_FIELDS, values)
    obj.name = _text(obj.name, 100)
    if not obj.name:
        raise DomainError(CrmError.NAME_REQUIRED)
    obj.email = matching.email_key(obj.email)
    _check_contact_details({"phone": obj.phone, "email": obj.email})
    month, day = obj.birthday_month, obj.birthday_day
    if (month is None) != (day is None) or (month is not None and not _valid_day(month, day)):
        raise DomainError(CrmError.BAD_BIRTHDAY, month=month or "?", day=day or "?")
    obj.phone_key = matching.phone_key(obj.phone)
    obj.save()
    if obj.is_primary:
        Contact.objects.filter(customer=cust, is_primary=True).exclude(pk=obj.pk).update(is_primary=False)
    record_event(cust, "customer.contact_added" if creating else "customer.contact_changed", actor=actor,
                 department=cust.department,
                 data={"contact": obj.pk, "name": obj.name, **delta(before, snapshot(obj, CONTACT_FIELDS))})
    return obj


def _valid_day(month: Any, day: Any) -> bool:
    try:
        datetime.date(2024, int(month), int(day))  # a leap year: 29 February is a birthday
    except (TypeError, ValueError):
        return False
    return True


# --- visits --------------------------------------------------------------------------------------


def _customer_for_work(customer: Customer, actor: Any) -> Customer:
    """A live customer the actor can see (activities are recorded on what one can see)."""
    obj = Customer.objects.select_related("owner", "department").get(pk=customer.pk)
    permissions.require(actor, "view", obj)
    if not obj.is_live():
        raise DomainError(CrmError.CUSTOMER_MERGED, name=obj.name, into=str(obj.merged_into))
    return obj


def _check_contact_of(contact: Any, customer: Customer) -> Any:
    if contact is None:
        return None
    if contact.customer_id != customer.pk:
        raise DomainError(CrmError.CONTACT_FOREIGN, contact=contact.name, customer=customer.name)
    return contact


@transaction.atomic
def plan_visit(customer: Customer, values: dict[str, Any], *, actor: Any, today: datetime.date | None = None) -> Visit:
    """Plan a visit to a customer on a day (today or later), for the actor or a named visitor."""
    cust = _customer_for_work(customer, actor)
    today = today or timezone.localdate()
    visitor = values.get("owner") or actor
    planned_on = values.get("planned_on")
    if planned_on is None or planned_on < today:
        raise DomainError(CrmError.VISIT_IN_PAST, date=planned_on.isoformat() if planned_on else "—")
    if not _is_active_user(visitor):
        raise DomainError(CrmError.ASSIGNEE_INACTIVE, name=_person(visitor))
    _require_place(actor, "add", Visit, owner=visitor if visitor.pk == actor.pk else None, department=cust.department)
    purpose = _text(values.get("purpose"), 300)
    if not purpose:
        raise DomainError(CrmError.REASON_REQUIRED)
    visit = Visit.objects.create(
        customer=cust, contact=_check_contact_of(values.get("contact"), cust), planned_on=planned_on,
        purpose=purpose, owner=visitor, department=cust.department,
    )
    record_event(visit, "visit.planned", actor=actor, department=cust.department,
                 data={"customer": cust.number, "planned_on": planned_on.isoformat(), "owner": visitor.pk})
    return visit


@transaction.atomic
def check_in_visit(visit: Visit, values: dict[str, Any], *, actor: Any) -> Visit:
    """Record that a planned visit took place: time, notes, outcome and next step. It is also a
    contact in the customer's communication log (a next step with a date becomes a follow-up)."""
    obj = Visit.objects.select_for_update().get(pk=visit.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_check_in():
        raise DomainError(CrmError.VISIT_STATE, status=_label(VisitStatus, obj.status))
    at = values.get("at") or timezone.now()
    obj.notes = _text(values.get("notes"), 5000)
    obj.outcome = _text(values.get("outcome"), 5000)
    obj.next_step = _text(values.get("next_step"), 300)
    if not obj.notes:
        raise DomainError(CrmError.REASON_REQUIRED)
    obj.status, obj.checked_in_at = VisitStatus.DONE, at
    obj.save(update_fields=["status", "checked_in_at", "notes", "outcome", "next_step"])
    record_event(obj, "visit.checked_in", actor=actor, department=obj.department,
                 data={"status": [VisitStatus.PLANNED, VisitStatus.DONE], "at": at.isoformat(),
                       "outcome": obj.outcome[:200], "next_step": obj.next_step})
    _log(obj.customer, None, {
        "contact": obj.contact, "at": at, "channel": Channel.VISIT, "content": obj.notes, "feedback": obj.outcome,
        "follow_up_action": obj.next_step, "follow_up_due": values.get("next_step_due"),
    }, actor=actor)
    return obj


@transaction.atomic
def cancel_visit(visit: Visit, *, reason: str = "", actor: Any) -> Visit:
    """Call off a planned visit (the reason, if given, is kept in its trail)."""
    obj = Visit.objects.select_for_update().get(pk=visit.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_check_in():
        raise DomainError(CrmError.VISIT_STATE, status=_label(VisitStatus, obj.status))
    obj.status = VisitStatus.CANCELLED
    obj.save(update_fields=["status"])
    record_event(obj, "visit.cancelled", actor=actor, department=obj.department,
                 data={"status": [VisitStatus.PLANNED, VisitStatus.CANCELLED], "reason": _text(reason, 500)})
    return obj


# --- communications and follow-ups ----------------------------------------------------------------


def _log(customer: Customer | None, lead: Lead | None, values: dict[str, Any], *, actor: Any,
         today: datetime.date | None = None) -> Communication:
    """Write a communication and what follows from it (inside the caller's transaction)."""
    today = today or timezone.localdate()
    target: Any = customer or lead
    comm = Communication(customer=customer, lead=lead, author=actor, owner=target.owner,
                         department=target.department)
    _apply(comm, COMMUNICATION_FIELDS, values)
    comm.at = comm.at or timezone.now()
    comm.content = _text(comm.content, 10000)
    comm.follow_up_action = _text(comm.follow_up_action, 300)
    if not comm.content:
        raise DomainError(CrmError.REASON_REQUIRED)
    if comm.channel not in Channel.values:
        comm.channel = Channel.OTHER
    if customer is not None:
        _check_contact_of(comm.contact, customer)
    elif comm.contact is not None:
        raise DomainError(CrmError.CONTACT_FOREIGN, contact=comm.contact.name, customer=lead.company_name)
    if comm.follow_up_due is not None and comm.follow_up_due < today:
        raise DomainError(CrmError.FOLLOW_UP_DUE_PAST, date=comm.follow_up_due.isoformat())
    comm.save()
    record_event(comm, "communication.logged", actor=actor, department=comm.department,
                 data={"customer": customer.number if customer else None, "lead": lead.number if lead else None,
                       "channel": comm.channel, "at": comm.at.isoformat()})
    if customer is not None:
        contact_day = timezone.localtime(comm.at).date()
        if customer.last_contact_on is None or contact_day > customer.last_contact_on:
            Customer.objects.filter(pk=customer.pk).update(last_contact_on=contact_day)
            customer.last_contact_on = contact_day
        # A contact made is the regular follow-up the class cadence asked for.
        for fu in FollowUp.objects.select_for_update().filter(customer=customer, kind=FollowUpKind.CADENCE,
                                                              status=FollowUpStatus.OPEN):
            _finish_follow_up(fu, comm, actor=actor)
    if comm.follow_up_due is not None:
        fu = FollowUp.objects.create(
            customer=customer, lead=lead, kind=FollowUpKind.ACTION, title=comm.follow_up_action or comm.content[:300],
            due_on=comm.follow_up_due, source=comm, owner=target.owner, department=target.department,
        )
        record_event(fu, "follow_up.created", actor=actor, department=fu.department,
                     data={"due_on": fu.due_on.isoformat(), "kind": fu.kind, "from": comm.pk})
    return comm


@transaction.atomic
def log_communication(values: dict[str, Any], *, customer: Customer | None = None, lead: Lead | None = None,
                      actor: Any, today: datetime.date | None = None) -> Communication:
    """Record an exchange with a customer or a lead (time, channel, content, feedback, follow-up
    action); a follow-up date makes a follow-up task for the owner."""
    if (customer is None) == (lead is None):
        raise DomainError(CrmError.COMMUNICATION_TARGET)
    if customer is not None:
        cust = _customer_for_work(customer, actor)
        _require_place(actor, "add", Communication, owner=cust.owner, department=cust.department)
        return _log(cust, None, values, actor=actor, today=today)
    obj = Lead.objects.select_related("owner", "department").get(pk=lead.pk)
    permissions.require(actor, "view", obj)
    if obj.customer_id is not None:  # converted: the customer carries the log now
        cust = _customer_for_work(obj.customer, actor)
        _require_place(actor, "add", Communication, owner=cust.owner, department=cust.department)
        return _log(cust, obj, values, actor=actor, today=today)
    if not obj.can_edit():
        raise DomainError(CrmError.LEAD_LOCKED, number=obj.number, status=_label(LeadStatus, obj.status))
    _require_place(actor, "add", Communication, owner=obj.owner, department=obj.department)
    return _log(None, obj, values, actor=actor, today=today)


def _finish_follow_up(fu: FollowUp, comm: Communication, *, actor: Any) -> None:
    fu.status, fu.result, fu.done_at = FollowUpStatus.DONE, comm, timezone.now()
    fu.save(update_fields=["status", "result", "done_at"])
    record_event(fu, "follow_up.done", actor=actor, department=fu.department,
                 data={"status": [FollowUpStatus.OPEN, FollowUpStatus.DONE], "communication": comm.pk})


@transaction.atomic
def complete_follow_up(follow_up: FollowUp, values: dict[str, Any], *, actor: Any) -> FollowUp:
    """Do a follow-up: the contact made goes into the communication log and closes the task."""
    fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    permissions.require(actor, "change", fu)
    if not fu.is_open():
        raise DomainError(CrmError.FOLLOW_UP_STATE, status=_label(FollowUpStatus, fu.status))
    values = {"channel": Channel.PHONE, **values}
    if fu.customer_id is not None:
        cust = _customer_for_work(fu.customer, actor)
        comm = _log(cust, fu.lead, values, actor=actor)
    else:
        comm = _log(None, fu.lead, values, actor=actor)
    fu.refresh_from_db()
    if fu.is_open():
        _finish_follow_up(fu, comm, actor=actor)
    return fu


@transaction.atomic
def save_follow_up(follow_up: FollowUp | None, values: dict[str, Any], *, customer: Customer | None = None,
                   actor: Any, today: datetime.date | None = None) -> FollowUp:
    """Add a follow-up to a customer by hand (for its owner), or change what and when of an open one."""
    today = today or timezone.localdate()
    if follow_up is None:
        if customer is None:
            raise DomainError(CrmError.COMMUNICATION_TARGET)
        cust = _customer_for_work(customer, actor)
        _require_place(actor, "add", FollowUp, owner=cust.owner, department=cust.department)
        fu, before = FollowUp(customer=cust, kind=FollowUpKind.ACTION, owner=cust.owner, department=cust.department), {}
    else:
        fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        permissions.require(actor, "change", fu)
        if not fu.is_open():
            raise DomainError(CrmError.FOLLOW_UP_STATE, status=_label(FollowUpStatus, fu.status))
        before = snapshot(fu, ("title", "due_on"))
    _apply(fu, ("title", "due_on"), values)
    fu.title = _text(fu.title, 300)
    if not fu.title:
        raise DomainError(CrmError.REASON_REQUIRED)
    moved = follow_up is not None and before.get("due_on") != fu.due_on
    if fu.due_on is None or ((follow_up is None or moved) and fu.due_on < today):
        raise DomainError(CrmError.FOLLOW_UP_DUE_PAST, date=fu.due_on.isoformat() if fu.due_on else "—")
    if moved:  # a new date: the reminder and the escalation apply to it afresh
        fu.reminded_at = fu.escalated_at = fu.escalated_to = None
    fu.save()
    record_event(fu, "follow_up.created" if follow_up is None else "follow_up.changed", actor=actor,
                 department=fu.department, data=delta(before, snapshot(fu, ("title", "due_on"))))
    return fu


@transaction.atomic
def cancel_follow_up(follow_up: FollowUp, *, reason: str, actor: Any) -> FollowUp:
    """Drop an open follow-up that is no longer needed; the reason is required and kept."""
    fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    permissions.require(actor, "change", fu)
    if not fu.is_open():
        raise DomainError(CrmError.FOLLOW_UP_STATE, status=_label(FollowUpStatus, fu.status))
    reason = _text(reason, 500)
    if not reason:
        raise DomainError(CrmError.REASON_REQUIRED)
    fu.status = FollowUpStatus.CANCELLED
    fu.save(update_fields=["status"])
    record_event(fu, "follow_up.cancelled", actor=actor, department=fu.department,
                 data={"status": [FollowUpStatus.OPEN, FollowUpStatus.CANCELLED], "reason": reason})
    return fu


# --- the worker: follow-up cadence, reminders, escalation -------------------------------------------


def run_follow_ups(today: datetime.date | None = None) -> dict[str, int]:
    """The periodic job: create the regular follow-ups that come due within the reminder window,
    remind owners of follow-ups due soon, and tell the owner's supervisor about missed ones.

    Each step happens once per follow-up (compare-and-set on its stamps), so running it again, or
    two workers at once, changes nothing. `today` lets tests move the clock."""
    today = today or timezone.localdate()
    window = datetime.timedelta(days=settings.YEWU_CRM_REMIND_DAYS)
    counts = {"created": create_due_follow_ups(today), "reminded": 0, "escalated": 0}
    soon = FollowUp.objects.filter(status=FollowUpStatus.OPEN, reminded_at__isnull=True, escalated_at__isnull=True,
                                   due_on__gte=today, due_on__lte=today + window)
    for pk in list(soon.values_list("pk", flat=True)[:2000]):
        counts["reminded"] += _remind(pk)
    missed = FollowUp.objects.filter(status=FollowUpStatus.OPEN, escalated_at__isnull=True, due_on__lt=today)
    for pk in list(missed.values_list("pk", flat=True)[:2000]):
        counts["escalated"] += _escalate(pk, today)
    return counts


def create_due_follow_ups(today: datetime.date) -> int:
    """A regular follow-up for each live customer whose class cadence comes due within the reminder
    window and who has no open one (a unique constraint keeps it to one)."""
    horizon = today + datetime.timedelta(days=settings.YEWU_CRM_REMIND_DAYS)
    customers = (
        Customer.objects.live().filter(customer_class__follow_up_days__gt=0)
        .exclude(follow_ups__kind=FollowUpKind.CADENCE, follow_ups__status=FollowUpStatus.OPEN)
        .select_related("customer_class")
    )
    created = 0
    for customer in customers.iterator(chunk_size=500):
        due = customer.next_follow_up_on()
        if due is None or due > horizon:
            continue
        title = gettext("Regular follow-up (%(cls)s, every %(days)s days)") % {
            "cls": customer.customer_class.name, "days": customer.customer_class.follow_up_days}
        try:
            with transaction.atomic():
                fu = FollowUp.objects.create(customer=customer, kind=FollowUpKind.CADENCE, title=title[:300],
                                             due_on=due, owner_id=customer.owner_id,
                                             department_id=customer.department_id)
                record_event(fu, "follow_up.created", actor=None, department=customer.department_id,
                             data={"due_on": due.isoformat(), "kind": fu.kind, "customer": customer.number})
        except IntegrityError:  # another worker made it first
            continue
        created += 1
    return created


def _remind(pk: int) -> int:
    with transaction.atomic():
        if not FollowUp.objects.filter(pk=pk, status=FollowUpStatus.OPEN, reminded_at__isnull=True).update(
                reminded_at=timezone.now()):
            return 0
        fu = FollowUp.objects.select_related("owner", "customer", "lead").get(pk=pk)
        record_event(fu, "follow_up.reminded", actor=None, department=fu.department_id,
                     data={"due_on": fu.due_on.isoformat(), "owner": fu.owner_id})
        notify([fu.owner], title=gettext("Follow-up due on %(date)s: %(subject)s")
               % {"date": fu.due_on.isoformat(), "subject": fu.subject}, body=fu.title, url=fu.get_absolute_url())
    return 1


def supervisor_for(user: Any) -> Any:
    """The user of the owner's supervisor (the org resolver: direct supervisor, else the head of
    their department), or None."""
    from yewu.org.resolvers import supervisor_of

    employee = _employee(user)
    if employee is None:
        return None
    boss = supervisor_of(employee)
    return boss.user if boss is not None and boss.user_id and boss.user.is_active else None


def _escalate(pk: int, today: datetime.date) -> int:
    with transaction.atomic():
        fu = FollowUp.objects.select_related("owner", "customer", "lead").get(pk=pk)
        boss = supervisor_for(fu.owner)
        if not FollowUp.objects.filter(pk=pk, status=FollowUpStatus.OPEN, escalated_at__isnull=True).update(
                escalated_at=timezone.now(), escalated_to=boss):
            return 0
        days = (today - fu.due_on).days
        record_event(fu, "follow_up.escalated", actor=None, department=fu.department_id,
                     data={"due_on": fu.due_on.isoformat(), "owner": fu.owner_id,
                           "supervisor": boss.pk if boss else None, "days_late": days})
        title = gettext("Missed follow-up: %(subject)s was due on %(date)s (%(owner)s)") % {
            "subject": fu.subject, "date": fu.due_on.isoformat(), "owner": fu.owner_name}
        notify([u for u in (boss, fu.owner) if u is not None], title=title, body=fu.title, url=fu.get_absolute_url())
    return 1


# --- care: birthday and holiday greetings -------------------------------------------------------------


def _template(kind: str, holiday: Holiday | None = None) -> CareTemplate | None:
    if holiday is not None and holiday.template_id:
        return holiday.template
    return CareTemplate.objects.filter(kind=kind, is_default=True).first() or CareTemplate.objects.filter(
        kind=kind).first()


def _greeting_text(kind: str, *, customer: Customer, contact: Contact | None, holiday: Holiday | None) -> str:
    template = _template(kind, holiday)
    who = contact.name if contact is not None else customer.name
    if template is not None:
        return template.render(customer=customer.name, contact=who, holiday=holiday.name if holiday else "")
    if kind == CareKind.BIRTHDAY:
        return gettext("Happy birthday, %(name)s! Best wishes from all of us.") % {"name": who}
    return gettext("Season's greetings for %(holiday)s, %(name)s!") % {
        "holiday": holiday.name if holiday else "", "name": who}


def generate_care_tasks(today: datetime.date | None = None) -> dict[str, int]:
    """The periodic job: greetings for contacts' birthdays and for the listed holidays falling in
    the next YEWU_CRM_CARE_DAYS days, one per occasion, each owner told once per run."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.YEWU_CRM_CARE_DAYS)
    made: list[CareTask] = []
    days = [today + datetime.timedelta(days=i) for i in range((horizon - today).days + 1)]
    month_days = Q()
    for day in days:
        month_days |= Q(birthday_month=day.month, birthday_day=day.day)
        if day.month == 2 and day.day == 28 and not _is_leap(day.year):
            month_days |= Q(birthday_month=2, birthday_day=29)
    contacts = Contact.objects.filter(month_days, customer__status=CustomerStatus.ACTIVE).select_related("customer")
    for contact in contacts:
        occasion = next(d for d in days if contact.birthday_in(d.year) == d)
        made += _care(CareKind.BIRTHDAY, contact.customer, contact=contact, holiday=None, occasion=occasion)
    for holiday in Holiday.objects.filter(is_active=True, date__gte=today, date__lte=horizon):
        customers = Customer.objects.filter(status=CustomerStatus.ACTIVE).exclude(care_tasks__holiday=holiday)
        for customer in customers.iterator(chunk_size=500):
            primary = customer.contacts.order_by("-is_primary", "pk").first()
            made += _care(CareKind.HOLIDAY, customer, contact=primary, holiday=holiday, occasion=holiday.date)
    by_owner: dict[int, list[CareTask]] = {}
    for task in made:
        by_owner.setdefault(task.owner_id, []).append(task)
    from django.contrib.auth import get_user_model

    for owner in get_user_model().objects.filter(pk__in=list(by_owner)):
        tasks = by_owner[owner.pk]
        notify([owner], title=gettext("%(count)s customer greetings to send") % {"count": len(tasks)},
               body="\n".join(str(t) for t in tasks[:20]), url=reverse("crm:caretask_list") + "?status=open")
    return {"created": len(made)}


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _care(kind: str, customer: Customer, *, contact: Contact | None, holiday: Holiday | None,
          occasion: datetime.date) -> list[CareTask]:
    exists = (CareTask.objects.filter(kind=kind, contact=contact, occasion_on=occasion) if kind == CareKind.BIRTHDAY
              else CareTask.objects.filter(kind=kind, customer=customer, holiday=holiday))
    if exists.exists():
        return []
    try:
        with transaction.atomic():
            task = CareTask.objects.create(
                customer=customer, contact=contact, holiday=holiday, kind=kind, occasion_on=occasion,
                message=_greeting_text(kind, customer=customer, contact=contact, holiday=holiday),
                owner_id=customer.owner_id, department_id=customer.department_id,
            )
            record_event(task, "care.created", actor=None, department=customer.department_id,
                         data={"kind": kind, "date": occasion.isoformat(), "customer": customer.number})
    except IntegrityError:  # another worker made it first
        return []
    return [task]


@transaction.atomic
def finish_care_task(task: CareTask, *, sent: bool, message: str | None = None, reason: str = "",
                     actor: Any) -> CareTask:
    """Mark a greeting as sent (with the text actually sent) or skipped (with the reason)."""
    obj = CareTask.objects.select_for_update().get(pk=task.pk)
    permissions.require(actor, "change", obj)
    if not obj.is_open():
        raise DomainError(CrmError.CARE_STATE, status=_label(CareStatus, obj.status))
    reason = _text(reason, 500)
    if not sent and not reason:
        raise DomainError(CrmError.REASON_REQUIRED)
    if message:
        obj.message = _text(message, 5000)
    obj.status = CareStatus.SENT if sent else CareStatus.SKIPPED
    obj.done_at, obj.done_by = timezone.now(), actor
    obj.save(update_fields=["status", "message", "done_at", "done_by"])
    record_event(obj, "care.sent" if sent else "care.skipped", actor=actor, department=obj.department,
                 data={"status": [CareStatus.OPEN, obj.status], "reason": reason})
    return obj
