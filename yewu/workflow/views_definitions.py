"""Process definition pages: the registry, versions with their diagram, lifecycle, step settings,
BPMN import and export, and the modeler for drafts. Every page reads the restricted queryset and
every write calls one function of yewu.workflow.definitions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View

from yewu.core import permissions
from yewu.core.errors import DomainError
from yewu.core.views.generic import (
    Column,
    ObjectActionView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
)
from yewu.workflow import definitions, dmn, migration, publishing
from yewu.workflow.choices import VersionStatus
from yewu.workflow.errors import WorkflowError
from yewu.workflow.forms_definitions import (
    BpmnImportForm,
    BpmnUploadForm,
    ProcessDefinitionFilterSet,
    ProcessDefinitionForm,
    ProcessVersionFilterSet,
    StepSettingsForm,
    VersionDetailsForm,
)
from yewu.workflow.models import ProcessDefinition, ProcessVersion, Task


def register_definition_menu() -> None:
    """The process-definition pages in the navigation (called from WorkflowConfig.ready)."""
    from yewu.core.activities import register_labels
    from yewu.core.navigation import MenuItem, Module, register, register_search

    register(
        Module(
            key="processes", label=_("Process definitions"), icon="diagram-3-fill", order=90,
            items=[
                MenuItem(_("Processes"), "processes:definition_list", "workflow.view_processdefinition"),
                MenuItem(_("Versions and re-reviews"), "processes:version_list", "workflow.view_processversion"),
            ],
        )
    )
    register_search(ProcessDefinition, ("key", "name", "category"), _("Process definitions"))
    register_labels({
        "definition.created": _("Process created"),
        "definition.changed": _("Process changed"),
        "version.created": _("Version created"),
        "version.changed": _("Version details changed"),
        "version.diagram_changed": _("Diagram changed"),
        "version.steps_changed": _("Step settings changed"),
        "version.draft": _("Returned to draft"),
        "version.review": _("Sent for review"),
        "version.trial": _("Trial run started"),
        "version.published": _("Published"),
        "version.retired": _("Retired"),
        "version.decision_changed": _("Decision table changed"),
        "version.instances_migrated": _("Approvals moved to a newer version"),
        "process.migrated": _("Moved to a newer version of the process"),
    })


def _today():
    return timezone.localdate()


#: Versions whose re-review date matters: those in force.
_REVIEWED = (VersionStatus.PUBLISHED, VersionStatus.TRIAL)


# --- definitions ---------------------------------------------------------------------------------


class DefinitionListView(ObjectListView):
    """The registry of processes with their published version and its re-review date (overdue ones marked)."""

    model = ProcessDefinition
    template_name = "workflow/definitions/definition_list.html"
    filterset_class = ProcessDefinitionFilterSet
    select_related = ("owner_department",)
    create_url_name = "processes:definition_add"
    title = _("Process definitions")
    columns = [
        Column("key", _("Key")),
        Column("name", _("Name"), link=True),
        Column("category", _("Category")),
        Column("owner_department", _("Owner department")),
        Column("current_version", _("Published version")),
        Column("current_review_due", _("Re-review due"), kind="date"),
    ]

    def get_queryset(self):
        current = ProcessVersion.objects.filter(
            definition=OuterRef("pk"), status=VersionStatus.PUBLISHED
        ).order_by("-version")
        late = ProcessVersion.objects.filter(
            definition=OuterRef("pk"), status__in=_REVIEWED, review_due__lt=_today()
        )
        return super().get_queryset().annotate(
            current_version=Subquery(current.values("version")[:1]),
            current_review_due=Subquery(current.values("review_due")[:1]),
            review_overdue=Exists(late),
        )

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["workflow/definitions/review_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_import"] = permissions.can_model(self.request.user, "add", ProcessDefinition)
        return ctx


class DefinitionDetailView(ObjectDetailView):
    model = ProcessDefinition
    template_name = "workflow/definitions/definition_detail.html"
    fields = [
        Column("key", _("Key")),
        Column("category", _("Category")),
        Column("owner_department", _("Owner department")),
        Column("description", _("Description"), kind="multiline"),
        Column("created_at", _("Created at"), kind="datetime"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        definition = ctx["object"]
        ctx["versions"] = ProcessVersion.objects.restrict(self.request.user, "view").filter(
            definition=definition
        ).select_related("created_by").order_by("-version")
        ctx["today"] = _today()
        ctx["upload_form"] = BpmnUploadForm()
        return ctx


class DefinitionEditView(ObjectEditView):
    model = ProcessDefinition
    form_class = ProcessDefinitionForm

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None and self.request.GET.get("key"):
            initial["key"] = self.request.GET["key"][:60]
        return initial

    def save(self, form):
        return definitions.save_definition(self.object, form.cleaned_data, actor=self.request.user)


class DefinitionUploadView(ScopedMixin, View):
    """Upload a BPMN file on the process page: it becomes the next draft version."""

    model = ProcessDefinition
    action = "change"

    def post(self, request, pk):
        definition = self.base_queryset().filter(pk=pk).first()
        if definition is None:
            raise Http404
        form = BpmnUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(definition.get_absolute_url())
        try:
            version = definitions.create_version(
                definition, actor=request.user, bpmn_xml=form.cleaned_data["file"],
                process_id=form.cleaned_data["process_id"] or None,
                make_executable=form.cleaned_data["make_executable"], notes=form.cleaned_data["notes"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(definition.get_absolute_url())
        messages.success(request, _t("Version %(version)s was created as a draft.") % {"version": version.version})
        return redirect(version.get_absolute_url())


class DefinitionImportView(ScopedMixin, View):
    """Import a BPMN file as a new process (or as the next version of the process with that key)."""

    model = ProcessDefinition
    action = "add"
    template_name = "workflow/definitions/import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_model(request.user, "add", ProcessDefinition):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(BpmnImportForm(user=request.user))

    def post(self, request):
        form = BpmnImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = definitions.import_bpmn(
                    data["file"], actor=request.user, key=data["key"] or None, name=data["name"] or None,
                    owner_department=data["owner_department"], process_id=data["process_id"] or None,
                    make_executable=data["make_executable"], notes=data["notes"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _t("%(key)s version %(version)s was imported as a draft.") % {
                    "key": version.definition.key, "version": version.version})
                return redirect(version.get_absolute_url())
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(self.request, self.template_name, {"form": form, "title": _("Import a BPMN file")}, status=status)


# --- versions ------------------------------------------------------------------------------------


class VersionListView(ObjectListView):
    """Every version the user may view, with status and re-review date (overdue ones marked)."""

    model = ProcessVersion
    template_name = "workflow/definitions/definition_list.html"
    filterset_class = ProcessVersionFilterSet
    select_related = ("definition", "definition__owner_department")
    title = _("Process versions")
    columns = [
        Column("__str__", _("Version"), link=True),
        Column("definition.key", _("Key")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("definition.owner_department", _("Owner department")),
        Column("published_at", _("Published at"), kind="datetime"),
        Column("review_due", _("Re-review due"), kind="date"),
    ]

    def get_queryset(self):
        late = Q(status__in=_REVIEWED, review_due__lt=_today())
        return super().get_queryset().annotate(
            review_overdue=Case(When(late, then=Value(True)), default=Value(False), output_field=BooleanField())
        )

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["workflow/definitions/review_table.html"]
        return [self.template_name]


class VersionDetailView(ObjectDetailView):
    """A version: its diagram (bpmn-js viewer), lifecycle buttons, re-review date and step settings."""

    model = ProcessVersion
    template_name = "workflow/definitions/version_detail.html"
    fields = [
        Column("definition", _("Process")),
        Column("version", _("Version")),
        Column("get_status_display", _("Status"), kind="tag"),
        Column("process_id", _("BPMN process id")),
        Column("review_due", _("Re-review due"), kind="date"),
        Column("published_at", _("Published at"), kind="datetime"),
        Column("created_by", _("Created by")),
        Column("created_at", _("Created at"), kind="datetime"),
        Column("notes", _("Notes"), kind="multiline"),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("definition", "created_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        version: ProcessVersion = ctx["object"]
        can_change = ctx["can_change"]
        is_draft = version.status == VersionStatus.DRAFT
        governing = publishing.publishing_definition()
        approvals = list(publishing.approvals(version).select_related("requester")[:10])
        running = next((a for a in approvals if a.is_running), None)
        targets = [(s, _transition_label(s)) for s in definitions.legal_targets(version)] if can_change else []
        if running is not None:
            targets = []
        elif governing is not None:
            targets = [(s, label) for s, label in targets if s == VersionStatus.RETIRED]
        table = definitions.decision_table(version)
        newer = migration.targets(version) if can_change else []
        ctx.update(
            title=str(version),
            statuses=VersionStatus.choices,
            export_url=reverse("processes:version_export", args=[version.pk]),
            targets=targets,
            governing=governing,
            can_submit=can_change and is_draft and governing is not None and running is None,
            approvals=approvals,
            trail=_trail(approvals[0]) if approvals else [],
            decision=table,
            can_edit_decision=table is not None and (
                (can_change and is_draft) or permissions.can(self.request.user, "change", version.definition)),
            migration_targets=newer,
            running_count=migration.running(version).count() if newer else 0,
            step_forms=kwargs.get("step_forms") or _step_forms(version),
            editable_steps=can_change and is_draft,
            can_model=can_change and is_draft,
            can_copy=permissions.can(self.request.user, "change", version.definition),
            details_form=kwargs.get("details_form") or VersionDetailsForm(instance=version),
            can_edit_details=can_change and version.status != VersionStatus.RETIRED,
            review_overdue=bool(version.review_due and version.review_due < _today() and version.status in _REVIEWED),
        )
        return ctx


def _trail(instance: Any) -> list[Task]:
    """Who did what in a publishing approval, in order (the version page's trail)."""
    return list(instance.tasks.select_related("assignee", "principal").order_by("created_at", "pk"))


def _transition_label(target: str) -> Any:
    return {
        VersionStatus.DRAFT: _("Back to draft"),
        VersionStatus.REVIEW: _("Send for review"),
        VersionStatus.TRIAL: _("Start trial run"),
        VersionStatus.PUBLISHED: _("Publish"),
        VersionStatus.RETIRED: _("Retire"),
    }[target]


def _step_forms(version: ProcessVersion, data: Any = None) -> list[tuple[Any, StepSettingsForm]]:
    settings = version.steps
    out = []
    for index, step in enumerate(definitions.steps_of(version)):
        initial = {"step_id": step.id, **(settings.get(step.id) or {})}
        out.append((step, StepSettingsForm(data, prefix=f"s{index}", initial=initial)))
    return out


class VersionStatusView(ObjectActionView):
    """Move a version to the next lifecycle status (one URL per target status)."""

    model = ProcessVersion
    target = ""

    def perform(self, obj):
        definitions.set_version_status(obj, self.target, actor=self.request.user)
        messages.success(self.request, _t("The version is now: %(status)s.") % {"status": VersionStatus(self.target).label})


class VersionCopyView(ObjectActionView):
    """A new draft from this version, to change in the modeler and publish again."""

    model = ProcessVersion
    action = "view"

    def post(self, request, pk):
        obj = self.base_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404
        try:
            copy = definitions.copy_version(obj, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(obj.get_absolute_url())
        messages.success(request, _t("Version %(version)s was created as a draft.") % {"version": copy.version})
        return redirect(copy.get_absolute_url())


class VersionDetailsView(ObjectActionView):
    """Save the re-review date and notes."""

    model = ProcessVersion

    def perform(self, obj):
        form = VersionDetailsForm(self.request.POST, instance=ProcessVersion(pk=obj.pk))
        if not form.is_valid():
            messages.error(self.request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return
        definitions.update_version(obj, form.cleaned_data, actor=self.request.user)
        messages.success(self.request, _t("Saved."))


class VersionStepsView(ScopedMixin, View):
    """Save the per-step settings of a draft (one form per people's step of the diagram)."""

    model = ProcessVersion
    action = "change"

    def post(self, request, pk):
        version = self.base_queryset().filter(pk=pk).first()
        if version is None:
            raise Http404
        forms = _step_forms(version, request.POST)
        if all(form.is_valid() for _step, form in forms):
            known = {step.id for step, _form in forms}
            settings = {form.cleaned_data["step_id"]: form.settings() for _step, form in forms}
            if set(settings) <= known:
                try:
                    definitions.save_steps(version, settings, actor=request.user)
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, _t("The step settings were saved."))
                    return redirect(version.get_absolute_url() + "#steps")
        else:
            messages.error(request, _t("Some step settings are not valid; see the marked fields."))
        view = VersionDetailView()
        view.setup(request, pk=pk)
        ctx = view.get_context_data(step_forms=forms)
        return render(request, view.template_name, ctx, status=400)


@login_required
def version_export(request, pk: int) -> HttpResponse:
    """The version's BPMN (with its diagram) for download, the viewer and other modelers.

    Whoever may view the version may download it; so may whoever takes part in one of its approvals
    (the approval page shows the diagram).
    """
    version = ProcessVersion.objects.restrict(request.user, "view").select_related("definition").filter(pk=pk).first()
    if version is None:
        from yewu.workflow.inbox import visible_instances

        if not visible_instances(request.user).filter(version_id=pk).exists():
            raise Http404
        version = ProcessVersion.objects.select_related("definition").get(pk=pk)
    response = HttpResponse(definitions.export_bpmn(version).encode("utf-8"), content_type="application/xml; charset=utf-8")
    filename = f"{version.definition.key}-v{version.version}.bpmn"
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


class VersionModelerView(ScopedMixin, View):
    """The bpmn-js modeler for a draft: GET shows it, POST (the XML as the body) saves the diagram."""

    model = ProcessVersion
    action = "change"
    template_name = "workflow/definitions/modeler.html"

    def _version(self, pk: int) -> ProcessVersion:
        version = self.base_queryset().select_related("definition").filter(pk=pk).first()
        if version is None:
            raise Http404
        return version

    def get(self, request, pk):
        version = self._version(pk)
        if version.status != VersionStatus.DRAFT:
            messages.error(request, DomainError(WorkflowError.VERSION_NOT_DRAFT).message)
            return redirect(version.get_absolute_url())
        return render(request, self.template_name, {
            "object": version, "title": _t("Edit the diagram of %(version)s") % {"version": version},
            "export_url": reverse("processes:version_export", args=[version.pk]),
        })

    def post(self, request, pk):
        version = self._version(pk)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        try:
            if length > definitions.MAX_BYTES:
                raise definitions.too_large(length)
            version = definitions.save_diagram(version, request.body, actor=request.user)
        except DomainError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message}, status=400)
        return JsonResponse({"code": "ok", "message": _t("The diagram was saved."),
                             "url": version.get_absolute_url(), "process_id": version.process_id})


# --- publishing through P21 ----------------------------------------------------------------------


class VersionSubmitView(ObjectActionView):
    """Send a draft for review: the P21 approval starts, bound to the version (or, without a
    published P21, the version just moves to review)."""

    model = ProcessVersion

    def perform(self, obj):
        purpose = (self.request.POST.get("purpose") or "").strip()[:2000]
        remarks = (self.request.POST.get("remarks") or "").strip()[:2000]
        form = {k: v for k, v in (("purpose", purpose), ("remarks", remarks)) if v}
        approval = publishing.submit_for_review(obj, actor=self.request.user, form=form)
        if approval is None:
            messages.success(self.request, _t("The version is now: %(status)s.") % {"status": VersionStatus.REVIEW.label})
        else:
            messages.success(self.request, _t("The version is in review; its publishing approval is %(number)s.")
                             % {"number": approval.number})


# --- DMN decision table editor -------------------------------------------------------------------


def _int(value: Any, default: int, limit: int) -> int:
    try:
        return max(0, min(int(value), limit))
    except (TypeError, ValueError):
        return default


def table_from_post(post: Any) -> dict[str, Any]:
    """The decision table as the editor posts it (in-{i}-…, out-{j}-…, rule-{r}-…)."""
    n_in = _int(post.get("inputs"), 0, dmn.MAX_COLUMNS)
    n_out = _int(post.get("outputs"), 0, dmn.MAX_COLUMNS)
    n_rules = _int(post.get("rules"), 0, dmn.MAX_RULES)
    return {
        "hit_policy": post.get("hit_policy", ""),
        "inputs": [{k: post.get(f"in-{i}-{k}", "") for k in ("id", "label", "expression", "type")} for i in range(n_in)],
        "outputs": [{k: post.get(f"out-{j}-{k}", "") for k in ("id", "label", "name", "type")} for j in range(n_out)],
        "rules": [{"id": post.get(f"rule-{r}-id", ""), "description": post.get(f"rule-{r}-description", ""),
                   "inputs": [post.get(f"rule-{r}-in-{i}", "") for i in range(n_in)],
                   "outputs": [post.get(f"rule-{r}-out-{j}", "") for j in range(n_out)]} for r in range(n_rules)],
    }


def _edit_table(table: dict[str, Any], op: str) -> dict[str, Any]:
    """Add or remove a rule or a column of the table being edited (nothing is saved)."""
    kind, _sep, index = op.partition(":")
    try:
        at = int(index) if index else -1
    except ValueError:
        at = -1
    inputs, outputs, rules = table["inputs"], table["outputs"], table["rules"]
    if kind == "add_rule" and len(rules) < dmn.MAX_RULES:
        rules.append({"id": "", "description": "", "inputs": [dmn.ANY] * len(inputs), "outputs": [""] * len(outputs)})
    elif kind == "remove_rule" and 0 <= at < len(rules):
        rules.pop(at)
    elif kind == "up_rule" and 0 < at < len(rules):
        rules[at - 1], rules[at] = rules[at], rules[at - 1]
    elif kind == "add_input" and len(inputs) < dmn.MAX_COLUMNS:
        inputs.append({"id": "", "label": "", "expression": "", "type": ""})
        for rule in rules:
            rule["inputs"].append(dmn.ANY)
    elif kind == "remove_input" and 0 <= at < len(inputs):
        inputs.pop(at)
        for rule in rules:
            rule["inputs"].pop(at)
    elif kind == "add_output" and len(outputs) < dmn.MAX_COLUMNS:
        outputs.append({"id": "", "label": "", "name": "", "type": ""})
        for rule in rules:
            rule["outputs"].append("")
    elif kind == "remove_output" and 0 <= at < len(outputs):
        outputs.pop(at)
        for rule in rules:
            rule["outputs"].pop(at)
    return table


class VersionDecisionView(ScopedMixin, View):
    """Edit the DMN decision table (thresholds, rules, columns) of a version without the diagram.

    A draft is changed in place; saving the table of any other version creates a new draft with
    it. Adding and removing rules or columns re-renders the table (htmx swaps it; without
    JavaScript the whole page comes back), and nothing is saved until "Save".
    """

    model = ProcessVersion
    action = "view"
    template_name = "workflow/definitions/decision.html"
    partial_name = "workflow/definitions/decision_table.html"

    def _version(self, pk: int) -> ProcessVersion:
        version = self.base_queryset().select_related("definition").filter(pk=pk).first()
        if version is None:
            raise Http404
        if version.status == VersionStatus.DRAFT:
            allowed = permissions.can(self.request.user, "change", version)
        else:
            allowed = permissions.can(self.request.user, "change", version.definition)
        if not allowed:
            raise Http404
        return version

    def get(self, request, pk):
        version = self._version(pk)
        table = definitions.decision_table(version)
        if table is None:
            messages.error(request, DomainError(definitions.DefinitionError.NO_DECISION_TABLE).message)
            return redirect(version.get_absolute_url())
        return self.render(version, table)

    def post(self, request, pk):
        version = self._version(pk)
        current = definitions.decision_table(version)
        if current is None:
            raise Http404
        table = {**current, **table_from_post(request.POST)}
        op = request.POST.get("op", "save")
        if op != "save":
            return self.render(version, _edit_table(table, op))
        try:
            saved = definitions.save_decision_table(version, table, actor=request.user)
        except DomainError as exc:
            return self.render(version, table, error=exc.message, status=400)
        if saved.pk == version.pk:
            messages.success(request, _t("The decision table was saved."))
        else:
            messages.success(request, _t("Version %(version)s was created as a draft with the changed decision table.")
                             % {"version": saved.version})
        target = reverse("processes:version_decision", args=[saved.pk])
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)

    def render(self, version: ProcessVersion, table: dict[str, Any], *, error: str = "", status: int = 200):
        rules = [{**rule, "cells_in": list(zip(table["inputs"], rule["inputs"], strict=False)),
                  "cells_out": list(zip(table["outputs"], rule["outputs"], strict=False))} for rule in table["rules"]]
        ctx = {
            "object": version, "table": table, "rules": rules, "error": error,
            "hit_policies": dmn.HIT_POLICIES, "types": dmn.TYPES, "is_draft": version.status == VersionStatus.DRAFT,
            "title": _t("Decision table of %(version)s") % {"version": version},
        }
        name = self.partial_name if self.request.headers.get("HX-Request") else self.template_name
        return render(self.request, name, ctx, status=status)


# --- moving running approvals to a newer version -------------------------------------------------


class VersionMigrateView(ScopedMixin, View):
    """Move running approvals of this version to a newer published one: GET shows each running
    approval with whether it can move (a dry run); POST moves the chosen ones (or all) and shows
    the report of what moved and what could not, with the reason."""

    model = ProcessVersion
    action = "view"
    template_name = "workflow/definitions/migrate.html"

    def _setup(self, pk: int) -> tuple[ProcessVersion, list[ProcessVersion]]:
        version = self.base_queryset().select_related("definition").filter(pk=pk).first()
        if version is None or not permissions.can(self.request.user, "change", version.definition):
            raise Http404
        return version, migration.targets(version)

    def _target(self, newer: list[ProcessVersion], raw: Any) -> ProcessVersion | None:
        return next((v for v in newer if str(v.pk) == str(raw)), newer[0] if newer else None)

    def get(self, request, pk):
        version, newer = self._setup(pk)
        target = self._target(newer, request.GET.get("to"))
        plan = None
        if target is not None:
            plan = migration.migrate_instances(version, target, actor=request.user, dry_run=True)
        return render(request, self.template_name, {
            "object": version, "targets": newer, "target": target, "plan": plan, "report": None,
            "title": _t("Move running approvals of %(version)s") % {"version": version},
        })

    def post(self, request, pk):
        version, newer = self._setup(pk)
        target = self._target(newer, request.POST.get("to"))
        if target is None:
            messages.error(request, _t("There is no newer published version to move to."))
            return redirect(version.get_absolute_url())
        chosen = None if request.POST.get("all") else [i for i in request.POST.getlist("instance") if i.isdecimal()]
        if chosen == []:
            messages.error(request, _t("Choose the approvals to move, or move all."))
            return redirect(reverse("processes:version_migrate", args=[version.pk]) + f"?to={target.pk}")
        try:
            report = migration.migrate_instances(version, target, actor=request.user, instances=chosen)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("processes:version_migrate", args=[version.pk]) + f"?to={target.pk}")
        return render(request, self.template_name, {
            "object": version, "targets": newer, "target": target, "plan": None, "report": report,
            "title": _t("Move running approvals of %(version)s") % {"version": version},
        })

