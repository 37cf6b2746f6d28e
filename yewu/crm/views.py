"""CRM pages: generic lists (filters, xlsx/csv export), details with history and edits on the
restricted queryset; every write calls one service, and a refusal shows its message."""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.views.generic import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
    XlsxImportView,
)
from yewu.crm import filters, forms, intake, panels, services
from yewu.crm.choices import FollowUpStatus, VisitStatus
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
from yewu.crm.timeline import timeline
from yewu.workflow.models import Task


class _PostOnly(ObjectActionView):
    """A POST-only action with an optional small form (reason, assignee, …)."""

    form_class: Any = None

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def post(self, request, pk, **kwargs):
        obj = self.base_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404
        data: dict[str, Any] = {}
        if self.form_class is not None:
            form = self.form_class(request.POST, **self.form_kwargs(obj))
            if not form.is_valid():
                messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
                return redirect(obj.get_absolute_url())
            data = form.cleaned_data
        try:
            self.result = self.perform(obj, data)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(obj.get_absolute_url())
        return redirect(self.success_url(obj))

    def perform(self, obj, data):  # pragma: no cover - abstract
        raise NotImplementedError

    def success_url(self, obj) -> str:
        result = getattr(self, "result", None)
        return result.get_absolute_url() if hasattr(result, "get_absolute_url") else obj.get_absolute_url()


class _DuplicateCheckedEditView(ObjectEditView):
    """Creating a lead or customer: similar records are listed first and the form is saved only
    once the user confirms (an API or import caller gets them with the result instead)."""

    def form_valid(self, form):
        if self.object is None and not form.cleaned_data.get("confirm_duplicates"):
            candidates = services.duplicates_of(form.cleaned_data, actor=self.request.user)
            if candidates:
                return self.render_to_response(self.get_context_data(form=form, duplicates=candidates))
        return super().form_valid(form)

    def get_template_names(self):
        return ["crm/form_with_duplicates.html"]


# --- leads ---------------------------------------------------------------------------------------


class LeadListView(ObjectListView):
    model = Lead
    filterset_class = filters.LeadFilterSet
    select_related = ("source", "department", "owner__employee")
    create_url_name = "crm:lead_add"
    columns = [
        Column("number", _("Number"), link=True),
        Column("company_name", _("Company or person")),
        Column("source", _("Source")),
        Column("contact_name", _("Contact person")),
        Column("phone", _("Phone")),
        Column("owner_name", _("Owner")),
        Column("department", _("Department")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("created_at", _("Registered at"), kind="datetime"),
    ]


class LeadDetailView(ObjectDetailView):
    model = Lead
    template_name = "crm/lead_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("status_reason", _("Reason")),
        Column("source", _("Source")),
        Column("contact_name", _("Contact person")),
        Column("contact_title", _("Contact's title")),
        Column("phone", _("Phone")),
        Column("email", _("E-mail")),
        Column("credit_code", _("Unified social credit code")),
        Column("industry", _("Industry")),
        Column("region", _("Region")),
        Column("need", _("Need"), kind="multiline"),
        Column("needs_analysis", _("Needs analysis summary"), kind="multiline"),
        Column("owner_name", _("Owner")),
        Column("department", _("Department")),
        Column("customer", _("Customer")),
        Column("merged_into", _("Merged into")),
        Column("process", _("Business intake process"), link=True),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: Lead = ctx["object"]
        user = self.request.user
        can_change = ctx["can_change"]
        can_evaluate = permissions.can(user, "evaluate", obj)
        process = intake_context(obj, user)
        allows = process.pop("intake_allows")
        ctx.update(process)
        if process["intake_running"]:  # the process says who acts now: only its task holder sees the form
            step, task = process["intake_step"], process["intake_task"]
            ctx["needs_analysis_form"] = forms.NeedsAnalysisForm() if step == "needs_analysis" and task else None
        else:
            ctx["needs_analysis_form"] = (forms.NeedsAnalysisForm(initial={"summary": obj.needs_analysis})
                                          if can_change and obj.status == "assigned" else None)
        ctx.update(
            duplicates=services.duplicates_of({"name": obj.company_name, "phone": obj.phone, "email": obj.email,
                                               "credit_code": obj.credit_code}, actor=user, exclude=obj)
            if obj.can_edit() else [],
            communications=Communication.objects.restrict(user).filter(lead=obj).select_related("author__employee"),
            follow_ups=FollowUp.objects.restrict(user).filter(lead=obj),
            can_edit=can_change and obj.can_edit(),
            can_evaluate=can_evaluate and obj.can_evaluate() and allows("evaluate"),
            can_assign=can_evaluate and obj.can_assign() and allows("assign"),
            can_convert=can_change and obj.can_convert(),
            can_close=can_change and obj.can_close(),
            can_log=obj.can_edit() or obj.customer_id is not None,
            evaluate_form=forms.EvaluateForm(),
            assign_form=forms.AssignForm(),
            convert_form=forms.ConvertForm(user=user),
            communication_form=forms.CommunicationForm(),
            close_form=forms.ReasonForm(),
            merge_url=reverse("crm:lead_merge", args=[obj.pk]) if can_change and obj.can_edit() else "",
        )
        return ctx


class LeadEditView(_DuplicateCheckedEditView):
    model = Lead
    form_class = forms.LeadForm

    def get_initial(self):
        employee = getattr(self.request.user, "employee", None) if hasattr(self.request.user, "employee") else None
        return {"department": employee.department_id} if self.object is None and employee is not None else {}

    def get(self, request, *args, **kwargs):
        if self.object is not None and not self.object.can_edit():
            messages.info(request, _("%(record)s is %(status)s and can no longer be changed.")
                          % {"record": self.object, "status": self.object.get_status_display()})
            return redirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def save(self, form):
        values = {k: v for k, v in form.cleaned_data.items() if k != "confirm_duplicates"}
        return services.save_lead(self.object, values, actor=self.request.user)


class LeadEvaluateView(_PostOnly):
    model = Lead
    action = "evaluate"
    form_class = forms.EvaluateForm

    def perform(self, obj, data):
        return services.evaluate_lead(obj, in_scope=data["in_scope"], reason=data.get("reason", ""),
                                      actor=self.request.user)


class LeadAssignView(_PostOnly):
    model = Lead
    action = "evaluate"
    form_class = forms.AssignForm

    def perform(self, obj, data):
        return services.assign_lead(obj, assignee=data["assignee"], actor=self.request.user)


class LeadNeedsAnalysisView(_PostOnly):
    """The assignee's needs analysis (completes the intake's step when the process runs)."""

    model = Lead
    action = "view"
    form_class = forms.NeedsAnalysisForm

    def perform(self, obj, data):
        return services.record_needs_analysis(obj, summary=data.get("summary", ""), actor=self.request.user)


def intake_context(obj: Lead, user) -> dict:
    """What the lead page shows of the business-intake process: the step waiting, the user's task
    in it, the trail of steps, and which step forms the user may use."""
    running = intake.running(obj)
    step = intake.waiting_step(obj) if running else None
    task = intake.open_task(obj, step, user) if step else None
    trail = []
    if obj.process_id:
        trail = list(Task.objects.filter(instance_id=obj.process_id).exclude(decision="transferred")
                     .select_related("assignee__employee").order_by("created_at", "pk"))

    def allows(name: str) -> bool:
        if not running:
            return True
        if name == "assign" and step == "needs_analysis":
            return True  # the manager may still hand the lead to someone else
        return step == name and task is not None

    return {"intake_running": running, "intake_step": step, "intake_task": task, "intake_trail": trail,
            "intake_allows": allows}


class LeadConvertView(_PostOnly):
    model = Lead
    form_class = forms.ConvertForm

    def form_kwargs(self, obj):
        return {"user": self.request.user}

    def perform(self, obj, data):
        values = {"customer_class": data["customer_class"]} if data.get("customer_class") else {}
        return services.convert_lead(obj, customer=data.get("customer"), values=values, actor=self.request.user)


class LeadCloseView(_PostOnly):
    model = Lead
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        return services.close_lead(obj, reason=data.get("reason", ""), actor=self.request.user)


class LeadMergeView(_PostOnly):
    """Merge this lead (the duplicate) into the one named by `into`."""

    model = Lead
    form_class = forms.MergeForm

    def perform(self, obj, data):
        into = Lead.objects.restrict(self.request.user, "change").filter(pk=data["into"]).first()
        if into is None:
            raise Http404
        return services.merge_leads(obj, into, actor=self.request.user)


class LeadCommunicateView(_PostOnly):
    model = Lead
    form_class = forms.CommunicationForm

    def perform(self, obj, data):
        services.log_communication(forms.CommunicationForm.values_of(data), lead=obj, actor=self.request.user)

    def success_url(self, obj):
        return obj.get_absolute_url() + "#communications"


# --- customers -----------------------------------------------------------------------------------


class CustomerListView(ObjectListView):
    model = Customer
    filterset_class = filters.CustomerFilterSet
    select_related = ("customer_class", "department", "owner__employee", "loyalty__tier")
    create_url_name = "crm:customer_add"
    columns = [
        Column("name", _("Name"), link=True),
        Column("number", _("Number")),
        Column("get_kind_display", _("Type")),
        Column("customer_class", _("Customer class")),
        Column("industry", _("Industry")),
        Column("region", _("Region")),
        Column("credit_rating", _("Credit rating")),
        Column("credit_limit", _("Credit limit"), kind="money"),
        Column("owner_name", _("Owner")),
        Column("tags_text", _("Tags")),
        Column("last_contact_on", _("Last follow-up on"), kind="date"),
        Column("loyalty_tier", _("Loyalty tier")),
        Column("get_status_display", _("Status"), kind="tag"),
    ]


class CustomerDetailView(ObjectDetailView):
    model = Customer
    template_name = "crm/customer_detail.html"
    fields = [
        Column("number", _("Number")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("get_kind_display", _("Type")),
        Column("customer_class", _("Customer class")),
        Column("credit_code", _("Unified social credit code")),
        Column("industry", _("Industry")),
        Column("region", _("Region")),
        Column("address", _("Address")),
        Column("phone", _("Phone")),
        Column("email", _("E-mail")),
        Column("get_credit_rating_display", _("Credit rating")),
        Column("credit_limit", _("Credit limit"), kind="money"),
        Column("owner_name", _("Owner")),
        Column("department", _("Department")),
        Column("tags_text", _("Tags")),
        Column("last_contact_on", _("Last follow-up on"), kind="date"),
        Column("next_follow_up_on", _("Next regular follow-up"), kind="date"),
        Column("merged_into", _("Merged into")),
        Column("notes", _("Notes"), kind="multiline"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: Customer = ctx["object"]
        user = self.request.user
        live = obj.is_live()
        ctx.update(
            contacts=Contact.objects.restrict(user).filter(customer=obj),
            visits=Visit.objects.restrict(user).filter(customer=obj).select_related("owner__employee")[:20],
            communications=Communication.objects.restrict(user).filter(customer=obj)
            .select_related("author__employee", "contact")[:20],
            follow_ups=FollowUp.objects.restrict(user).filter(customer=obj, status=FollowUpStatus.OPEN),
            care_tasks=CareTask.objects.restrict(user).filter(customer=obj).select_related("contact", "holiday")[:10],
            leads=Lead.objects.restrict(user).filter(customer=obj),
            merged=Customer.objects.restrict(user).filter(merged_into=obj),
            timeline=timeline(obj, user),
            duplicates=services.duplicates_of({"name": obj.name, "phone": obj.phone, "email": obj.email,
                                               "credit_code": obj.credit_code}, actor=user, exclude=obj)
            if live else [],
            merge_url=reverse("crm:customer_merge", args=[obj.pk]) if ctx["can_change"] and live else "",
            panels=panels.panels_for(obj, user),
            can_edit=ctx["can_change"] and live,
            can_work=live,
            contact_form=forms.ContactForm(),
            visit_form=forms.VisitPlanForm(customer=obj, initial={"planned_on": timezone.localdate()}),
            communication_form=forms.CommunicationForm(customer=obj),
            follow_up_form=forms.FollowUpForm(),
            today=timezone.localdate(),
        )
        return ctx


class CustomerEditView(_DuplicateCheckedEditView):
    model = Customer
    form_class = forms.CustomerForm

    def save(self, form):
        return services.save_customer(self.object, form.values(), actor=self.request.user)


class CustomerMergeView(_PostOnly):
    """Merge this customer (the duplicate) into the one named by `into`."""

    model = Customer
    form_class = forms.MergeForm

    def perform(self, obj, data):
        into = Customer.objects.restrict(self.request.user, "change").filter(pk=data["into"]).first()
        if into is None:
            raise Http404
        return services.merge_customers(obj, into, actor=self.request.user)


class CustomerContactAddView(_PostOnly):
    model = Customer
    form_class = forms.ContactForm

    def perform(self, obj, data):
        services.save_contact(None, data, customer=obj, actor=self.request.user)

    def success_url(self, obj):
        return obj.get_absolute_url() + "#contacts"


class CustomerVisitPlanView(_PostOnly):
    model = Customer
    form_class = forms.VisitPlanForm

    def form_kwargs(self, obj):
        return {"customer": obj}

    def perform(self, obj, data):
        return services.plan_visit(obj, data, actor=self.request.user)

    def success_url(self, obj):
        return obj.get_absolute_url() + "#visits"


class CustomerCommunicateView(_PostOnly):
    model = Customer
    form_class = forms.CommunicationForm

    def form_kwargs(self, obj):
        return {"customer": obj}

    def perform(self, obj, data):
        services.log_communication(forms.CommunicationForm.values_of(data), customer=obj, actor=self.request.user)

    def success_url(self, obj):
        return obj.get_absolute_url() + "#communications"


class CustomerFollowUpAddView(_PostOnly):
    model = Customer
    form_class = forms.FollowUpForm

    def perform(self, obj, data):
        services.save_follow_up(None, data, customer=obj, actor=self.request.user)

    def success_url(self, obj):
        return obj.get_absolute_url() + "#follow-ups"


class CustomerImportView(XlsxImportView):
    """Upload an xlsx of customers and contacts; the page shows what was imported, each refused
    row's reasons and the possible duplicates to look at."""

    model = Customer
    template_name = "crm/customer_import.html"
    title = _("Import customers")
    importer = "yewu.crm.importing.import_customers"


# --- contacts ------------------------------------------------------------------------------------


class ContactListView(ObjectListView):
    model = Contact
    filterset_class = filters.ContactFilterSet
    select_related = ("customer",)
    columns = [
        Column("name", _("Name"), link=True),
        Column("customer", _("Customer")),
        Column("title", _("Job title")),
        Column("phone", _("Phone")),
        Column("email", _("E-mail")),
        Column("birthday", _("Birthday")),
        Column("is_primary", _("Primary contact"), kind="bool"),
    ]


class ContactDetailView(ObjectDetailView):
    model = Contact
    template_name = "crm/contact_detail.html"
    fields = [
        Column("customer", _("Customer")),
        Column("title", _("Job title")),
        Column("phone", _("Phone")),
        Column("email", _("E-mail")),
        Column("birthday", _("Birthday")),
        Column("is_primary", _("Primary contact"), kind="bool"),
        Column("notes", _("Notes")),
    ]


class ContactEditView(ObjectEditView):
    model = Contact
    form_class = forms.ContactForm

    def dispatch(self, request, *args, **kwargs):
        if "pk" not in kwargs:
            raise Http404  # contacts are added on their customer's page
        return super().dispatch(request, *args, **kwargs)

    def save(self, form):
        return services.save_contact(self.object, form.cleaned_data, actor=self.request.user)


# --- visits --------------------------------------------------------------------------------------


class VisitListView(ObjectListView):
    model = Visit
    filterset_class = filters.VisitFilterSet
    select_related = ("customer", "owner__employee")
    columns = [
        Column("planned_on", _("Planned for"), kind="date", link=True),
        Column("customer", _("Customer")),
        Column("purpose", _("Visit purpose")),
        Column("owner_name", _("Visitor")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("checked_in_at", _("Checked in at"), kind="datetime"),
        Column("next_step", _("Next step")),
    ]


class VisitDetailView(ObjectDetailView):
    model = Visit
    template_name = "crm/visit_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("customer", _("Customer")),
        Column("contact", _("Contact")),
        Column("planned_on", _("Planned for"), kind="date"),
        Column("purpose", _("Visit purpose")),
        Column("owner_name", _("Visitor")),
        Column("checked_in_at", _("Checked in at"), kind="datetime"),
        Column("notes", _("Visit notes"), kind="multiline"),
        Column("outcome", _("Outcome"), kind="multiline"),
        Column("next_step", _("Next step")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_check_in"] = ctx["can_change"] and ctx["object"].can_check_in()
        ctx["check_in_form"] = forms.CheckInForm()
        return ctx


class VisitCheckInView(_PostOnly):
    model = Visit
    form_class = forms.CheckInForm

    def perform(self, obj, data):
        return services.check_in_visit(obj, data, actor=self.request.user)


class VisitCancelView(_PostOnly):
    model = Visit
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        return services.cancel_visit(obj, reason=data.get("reason", ""), actor=self.request.user)


class VisitCalendarView(ScopedMixin, TemplateView):
    """A month grid of the visits (and follow-ups due) the user may see; ?month=YYYY-MM."""

    model = Visit
    template_name = "crm/visit_calendar.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_model(request.user, "view", Visit):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def month(self) -> datetime.date:
        raw = self.request.GET.get("month") or ""
        try:
            year, month = (int(p) for p in raw.split("-", 1))
            return datetime.date(year, month, 1)
        except (TypeError, ValueError):
            return timezone.localdate().replace(day=1)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        first = self.month()
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
        start, end = weeks[0][0], weeks[-1][-1]
        user = self.request.user
        by_day: dict[datetime.date, list[tuple[str, Any]]] = {}
        visits = (Visit.objects.restrict(user).filter(planned_on__range=(start, end))
                  .select_related("customer", "owner__employee").order_by("planned_on", "pk"))
        for v in visits:
            by_day.setdefault(v.planned_on, []).append(("visit", v))
        if permissions.can_model(user, "view", FollowUp):
            due = FollowUp.objects.restrict(user).filter(status=FollowUpStatus.OPEN, due_on__range=(start, end))
            for fu in due.select_related("customer", "lead"):
                by_day.setdefault(fu.due_on, []).append(("follow_up", fu))
        prev_month = (first - datetime.timedelta(days=1)).replace(day=1)
        next_month = (first + datetime.timedelta(days=32)).replace(day=1)
        ctx.update(
            title=_("Visit calendar"), first=first, today=timezone.localdate(),
            weeks=[[(day, by_day.get(day, [])) for day in week] for week in weeks],
            prev_month=f"{prev_month:%Y-%m}", next_month=f"{next_month:%Y-%m}",
            weekdays=[_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
            VisitStatus=VisitStatus,
        )
        return ctx


# --- communications, follow-ups, greetings --------------------------------------------------------


class CommunicationListView(ObjectListView):
    model = Communication
    filterset_class = filters.CommunicationFilterSet
    select_related = ("customer", "lead", "author__employee", "contact")
    columns = [
        Column("at", _("Time"), kind="datetime", link=True),
        Column("subject", _("Customer or lead")),
        Column("get_channel_display", _("Channel")),
        Column("contact", _("Contact")),
        Column("content", _("Content")),
        Column("feedback", _("Customer feedback")),
        Column("follow_up_action", _("Follow-up action")),
        Column("follow_up_due", _("Follow up by"), kind="date"),
        Column("author_name", _("Recorded by")),
    ]


class CommunicationDetailView(ObjectDetailView):
    model = Communication
    fields = [
        Column("customer", _("Customer")),
        Column("lead", _("Lead")),
        Column("contact", _("Contact")),
        Column("at", _("Time"), kind="datetime"),
        Column("get_channel_display", _("Channel")),
        Column("content", _("Content"), kind="multiline"),
        Column("feedback", _("Customer feedback"), kind="multiline"),
        Column("follow_up_action", _("Follow-up action")),
        Column("follow_up_due", _("Follow up by"), kind="date"),
        Column("author_name", _("Recorded by")),
    ]


class FollowUpListView(ObjectListView):
    """Follow-up tasks; ?overdue=true lists the missed ones (the dashboard's overdue list)."""

    model = FollowUp
    filterset_class = filters.FollowUpFilterSet
    select_related = ("customer", "lead", "owner__employee")
    columns = [
        Column("due_on", _("Follow-up date"), kind="date", link=True),
        Column("subject", _("Customer or lead")),
        Column("title", _("What to do")),
        Column("get_kind_display", _("Kind")),
        Column("owner_name", _("Owner")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("escalated_at", _("Escalated at"), kind="datetime"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["overdue_count"] = self.base_queryset().filter(status=FollowUpStatus.OPEN,
                                                           due_on__lt=timezone.localdate()).count()
        return ctx

    template_name = "crm/followup_list.html"


class FollowUpDetailView(ObjectDetailView):
    model = FollowUp
    template_name = "crm/followup_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("customer", _("Customer")),
        Column("lead", _("Lead")),
        Column("get_kind_display", _("Kind")),
        Column("title", _("What to do")),
        Column("due_on", _("Follow-up date"), kind="date"),
        Column("owner_name", _("Owner")),
        Column("source", _("Agreed in")),
        Column("result", _("Done with")),
        Column("reminded_at", _("Reminded at"), kind="datetime"),
        Column("escalated_at", _("Escalated at"), kind="datetime"),
        Column("escalated_to_name", _("Escalated to")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj: FollowUp = ctx["object"]
        ctx["can_act"] = ctx["can_change"] and obj.is_open()
        ctx["overdue"] = obj.is_overdue()
        ctx["complete_form"] = forms.CommunicationForm(customer=obj.customer) if obj.customer_id else \
            forms.CommunicationForm()
        return ctx


class FollowUpEditView(ObjectEditView):
    model = FollowUp
    form_class = forms.FollowUpForm

    def dispatch(self, request, *args, **kwargs):
        if "pk" not in kwargs:
            raise Http404  # follow-ups are added on their customer's page
        return super().dispatch(request, *args, **kwargs)

    def save(self, form):
        return services.save_follow_up(self.object, form.cleaned_data, actor=self.request.user)


class FollowUpCompleteView(_PostOnly):
    model = FollowUp
    form_class = forms.CommunicationForm

    def form_kwargs(self, obj):
        return {"customer": obj.customer} if obj.customer_id else {}

    def perform(self, obj, data):
        return services.complete_follow_up(obj, forms.CommunicationForm.values_of(data), actor=self.request.user)


class FollowUpCancelView(_PostOnly):
    model = FollowUp
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        return services.cancel_follow_up(obj, reason=data.get("reason", ""), actor=self.request.user)


class CareTaskListView(ObjectListView):
    model = CareTask
    filterset_class = filters.CareTaskFilterSet
    select_related = ("customer", "contact", "holiday", "owner__employee")
    columns = [
        Column("occasion_on", _("Date"), kind="date", link=True),
        Column("get_kind_display", _("Kind")),
        Column("holiday.name", _("Holiday")),
        Column("customer", _("Customer")),
        Column("contact.name", _("Contact")),
        Column("message", _("Message")),
        Column("owner_name", _("Owner")),
        Column("get_status_display", _("Status"), kind="tag"),
    ]


class CareTaskDetailView(ObjectDetailView):
    model = CareTask
    template_name = "crm/caretask_detail.html"
    fields = [
        Column("get_status_display", _("Status"), kind="tag"),
        Column("get_kind_display", _("Kind")),
        Column("occasion_on", _("Date"), kind="date"),
        Column("holiday", _("Holiday")),
        Column("customer", _("Customer")),
        Column("contact", _("Contact")),
        Column("message", _("Message"), kind="multiline"),
        Column("owner_name", _("Owner")),
        Column("done_at", _("Done at"), kind="datetime"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_act"] = ctx["can_change"] and ctx["object"].is_open()
        return ctx


class CareTaskSentView(_PostOnly):
    model = CareTask
    form_class = forms.CareDoneForm

    def perform(self, obj, data):
        return services.finish_care_task(obj, sent=True, message=data.get("message") or None, actor=self.request.user)


class CareTaskSkipView(_PostOnly):
    model = CareTask
    form_class = forms.ReasonForm

    def perform(self, obj, data):
        return services.finish_care_task(obj, sent=False, reason=data.get("reason", ""), actor=self.request.user)


# --- settings ------------------------------------------------------------------------------------


def _setting_views(model: type, form_class: Any, filterset: Any, columns: list[Column], fields: list[Column],
                   name: str) -> tuple[type, type, type]:
    list_view = type(f"{model.__name__}ListView", (ObjectListView,), {
        "model": model, "filterset_class": filterset, "columns": columns, "create_url_name": f"crm:{name}_add",
        "__module__": __name__,
    })
    detail_view = type(f"{model.__name__}DetailView", (ObjectDetailView,), {
        "model": model, "fields": fields, "template_name": "crm/setting_detail.html", "__module__": __name__,
    })

    def save(self, form):
        return services.save_setting(model, self.object, form.cleaned_data, actor=self.request.user)

    edit_view = type(f"{model.__name__}EditView", (ObjectEditView,), {
        "model": model, "form_class": form_class, "save": save, "__module__": __name__,
    })
    return list_view, detail_view, edit_view


LeadSourceListView, LeadSourceDetailView, LeadSourceEditView = _setting_views(
    LeadSource, forms.LeadSourceForm, filters.LeadSourceFilterSet,
    [Column("name", _("Name"), link=True), Column("code", _("Code")), Column("sort_order", _("Sort order")),
     Column("is_active", _("Active"), kind="bool")],
    [Column("code", _("Code")), Column("sort_order", _("Sort order")), Column("is_active", _("Active"), kind="bool")],
    "leadsource",
)
CustomerClassListView, CustomerClassDetailView, CustomerClassEditView = _setting_views(
    CustomerClass, forms.CustomerClassForm, filters.CustomerClassFilterSet,
    [Column("name", _("Name"), link=True), Column("code", _("Code")),
     Column("follow_up_days", _("Follow-up every (days)")), Column("is_active", _("Active"), kind="bool")],
    [Column("code", _("Code")), Column("follow_up_days", _("Follow-up every (days)")),
     Column("sort_order", _("Sort order")), Column("is_active", _("Active"), kind="bool")],
    "customerclass",
)
HolidayListView, HolidayDetailView, HolidayEditView = _setting_views(
    Holiday, forms.HolidayForm, filters.HolidayFilterSet,
    [Column("name", _("Name"), link=True), Column("date", _("Date"), kind="date"),
     Column("template", _("Greeting template")), Column("is_active", _("Active"), kind="bool")],
    [Column("date", _("Date"), kind="date"), Column("template", _("Greeting template")),
     Column("is_active", _("Active"), kind="bool")],
    "holiday",
)
CareTemplateListView, CareTemplateDetailView, CareTemplateEditView = _setting_views(
    CareTemplate, forms.CareTemplateForm, filters.CareTemplateFilterSet,
    [Column("name", _("Name"), link=True), Column("get_kind_display", _("Kind")), Column("body", _("Greeting text")),
     Column("is_default", _("Default for its kind"), kind="bool")],
    [Column("get_kind_display", _("Kind")), Column("body", _("Greeting text"), kind="multiline"),
     Column("is_default", _("Default for its kind"), kind="bool")],
    "caretemplate",
)
