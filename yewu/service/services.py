"""Consultations and complaints: every write is here, with its rule checks and its audit event.

Complaint steps are user tasks of the complaint process (yewu.service.approvals): a step service
checks the rule, writes the complaint's fields, and completes the actor's task of that step; the
process then opens the next step and the hooks move the complaint's status.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yewu.core import permissions
from yewu.core.audit import record_event
from yewu.core.errors import DomainError
from yewu.core.services import next_number, notify
from yewu.org.models import Department, Employee
from yewu.service.choices import (
    CONSULTATION_OPEN,
    STEP_STATUS,
    ActionStatus,
    CauseCategory,
    CauseKind,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ConsultationStatus,
    Satisfaction,
    Severity,
)
from yewu.service.errors import ServiceError
from yewu.service.models import Complaint, Consultation, CorrectiveAction
from yewu.workflow import hooks

#: Hours within which a consultation is answered (setting YEWU_SERVICE_RESPONSE_HOURS, default 24).
DEFAULT_RESPONSE_HOURS = 24


def response_hours() -> float:
    return float(getattr(settings, "YEWU_SERVICE_RESPONSE_HOURS", DEFAULT_RESPONSE_HOURS))


def central_department() -> Department:
    """The central business department (code "central"), else the top of the organisation."""
    return (Department.objects.filter(code="central").first()
            or Department.objects.filter(parent__isnull=True).order_by("pk").first())


def _home_department(customer: Any) -> Department:
    return customer.department if customer is not None else central_department()


def match_customer(*, phone: str = "", email: str = "") -> Any:
    """The one live CRM customer with this phone or e-mail (its own or a contact's), else None."""
    from yewu.crm import matching
    from yewu.crm.models import Customer

    q = Q()
    pk, ek = matching.phone_key(phone), matching.email_key(email)
    if len(pk) >= 7:
        q |= Q(phone_key=pk) | Q(contacts__phone_key=pk)
    if ek:
        q |= Q(email__iexact=ek) | Q(contacts__email__iexact=ek)
    if not q:
        return None
    found = list(Customer.objects.filter(q).live().distinct().order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(ServiceError.FIELD_REQUIRED, field=label)
    return value


# --- consultations -------------------------------------------------------------------------------


@transaction.atomic
def record_consultation(
    *, actor: Any, channel: str, subject: str, question: str, contact_name: str, phone: str = "",
    email: str = "", company_name: str = "", customer: Any = None, department: Department | None = None,
    now: datetime.datetime | None = None,
) -> Consultation:
    """Take a consultation by any channel. `actor` None: the public web form (already checked for
    spam). Without a customer, one is matched by phone or e-mail when exactly one fits. Due within
    the response time limit."""
    if not (phone or "").strip() and not (email or "").strip():
        raise DomainError(ServiceError.CONTACT_REQUIRED)
    subject = _required(subject, _("subject"))
    question = _required(question, _("question"))
    contact_name = _required(contact_name, _("contact name"))
    if customer is None:
        customer = match_customer(phone=phone, email=email)
    department = department or _home_department(customer)
    if actor is not None:
        permissions.require_new(actor, "add", Consultation, owner=getattr(customer, "owner", None),
                                department=department)
    now = now or timezone.now()
    obj = Consultation.objects.create(
        number=next_number("CS"), channel=Channel(channel), customer=customer, contact_name=contact_name[:100],
        phone=(phone or "").strip()[:40], email=(email or "").strip()[:254], company_name=(company_name or "")[:200],
        subject=subject[:200], question=question, department=department, received_at=now,
        due_at=now + datetime.timedelta(hours=response_hours()), recorded_by=actor,
    )
    record_event(obj, "consultation.received", actor=actor, department=department, new=True,
                 data={"channel": channel, "customer": customer.pk if customer else None})
    return obj


def _lock_consultation(obj: Consultation, actor: Any, action: str = "change") -> Consultation:
    obj = Consultation.objects.select_for_update().get(pk=obj.pk)
    permissions.require(actor, action, obj)
    if obj.status not in CONSULTATION_OPEN:
        raise DomainError(ServiceError.CONSULTATION_CLOSED, number=obj.number, status=obj.get_status_display())
    return obj


@transaction.atomic
def answer_consultation(obj: Consultation, *, actor: Any, answer: str) -> Consultation:
    """Answer the customer: the consultation is done (late answers are kept as late: due_at stays)."""
    obj = _lock_consultation(obj, actor)
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(ServiceError.ANSWER_REQUIRED)
    obj.answer, obj.answered_by, obj.answered_at = answer, actor, timezone.now()
    obj.status = ConsultationStatus.ANSWERED
    obj.save(update_fields=["answer", "answered_by", "answered_at", "status"])
    record_event(obj, "consultation.answered", actor=actor, department=obj.department,
                 data={"late": obj.answered_at > obj.due_at})
    return obj


def _heads_of(department: Department) -> list[Any]:
    return [e.user for e in Employee.objects.filter(department=department, position__is_department_head=True,
                                                    user__is_active=True).select_related("user")]


@transaction.atomic
def route_consultation(obj: Consultation, *, actor: Any, department: Department) -> Consultation:
    """Hand the consultation to the department that can answer it (its time limit keeps running)."""
    obj = _lock_consultation(obj, actor)
    old = obj.department_id
    obj.department, obj.status = department, ConsultationStatus.ROUTED
    obj.save(update_fields=["department", "status"])
    record_event(obj, "consultation.routed", actor=actor, department=department,
                 data={"department": [old, department.pk]})
    heads = _heads_of(department)
    if heads:
        transaction.on_commit(lambda: notify(
            heads, title=_("Consultation %(number)s needs an answer") % {"number": obj.number},
            body=obj.subject, url=obj.get_absolute_url()))
    return obj


@transaction.atomic
def convert_consultation(obj: Consultation, *, actor: Any, category: str, product: str = "",
                         severity: str = Severity.MEDIUM) -> Complaint:
    """A consultation that turns out to be a complaint: the complaint is taken with the customer,
    contact, channel and question copied and a link back, and registered (its process starts like
    any new complaint's); the consultation closes as converted."""
    obj = Consultation.objects.select_for_update().get(pk=obj.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_convert():
        raise DomainError(ServiceError.CONSULTATION_NOT_CONVERTIBLE, number=obj.number,
                          status=obj.get_status_display())
    complaint = record_complaint(
        actor=actor, channel=obj.channel, product=(product or "").strip() or obj.subject, category=category,
        description=obj.question, customer=obj.customer, contact_name=obj.contact_name, phone=obj.phone,
        email=obj.email, severity=severity,
    )
    Complaint.objects.filter(pk=complaint.pk).update(consultation=obj)
    complaint.consultation = obj
    old = obj.status
    obj.status = ConsultationStatus.CONVERTED
    obj.save(update_fields=["status"])
    record_event(obj, "consultation.converted", actor=actor, department=obj.department,
                 data={"status": [old, obj.status], "complaint": complaint.number})
    record_event(complaint, "complaint.from_consultation", actor=actor, department=complaint.department,
                 data={"consultation": obj.number})
    return complaint


def escalate_overdue_consultations(now: datetime.datetime | None = None) -> int:
    """Worker: each consultation past its time limit is escalated once to the heads of its
    department (and the central department's); returns how many were escalated."""
    now = now or timezone.now()
    count = 0
    for pk in list(Consultation.objects.overdue(now).filter(escalated_at__isnull=True).values_list("pk", flat=True)):
        with transaction.atomic():
            obj = Consultation.objects.select_for_update().filter(pk=pk, escalated_at__isnull=True).first()
            if obj is None or obj.status not in CONSULTATION_OPEN:
                continue
            obj.escalated_at = now
            obj.save(update_fields=["escalated_at"])
            record_event(obj, "consultation.escalated", actor=None, department=obj.department,
                         data={"due_at": obj.due_at.isoformat()})
            people = _heads_of(obj.department) + _heads_of(central_department())
            if people:
                notify(people, title=_("Consultation %(number)s is overdue") % {"number": obj.number},
                       body=obj.subject, url=obj.get_absolute_url())
            count += 1
    return count


# --- complaints ----------------------------------------------------------------------------------


@transaction.atomic
def record_complaint(
    *, actor: Any, channel: str, product: str, category: str, description: str, customer: Any = None,
    contact_name: str = "", phone: str = "", email: str = "", severity: str = Severity.MEDIUM,
    department: Department | None = None, register: bool = True, now: datetime.datetime | None = None,
) -> Complaint:
    """Take a complaint. Staff register it at once (the complaint process starts); the public web
    form (`actor` None) leaves it received until customer service registers it, and tells the heads
    of the central department."""
    product = _required(product, _("product or service"))
    description = _required(description, _("description"))
    ComplaintCategory(category)
    Severity(severity)
    if customer is None:
        customer = match_customer(phone=phone, email=email)
    department = department or _home_department(customer)
    if actor is not None:
        permissions.require_new(actor, "add", Complaint, owner=getattr(customer, "owner", None),
                                department=department)
    obj = Complaint.objects.create(
        number=next_number("CP"), channel=Channel(channel), customer=customer, contact_name=(contact_name or "")[:100],
        phone=(phone or "").strip()[:40], email=(email or "").strip()[:254], product=product[:200],
        category=category, description=description, severity=severity, department=department,
        received_at=now or timezone.now(), recorded_by=actor,
    )
    record_event(obj, "complaint.received", actor=actor, department=department, new=True,
                 data={"channel": channel, "customer": customer.pk if customer else None})
    if register and actor is not None:
        _start(obj, actor)
    elif actor is None:
        heads = _heads_of(central_department())
        if heads:  # the public form: the central department must register it
            transaction.on_commit(lambda: notify(
                heads, title=_("New complaint from the website: %(number)s") % {"number": obj.number},
                body=obj.product, url=obj.get_absolute_url()))
    return obj


def _start(obj: Complaint, actor: Any) -> None:
    from yewu.service.approvals import KEY
    from yewu.workflow import services as workflow
    from yewu.workflow.models import ProcessDefinition

    definition = ProcessDefinition.objects.filter(key=KEY).first()
    if definition is None:
        raise DomainError(ServiceError.PROCESS_MISSING)
    obj.recorded_by = obj.recorded_by or actor
    obj.save(update_fields=["recorded_by"])
    instance = workflow.start_process(
        definition, actor=actor, title=_("Complaint %(number)s") % {"number": obj.number},
        form={"complaint": obj.number, "product": obj.product, "description": obj.description[:5000],
              "recorder": actor.pk},
        record=obj, department=obj.department, savepoint=False,
    )
    Complaint.objects.filter(pk=obj.pk).update(process=instance)
    obj.refresh_from_db()
    record_event(obj, "complaint.registered", actor=actor, department=obj.department,
                 data={"process": instance.number})


@transaction.atomic
def register_complaint(obj: Complaint, *, actor: Any) -> Complaint:
    """Register a complaint received through the web form: the complaint process starts."""
    obj = Complaint.objects.select_for_update().get(pk=obj.pk)
    permissions.require(actor, "change", obj)
    if not obj.can_register():
        raise DomainError(ServiceError.COMPLAINT_NOT_RECEIVED, number=obj.number, status=obj.get_status_display())
    _start(obj, actor)
    return obj


def open_task(obj: Complaint, step: str, user: Any) -> Any:
    """The user's open task of this step of the complaint's process, else None."""
    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    if obj.process_id is None:
        return None
    return Task.objects.filter(instance_id=obj.process_id, step_id=step, assignee=user,
                               status=TaskStatus.OPEN).first()


@dataclass(frozen=True)
class StepTime:
    """One step of a complaint's process against its time limit (for the complaint page)."""

    step: str
    name: str
    assignee: Any
    due_at: datetime.datetime | None
    done_at: datetime.datetime | None
    overdue: bool  # still open and past its time limit
    late: bool  # done after its time limit

    @property
    def on_time(self) -> bool:
        return self.done_at is not None and not self.late


def step_times(obj: Complaint, now: datetime.datetime | None = None) -> list[StepTime]:
    """Each step the complaint's process has reached, in order, with its time limit and whether it
    was (or is being) handled within it; cancelled tasks (another assignee took the step) left out."""
    from yewu.workflow.choices import TaskStatus
    from yewu.workflow.models import Task

    if obj.process_id is None:
        return []
    now = now or timezone.now()
    tasks = (Task.objects.filter(instance_id=obj.process_id).exclude(status=TaskStatus.CANCELLED)
             .select_related("assignee__employee").order_by("created_at", "pk"))
    return [
        StepTime(
            step=t.step_id, name=t.name, assignee=t.assignee, due_at=t.due_at, done_at=t.completed_at,
            overdue=t.status == TaskStatus.OPEN and t.due_at is not None and t.due_at < now,
            late=t.completed_at is not None and t.due_at is not None and t.completed_at > t.due_at,
        )
        for t in tasks
    ]


def _step_task(obj: Complaint, step: str, actor: Any) -> tuple[Complaint, Any]:
    """Lock the complaint, check that this step is the one waiting and that it is the actor's."""
    obj = Complaint.objects.select_for_update().get(pk=obj.pk)
    if obj.status != STEP_STATUS[step]:
        raise DomainError(ServiceError.COMPLAINT_WRONG_STEP, number=obj.number, status=obj.get_status_display())
    task = open_task(obj, step, actor)
    if task is None:
        raise DomainError(ServiceError.NOT_YOUR_TASK, number=obj.number, step=ComplaintStatus(STEP_STATUS[step]).label)
    return obj, task


def _complete(obj: Complaint, task: Any, *, actor: Any, comment: str = "", form: dict | None = None) -> Complaint:
    from yewu.workflow import services as workflow

    workflow.submit_task(task, actor=actor, comment=comment[:500], form=form)
    obj.refresh_from_db()
    return obj


@transaction.atomic
def accept_complaint(obj: Complaint, *, actor: Any, department: Department, handler: Any,
                     severity: str | None = None) -> Complaint:
    """The central department takes the complaint: the responsible department and the handler."""
    obj, task = _step_task(obj, "accept", actor)
    if handler is None:
        raise DomainError(ServiceError.HANDLER_REQUIRED)
    before = {"department": obj.department_id, "handler": obj.handler_id, "severity": obj.severity}
    obj.department, obj.handler = department, handler
    if severity:
        obj.severity = Severity(severity)
    obj.save(update_fields=["department", "handler", "severity"])
    record_event(obj, "complaint.accepted", actor=actor, department=department,
                 data={"before": before, "department": department.pk, "handler": handler.pk})
    return _complete(obj, task, actor=actor, form={"handler": handler.pk})


@transaction.atomic
def record_investigation(obj: Complaint, *, actor: Any, cause_kind: str, cause_category: str, expectation: str,
                         notes: str = "") -> Complaint:
    """The handler's findings: internal or external cause and its category, the customer's expectation."""
    obj, task = _step_task(obj, "investigate", actor)
    obj.cause_kind = CauseKind(cause_kind)
    obj.cause_category = CauseCategory(cause_category)
    obj.expectation = _required(expectation, _("customer's expectation"))
    obj.cause_notes = (notes or "").strip()
    obj.save(update_fields=["cause_kind", "cause_category", "expectation", "cause_notes"])
    record_event(obj, "complaint.investigated", actor=actor, department=obj.department,
                 data={"cause": obj.cause_kind, "category": obj.cause_category})
    return _complete(obj, task, actor=actor)


@transaction.atomic
def record_plan(obj: Complaint, *, actor: Any, plan: str) -> Complaint:
    """The handling plan, from the findings and the customer's expectation."""
    obj, task = _step_task(obj, "plan", actor)
    obj.plan = _required(plan, _("handling plan"))
    obj.save(update_fields=["plan"])
    record_event(obj, "complaint.planned", actor=actor, department=obj.department)
    return _complete(obj, task, actor=actor)


@transaction.atomic
def reply_to_customer(obj: Complaint, *, actor: Any, reply: str) -> Complaint:
    """The reply given to the customer."""
    obj, task = _step_task(obj, "reply", actor)
    obj.reply = _required(reply, _("reply to the customer"))
    obj.replied_at = timezone.now()
    obj.save(update_fields=["reply", "replied_at"])
    record_event(obj, "complaint.replied", actor=actor, department=obj.department)
    return _complete(obj, task, actor=actor)


def _check_can_close(obj: Complaint) -> None:
    if obj.needs_corrective_action() and not obj.corrective_actions.exists():
        raise DomainError(ServiceError.CORRECTIVE_ACTION_REQUIRED, number=obj.number)


@transaction.atomic
def record_follow_up(obj: Complaint, *, actor: Any, satisfaction: str, notes: str = "") -> Complaint:
    """The customer's satisfaction with the handling; the complaint closes (an internal cause needs
    a corrective action first)."""
    obj, task = _step_task(obj, "follow_up", actor)
    _check_can_close(obj)
    obj.satisfaction = Satisfaction(satisfaction)
    obj.satisfaction_notes = (notes or "").strip()
    obj.save(update_fields=["satisfaction", "satisfaction_notes"])
    record_event(obj, "complaint.followed_up", actor=actor, department=obj.department,
                 data={"satisfaction": obj.satisfaction})
    return _complete(obj, task, actor=actor)


# --- the process moves the complaint (hooks, inside the step's transaction) ---------------------

#: What a complaint must hold before the process may leave each step.
_NEEDS: dict[str, tuple[tuple[str, Any], ...]] = {
    "accept": (("handler_id", gettext_lazy("handler")),),
    "investigate": (("cause_kind", gettext_lazy("cause")), ("cause_category", gettext_lazy("cause category")),
                    ("expectation", gettext_lazy("customer's expectation"))),
    "plan": (("plan", gettext_lazy("handling plan")),),
    "reply": (("reply", gettext_lazy("reply to the customer")),),
    "follow_up": (("satisfaction", gettext_lazy("satisfaction result")),),
}
_ORDER = list(STEP_STATUS)


def _bound_complaint(instance: Any) -> Complaint | None:
    from yewu.workflow.hooks import bound_pk

    pk = bound_pk(instance)
    return Complaint.objects.select_for_update().filter(pk=pk).first() if pk else None


def _check_left(obj: Complaint, upto: int) -> None:
    """The steps before `upto` are done: the complaint must hold what each records."""
    for step in _ORDER[:upto]:
        for field, label in _NEEDS[step]:
            if not getattr(obj, field):
                raise DomainError(ServiceError.FIELD_REQUIRED, field=str(label))


def follow_complaint_steps(instance: Any, *, steps: set[str], actor: Any) -> None:
    """The process opened `steps`: the complaint's status names the step now waiting."""
    hooks.follow_step(_bound_complaint(instance), instance, steps=steps, order=_ORDER, status_of=STEP_STATUS,
                      activity="complaint.moved", actor=actor, check=_check_left, also={"process_id": instance.pk})


def follow_complaint_end(instance: Any, *, actor: Any) -> None:
    """Approved (the follow-up done): closed. Rejected or withdrawn: received again, to register anew."""
    from yewu.workflow.choices import InstanceStatus

    obj = _bound_complaint(instance)
    if obj is None or obj.status not in STEP_STATUS.values():
        return
    old = obj.status
    if instance.status == InstanceStatus.APPROVED:
        _check_left(obj, len(_ORDER))
        _check_can_close(obj)
        obj.status, obj.closed_at = ComplaintStatus.CLOSED, timezone.now()
        activity = "complaint.closed"
    else:
        obj.status, obj.process = ComplaintStatus.RECEIVED, None
        activity = "complaint.reopened"
    obj.save(update_fields=["status", "closed_at", "process"])
    record_event(obj, activity, actor=actor, department=obj.department,
                 data={"status": [old, obj.status], "process": instance.number})


# --- corrective actions --------------------------------------------------------------------------


@transaction.atomic
def add_corrective_action(obj: Complaint, *, actor: Any, description: str, owner: Any,
                          due_on: datetime.date) -> CorrectiveAction:
    """A corrective action for a complaint (who changes what, by when)."""
    obj = Complaint.objects.select_for_update().get(pk=obj.pk)
    if not permissions.can(actor, "change", obj) and obj.handler_id != actor.pk:
        permissions.require(actor, "change", obj)
    action = CorrectiveAction.objects.create(
        complaint=obj, description=_required(description, _("corrective action")), owner=owner, due_on=due_on,
    )
    record_event(obj, "complaint.corrective_action", actor=actor, department=obj.department,
                 data={"action": action.pk, "owner": owner.pk, "due_on": due_on.isoformat()})
    record_event(action, "corrective_action.created", actor=actor, department=obj.department)
    return action


def _move_action(model: type, action: Any, *, actor: Any, target: str, allowed: str, **fields: Any) -> Any:
    action = model.objects.select_for_update().get(pk=action.pk)
    permissions.require(actor, "change", action)
    if action.status != allowed:
        raise DomainError(ServiceError.ACTION_BAD_TRANSITION, current=action.get_status_display(),
                          target=ActionStatus(target).label)
    action.status = target
    for key, value in fields.items():
        setattr(action, key, value)
    action.save(update_fields=["status", *fields])
    return action


@transaction.atomic
def complete_corrective_action(action: CorrectiveAction, *, actor: Any, result: str) -> CorrectiveAction:
    """The owner reports the action done, with what was changed."""
    action = _move_action(CorrectiveAction, action, actor=actor, target=ActionStatus.DONE, allowed=ActionStatus.OPEN,
                          result=_required(result, _("result")), done_at=timezone.now())
    record_event(action, "corrective_action.done", actor=actor, department=action.complaint.department)
    return action


@transaction.atomic
def verify_corrective_action(action: CorrectiveAction, *, actor: Any) -> CorrectiveAction:
    """Someone other than the owner checks that the action works."""
    action = _move_action(CorrectiveAction, action, actor=actor, target=ActionStatus.VERIFIED,
                          allowed=ActionStatus.DONE, verified_at=timezone.now(), verified_by=actor)
    record_event(action, "corrective_action.verified", actor=actor, department=action.complaint.department)
    return action
