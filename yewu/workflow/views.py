"""Approval centre pages: the inbox, the approval page with its actions, its print view, starting
a process, and the list of every approval the user may see.

Every page takes its approvals from `inbox.visible_instances` and its tasks from
`inbox.visible_tasks`; every action parses a small form, calls one service and shows the
service's refusal as a message.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
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
from yewu.core.views.generic import Column, ObjectDetailView, ObjectListView
from yewu.org.models import Department, Employee
from yewu.org.models.employees import EmployeeStatus
from yewu.workflow import inbox, services
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
    ids = [int(i) for i in request.POST.getlist("task") if i.isdigit() and len(i) < 19][:BATCH_LIMIT]
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


def _number(value: Any) -> Any:
    try:
        return Decimal(str(value))
    except (ArithmeticError, ValueError):
        return value


def form_rows(schema: list, data: dict) -> list[FormRow]:
    """The approval's form as (label, kind, value) rows: the version's schema fields in order when
    it has one, else every value that was submitted. People and departments show by name."""
    fields = [f for f in schema if isinstance(f, dict) and f.get("name")]
    if not fields:
        fields = [{"name": k, "label": k, "type": "text"} for k in data if k not in ("title",)]
    user_ids, dept_ids = set(), set()
    for f in fields:
        values = data.get(f["name"])
        values = values if isinstance(values, list) else [values]
        target = user_ids if f.get("type") == "user" else dept_ids if f.get("type") == "department" else None
        if target is not None:
            target.update(int(v) for v in values if str(v).isdigit() and len(str(v)) < 19)
    users = {u.pk: inbox.person(u) for u in get_user_model().objects.filter(pk__in=user_ids).select_related("employee")} if user_ids else {}
    depts = dict(Department.objects.filter(pk__in=dept_ids).values_list("pk", "name")) if dept_ids else {}
    rows = []
    for f in fields:
        kind = str(f.get("type") or "text")
        value = data.get(f["name"])
        if kind in ("user", "department"):
            names = users if kind == "user" else depts
            values = value if isinstance(value, list) else [value]
            value = ", ".join(
                names.get(int(v), str(v)) if str(v).isdigit() and len(str(v)) < 19 else str(v)
                for v in values if v not in (None, "")
            )
        elif kind == "money" and value not in (None, ""):
            amount = _number(value)
            # Thousands separators whatever the locale (Django's zh-hans format has none).
            value = f"¥{amount:,.2f}" if isinstance(amount, Decimal) else value
        elif kind == "number" and value not in (None, ""):
            value = _number(value)
        elif kind in ("date_range", "daterange") and isinstance(value, list):
            value = " ~ ".join(str(v) for v in value)
        elif kind == "table" and isinstance(value, list):
            columns = [c.get("label") or c.get("name") for c in f.get("columns", []) if isinstance(c, dict)]
            keys = [c.get("name") for c in f.get("columns", []) if isinstance(c, dict)]
            rows_ = [r for r in value if isinstance(r, dict)]
            if not keys:
                keys = list(dict.fromkeys(k for r in rows_ for k in r))
                columns = keys
            value = {"columns": columns, "rows": [[r.get(k, "") for k in keys] for r in rows_]}
        rows.append(FormRow(str(f.get("label") or f["name"]), kind, value))
    return rows


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


_FIELD_PREFIX = "f_"


def _field_for(spec: dict) -> forms.Field:
    """A form field for one schema entry; unknown types fall back to text."""
    kind = str(spec.get("type") or "text")
    common = {"label": str(spec.get("label") or spec["name"]), "required": bool(spec.get("required"))}
    if spec.get("help"):
        common["help_text"] = str(spec["help"])
    if kind in ("textarea", "longtext"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, **common)
    if kind == "number":
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if kind == "money":
        return forms.DecimalField(max_digits=16, decimal_places=2, min_value=0, **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "select":
        options = []
        for o in spec.get("options") or []:
            if isinstance(o, dict):
                options.append((str(o.get("value", "")), str(o.get("label", o.get("value", "")))))
            else:
                options.append((str(o), str(o)))
        return forms.ChoiceField(choices=[("", "—"), *options], **common)
    if kind == "user":
        return forms.ChoiceField(
            choices=[("", "—"), *[(str(e.user_id), f"{e.name} · {e.department.name}") for e in _people()]],
            **common,
        )
    if kind == "department":
        return forms.ChoiceField(
            choices=[("", "—"), *Department.objects.filter(is_active=True).order_by("path").values_list("pk", "name")],
            **common,
        )
    return forms.CharField(max_length=500, **common)


def _json_value(value: Any) -> Any:
    """Form values as the engine can keep them: numbers as int/float, dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def start_form_class(version: ProcessVersion, initial_title: str) -> type[forms.Form]:
    """The start form: a title, then the version's form fields (or a free description)."""
    fields: dict[str, forms.Field] = {
        "title": forms.CharField(label=gettext_lazy("Title"), max_length=200, initial=initial_title),
    }
    schema = [f for f in version.form if isinstance(f, dict) and f.get("name")]
    if schema:
        for spec in schema:
            fields[_FIELD_PREFIX + str(spec["name"])] = _field_for(spec)
    else:
        fields["description"] = forms.CharField(
            label=gettext_lazy("Details"), widget=forms.Textarea(attrs={"rows": 5}), required=False,
            max_length=5000,
        )
    return type("StartForm", (forms.Form,), fields)


def form_payload(version: ProcessVersion, cleaned: dict) -> dict:
    schema = [f for f in version.form if isinstance(f, dict) and f.get("name")]
    if not schema:
        return {"description": cleaned.get("description", "")}
    out = {}
    for spec in schema:
        value = cleaned.get(_FIELD_PREFIX + str(spec["name"]))
        if spec.get("type") in ("user", "department") and value:
            value = int(value)
        out[str(spec["name"])] = _json_value(value)
    return out


@login_required
def start_form(request: HttpRequest, key: str) -> HttpResponse:
    """Fill in and submit a new approval for one process."""
    if not permissions.can_model(request.user, "add", ProcessInstance):
        raise Http404
    version = next((v for v in startable_versions() if v.definition.key == key), None)
    if version is None:
        raise Http404
    definition = version.definition
    initial = _("%(process)s by %(name)s") % {"process": definition.name, "name": inbox.person(request.user)}
    form_class = start_form_class(version, initial)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            permissions.require_new(request.user, "add", ProcessInstance, owner=request.user)
            instance = services.start_process(
                definition, actor=request.user, title=form.cleaned_data["title"],
                form=form_payload(version, form.cleaned_data),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Submitted: %(number)s.") % {"number": instance.number})
            return redirect(instance.get_absolute_url())
    return render(request, "workflow/start_form.html", {
        "title": definition.name, "definition": definition, "version": version, "form": form,
    })
