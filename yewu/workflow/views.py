"""Approval centre pages: the inbox, the approval page with its actions, its print view, starting
a process, and the list of every approval the user may see.

Every page takes its approvals from `inbox.visible_instances` and its tasks from
`inbox.visible_tasks`; every action parses a small form, calls one service and shows the
service's refusal as a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.services import add_attachment
from yewu.core.views.generic import Column, ObjectDetailView, ObjectListView
from yewu.org.models import Employee
from yewu.org.models.employees import EmployeeStatus
from yewu.workflow import forms_schema, hooks, inbox, services
from yewu.workflow.choices import InstanceStatus, VersionStatus
from yewu.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion, Task

BATCH_LIMIT = 100


def _people() -> QuerySet[Employee]:
    """Colleagues one can hand a task to, add as a signer or copy: active staff with a login."""
    return (
        Employee.objects.filter(status=EmployeeStatus.ACTIVE, user__is_active=True)
        .select_related("user", "department")
        .only("name", "employee_no", "user__username", "department__name")
        .order_by("department__path", "name")
    )


def _find_user(text: str) -> Any:
    """An active user named by login name or employee number (what the people picker sends)."""
    text = (text or "").strip()
    if not text:
        return None
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(username=text) | Q(employee__employee_no=text))
        .first()
    )


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- inbox ---------------------------------------------------------------------------------------


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    """The four tabs with their counts; filters and search narrow the open tab (htmx swaps it)."""
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in inbox.TABS else inbox.TODO
    flt = inbox.InboxFilter.from_params(request.GET)
    now = timezone.now()
    page = Paginator(inbox.tab_queryset(user, tab, flt, now), 20).get_page(request.GET.get("page"))
    items = [inbox.item(row, tab, now) for row in page.object_list]
    counts = inbox.counts(user, now)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "title": _("Approvals"),
        "tab": tab,
        "tabs": [(key, inbox.TAB_LABELS[key], counts[key]) for key in inbox.TABS],
        "counts": counts,
        "items": items,
        "page": page,
        "filter": flt,
        "query": query.urlencode(),
        "processes": ProcessDefinition.objects.order_by("name").values_list("key", "name"),
        "statuses": InstanceStatus.choices,
        "can_start": permissions.can_model(user, "add", ProcessInstance),
    }
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "workflow/inbox_tab.html" if partial else "workflow/inbox.html"
    return render(request, template, ctx)


@login_required
@require_POST
def batch_approve(request: HttpRequest) -> HttpResponse:
    """Approve several to-dos with one comment; each goes through approve_task on its own, and
    every refusal is reported with its approval's number."""
    ids = [int(i) for i in request.POST.getlist("task") if i.isdecimal() and len(i) < 19][:BATCH_LIMIT]
    comment = (request.POST.get("comment") or "").strip()[:2000]
    if not ids:
        messages.error(request, _("Select the approvals to approve."))
        return redirect(_next_url(request, "workflow:inbox"))
    tasks = {t.pk: t for t in inbox.todo(request.user).filter(pk__in=ids)}
    # Selected but no longer waiting (a colleague decided an or-sign step meanwhile): name it.
    gone = {
        t.pk: t for t in inbox.visible_tasks(request.user).filter(pk__in=set(ids) - set(tasks))
        .select_related("instance")
    }
    approved = 0
    for pk in ids:
        task = tasks.get(pk)
        if task is None:
            if pk in gone:
                messages.error(request, _("%(number)s %(title)s: %(reason)s") % {
                    "number": gone[pk].instance.number, "title": gone[pk].instance.title,
                    "reason": _("It is no longer waiting for you."),
                })
            else:
                messages.error(request, _("Task %(id)s is no longer waiting for you.") % {"id": pk})
            continue
        try:
            services.approve_task(task, actor=request.user, comment=comment)
        except DomainError as exc:
            messages.error(request, _("%(number)s %(title)s: %(reason)s") % {
                "number": task.instance.number, "title": task.instance.title, "reason": exc.message,
            })
        else:
            approved += 1
    if approved:
        messages.success(request, _("Approved: %(count)s.") % {"count": approved})
    return redirect(_next_url(request, "workflow:inbox"))


# --- all approvals I may see ---------------------------------------------------------------------


class InstanceListView(ObjectListView):
    """Every approval the user may see (their own, those they take part in, and what their role's
    scope reaches), with filters and xlsx/csv export."""

    model = ProcessInstance
    filterset_class = inbox.InstanceFilterSet
    title = gettext_lazy("All approvals")
    columns = [
        Column("number", gettext_lazy("Number"), link=True),
        Column("title", gettext_lazy("Title")),
        Column("process_name", gettext_lazy("Process")),
        Column("requester_name", gettext_lazy("Requester")),
        Column("department", gettext_lazy("Department")),
        Column("get_status_display", gettext_lazy("Status"), kind="tag"),
        Column("started_at", gettext_lazy("Started"), kind="datetime"),
        Column("ended_at", gettext_lazy("Ended"), kind="datetime"),
    ]

    def base_queryset(self):
        return inbox.visible_instances(self.request.user)

    def get_queryset(self):
        return (
            self.base_queryset()
            .select_related("department")
            .annotate(
                process_name=F("version__definition__name"),
                requester_name=Coalesce("requester__employee__name", "requester__username"),
            )
            .order_by("-started_at", "-id")
        )


# --- one approval --------------------------------------------------------------------------------


@dataclass
class FormRow:
    label: str
    kind: str
    value: Any


def form_rows(schema: list, data: dict) -> list[Any]:
    """The approval's form as rows with label, kind and display value: the version's schema fields
    in order (options by label, people and departments by name, money as ¥1,234.50, tables as
    column labels and rows; see forms_schema.display), else every value that was submitted."""
    if forms_schema.fields_of(schema):
        return forms_schema.display(schema, data)
    return [FormRow(str(k), "textarea", "" if v is None else str(v)) for k, v in data.items() if k != "title"]


def export_url(version: ProcessVersion) -> str:
    """The BPMN of the version for the diagram (served by the process definition pages, which let
    the approval's participants fetch it)."""
    return reverse("processes:version_export", args=[version.pk])


class InstanceDetailView(ObjectDetailView):
    """The approval: header, form, diagram, trail, attachments, comments and what the user may do."""

    model = ProcessInstance
    template_name = "workflow/instance_detail.html"

    def base_queryset(self):
        return inbox.visible_instances(self.request.user).select_related(
            "version__definition", "requester__employee", "department"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        instance: ProcessInstance = ctx["object"]
        user = self.request.user
        view = inbox.approval_view(instance, user)
        names = {t.step_id: t.name for t in view.tasks}
        if any(step_id not in names for ids in view.steps.values() for step_id in ids):
            names = {**inbox.diagram_step_names(instance), **names}  # steps passed automatically
        my_task = view.my_task
        step = instance.version.step(my_task.step_id) if my_task is not None else {}
        ctx.update(
            title=instance.title,
            instance=instance,
            comments=ctx["comments"].select_related("author__employee"),
            form_rows=form_rows(instance.version.form, instance.form_data),
            trail=view.trail,
            steps=view.steps,
            step_names={
                key: [names.get(step_id, step_id) for step_id in ids] for key, ids in view.steps.items()
            },
            export_url=export_url(instance.version),
            my_task=my_task,
            is_submit=step.get("kind") == "submit",
            sop=step.get("sop", ""),
            returnable=view.returnable,
            can_withdraw=view.can_withdraw,
            can_urge=view.can_urge,
            can_cc=view.can_cc,
            has_actions=bool(my_task or view.can_withdraw or view.can_urge or view.can_cc),
            can_comment=permissions.can(user, "view", instance),
            people=list(_people()) if (my_task is not None or view.can_cc) else [],
            requester_name=inbox.person(instance.requester),
            record=hooks.bound_record(instance, user),
            crumbs=[(_("Approvals"), reverse("workflow:inbox")), (instance.number, "")],
        )
        inbox.mark_read(user, instance)
        return ctx


class InstancePrintView(LoginRequiredMixin, TemplateView):
    """The approval and its trail on paper (the browser's print, with print CSS): the approval
    page's content, looked up the same way, in a print layout."""

    template_name = "workflow/instance_print.html"

    def get_context_data(self, **kwargs):
        page = InstanceDetailView()
        page.setup(self.request, *self.args, **self.kwargs)
        ctx = page.get_context_data(**kwargs)
        ctx["printed_at"] = timezone.now()
        return ctx


# --- actions -------------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000)


class ReturnForm(DecisionForm):
    to_step = forms.CharField(max_length=200)


class PersonForm(DecisionForm):
    user = forms.CharField(max_length=150)
    position = forms.ChoiceField(choices=[("before", "before"), ("after", "after")], required=False)

    def clean_user(self):
        user = _find_user(self.cleaned_data["user"])
        if user is None:
            raise forms.ValidationError(_("Choose a colleague from the list."))
        return user


class PeopleField(forms.Field):
    """Several colleagues, by login name or employee number (a multiple select, or commas)."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list:
        raw = value if isinstance(value, list | tuple) else [value or ""]
        names = [n for v in raw for n in str(v).replace("，", ",").replace(" ", ",").split(",") if n]
        users = []
        for name in names[:50]:
            user = _find_user(name)
            if user is None:
                raise forms.ValidationError(_("%(name)s is not a colleague Yewu knows.") % {"name": name})
            users.append(user)
        return users

    def validate(self, value: list) -> None:
        if not value:
            raise forms.ValidationError(_("Choose at least one colleague."))


class CopyForm(forms.Form):
    users = PeopleField()


class _ActionView(LoginRequiredMixin, View):
    """POST-only: parse the form, call one service, show its refusal; back to the approval."""

    form_class: type[forms.Form] = DecisionForm
    done_message: Any = ""

    def lookup(self, pk: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def instance_of(self, obj: Any) -> ProcessInstance:
        return obj

    def perform(self, obj: Any, data: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.lookup(pk)
        if obj is None:
            raise Http404
        form = self.form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                self.perform(obj, form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if self.done_message:
                    messages.success(request, str(self.done_message))
        return redirect(_next_url(request, self.instance_of(obj).get_absolute_url()))


class _TaskActionView(_ActionView):
    def lookup(self, pk: int) -> Task | None:
        return inbox.visible_tasks(self.request.user).select_related("instance").filter(pk=pk).first()

    def instance_of(self, obj: Task) -> ProcessInstance:
        return obj.instance


class TaskApproveView(_TaskActionView):
    done_message = gettext_lazy("Approved.")

    def perform(self, task, data):
        services.approve_task(task, actor=self.request.user, comment=data["comment"])


class TaskRejectView(_TaskActionView):
    done_message = gettext_lazy("Rejected.")

    def perform(self, task, data):
        services.reject_task(task, actor=self.request.user, comment=data["comment"])


class TaskSubmitView(_TaskActionView):
    done_message = gettext_lazy("Submitted again.")

    def perform(self, task, data):
        services.submit_task(task, actor=self.request.user, comment=data["comment"])


class TaskReturnView(_TaskActionView):
    form_class = ReturnForm
    done_message = gettext_lazy("Sent back.")

    def perform(self, task, data):
        services.return_task(task, actor=self.request.user, to_step=data["to_step"], comment=data["comment"])


class TaskTransferView(_TaskActionView):
    form_class = PersonForm
    done_message = gettext_lazy("Handed over.")

    def perform(self, task, data):
        services.transfer_task(task, actor=self.request.user, to_user=data["user"], comment=data["comment"])


class TaskAddSignerView(_TaskActionView):
    form_class = PersonForm
    done_message = gettext_lazy("Signer added.")

    def perform(self, task, data):
        services.add_signer(
            task, actor=self.request.user, user=data["user"], before=data.get("position") == "before",
            comment=data["comment"],
        )


class _InstanceActionView(_ActionView):
    def lookup(self, pk: int) -> ProcessInstance | None:
        return inbox.visible_instances(self.request.user).filter(pk=pk).first()


class InstanceWithdrawView(_InstanceActionView):
    done_message = gettext_lazy("Withdrawn.")

    def perform(self, instance, data):
        services.withdraw_instance(instance, actor=self.request.user, comment=data["comment"])


class InstanceUrgeView(_InstanceActionView):
    done_message = gettext_lazy("A reminder has been sent.")

    def perform(self, instance, data):
        services.urge(instance, actor=self.request.user)


class InstanceCopyView(_InstanceActionView):
    form_class = CopyForm
    done_message = gettext_lazy("Copied.")

    def perform(self, instance, data):
        services.copy_to(instance, data["users"], actor=self.request.user)


# --- starting a process --------------------------------------------------------------------------


def startable_versions() -> list[ProcessVersion]:
    """The version each process would start with (published, else one on trial run), as
    start_process chooses it: one query."""
    versions = (
        ProcessVersion.objects.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.TRIAL])
        .select_related("definition")
        .order_by("definition__category", "definition__name", "-version")
    )
    chosen: dict[int, ProcessVersion] = {}
    for v in versions:
        current = chosen.get(v.definition_id)
        if current is None or (current.status != VersionStatus.PUBLISHED and v.status == VersionStatus.PUBLISHED):
            chosen[v.definition_id] = v
    return list(chosen.values())


@login_required
def start_list(request: HttpRequest) -> HttpResponse:
    """Processes the user can start, grouped by category."""
    allowed = permissions.can_model(request.user, "add", ProcessInstance)
    groups: dict[str, list[ProcessVersion]] = {}
    for v in startable_versions() if allowed else []:
        groups.setdefault(v.definition.category or "", []).append(v)
    return render(request, "workflow/start_list.html", {
        "title": _("Start an approval"), "groups": sorted(groups.items()), "allowed": allowed,
    })


class _StartForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200,
                            widget=forms.TextInput(attrs={"class": "form-control"}))


class _FreeStartForm(_StartForm):
    """A process without a form schema takes a title and free details."""

    description = forms.CharField(
        label=gettext_lazy("Details"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 5}),
    )
    description.schema_type = "textarea"  # laid out full width by workflow/partials/form_fields.html


def start_form_class(version: ProcessVersion, user: Any) -> type[forms.Form]:
    """The start form: a title, then the version's schema fields (forms_schema renders and checks
    them the same way as the API), or free details when the version has no schema."""
    if forms_schema.fields_of(version.form):
        return forms_schema.form_class(version.form, user=user, base=_StartForm)
    return _FreeStartForm


def form_payload(form: forms.Form) -> dict:
    """What the approval keeps: the schema's cleaned values (plain JSON), or the free details."""
    if isinstance(form, forms_schema.SchemaForm):
        return form.values
    return {"description": form.cleaned_data.get("description", "")}


@login_required
def start_form(request: HttpRequest, key: str) -> HttpResponse:
    """Fill in and submit a new approval for one process; files of attachment fields are attached
    to the approval in the same transaction (a refused file starts nothing)."""
    if not permissions.can_model(request.user, "add", ProcessInstance):
        raise Http404
    version = next((v for v in startable_versions() if v.definition.key == key), None)
    if version is None:
        raise Http404
    definition = version.definition
    initial = _("%(process)s by %(name)s") % {"process": definition.name, "name": inbox.person(request.user)}
    form_class = start_form_class(version, request.user)
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
    else:
        form = form_class(initial={"title": initial})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # start_process checks the add grant
                instance = services.start_process(
                    definition, actor=request.user, title=form.cleaned_data["title"], form=form_payload(form),
                    defer_attachments=True,
                )
                for uploads in getattr(form, "files_by_field", {}).values():
                    for upload in uploads:
                        add_attachment(instance, upload, actor=request.user, action="add")
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Submitted: %(number)s.") % {"number": instance.number})
            return redirect(instance.get_absolute_url())
    return render(request, "workflow/start_form.html", {
        "title": definition.name, "definition": definition, "version": version, "form": form,
    })
