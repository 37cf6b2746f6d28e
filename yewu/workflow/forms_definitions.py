"""Forms and filters of the process-definition pages (the API uses the same filters)."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yewu.core.errors import DomainError
from yewu.org.models import Department
from yewu.workflow.choices import ApprovalMode, VersionStatus
from yewu.workflow.definitions import MAX_BYTES
from yewu.workflow.models import ProcessDefinition, ProcessVersion


class _ScopedForm(forms.ModelForm):
    """Choice fields list only records the user may view."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for f in self.fields.values():
            qs = getattr(f, "queryset", None)
            if qs is not None and hasattr(qs, "restrict"):
                f.queryset = qs.model.objects.restrict(user, "view")


class ProcessDefinitionForm(_ScopedForm):
    class Meta:
        model = ProcessDefinition
        fields = ["key", "name", "category", "owner_department", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["key"]  # the key names the process everywhere (start links, delegations)


class BpmnFileField(forms.FileField):
    """An uploaded BPMN file, read as bytes (at most MAX_BYTES; the checks come later)."""

    def clean(self, data: Any, initial: Any = None) -> bytes:
        upload = super().clean(data, initial)
        if upload is None:
            return b""
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s KiB; the limit is %(limit)s KiB."),
                params={"size": upload.size // 1024, "limit": MAX_BYTES // 1024},
            )
        return upload.read(MAX_BYTES + 1)


class BpmnUploadForm(forms.Form):
    """A BPMN file to become the next draft version of a process."""

    file = BpmnFileField(label=_("BPMN file"), allow_empty_file=True,
                         widget=forms.ClearableFileInput(attrs={"accept": ".bpmn,.xml,application/xml,text/xml"}))
    process_id = forms.CharField(
        label=_("Process to run"), required=False, max_length=200,
        help_text=_("Only for a collaboration of several pools: the id of the pool's process."),
    )
    make_executable = forms.BooleanField(
        label=_("Make executable"), required=False,
        help_text=_("For a descriptive diagram (isExecutable=\"false\"): mark the process executable."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class BpmnImportForm(BpmnUploadForm):
    """A BPMN file for a new process (or a new version of the process with that key)."""

    key = forms.SlugField(label=_("Key"), required=False, max_length=60,
                          help_text=_("Leave empty to use the process id."))
    name = forms.CharField(label=_("Name"), required=False, max_length=120,
                           help_text=_("Leave empty to use the process name."))
    owner_department = forms.ModelChoiceField(label=_("Owner department"), required=False,
                                              queryset=Department.objects.none())

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = Department.objects.restrict(user, "view").filter(is_active=True)


class VersionDetailsForm(forms.ModelForm):
    """The re-review date and notes of a version."""

    class Meta:
        model = ProcessVersion
        fields = ["review_due", "notes"]
        widgets = {"review_due": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 3})}


def _blank(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class JSONRuleField(forms.CharField):
    """An assignee rule written as a JSON object (empty: none)."""

    widget = forms.Textarea(attrs={"rows": 2, "class": "font-monospace"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value: Any) -> Any:
        text = (super().to_python(value) or "").strip()
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Write the rule as JSON, e.g. {\"type\": \"department_head\"}.")) from None
        if not isinstance(parsed, dict):
            raise forms.ValidationError(_("Write the rule as JSON, e.g. {\"type\": \"department_head\"}."))
        return parsed


class StepSettingsForm(forms.Form):
    """The settings of one people's step (stored in ProcessVersion.steps_json under the step's id).

    One field per key the runtime reads (definitions.STEP_KEYS); the form checks them with the
    same rules as the service (definitions.clean_step_settings), reporting each on its field.
    """

    step_id = forms.CharField(widget=forms.HiddenInput, max_length=200)
    kind = forms.ChoiceField(label=_("Kind of step"), required=False, choices=[
        ("", _("Default (an approval)")), ("approve", _("An approval")),
        ("submit", _("The requester's own step (done by submitting; theirs again after a return)")),
    ])
    assignee = JSONRuleField(
        label=_("Who acts (assignee rule)"), required=False, max_length=4000,
        help_text=_('E.g. {"type": "department_head"}, {"type": "supervisor", "levels": 2}, '
                    '{"type": "position", "position": "gm"}, {"type": "user", "username": "wang"}.'),
    )
    mode = forms.ChoiceField(label=_("How several people decide"), required=False,
                             choices=_blank(list(ApprovalMode.choices), _("Default")))
    quorum = forms.IntegerField(label=_("Quorum (approvals needed)"), required=False, min_value=1, max_value=1000)
    due_hours = forms.DecimalField(label=_("Time limit (hours)"), required=False, min_value=0, max_value=100000,
                                   decimal_places=2)
    remind_before_hours = forms.DecimalField(label=_("Remind before (hours)"), required=False, min_value=0,
                                             max_value=100000, decimal_places=2)
    escalation = forms.ChoiceField(label=_("On breach of the time limit"), required=False, choices=[
        ("", _("Default (notify the supervisor)")), ("notify_supervisor", _("Notify the supervisor")),
        ("reassign", _("Reassign")), ("auto_approve", _("Approve automatically")),
        ("auto_return", _("Return automatically to the previous step")),
    ])
    escalate_to = JSONRuleField(label=_("Reassign to (rule)"), required=False, max_length=4000,
                                help_text=_("Only with “Reassign”; empty: the assignee's supervisor."))
    empty = forms.ChoiceField(label=_("When nobody is found"), required=False, choices=[
        ("", _("Default (the administrator)")), ("admin", _("The administrator acts")),
        ("skip", _("Skip the step")), ("refuse", _("Refuse to start")),
    ])
    requester_is_approver = forms.ChoiceField(label=_("When the requester is an approver"), required=False, choices=[
        ("", _("Default (passes automatically for them)")), ("auto_pass", _("Passes automatically for them")),
        ("approve", _("They approve like anyone else")),
    ])
    dedupe = forms.ChoiceField(label=_("Someone who already approved"), required=False, choices=[
        ("", _("Default (approves once: passes automatically)")), ("true", _("Approves once: passes automatically")),
        ("false", _("Approves again at this step")),
    ])
    on_reject = forms.ChoiceField(label=_("On rejection"), required=False, choices=[
        ("", _("Default (the approval ends)")), ("end", _("The approval ends")),
        ("route", _("Continue along the diagram (a gateway decides)")),
    ])
    version_state = forms.ChoiceField(label=_("Publishing process: state of the version meanwhile"), required=False,
                                      choices=[("", _("Not a publishing step")), ("review", _("In review")),
                                               ("trial", _("Trial run"))])
    sop = forms.CharField(label=_("SOP (shown to whoever holds the task)"), required=False, max_length=20000,
                          widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = dict(kwargs.get("initial") or {})
        if isinstance(initial.get("dedupe"), bool):
            initial["dedupe"] = "true" if initial["dedupe"] else "false"
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        from yewu.workflow.definitions import STEP_KEYS, clean_step_settings

        try:
            clean_step_settings(data.get("step_id") or "", self.settings())
        except DomainError as exc:
            field = exc.params.get("field")
            self.add_error(field if field in STEP_KEYS and field in self.fields else None, exc.message)
        return data

    def settings(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("step_id", None)
        for key in ("due_hours", "remind_before_hours"):
            if data.get(key) is not None:
                data[key] = float(data[key])
        return data


# --- filters (UI lists and API) ------------------------------------------------------------------


def _yes_no() -> forms.Select:
    return forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])


def _overdue_versions(today: Any = None) -> QuerySet:
    return ProcessVersion.objects.filter(
        status__in=[VersionStatus.PUBLISHED, VersionStatus.TRIAL], review_due__lt=today or timezone.localdate()
    )


class ProcessDefinitionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    category = django_filters.CharFilter(label=_("Category"), max_length=60)
    owner_department = django_filters.ModelChoiceFilter(label=_("Owner department"), queryset=Department.objects.all())
    review_overdue = django_filters.BooleanFilter(label=_("Re-review overdue"), method="overdue", widget=_yes_no())

    class Meta:
        model = ProcessDefinition
        fields = ["q", "category", "owner_department", "review_overdue"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["owner_department"].queryset = Department.objects.restrict(request.user, "view")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(key__icontains=value) | Q(name__icontains=value) | Q(category__icontains=value))

    def overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = Exists(_overdue_versions().filter(definition=OuterRef("pk")))
        return queryset.filter(late) if value else queryset.exclude(late)


class ProcessVersionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=VersionStatus.choices)
    review_overdue = django_filters.BooleanFilter(label=_("Re-review overdue"), method="overdue", widget=_yes_no())

    class Meta:
        model = ProcessVersion
        fields = ["q", "definition", "status", "review_overdue"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["definition"].queryset = ProcessDefinition.objects.restrict(request.user, "view")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(definition__key__icontains=value) | Q(definition__name__icontains=value) | Q(process_id__icontains=value)
        )

    def overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = Q(pk__in=_overdue_versions().values("pk"))
        return queryset.filter(late) if value else queryset.exclude(late)
