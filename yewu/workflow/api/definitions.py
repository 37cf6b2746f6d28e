"""Process definition API: definitions (list, read, create, change, import a BPMN file, upload a new
version) and versions (list, read, change notes / re-review date / step settings / diagram of a
draft, move through the lifecycle, copy as a new draft, export the BPMN).

Every queryset is the restricted one; every write calls one function of yewu.workflow.definitions,
whose refusals answer 400 (403/404 for permissions) with the code and the precise reason.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from yewu.core.api.base import ScopedViewSet
from yewu.core.api.parsers import FormParser, JSONParser, MultiPartParser
from yewu.core.errors import DomainError
from yewu.org.api.serializers import ScopedRelatedField
from yewu.org.models import Department
from yewu.workflow import definitions, migration, publishing
from yewu.workflow.choices import VersionStatus
from yewu.workflow.forms_definitions import ProcessDefinitionFilterSet, ProcessVersionFilterSet
from yewu.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion

_REFUSED = OpenApiResponse(
    description="Refused with {code, message}: e.g. workflow.invalid_bpmn (the reason names the element and "
                "its id), workflow.version_not_draft, workflow.bad_transition."
)


# --- serializers ---------------------------------------------------------------------------------


class ProcessDefinitionSerializer(serializers.ModelSerializer):
    owner_department = ScopedRelatedField(queryset=Department.objects.all(), allow_null=True, required=False)
    published_version = serializers.IntegerField(read_only=True, allow_null=True, source="current_version",
                                                 help_text="Number of the published version, if any.")
    review_due = serializers.DateField(read_only=True, allow_null=True, source="current_review_due",
                                       help_text="Re-review date of the published version.")

    class Meta:
        model = ProcessDefinition
        fields = ["id", "key", "name", "category", "description", "owner_department", "created_at",
                  "published_version", "review_due"]
        read_only_fields = ["created_at"]


class ProcessDefinitionChangeSerializer(ProcessDefinitionSerializer):
    """The key names the process everywhere (start links, delegations): it cannot change."""

    class Meta(ProcessDefinitionSerializer.Meta):
        read_only_fields = ["key", "created_at"]


class ProcessVersionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    steps = serializers.DictField(read_only=True, help_text="Per-step settings, keyed by the BPMN id of the step.")
    export_url = serializers.SerializerMethodField()

    class Meta:
        model = ProcessVersion
        fields = ["id", "definition", "version", "status", "status_label", "process_id", "review_due", "notes",
                  "steps", "created_by", "created_at", "published_at", "export_url"]
        read_only_fields = fields

    def get_export_url(self, obj: ProcessVersion) -> str:
        return f"/api/workflow/versions/{obj.pk}/export/"


class StepSettingsSerializer(serializers.Serializer):
    assignee = serializers.DictField(required=False, help_text='E.g. {"type": "department_head"}.')
    mode = serializers.CharField(required=False, allow_blank=True, max_length=20)
    quorum = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1000)
    due_hours = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100000)
    remind_before_hours = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100000)
    escalation = serializers.CharField(required=False, allow_blank=True, max_length=40)
    escalate_to = serializers.DictField(required=False)
    sop = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    empty = serializers.CharField(required=False, allow_blank=True, max_length=20)
    on_reject = serializers.CharField(required=False, allow_blank=True, max_length=20)
    kind = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                 help_text='"approve" (default) or "submit" (the requester\'s own step).')
    requester_is_approver = serializers.CharField(
        required=False, allow_blank=True, max_length=20,
        help_text='"auto_pass" (default: the step passes for the requester) or "approve".')
    dedupe = serializers.BooleanField(required=False, allow_null=True,
                                      help_text="Someone whose approval already stands passes automatically (default true).")
    version_state = serializers.CharField(
        required=False, allow_blank=True, max_length=20,
        help_text='Publishing process (P21) only: "review" or "trial", the state of the version while the step is open.')


class ProcessVersionChangeSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    review_due = serializers.DateField(required=False, allow_null=True)
    steps = serializers.DictField(child=StepSettingsSerializer(), required=False,
                                  help_text="Draft only: settings per step id (merged into the current ones).")
    bpmn_xml = serializers.CharField(required=False, trim_whitespace=False, max_length=definitions.MAX_BYTES,
                                     help_text="Draft only: the new diagram (checked like an import).")


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VersionStatus.choices)


class InputColumnSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    label = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    expression = serializers.CharField(max_length=2000, help_text="What the column reads, e.g. Decimal(estimated_cost).")
    type = serializers.CharField(required=False, allow_blank=True, max_length=20)


class OutputColumnSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    label = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    name = serializers.CharField(max_length=60, help_text="The variable the process reads, e.g. need_gm.")
    type = serializers.CharField(required=False, allow_blank=True, max_length=20)


class RuleSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    inputs = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=2000), max_length=20,
                                   help_text='One test per input column: "-" (any), "> 10000", "\\"overseas\\"".')
    outputs = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=2000), max_length=20,
                                    help_text="One expression per output column, e.g. True.")


class DecisionTableSerializer(serializers.Serializer):
    """A version's DMN decision table: columns and rules (the thresholds live in the input cells)."""

    decision = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="Id of the version holding this table.")
    hit_policy = serializers.ChoiceField(choices=[(p, p) for p in ("UNIQUE", "FIRST", "COLLECT")], required=False)
    inputs = InputColumnSerializer(many=True, max_length=20)
    outputs = OutputColumnSerializer(many=True, max_length=20)
    rules = RuleSerializer(many=True, max_length=200)


class SubmitSerializer(serializers.Serializer):
    form = serializers.DictField(required=False, help_text="P21 form fields to set instead of the defaults taken "
                                                           "from the version (purpose, trial_period, remarks, ...).")


class ApprovalSummarySerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ProcessInstance
        fields = ["id", "number", "title", "status", "status_label", "started_at", "ended_at"]
        read_only_fields = fields


class SubmitResultSerializer(serializers.Serializer):
    version = ProcessVersionSerializer()
    approval = ApprovalSummarySerializer(allow_null=True)


class MigrateSerializer(serializers.Serializer):
    to = serializers.PrimaryKeyRelatedField(queryset=ProcessVersion.objects.all(),
                                            help_text="Id of the newer published version to move to.")
    instances = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=1000,
                                      help_text="Ids of the approvals to move; all running ones when left out.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check only; move nothing.")


class MigrationOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    moved = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why the approval could not move (empty when it moved).")


class MigrationReportSerializer(serializers.Serializer):
    source = serializers.IntegerField()
    target = serializers.IntegerField()
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    moved = MigrationOutcomeSerializer(many=True)
    refused = MigrationOutcomeSerializer(many=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The BPMN file (multipart), or give bpmn_xml.")
    bpmn_xml = serializers.CharField(required=False, trim_whitespace=False, max_length=definitions.MAX_BYTES)
    process_id = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                       help_text="For a collaboration: the process (pool) to run.")
    make_executable = serializers.BooleanField(required=False, default=False,
                                               help_text='Mark a descriptive (isExecutable="false") process executable.')
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        upload = attrs.pop("file", None)
        if upload is not None:
            if upload.size > definitions.MAX_BYTES:
                raise serializers.ValidationError({"file": str(definitions.too_large(upload.size).message)})
            attrs["bpmn"] = upload.read(definitions.MAX_BYTES + 1)
        elif "bpmn_xml" in attrs:
            attrs["bpmn"] = attrs["bpmn_xml"]
        else:
            raise serializers.ValidationError({"file": "Give the BPMN as a file or as bpmn_xml."})
        attrs.pop("bpmn_xml", None)
        return attrs


class ImportSerializer(UploadSerializer):
    key = serializers.SlugField(required=False, allow_blank=True, max_length=60,
                                help_text="The process key; a new process unless it exists (default: the process id).")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    owner_department = ScopedRelatedField(queryset=Department.objects.all(), allow_null=True, required=False)


# --- viewsets ------------------------------------------------------------------------------------


def _with_current(queryset):
    current = ProcessVersion.objects.filter(definition=OuterRef("pk"), status=VersionStatus.PUBLISHED).order_by("-version")
    return queryset.annotate(
        current_version=Subquery(current.values("version")[:1]),
        current_review_due=Subquery(current.values("review_due")[:1]),
    )


class ProcessDefinitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Process definitions the caller may view; create, change, import and upload through the services."""

    queryset = ProcessDefinition.objects.all()
    serializer_class = ProcessDefinitionSerializer
    select_related = ("owner_department",)
    filterset_class = ProcessDefinitionFilterSet
    search_fields = ["key", "name", "category"]
    ordering_fields = ["key", "name", "category", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return _with_current(super().get_queryset())

    def scope_action(self) -> str:
        return {"import_file": "add", "upload": "change"}.get(self.action, super().scope_action())

    @property
    def grant_action(self) -> str | None:
        return {"import_file": "add", "upload": "change"}.get(getattr(self, "action", None) or "")

    def _one(self, definition: ProcessDefinition, code: int = status.HTTP_200_OK) -> Response:
        fresh = _with_current(ProcessDefinition.objects.filter(pk=definition.pk)).get()
        return Response(ProcessDefinitionSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(responses={201: ProcessDefinitionSerializer, 400: _REFUSED})
    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        definition = definitions.save_definition(None, dict(ser.validated_data), actor=request.user)
        return self._one(definition, status.HTTP_201_CREATED)

    @extend_schema(request=ProcessDefinitionChangeSerializer, responses={200: ProcessDefinitionSerializer, 400: _REFUSED})
    def partial_update(self, request, *args, **kwargs):
        definition = self.get_object()
        ser = ProcessDefinitionChangeSerializer(definition, data=request.data, partial=True,
                                                context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        definition = definitions.save_definition(definition, dict(ser.validated_data), actor=request.user)
        return self._one(definition)

    @extend_schema(request={"multipart/form-data": ImportSerializer, "application/json": ImportSerializer},
                   responses={201: ProcessVersionSerializer, 400: _REFUSED})
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        """Import a BPMN file: a new draft version of the process with that key (a new process if none)."""
        ser = ImportSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        version = definitions.import_bpmn(
            d["bpmn"], actor=request.user, key=d.get("key") or None, name=d.get("name") or None,
            owner_department=d.get("owner_department"), process_id=d.get("process_id") or None,
            make_executable=d.get("make_executable", False), notes=d.get("notes", ""),
        )
        return Response(ProcessVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": UploadSerializer, "application/json": UploadSerializer},
                   responses={201: ProcessVersionSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def upload(self, request, pk=None):
        """Upload a BPMN file as the next draft version of this process."""
        definition = self.get_object()
        ser = UploadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        version = definitions.create_version(
            definition, actor=request.user, bpmn_xml=d["bpmn"], process_id=d.get("process_id") or None,
            make_executable=d.get("make_executable", False), notes=d.get("notes", ""),
        )
        return Response(ProcessVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class ProcessVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Versions the caller may view: lifecycle, step settings, re-review date and the BPMN itself."""

    queryset = ProcessVersion.objects.all()
    serializer_class = ProcessVersionSerializer
    select_related = ("definition",)
    filterset_class = ProcessVersionFilterSet
    ordering_fields = ["version", "created_at", "published_at", "review_due"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    _ACTIONS = {"transition": "change", "copy": "view", "export": "view", "decision": "view", "submit": "change",
                "approvals": "view", "migrate": "view"}

    def scope_action(self) -> str:
        return self._ACTIONS.get(self.action, super().scope_action())

    @property
    def grant_action(self) -> str | None:
        return self._ACTIONS.get(getattr(self, "action", None) or "")

    def perform_content_negotiation(self, request, force=False):
        if getattr(self, "action", None) == "export":
            # The BPMN goes out as XML (see export); errors stay JSON whatever the Accept header says.
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def _one(self, version: ProcessVersion, code: int = status.HTTP_200_OK) -> Response:
        fresh = ProcessVersion.objects.select_related("definition").get(pk=version.pk)
        return Response(ProcessVersionSerializer(fresh).data, status=code)

    @extend_schema(request=ProcessVersionChangeSerializer, responses={200: ProcessVersionSerializer, 400: _REFUSED})
    def partial_update(self, request, *args, **kwargs):
        """Notes and re-review date (any status but retired); step settings and diagram (drafts only)."""
        version = self.get_object()
        ser = ProcessVersionChangeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        if "bpmn_xml" in d:
            version = definitions.save_diagram(version, d["bpmn_xml"], actor=request.user)
        if "steps" in d:
            version = definitions.save_steps(version, {k: dict(v) for k, v in d["steps"].items()}, actor=request.user)
        details = {k: d[k] for k in ("notes", "review_due") if k in d}
        if details:
            version = definitions.update_version(version, details, actor=request.user)
        return self._one(version)

    @extend_schema(request=TransitionSerializer, responses={200: ProcessVersionSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the version to another lifecycle status (draft → review → trial → published → retired)."""
        version = self.get_object()
        ser = TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        version = definitions.set_version_status(version, ser.validated_data["status"], actor=request.user)
        return self._one(version)

    @extend_schema(request=None, responses={201: ProcessVersionSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """A new draft version from this one (diagram, step settings and form)."""
        version = definitions.copy_version(self.get_object(), actor=request.user)
        return self._one(version, status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.STR, 404: OpenApiResponse(description="Not found.")})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The version's BPMN 2.0 XML with its diagram, as bpmn-js and Camunda Modeler open it."""
        version = self.get_object()
        response = HttpResponse(definitions.export_bpmn(version).encode("utf-8"),
                                content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{version.definition.key}-v{version.version}.bpmn"'
        return response

    @extend_schema(methods=["GET"], responses={200: DecisionTableSerializer, 400: _REFUSED})
    @extend_schema(methods=["PUT"], request=DecisionTableSerializer,
                   responses={200: DecisionTableSerializer, 201: DecisionTableSerializer, 400: _REFUSED})
    @action(detail=True, methods=["get", "put"])
    def decision(self, request, pk=None):
        """The DMN decision table (GET), or a changed one (PUT): a draft changes in place (200); for any
        other version a new draft is created with the table (201; its id is `version`)."""
        version = self.get_object()
        if request.method == "GET":
            table = definitions.decision_table(version)
            if table is None:
                raise DomainError(definitions.DefinitionError.NO_DECISION_TABLE)
            return Response({**table, "version": version.pk})
        ser = DecisionTableSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        changed = definitions.save_decision_table(version, _plain(ser.validated_data), actor=request.user)
        table = definitions.decision_table(changed)
        code = status.HTTP_200_OK if changed.pk == version.pk else status.HTTP_201_CREATED
        return Response({**table, "version": changed.pk}, status=code)

    @extend_schema(request=SubmitSerializer, responses={201: SubmitResultSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft for review: with a published P21 (process_standard) its approval starts, bound
        to the version, and moves it on; otherwise the version just moves to review (approval null)."""
        version = self.get_object()
        ser = SubmitSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        approval = publishing.submit_for_review(version, actor=request.user, form=ser.validated_data.get("form"))
        fresh = ProcessVersion.objects.select_related("definition").get(pk=version.pk)
        return Response({"version": ProcessVersionSerializer(fresh).data,
                         "approval": ApprovalSummarySerializer(approval).data if approval else None},
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ApprovalSummarySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def approvals(self, request, pk=None):
        """The publishing approvals (P21) of this version, newest first."""
        version = self.get_object()
        return Response(ApprovalSummarySerializer(publishing.approvals(version)[:50], many=True).data)

    @extend_schema(request=MigrateSerializer, responses={200: MigrationReportSerializer, 400: _REFUSED})
    @action(detail=True, methods=["post"])
    def migrate(self, request, pk=None):
        """Move running approvals of this version to a newer published version of the same process;
        the report lists what moved and what could not, with the reason."""
        version = self.get_object()
        ser = MigrateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        report = migration.migrate_instances(version, d["to"], actor=request.user, instances=d.get("instances"),
                                             dry_run=d["dry_run"])
        return Response(report.as_dict())


def _plain(value: Any) -> Any:
    """Serializer output (OrderedDicts, ReturnLists) as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
