"""API representations of the customer-service records; writes are parsed here and done by the services."""

from __future__ import annotations

from rest_framework import serializers

from yewu.crm.api.serializers import PersonField
from yewu.crm.models import Customer
from yewu.org.api.serializers import ScopedRelatedField
from yewu.org.models import Department
from yewu.service.choices import (
    AnswerChannel,
    CauseCategory,
    CauseKind,
    ComplaintCategory,
    QuestionKind,
    Satisfaction,
    Severity,
)
from yewu.service.models import (
    Complaint,
    Consultation,
    CorrectiveAction,
    ImprovementAction,
    Question,
    Respondent,
    Survey,
)

TEXT = {"max_length": 5000, "trim_whitespace": True}
MONTH = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"


def _department_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=Department.objects.filter(is_active=True), **kwargs)


class ConsultationSerializer(serializers.ModelSerializer):
    customer = ScopedRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    department = _department_field(required=False, allow_null=True)
    question = serializers.CharField(**TEXT)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    complaint = serializers.CharField(source="converted_complaint.number", read_only=True, default=None)

    class Meta:
        model = Consultation
        fields = ["id", "number", "channel", "customer", "contact_name", "phone", "email", "company_name", "subject",
                  "question", "department", "status", "received_at", "due_at", "overdue", "answer", "answered_at",
                  "escalated_at", "complaint"]
        read_only_fields = ["number", "status", "received_at", "due_at", "answer", "answered_at", "escalated_at"]


class ConvertToComplaintInput(serializers.Serializer):
    product = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(**TEXT)


class RouteInput(serializers.Serializer):
    department = _department_field()


class CorrectiveActionSerializer(serializers.ModelSerializer):
    owner = PersonField()
    description = serializers.CharField(**TEXT)

    class Meta:
        model = CorrectiveAction
        fields = ["id", "complaint", "description", "owner", "due_on", "status", "result", "done_at", "verified_at"]
        read_only_fields = ["complaint", "status", "result", "done_at", "verified_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    customer = ScopedRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    department = _department_field(required=False, allow_null=True)
    description = serializers.CharField(**TEXT)
    handler = serializers.CharField(source="handler.username", read_only=True, default=None)
    process = serializers.CharField(source="process.number", read_only=True, default=None)
    consultation = serializers.CharField(source="consultation.number", read_only=True, default=None)
    corrective_actions = CorrectiveActionSerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = ["id", "number", "channel", "customer", "contact_name", "phone", "email", "product", "category",
                  "description", "severity", "department", "handler", "cause_kind", "cause_category", "cause_notes",
                  "expectation", "plan", "reply", "replied_at", "satisfaction", "satisfaction_notes", "status",
                  "process", "consultation", "received_at", "closed_at", "corrective_actions"]
        read_only_fields = ["number", "handler", "cause_kind", "cause_category", "cause_notes", "expectation", "plan",
                            "reply", "replied_at", "satisfaction", "satisfaction_notes", "status", "process",
                            "received_at", "closed_at"]


class AcceptInput(serializers.Serializer):
    department = _department_field()
    handler = PersonField()
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class InvestigationInput(serializers.Serializer):
    cause_kind = serializers.ChoiceField(choices=CauseKind.choices)
    cause_category = serializers.ChoiceField(choices=CauseCategory.choices)
    expectation = serializers.CharField(**TEXT)
    notes = serializers.CharField(required=False, allow_blank=True, **TEXT)


class PlanInput(serializers.Serializer):
    plan = serializers.CharField(**TEXT)


class ReplyInput(serializers.Serializer):
    reply = serializers.CharField(**TEXT)


class FollowUpInput(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    notes = serializers.CharField(required=False, allow_blank=True, **TEXT)


class ResultInput(serializers.Serializer):
    result = serializers.CharField(**TEXT)


class StatsQuery(serializers.Serializer):
    start = serializers.RegexField(MONTH, help_text="First month, YYYY-MM")
    end = serializers.RegexField(MONTH, help_text="Last month, YYYY-MM")
    by = serializers.ChoiceField(choices=["cause", "product", "department"], default="cause")


class StatsRow(serializers.Serializer):
    month = serializers.CharField()
    key = serializers.CharField()
    count = serializers.IntegerField()
    closed = serializers.IntegerField()
    avg_hours_to_close = serializers.FloatField(allow_null=True)


class QuestionSerializer(serializers.ModelSerializer):
    options = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=30)

    class Meta:
        model = Question
        fields = ["id", "order", "text", "kind", "options", "required"]
        read_only_fields = ["order"]


class RespondentSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    link = serializers.SerializerMethodField()

    class Meta:
        model = Respondent
        fields = ["id", "customer", "customer_name", "expires_at", "answered_at", "channel", "link"]

    def get_link(self, obj: Respondent) -> str | None:
        """The public link, only for who may change the survey (whoever has it can answer)."""
        request = self.context.get("request")
        if obj.answered_at is not None or request is None:
            return None
        allowed = self.context.setdefault("_may_change", {})
        if obj.survey_id not in allowed:
            from yewu.core import permissions

            allowed[obj.survey_id] = permissions.can(request.user, "change", obj.survey)
        return request.build_absolute_uri(obj.get_absolute_url()) if allowed[obj.survey_id] else None


class SurveySerializer(serializers.ModelSerializer):
    department = _department_field(required=False, allow_null=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    respondents = RespondentSerializer(many=True, read_only=True)
    target = serializers.CharField(required=False, allow_blank=True, **TEXT)

    class Meta:
        model = Survey
        fields = ["id", "name", "period_start", "period_end", "target", "status", "owner", "department", "questions",
                  "respondents"]
        read_only_fields = ["status", "owner"]


class QuestionInput(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    options = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=30)
    required = serializers.BooleanField(default=True)


class RespondentsInput(serializers.Serializer):
    customers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                      min_length=1, max_length=500)


class EntryInput(serializers.Serializer):
    respondent = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    channel = serializers.ChoiceField(choices=[AnswerChannel.PHONE, AnswerChannel.FACE])
    answers = serializers.DictField(child=serializers.CharField(max_length=5000, allow_blank=True))


class ResultSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField()
    answers = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    distribution = serializers.ListField(child=serializers.DictField())
    texts = serializers.ListField(child=serializers.CharField(), required=False)


class ImprovementActionSerializer(serializers.ModelSerializer):
    owner = PersonField()
    description = serializers.CharField(**TEXT)
    question = serializers.PrimaryKeyRelatedField(queryset=Question.objects.all(), required=False, allow_null=True)

    class Meta:
        model = ImprovementAction
        fields = ["id", "survey", "question", "description", "owner", "due_on", "status", "result", "done_at",
                  "verified_at"]
        read_only_fields = ["survey", "status", "result", "done_at", "verified_at"]


